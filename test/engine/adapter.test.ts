import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AdapterLoadError, instantiateAdapter, loadAdapter } from '../../src/target/load-adapter.ts';
import { runPlan } from '../../src/engine/run.ts';
import type { Target } from '../../src/target/target.ts';
import { cohort, content, plan, population } from './helpers/stand-ins.ts';

/** A tiny "Chirp" server: a differently shaped API (see fixtures/adapters/example-adapter.ts). */
function startChirp() {
  const accounts = new Map<string, { uid: string; username: string; secret: string; jwt: string }>();
  const byJwt = new Map<string, string>();
  const statuses = new Map<string, { sid: string; uid: string; body: string; language: string; hashtags: string[]; published_at: string; removed?: boolean }>();
  const following = new Map<string, Set<string>>();
  const requestIds = new Map<string, string>();
  const hits: Record<string, number> = {};
  let seq = 0;
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      const url = new URL(req.url!, 'http://x');
      const body = raw ? JSON.parse(raw) : {};
      const send = (status: number, json?: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(json === undefined ? '' : JSON.stringify(json));
      };
      const route = `${req.method} ${url.pathname.replace(/\/[a-z]\d+/g, '/:id')}`;
      hits[route] = (hits[route] ?? 0) + 1;
      if (route === 'POST /api/accounts') {
        const uid = `a${++seq}`;
        const a = { uid, username: body.username, secret: body.secret, jwt: `jwt-${uid}` };
        accounts.set(body.username, a);
        byJwt.set(a.jwt, uid);
        return send(200, { account: { uid, username: a.username }, session: { jwt: a.jwt } });
      }
      if (route === 'POST /api/auth/login') {
        const a = accounts.get(body.username);
        return a && a.secret === body.secret ? send(200, { uid: a.uid, jwt: a.jwt }) : send(401, { kind: 'auth', message: 'bad secret' });
      }
      const me = byJwt.get(String(req.headers['x-auth-token']));
      if (!me) return send(401, { kind: 'auth', message: 'missing X-Auth-Token' });
      if (route === 'PUT /api/accounts/me/following/:id') {
        if (!following.has(me)) following.set(me, new Set());
        following.get(me)!.add(url.pathname.split('/').pop()!);
        return send(204);
      }
      if (route === 'POST /api/statuses') {
        const rid = String(req.headers['x-request-id']);
        const known = requestIds.get(rid);
        const sid = known ?? `s${++seq}`;
        if (!known) {
          statuses.set(sid, { sid, uid: me, body: body.body, language: 'en', hashtags: body.hashtags, published_at: new Date().toISOString(), removed: seq % 5 === 0 });
          requestIds.set(rid, sid);
        }
        return send(201, { status: statuses.get(sid) });
      }
      if (route === 'GET /api/statuses/:id') {
        const s = statuses.get(url.pathname.split('/').pop()!);
        if (!s) return send(404, { kind: 'not_found', message: 'no such status' });
        if (s.removed) return send(410, { kind: 'gone', message: 'removed' });
        const lang = url.searchParams.get('lang');
        return send(200, { status: { ...s, translated: lang ? { language: lang, body: `(${lang}) ${s.body}` } : undefined } });
      }
      if (route === 'POST /api/statuses/:id/replies') return send(201, { reply: { rid: `r${++seq}`, published_at: new Date().toISOString() } });
      if (route === 'POST /api/statuses/:id/favourite' || route === 'POST /api/flags') return send(204);
      if (route === 'GET /api/timelines/home' || route === 'GET /api/timelines/explore') {
        const f = following.get(me) ?? new Set();
        const list = [...statuses.values()].filter((s) => route.endsWith('explore') || f.has(s.uid)).slice(-20);
        return send(200, { statuses: list, next_page: null, mode: route.endsWith('explore') ? 'fallback' : undefined });
      }
      send(404, { kind: 'no_route', message: route });
    });
  });
  return new Promise<{ url: string; hits: Record<string, number>; close: () => Promise<void> }>((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      resolve({ url: `http://127.0.0.1:${port}`, hits, close: () => new Promise((r) => (server.closeAllConnections(), server.close(() => r()))) });
    }),
  );
}

