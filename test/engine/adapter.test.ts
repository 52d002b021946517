import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AdapterLoadError, instantiateAdapter, loadAdapter } from '../../src/target/load-adapter.ts';
import { runPlan } from '../../src/engine/run.ts';
import { createPopulation } from '../../src/population/store.ts';
import { createFeedQualityPlugin } from '../../src/observe/feed-quality-plugin.ts';
import type { Target } from '../../src/target/target.ts';
import { cohort, content, plan } from './helpers/stand-ins.ts';
import { finalizeSummary, renderRunFiles, type SummaryParts } from '../../src/report/write.ts';
import { renderSummaryText } from '../../src/report/text.ts';
import { CHIRP_UNSUPPORTED_ROUTES, startChirpServer, type ChirpServer } from '../target/chirp-server.ts';

const CHIRP = 'fixtures/adapters/example-adapter.ts';
const account = (handle: string) => ({ handle, email: `${handle}@chirp.test`, password: 'password1', displayName: 'I', locale: 'en_US', languages: ['en'], country: 'US', tz: 'America/Chicago' });

describe('--adapter: user adapters (Chirp: no report, translate or following listing; 422 for what exists)', () => {
  let chirp: ChirpServer;
  let target: Target;
  beforeAll(async () => {
    chirp = await startChirpServer();
    target = await instantiateAdapter(await loadAdapter(CHIRP), { url: chirp.url, timeoutMs: 2000 });
  });
  afterAll(async () => {
    await target?.close();
    await chirp?.close();
  });

  it('maps the contract onto a differently shaped API, with outcomes instead of status conventions', async () => {
    expect(target.capabilities?.supports).not.toContain('report');
    const acc = await target.signup({}, account('iowafarmer'));
    expect(acc.ok && acc.value.token).toMatch(/^jwt-a\d+$/);
    if (!acc.ok) return;
    const again = await target.signup({}, account('iowafarmer'));
    expect(again).toMatchObject({ ok: false, outcome: 'exists', error: { status: 422, code: 'taken' } });
    const other = await target.signup({}, account('xiaohongshu'));
    if (!other.ok) throw new Error('signup failed');
    const ctx = { token: acc.value.token };
    expect(await target.follow(ctx, other.value.userId)).toMatchObject({ ok: true, status: 204 });
    expect(await target.follow(ctx, other.value.userId)).toMatchObject({ ok: true, status: 422, outcome: 'already' });
    const p1 = await target.post(ctx, { text: 'hello', tags: [], media: [{ kind: 'image', bytes: 10 }], idempotencyKey: 'k1', langHint: 'en' });
    const dup = await target.post(ctx, { text: 'hello', tags: [], media: [], idempotencyKey: 'k1' });
    expect(p1.ok && dup.ok && p1.value.id === dup.value.id).toBe(true);
    if (!p1.ok) return;
    expect(await target.like(ctx, p1.value.id)).toMatchObject({ ok: true, status: 204 });
    expect(await target.like(ctx, p1.value.id)).toMatchObject({ ok: true, status: 422, outcome: 'already' });
    const c = await target.comment(ctx, p1.value.id, 'first');
    const comments = await target.listComments!(ctx, p1.value.id, 10);
    expect(c.ok && comments.ok && comments.value.items.map((x) => x.id)).toEqual([c.ok ? c.value.id : '']);
    expect((await target.getPost(ctx, 's999')).ok && (await target.getPost(ctx, 's999'))).toMatchObject({ value: { state: 'missing' } });
    chirp.remove(p1.value.id);
    expect(await target.getPost(ctx, p1.value.id)).toMatchObject({ ok: true, status: 410, value: { state: 'removed' } });
    const feed = await target.feed(ctx, 'discover', 20);
    expect(feed.ok && feed.value.degraded).toBe('ranker-fallback');
    const unauth = await target.feed({}, 'following', 20);
    expect(unauth.ok ? 0 : unauth.error).toMatchObject({ kind: 'http_4xx', status: 401, code: 'auth' });
  });

  it('runs a scenario that wants report, translate and discover: nothing unsupported sent, no errors, skips and unchecked follows reported', async () => {
    const weights = { readFollowing: 2, readDiscover: 2, like: 1, comment: 1, post: 2, translate: 2, report: 2, follow: 1 };
    const p = plan([cohort({ name: 'newcomers', people: 60, rate: () => 30, peakRate: 30, behaviour: { actionsPerSession: 6, thinkTimeMs: 5, introPosts: 1, weights } })], {
      wallDurationSec: 1.5,
    });
    p.observers = { ...p.observers, probeReaders: { en: 1 }, pollIntervalSec: 0.2 };
    const population = createPopulation(p, target.identity);
    for (let i = 0; i < population.size; i++) expect(population.person(i).handle).toMatch(/^[a-z0-9]{3,20}$/);
    const feedQuality = createFeedQualityPlugin(p);
    const before = { ...chirp.hits };
    const out = await runPlan({ plan: p, target, population, content, plugins: [feedQuality] });
    const s = out.summary;
    for (const route of CHIRP_UNSUPPORTED_ROUTES) expect(chirp.hits[route] ?? 0, route).toBe(before[route] ?? 0);
    expect(s.totals.signups).toBeGreaterThan(10);
    expect(s.totals.errors).toBe(0);
    expect(s.endpoints.report).toBeUndefined();
    expect(s.endpoints.translate).toBeUndefined();
    expect(chirp.hits['GET /api/timelines/explore']).toBeGreaterThan(0);
    const skipped = s.skipped as { operation: string; reason: string; actions: number }[];
    expect(skipped.map((x) => x.operation)).toEqual(['translate', 'report', 'list_following', 'delete']);
    expect(skipped.find((x) => x.operation === 'report')).toMatchObject({ reason: 'Chirp has no endpoint to flag a status', actions: expect.any(Number) });
    expect(skipped.find((x) => x.operation === 'report')!.actions + skipped.find((x) => x.operation === 'translate')!.actions).toBeGreaterThan(0);
    const audit = s.audit as { checkedWrites: number; lostWrites: number; acknowledged: { follow: number }; notCheckable?: { kind: string; writes: number; reason: string }[] };
    expect(audit.lostWrites).toBe(0);
    expect(audit.checkedWrites).toBeGreaterThan(0);
    expect(audit.acknowledged.follow).toBeGreaterThan(0);
    expect(audit.notCheckable).toEqual([{ kind: 'follow', writes: audit.acknowledged.follow, reason: 'follows unchecked: Chirp does not list whom an account follows' }]);
    // Every rendering says what was skipped and what the audit could not check, with the reasons.
    const final = finalizeSummary(out.summary as SummaryParts, []);
    const files = renderRunFiles({ summary: final, timeline: out.timeline, plan: p });
    for (const text of [renderSummaryText(final), files['summary.md'], files['report.html']]) {
      expect(text).toMatch(/report skipped: Chirp has no endpoint to flag a status/);
      expect(text).toMatch(/audit: follows unchecked: Chirp does not list whom an account follows/);
    }
  });

  it('classifies a refused connection', async () => {
    const factory = await loadAdapter(CHIRP);
    const port = await new Promise<number>((resolve) => {
      const probe = http.createServer().listen(0, '127.0.0.1', () => {
        const p = (probe.address() as { port: number }).port;
        probe.close(() => resolve(p)); // nothing listens there any more
      });
    });
    const dead = await instantiateAdapter(factory, { url: `http://127.0.0.1:${port}`, timeoutMs: 1000 });
    const r = await dead.login({}, 'x', 'y');
    expect(r.ok ? undefined : r.error.kind).toBe('connect_refused');
    await dead.close();
  });
});

