// The surge behaviours through the HTTP API of a real backend (Postgres + Redis when reachable, else embedded).
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startBackend, type RunningBackend } from '../../src/backend/launch.ts';
import { serviceUrl } from '../helpers/services.ts';
import { until } from './store-fixture.ts';

const ADMIN = 'admin-token-for-tests-0123456789';
let backend: RunningBackend;
let pgUrl: string | undefined;
let redisUrl: string | undefined;
const schema = `surge_api_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
const prefix = `fc-test-${schema}:`;

beforeAll(async () => {
  pgUrl = await serviceUrl('postgres');
  redisUrl = await serviceUrl('redis');
  backend = await startBackend({
    db: pgUrl ?? 'embedded',
    schema: pgUrl ? schema : 'public',
    redis: redisUrl ?? 'memory',
    redisKeyPrefix: prefix,
    trustProxy: true,
    scryptCost: 1024,
    rateLimits: { signupPerIp: { limit: 3, windowSec: 60 } },
    surge: {
      admission: { maxInFlight: 6, sheddableShare: 0.5, maxEventLoopDelayMs: 0, retryAfterSec: 2 },
      overload: { maxInFlight: 1, maxFanoutBacklog: 0, maxEventLoopDelayMs: 0 },
      discover: { candidateTtlMs: 0, storeTimeoutMs: 0, explorationShare: 0 },
      fanout: { pollMs: 20, storeTimeoutMs: 0 },
      translation: { enabled: false, latencyMedianMs: 1500, latencySigma: 0, adminToken: ADMIN },
      moderation: { reviewers: 1, decisionSec: 0.3 },
    },
  });
});

afterAll(async () => {
  await backend?.close();
  if (redisUrl) {
    const { Redis } = await import('ioredis');
    const r = new Redis(redisUrl);
    const keys = await r.keys(`${prefix}*`);
    if (keys.length) await r.del(...keys);
    await r.quit();
  }
  if (pgUrl) {
    const c = new pg.Client({ connectionString: pgUrl });
    await c.connect();
    await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await c.end();
  }
});

/** Waits (bounded) until the backend holds `n` admitted requests, instead of guessing a delay on a busy machine. */
async function waitInFlight(n: number): Promise<void> {
  const admission = backend.app.services.admission as unknown as { current(): number };
  for (let i = 0; i < 200 && admission.current() < n; i++) await new Promise((r) => setTimeout(r, 10));
  expect(admission.current()).toBeGreaterThanOrEqual(n);
}

interface Res {
  status: number;
  headers: Headers;
  body: any;
}

async function call(method: string, path: string, opts: { token?: string; body?: unknown; ip?: string } = {}): Promise<Res> {
  const headers: Record<string, string> = {};
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  if (opts.ip) headers['x-forwarded-for'] = opts.ip;
  const res = await fetch(backend.url + path, { method, headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

let ipSeq = 0;
async function signup(languages: string[], ip = `10.9.${++ipSeq}.1`): Promise<{ id: string; token: string }> {
  const r = await call('POST', '/v1/users', {
    ip,
    body: {
      handle: `h${randomUUID().slice(0, 12).replace(/-/g, '')}`,
      password: 'correct horse battery',
      displayName: 'Tester',
      locale: languages[0],
      languages,
      country: 'US',
      tz: 'UTC',
    },
  });
  expect(r.status).toBe(201);
  return r.body;
}

describe('surge behaviours over HTTP', () => {
  let alice: { id: string; token: string };
  let bo: { id: string; token: string };
  let hello: string;

  test('fan-out puts a followed author\'s post into the follower\'s feed', async () => {
    alice = await signup(['en']);
    bo = await signup(['zh']);
    expect((await call('POST', '/v1/follows', { token: bo.token, body: { userId: alice.id } })).status).toBe(201);
    const p = await call('POST', '/v1/posts', { token: alice.token, body: { text: 'hello friends, here is my cat', tags: [], media: [] } });
    expect(p.status).toBe(201);
    expect(p.body.lang).toBe('en');
    hello = p.body.id;
    await until(async () => (await call('GET', '/v1/feed/following?limit=10', { token: bo.token })).body.items.some((i: any) => i.id === hello));
  });

  test('translation is off until the admin switch turns it on, which needs the admin token', async () => {
    const off = await call('GET', `/v1/posts/${hello}?translate=zh`, { token: bo.token });
    expect(off.status).toBe(200);
    expect(off.body.translation).toBeUndefined();
    expect(off.body.translationUnavailable).toBe('disabled');
    expect((await call('POST', '/v1/admin/translation', { body: { enabled: true } })).status).toBe(401);
    expect((await call('POST', '/v1/admin/translation', { token: bo.token, body: { enabled: true } })).status).toBe(403);
    const on = await call('POST', '/v1/admin/translation', { token: ADMIN, body: { enabled: true } });
    expect(on.status).toBe(200);
    expect(on.body).toEqual({ enabled: true, provider: 'flashcrowd-simulated-mt' });
    // A pair the provider does not offer: the post, without a translation, and why.
    const pair = await call('GET', `/v1/posts/${hello}?translate=ko`, { token: bo.token });
    expect(pair.status).toBe(200);
    expect(pair.body.translation).toBeUndefined();
    expect(pair.body.translationUnavailable).toBe('unsupported-pair');
  });

  test('sheddable requests get 503 + Retry-After at the lower watermark while critical ones pass', async () => {
    const posts: string[] = [];
    for (let i = 0; i < 3; i++) {
      posts.push((await call('POST', '/v1/posts', { token: alice.token, body: { text: `good morning everyone ${i}`, tags: [], media: [] } })).body.id);
    }
    // Three slow translations hold the three sheddable slots (maxInFlight 6 × share 0.5).
    const slow = posts.map((id) => call('GET', `/v1/posts/${id}?translate=zh`, { token: bo.token }));
    await waitInFlight(3);
    const shed = await call('GET', '/v1/feed/discover?limit=5', { token: bo.token });
    expect(shed.status).toBe(503);
    expect(shed.headers.get('retry-after')).toBe('2');
    expect(shed.body.error.code).toBe('overloaded');
    const critical = await call('POST', '/v1/posts', { token: alice.token, body: { text: 'still posting', tags: [], media: [] } });
    expect(critical.status).toBe(201);
    expect((await call('GET', '/v1/feed/following?limit=5', { token: bo.token })).status).toBe(200);

    const done = await Promise.all(slow);
    expect(done.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(done[0].body.translation).toMatchObject({ lang: 'zh', provider: 'flashcrowd-simulated-mt' });
    expect(done[0].body.translation.text).toContain('早上好');
    // Feeds carry a translation once it is cached.
    const feed = await call('GET', '/v1/feed/following?limit=20', { token: bo.token });
    const item = feed.body.items.find((i: any) => i.id === posts[0]);
    expect(item.translation).toMatchObject({ lang: 'zh', provider: 'flashcrowd-simulated-mt' });
  });

  test('discover ranks when idle and falls back to recency-only under load, saying so', async () => {
    const idle = await call('GET', '/v1/feed/discover?limit=5', { token: bo.token });
    expect(idle.status).toBe(200);
    expect(idle.body.degraded).toBeUndefined();
    const fresh = (await call('POST', '/v1/posts', { token: alice.token, body: { text: 'thank you friends', tags: [], media: [] } })).body.id;
    const slow = call('GET', `/v1/posts/${fresh}?translate=zh`, { token: bo.token });
    await waitInFlight(1);
    const busy = await call('GET', '/v1/feed/discover?limit=5', { token: bo.token });
    expect(busy.status).toBe(200);
    expect(busy.body.degraded).toBe('ranker-fallback');
    expect(busy.body.items[0].id).toBe(fresh); // newest first
    expect((await slow).status).toBe(200);
  });

  test('a discover page sequence started ranked stays ranked, and repeats nothing, while the backend is overloaded', async () => {
    const first = await call('GET', '/v1/feed/discover?limit=2', { token: bo.token });
    expect(first.body.degraded).toBeUndefined();
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const fresh = (await call('POST', '/v1/posts', { token: alice.token, body: { text: 'arrived between pages', tags: [], media: [] } })).body.id;
    const slow = call('GET', `/v1/posts/${fresh}?translate=zh`, { token: bo.token });
    await waitInFlight(1); // a first page now would be recency-only (the test above)
    const second = await call('GET', `/v1/feed/discover?limit=2&cursor=${first.body.nextCursor}`, { token: bo.token });
    expect(second.status).toBe(200);
    expect(second.body.degraded).toBeUndefined(); // shaped by the ranked snapshot its sequence started from
    const ids = [...first.body.items, ...second.body.items].map((i: any) => i.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).not.toContain(fresh);
    expect((await slow).status).toBe(200);
  });

  test('a post with a lexicon term is removed within the review time and then answers 410', async () => {
    const started = Date.now();
    const bad = await call('POST', '/v1/posts', { token: alice.token, body: { text: 'get zzbuy-fake-followers-zz now', tags: [], media: [] } });
    expect(bad.status).toBe(201);
    expect((await call('GET', `/v1/posts/${bad.body.id}`, { token: bo.token })).status).toBe(200);
    await until(async () => (await call('GET', `/v1/posts/${bad.body.id}`, { token: bo.token })).status === 410, 5_000, 50);
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);
    const feed = await call('GET', '/v1/feed/following?limit=50', { token: bo.token });
    expect(feed.body.items.some((i: any) => i.id === bad.body.id)).toBe(false);
  });

  test('per-IP signup limit answers 429 + Retry-After; other IPs are unaffected', async () => {
    const ip = '10.77.0.1';
    for (let i = 0; i < 3; i++) await signup(['en'], ip);
    const limited = await call('POST', '/v1/users', {
      ip,
      body: { handle: `x${Date.now()}`, password: 'correct horse battery', displayName: 'X', locale: 'en', languages: ['en'], country: 'US', tz: 'UTC' },
    });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    await signup(['en'], '10.77.0.2');
  });

  test('the mechanisms are visible in /metrics', async () => {
    const text = (await (await fetch(`${backend.url}/metrics`)).text()) as string;
    expect(text).toMatch(/social_shed_total\{priority="sheddable"\} [1-9]/);
    expect(text).toMatch(/social_rate_limited_total\{rule="signup"\} 1/);
    expect(text).toMatch(/social_fanout_lag_seconds_count [1-9]/);
    expect(text).toMatch(/social_moderation_removals_total\{category="spam"\} 1/);
    expect(text).toMatch(/social_feed_degraded_total\{feed="discover",reason="ranker-fallback"\} 1/);
    expect(text).toMatch(/social_translation_cache_total\{outcome="hit"\} [1-9]/);
    expect(text).toMatch(/social_fanout_queue_depth 0/);
  });
});
