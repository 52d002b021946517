// Security properties of the reference backend: an authorization matrix over every write route (no token, expired,
// forged, malformed, another user's -> 401/403, and the store unchanged); no one acts as someone else through body
// fields; secrets never in logs (pino at trace level with request logging), error messages or /metrics; /metrics
// carries no personal data; body size limits (413, also for chunked bodies on a real socket); rate limits per IP
// and per account (429 + Retry-After, nothing written).
import http from 'node:http';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorld, type World } from '../fuzz/world.ts';

let w: World;
const logs: string[] = [];
const ADMIN_TOKEN = 'admin-token-for-the-security-test';

beforeAll(async () => {
  const logStream = new Writable({ write: (c, _e, done) => (logs.push(String(c)), done()) });
  w = await createWorld(
    { logLevel: 'trace', logRequests: true, bodyLimitBytes: 4096, surge: { admission: { maxEventLoopDelayMs: 0 }, translation: { adminToken: ADMIN_TOKEN } } },
    { logStream },
  );
}, 120_000);
afterAll(async () => w?.close());

type Cred = { name: string; token?: string; authorization?: string; status: number[] };

function credentials(): Cred[] {
  return [
    { name: 'no token', status: [401] },
    { name: 'expired', token: w.tokens.expired, status: [401] },
    { name: 'forged signature', token: w.tokens.forged, status: [401] },
    { name: 'wrong version', token: w.tokens.wrongVersion, status: [401] },
    { name: 'truncated', token: w.alice.token.split('.').slice(0, 2).join('.'), status: [401] },
    { name: 'tampered payload', token: tamper(w.alice.token, w.bob.id), status: [401] },
    { name: 'Basic auth', authorization: `Basic ${Buffer.from(`${w.alice.handle}:${w.alice.password}`).toString('base64')}`, status: [401] },
  ];
}

/** alice's token with the payload's user id swapped for another: the signature no longer matches. */
function tamper(token: string, otherId: string): string {
  const [v, payload, sig] = token.split('.');
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  claims.sub = otherId;
  return `${v}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${sig}`;
}

function writeRoutes(): { method: string; url: string; body?: unknown }[] {
  return [
    { method: 'POST', url: '/v1/follows', body: { userId: w.bob.id } },
    { method: 'DELETE', url: `/v1/follows/${w.bob.id}` },
    { method: 'POST', url: '/v1/posts', body: { text: 'impostor post', tags: [], media: [] } },
    { method: 'DELETE', url: `/v1/posts/${w.alicePost}` },
    { method: 'POST', url: `/v1/posts/${w.alicePost}/comments`, body: { text: 'impostor comment' } },
    { method: 'POST', url: `/v1/posts/${w.bobPost}/likes` },
    { method: 'POST', url: '/v1/reports', body: { postId: w.bobPost, reason: 'spam' } },
    { method: 'POST', url: '/v1/admin/translation', body: { enabled: true } },
  ];
}