describe('--adapter: user adapters', () => {
  let chirp: Awaited<ReturnType<typeof startChirp>>;
  let target: Target;
  beforeAll(async () => {
    chirp = await startChirp();
    const factory = await loadAdapter('fixtures/adapters/example-adapter.ts');
    target = await instantiateAdapter(factory, { url: chirp.url, timeoutMs: 2000 });
  });
  afterAll(async () => {
    await target?.close();
    await chirp?.close();
  });

  it('maps the contract onto a differently shaped API', async () => {
    const acc = await target.signup({}, { handle: 'iowa_farmer', password: 'pw', displayName: 'I', locale: 'en_US', languages: ['en'], country: 'US', tz: 'America/Chicago' });
    expect(acc.ok && acc.value.token).toBe('jwt-a1');
    if (!acc.ok) return;
    const ctx = { token: acc.value.token };
    const p1 = await target.post(ctx, { text: 'hello', tags: [], media: [{ kind: 'image', bytes: 10 }], idempotencyKey: 'k1' });
    const again = await target.post(ctx, { text: 'hello', tags: [], media: [], idempotencyKey: 'k1' });
    expect(p1.ok && again.ok && p1.value.id === again.value.id).toBe(true);
    const view = await target.getPost(ctx, p1.ok ? p1.value.id : '', 'zh');
    expect(view.ok && view.value.state === 'present' && view.value.post.translation?.text).toBe('(zh) hello');
    const missing = await target.getPost(ctx, 's999');
    expect(missing.ok && missing.value.state).toBe('missing');
    const feed = await target.feed(ctx, 'discover', 20);
    expect(feed.ok && feed.value.degraded).toBe('ranker-fallback');
    expect(feed.ok && feed.value.items[0]).toMatchObject({ id: expect.any(String), authorId: 'a1', lang: 'en' });
    const unauth = await target.feed({}, 'following', 20);
    expect(unauth.ok ? 0 : unauth.error).toMatchObject({ kind: 'http_4xx', status: 401, code: 'auth' });
  });

  it('drives a whole run through the adapter', async () => {
    const p = plan([cohort({ name: 'newcomers', people: 40, rate: () => 20, peakRate: 20 })], { wallDurationSec: 1 });
    const out = await runPlan({ plan: p, target, population: population(p), content });
    expect(out.summary.totals.signups).toBeGreaterThan(5);
    expect(out.summary.totals.errors).toBe(0);
    expect(chirp.hits['POST /api/accounts']).toBeGreaterThanOrEqual(out.summary.totals.signups);
    expect(chirp.hits['POST /api/statuses']).toBeGreaterThan(0);
  });

  it('classifies a refused connection', async () => {
    const factory = await loadAdapter('fixtures/adapters/example-adapter.ts');
    const port = await new Promise<number>((resolve) => {
      const probe = http.createServer().listen(0, '127.0.0.1', () => {
        const p = (probe.address() as { port: number }).port;
        probe.close(() => resolve(p)); // nothing listens there any more
      });
    });
    const dead = await instantiateAdapter(factory, { url: `http://127.0.0.1:${port}`, timeoutMs: 1000 });
    const r = await dead.login({}, 'x', 'y');
    expect(r.ok ? undefined : r.error.kind).toBe('connect_refused');
  });

  it('rejects modules that are not adapters with a message naming the fix', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'fc-adapter-'));
    try {
      writeFileSync(path.join(dir, 'named.ts'), 'export const target = 1;\n');
      writeFileSync(path.join(dir, 'partial.ts'), 'export default () => ({ name: "x", signup() {} });\n');
      await expect(loadAdapter(path.join(dir, 'nope.ts'))).rejects.toThrow(/adapter file not found/);
      await expect(loadAdapter(path.join(dir, 'named.ts'))).rejects.toThrow(/must default-export a TargetFactory/);
      const partial = await loadAdapter(path.join(dir, 'partial.ts'));
      await expect(instantiateAdapter(partial, { url: 'http://127.0.0.1:1' })).rejects.toBeInstanceOf(AdapterLoadError);
      await expect(instantiateAdapter(partial, { url: 'http://127.0.0.1:1' })).rejects.toThrow(/lacks method\(s\): login, follow/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
