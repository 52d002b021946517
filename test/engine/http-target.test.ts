import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import net from 'node:net';
import { HttpTarget } from '../../src/target/http-target.ts';
import { parseRetryAfter } from '../../src/target/errors.ts';

/** A server whose answer is chosen by path, to exercise every failure class of the reference adapter. */
let server: http.Server;
let url: string;
const seen: http.IncomingHttpHeaders[] = [];
beforeAll(async () => {
  server = http.createServer((req, res) => {
    seen.push(req.headers);
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const json = (status: number, value: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify(value));
      };
      if (req.url === '/v1/posts' && req.method === 'POST') return json(201, { id: 'p1', createdAt: '2025-01-13T00:00:00Z', lang: 'en', echo: JSON.parse(body) });
      if (req.url === '/v1/posts/gone') return json(410, { error: { code: 'removed', message: 'moderated' } });
      if (req.url === '/v1/posts/unknown') return json(404, { error: { code: 'not_found', message: 'no' } });
      if (req.url?.startsWith('/v1/feed/following')) return json(429, { error: { code: 'rate_limited', message: 'slow' } }, { 'retry-after': '2' });
      if (req.url?.startsWith('/v1/feed/discover')) return json(503, { error: { code: 'overloaded', message: 'shed' } }, { 'retry-after': '1' });
      if (req.url === '/v1/sessions') {
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end('{not json');
      }
      if (req.url === '/v1/users') return json(201, { handle: 'x' }); // contract violation: no id/token
      if (req.url === '/v1/follows') return req.socket.destroy(); // reset mid-request
      if (req.url === '/v1/reports') return; // never answers: timeout
      json(404, { error: { code: 'no_route', message: req.url } });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

describe('HttpTarget (reference API adapter)', () => {
  it('sends bearer token, synthetic client address and idempotency key', async () => {
    const t = new HttpTarget({ url, connections: 2, timeoutMs: 1000 });
    try {
      const r = await t.post({ token: 'tok', clientIp: '10.0.0.7' }, { text: 'hi', tags: ['a'], media: [], idempotencyKey: 'k-1' });
      expect(r).toMatchObject({ ok: true, status: 201, value: { id: 'p1', lang: 'en' } });
      const h = seen.at(-1)!;
      expect(h.authorization).toBe('Bearer tok');
      expect(h['x-forwarded-for']).toBe('10.0.0.7');
      expect(h['idempotency-key']).toBe('k-1');
    } finally {
      await t.close();
    }
  });

  it('maps 404/410 on get_post to values and HTTP errors to kinds with Retry-After', async () => {
    const t = new HttpTarget({ url, connections: 2, timeoutMs: 1000 });
    try {
      expect(await t.getPost({}, 'gone')).toMatchObject({ ok: true, value: { state: 'removed' } });
      expect(await t.getPost({}, 'unknown')).toMatchObject({ ok: true, value: { state: 'missing' } });
      const throttled = await t.feed({}, 'following', 20);
      expect(throttled).toMatchObject({ ok: false, error: { kind: 'http_4xx', status: 429, code: 'rate_limited', retryAfterMs: 2000 } });
      const shed = await t.feed({}, 'discover', 20);
      expect(shed).toMatchObject({ ok: false, error: { kind: 'http_5xx', status: 503, code: 'overloaded', retryAfterMs: 1000 } });
    } finally {
      await t.close();
    }
  });

  it('classifies protocol violations, resets, timeouts, refusals and aborts', async () => {
    const t = new HttpTarget({ url, connections: 2, timeoutMs: 300 });
    try {
      expect(await t.login({}, 'a', 'b')).toMatchObject({ ok: false, error: { kind: 'protocol' } });
      expect(await t.signup({}, { handle: 'x', password: 'p', displayName: 'x', locale: 'en_US', languages: ['en'], country: 'US', tz: 'UTC' })).toMatchObject({
        ok: false,
        error: { kind: 'protocol' },
      });
      expect(await t.follow({}, 'u1')).toMatchObject({ ok: false, error: { kind: 'reset' } });
      expect(await t.report({}, 'p1', 'spam')).toMatchObject({ ok: false, error: { kind: 'timeout' } });
      const ac = new AbortController();
      const pending = t.report({ signal: ac.signal }, 'p1', 'spam');
      ac.abort();
      expect(await pending).toMatchObject({ ok: false, error: { kind: 'aborted' } });
    } finally {
      await t.close();
    }
    const free = await new Promise<number>((resolve) => {
      const probe = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (probe.address() as net.AddressInfo).port;
        probe.close(() => resolve(p));
      });
    });
    const dead = new HttpTarget({ url: `http://127.0.0.1:${free}`, connections: 1, timeoutMs: 500 });
    try {
      expect(await dead.feed({}, 'discover', 20)).toMatchObject({ ok: false, error: { kind: 'connect_refused', code: 'ECONNREFUSED' } });
    } finally {
      await dead.close();
    }
  });

  it('parses Retry-After as seconds or an HTTP date', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter('0.5')).toBe(500);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:10 GMT', Date.parse('Wed, 21 Oct 2015 07:28:00 GMT'))).toBe(10_000);
    expect(parseRetryAfter('soon')).toBeUndefined();
  });
});