describe('authorization matrix', () => {
  it('every write route refuses every bad credential with 401 and changes nothing', async () => {
    const before = await w.digest();
    const failures: string[] = [];
    for (const route of writeRoutes()) {
      for (const cred of credentials()) {
        const r = await w.inject(route.method, route.url, { token: cred.token, authorization: cred.authorization, body: route.body });
        // The admin route takes the admin token only: a user credential there is 401 or 403.
        const want = route.url.startsWith('/v1/admin') ? [401, 403] : cred.status;
        if (!want.includes(r.status)) failures.push(`${route.method} ${route.url} with ${cred.name}: ${r.status} ${r.raw}`);
        else expect(r.json.error.code, r.raw).toMatch(/unauthenticated|invalid_token|token_expired|forbidden|expired/);
      }
    }
    expect(failures).toEqual([]);
    expect(await w.digest()).toBe(before);
  });

  it("another user's valid token cannot delete, unfollow for, or post as the owner", async () => {
    const before = await w.digest();
    // bob deletes alice's post: forbidden (or not found for him), never done.
    const del = await w.inject('DELETE', `/v1/posts/${w.alicePost}`, { token: w.bob.token });
    expect([403, 404]).toContain(del.status);
    // A user token on the admin route.
    const admin = await w.inject('POST', '/v1/admin/translation', { token: w.alice.token, body: { enabled: true } });
    expect(admin.status).toBe(403);
    // bob's DELETE /v1/follows/bob acts on bob's own follows (he follows nobody): alice's follow of bob stays.
    expect((await w.inject('DELETE', `/v1/follows/${w.bob.id}`, { token: w.bob.token })).status).toBeLessThan(500);
    expect(await w.digest()).toBe(before);
  });

  it('identity comes from the token only: body fields naming another user are ignored', async () => {
    const r = await w.inject('POST', '/v1/posts', { token: w.bob.token, body: { text: 'who wrote this', tags: [], media: [], authorId: w.alice.id, userId: w.alice.id } });
    expect(r.status).toBe(201);
    const stored = await w.backend.app.store.getPost(r.json.id);
    expect(stored?.authorId).toBe(w.bob.id);
    const f = await w.inject('POST', '/v1/follows', { token: w.bob.token, body: { userId: w.alice.id, followerId: w.alice.id } });
    expect([200, 201]).toContain(f.status);
    expect(await w.backend.app.store.isFollowing(w.bob.id, w.alice.id)).toBe(true);
    expect(await w.backend.app.store.isFollowing(w.alice.id, w.alice.id)).toBe(false);
    // Clean up so the other tests' digests start from a known state.
    expect((await w.inject('DELETE', `/v1/posts/${r.json.id}`, { token: w.bob.token })).status).toBeLessThan(300);
    expect((await w.inject('DELETE', `/v1/follows/${w.alice.id}`, { token: w.bob.token })).status).toBe(204);
  });

  it('a wrong password and an unknown handle get the same answer (no account enumeration)', async () => {
    const wrong = await w.inject('POST', '/v1/sessions', { body: { handle: w.alice.handle, password: 'not-her-password' } });
    const unknown = await w.inject('POST', '/v1/sessions', { body: { handle: 'nobody_by_this_name', password: 'not-her-password' } });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(wrong.status);
    expect(unknown.json.error).toEqual(wrong.json.error);
  });
});

describe('secrets stay secret', () => {
  it('passwords and tokens appear in no log line, error message or metric', async () => {
    const password = 'correct-horse-battery-staple-7731';
    const handle = `carol_${Date.now().toString(36)}`;
    const signup = await w.inject('POST', '/v1/users', { body: { handle, password, displayName: 'Carol', locale: 'en-US', languages: ['en'], country: 'US', tz: 'UTC' } });
    expect(signup.status).toBe(201);
    const token: string = signup.json.token;
    const signature = token.split('.')[2];
    const responses = [
      await w.inject('POST', '/v1/sessions', { body: { handle, password } }),
      await w.inject('POST', '/v1/sessions', { body: { handle, password: `${password}-wrong` } }),
      await w.inject('POST', '/v1/sessions', { body: { handle, password: 12345 } }),
      await w.inject('POST', '/v1/users', { body: { handle, password, displayName: 'again', locale: 'en-US', languages: ['en'], country: 'US', tz: 'UTC' } }),
      await w.inject('POST', '/v1/users', { body: { handle: 'x', password } }),
      await w.inject('GET', '/v1/feed/following', { token }),
      await w.inject('GET', '/v1/feed/following', { token: `${token}forged` }),
      await w.inject('GET', '/v1/feed/following', { authorization: `Bearer ${signature}` }),
      await w.inject('POST', '/v1/posts', { token, raw: `{"text": "${password}", broken`, headers: { 'content-type': 'application/json' } }),
      await w.inject('POST', '/v1/admin/translation', { authorization: `Bearer ${ADMIN_TOKEN}x`, body: { enabled: true } }),
    ];
    await new Promise((r) => setImmediate(r));
    const text = logs.join('');
    expect(text).toContain('/v1/sessions'); // request logging is on at trace level, so the absence below means something
    expect(text).toContain('incoming request');
    const metrics = (await w.inject('GET', '/metrics')).raw;
    for (const secret of [password, signature, token, ADMIN_TOKEN]) {
      expect(text, 'logs').not.toContain(secret);
      expect(metrics, 'metrics').not.toContain(secret);
      for (const r of responses.filter((x) => x.status >= 400)) expect(r.raw, 'error message').not.toContain(secret);
    }
  });

  it('/metrics exposes no personal data: no handles, display names, user or post ids, texts', async () => {
    for (let i = 0; i < 3; i++) await w.inject('GET', `/v1/users/${w.alice.id}`, { token: w.bob.token });
    await w.inject('GET', `/v1/posts/${w.alicePost}`, { token: w.bob.token });
    await w.inject('GET', `/v1/posts/${w.alicePost}/comments`, { token: w.bob.token });
    const metrics = (await w.inject('GET', '/metrics')).raw;
    expect(metrics).toMatch(/^social_http_request_duration_seconds_bucket\{/m); // routes were counted...
    expect(metrics).toContain('/v1/users/:id'); // ...by route template, not by URL
    for (const personal of [w.alice.id, w.bob.id, w.alice.handle, w.bob.handle, w.alicePost, w.bobPost, w.bobComment, 'alice writes about her cat', 'lovely cat']) {
      expect(metrics).not.toContain(personal);
    }
    // Label values are bounded: no label value looks like a UUID.
    expect(metrics).not.toMatch(/="[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"/i);
  });
});

describe('body size limits', () => {
  it('refuses a body one byte over the limit with 413 and the JSON error, and writes nothing', async () => {
    const before = await w.digest();
    const filler = 'x'.repeat(4096 - '{"text":""}'.length + 1);
    const r = await w.inject('POST', '/v1/posts', { token: w.alice.token, raw: `{"text":"${filler}"}`, headers: { 'content-type': 'application/json' } });
    expect(r.status).toBe(413);
    expect(r.json.error.code).toEqual(expect.any(String));
    expect(await w.digest()).toBe(before);
  });

  it('refuses an oversized chunked body (no Content-Length) on a real socket', async () => {
    const before = await w.digest();
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request(`${w.backend.url}/v1/posts`, {
        method: 'POST',
        headers: { authorization: `Bearer ${w.alice.token}`, 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
      });
      req.on('response', (res) => (res.resume(), resolve(res.statusCode ?? 0)));
      req.on('error', reject);
      req.write('{"text":"');
      for (let i = 0; i < 20; i++) req.write('y'.repeat(1024));
      req.end('"}');
    });
    expect(status).toBe(413);
    expect(await w.digest()).toBe(before);
  });
});