describe('the loader validates the whole contract before traffic', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fc-adapter-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const core = `signup() {}, login() {}, follow() {}, post() {}, getPost() {}, comment() {}, like() {}, feed() {}, async close() {}`;
  const write = (name: string, text: string) => {
    writeFileSync(path.join(dir, name), text);
    return path.join(dir, name);
  };
  const refused = async (file: string) => {
    const factory = await loadAdapter(file);
    return instantiateAdapter(factory, { url: 'http://127.0.0.1:1' }).then(
      () => 'accepted',
      (e: Error) => (e instanceof AdapterLoadError ? e.message : `not an AdapterLoadError: ${e}`),
    );
  };

  it('refuses modules that are not adapters, naming the fix', async () => {
    await expect(loadAdapter(path.join(dir, 'nope.ts'))).rejects.toThrow(/adapter file not found/);
    await expect(loadAdapter('atprot')).rejects.toThrow(/built-in adapters: reference, atproto/);
    await expect(loadAdapter(write('named.ts', 'export const target = 1;\n'))).rejects.toThrow(/must default-export a TargetFactory.*no default export/);
    await expect(loadAdapter(write('obj.ts', 'export default { name: "x" };\n'))).rejects.toThrow(/must default-export a TargetFactory.*an object with keys name/);
    await expect(loadAdapter(write('cls.ts', 'export default class Mine {}\n'))).rejects.toThrow(/default-exports a class/);
  });

  it('names every problem of the target: missing core, mistyped methods, capability set, identity', async () => {
    expect(await refused(write('partial.ts', 'export default () => ({ name: "x", capabilities: { supports: [] }, signup() {} });\n'))).toMatch(
      /lacks core method\(s\): login, follow, post, getPost, comment, like, feed, close/,
    );
    expect(await refused(write('typo.ts', `export default () => ({ name: "x", capabilities: { supports: [] }, ${core}, report: 'yes' });\n`))).toMatch(/report must be a function \(got string\)/);
    expect(await refused(write('nocaps.ts', `export default () => ({ name: "x", ${core} });\n`))).toMatch(/lacks capabilities: declare/);
    expect(await refused(write('notarray.ts', `export default () => ({ name: "x", capabilities: { supports: 'report' }, ${core} });\n`))).toMatch(/capabilities\.supports must be an array/);
    expect(await refused(write('unknown.ts', `export default () => ({ name: "x", capabilities: { supports: ['reports', 'discover'] }, ${core} });\n`))).toMatch(
      /unknown name\(s\) "reports" \(known: discover, report/,
    );
    expect(await refused(write('nomethod.ts', `export default () => ({ name: "x", capabilities: { supports: ['report', 'list_following'] }, ${core} });\n`))).toMatch(
      /declares report but has no report\(\) method; declares list_following but has no listFollowing\(\) method/,
    );
    expect(await refused(write('identity.ts', `export default () => ({ name: "x", capabilities: { supports: [] }, identity: { handle: { charset: 'a-c' } }, ${core} });\n`))).toMatch(
      /identity\.handle\.charset: must allow at least 16/,
    );
    expect(await refused(write('throws.ts', `export default () => { throw new Error('no API key'); };\n`))).toMatch(/factory threw: no API key/);
    expect(await refused(write('good.ts', `export default () => ({ name: "x", capabilities: { supports: [] }, ${core} });\n`))).toBe('accepted');
  });

  it('loads the built-in adapters by name', async () => {
    const ref = await instantiateAdapter(await loadAdapter('reference'), { url: 'http://127.0.0.1:1' });
    expect(ref.name).toBe('reference-http');
    expect(ref.capabilities?.supports).toContain('report');
    await ref.close();
  });
});