describe('rate limits', () => {
  let limited: World;
  beforeAll(async () => {
    limited = await createWorld({
      trustProxy: false,
      rateLimits: { signupPerIp: { limit: 4, windowSec: 60 }, loginPerIp: { limit: 3, windowSec: 60 }, writesPerAccount: { limit: 4, windowSec: 60 } },
    });
  }, 120_000);
  afterAll(async () => limited?.close());

  const account = (i: string) => ({ handle: `rl_${i}_${Date.now().toString(36)}`, password: 'pw-pw-pw-pw', displayName: 'r', locale: 'en-US', languages: ['en'], country: 'US', tz: 'UTC' });

  it('signups per IP: 429 with Retry-After past the limit, another address unaffected, nothing created', async () => {
    // The world's setup signed up two accounts from the default inject address; use fresh ones.
    const from = (ip: string, i: string) => limited.inject('POST', '/v1/users', { body: account(i), remoteAddress: ip });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await from('10.9.0.1', `a${i}`)).status);
    expect(statuses).toEqual([201, 201, 201, 201, 429]);
    const refused = account('refused');
    const r = await limited.inject('POST', '/v1/users', { body: refused, remoteAddress: '10.9.0.1' });
    expect(r.status).toBe(429);
    expect(r.json.error.code).toBe('rate_limited');
    expect(Number(r.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(r.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(await limited.backend.app.store.getUserByHandle(refused.handle)).toBeUndefined();
    expect((await from('10.9.0.2', 'other')).status).toBe(201);
  });

  it('logins per IP: 429 with Retry-After past the limit', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      statuses.push((await limited.inject('POST', '/v1/sessions', { body: { handle: limited.alice.handle, password: limited.alice.password }, remoteAddress: '10.8.0.1' })).status);
    }
    expect(statuses).toEqual([200, 200, 200, 429]);
    const r = await limited.inject('POST', '/v1/sessions', { body: { handle: limited.alice.handle, password: limited.alice.password }, remoteAddress: '10.8.0.1' });
    expect(Number(r.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('writes per account, whatever the address: 429 with Retry-After, the refused write not stored', async () => {
    const statuses: number[] = [];
    // bob has one write already (the world's comment + like: two); alice has follow + post: two.
    for (let i = 0; i < 4; i++) {
      statuses.push((await limited.inject('POST', '/v1/posts', { token: limited.alice.token, body: { text: `burst ${i}`, tags: [], media: [] }, remoteAddress: `10.7.0.${i + 1}` })).status);
    }
    expect(statuses).toContain(429);
    expect(statuses.indexOf(429)).toBeGreaterThan(0);
    const before = await limited.digest();
    const r = await limited.inject('POST', '/v1/posts', { token: limited.alice.token, body: { text: 'one more', tags: [], media: [] }, remoteAddress: '10.7.0.99' });
    expect(r.status).toBe(429);
    expect(Number(r.headers['retry-after'])).toBeGreaterThan(0);
    expect(await limited.digest()).toBe(before);
  });
});
