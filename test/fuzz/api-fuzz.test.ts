// Property-based fuzzing of the reference API (fast-check, seeded): over 10,000 malformed requests across every
// route — wrong types, huge and deeply nested JSON, invalid UTF-8, control characters, SQL and script injection,
// huge Unicode, bad limits and cursors, missing, expired, forged and other users' tokens, other users' ids. Every
// answer must be < 500 with the JSON error shape, and every refused write must leave the store exactly as it was.
// The full fuzz runs on the embedded store; with Postgres reachable, the random-request property runs there too
// (its driver maps errors differently: a NUL byte or a bad UUID must still be a 4xx).
// Counts: 6,000 random requests on the embedded store and 3,500 on Postgres (9,500 on the embedded store when Postgres
// is not there), plus the fixed raw-payload and other-users' sweeps (about 740): 10,237 requests, about 19 s of CPU
// (42 s of wall time for the file on the shared 2-core machine at load average 20). FLASHCROWD_FUZZ_SCALE multiplies
// the random counts (e.g. FLASHCROWD_FUZZ_SCALE=5 for about 48,000 requests).
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serviceUrl } from '../helpers/services.ts';
import { createWorld, type World } from './world.ts';

let w: World;
beforeAll(async () => {
  w = await createWorld({ bodyLimitBytes: 64 * 1024 });
}, 120_000);
afterAll(async () => w?.close());

const pgUrl = await serviceUrl('postgres');

const SEED = 20250113;
const SCALE = Number(process.env.FLASHCROWD_FUZZ_SCALE ?? 1);
if (!(SCALE > 0)) throw new Error(`FLASHCROWD_FUZZ_SCALE must be a positive number, got '${process.env.FLASHCROWD_FUZZ_SCALE}'`);
const EMBEDDED_RUNS = Math.round((pgUrl ? 6000 : 9500) * SCALE);
const POSTGRES_RUNS = Math.round(3500 * SCALE);

// ---- hostile values ------------------------------------------------------------------------------------------

const INJECTION = [
  "' OR '1'='1",
  "'; DROP TABLE posts; --",
  '" OR ""="',
  '1; SELECT pg_sleep(10)',
  "admin'--",
  '$1',
  '%00',
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  'javascript:alert(1)',
  '{{7*7}}',
  '${process.exit(1)}',
  '../../../../etc/passwd',
  '\\u0000',
  '__proto__',
  'constructor',
  'null',
  'undefined',
  'NaN',
  '-0',
];
const CONTROL = ['\u0000', '\u0001\u0002\u0003', '\u0007\u0008', '\r\n\r\n', '\u001b[31m', '\u202e', '\u200b\u200d', '\ud800', '\udfff\ud800', '\ufeff', '\uffff'];

const evilString = fc.oneof(
  fc.constantFrom(...INJECTION, ...CONTROL),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  // Any code point, lone surrogates included: what fc.string({ unit: 'binary' }) generates, without the 2-5 s that
  // creating that arbitrary costs (it maps every code point back to an index, once per process).
  fc.array(fc.integer({ min: 0, max: 0x10ffff }), { maxLength: 40 }).map((cps) => String.fromCodePoint(...cps)),
  fc.tuple(fc.constantFrom(...CONTROL), fc.string({ maxLength: 10 })).map(([c, s]) => `${s}${c}${s}`),
  // Huge: past every field limit, some past the body limit.
  fc.constantFrom('a'.repeat(10_001), '𠜎'.repeat(3000), '😀'.repeat(20_000), 'ß'.repeat(40_000)),
);

const wrongType = fc.oneof(
  fc.constantFrom(null, true, false, 0, -1, 1e308, -1e308, 1.5, [], {}, [null], { $gt: '' }, ['a', 1]),
  fc.integer(),
  fc.double(),
  fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }),
  fc.object({ maxDepth: 2 }),
);

const value = fc.oneof({ weight: 3, arbitrary: evilString }, { weight: 2, arbitrary: wrongType });

function ids(world: World) {
  return fc.oneof(
    fc.constantFrom(world.alice.id, world.bob.id, world.alicePost, world.bobPost, world.bobComment),
    fc.uuid(),
    fc.constantFrom('00000000-0000-0000-0000-000000000000', 'ffffffff-ffff-ffff-ffff-ffffffffffff', '0', '-1', '1e999', 'me', 'null', ''),
    evilString.filter((s) => s.length < 2000),
  );
}

/** encodeURIComponent, except that lone surrogates (which it refuses) go out as the bytes of an invalid sequence. */
function encode(s: string): string {
  try {
    return encodeURIComponent(s);
  } catch {
    return encodeURIComponent(s.replace(/[\ud800-\udfff]/g, '')) + '%ED%A0%80';
  }
}

/** Path segment as a client could send it: encoded, or raw with junk %-escapes. */
const segment = (id: fc.Arbitrary<string>) =>
  fc.oneof(
    { weight: 4, arbitrary: id.map(encode) },
    { weight: 1, arbitrary: fc.constantFrom('%', '%zz', '%C0%AF', '%ED%A0%80', '%00', '..%2F..%2F', 'a%2Fb') },
  );

const limit = fc.oneof(
  fc.constantFrom('-1', '0', '101', '1000000', '1e308', 'NaN', 'Infinity', '1.5', '', ' 1', '0x10', '[]', '1,2', '-0', '２０'),
  fc.integer({ min: -1000, max: 1000 }).map(String),
  evilString.filter((s) => s.length < 500),
);
const cursor = fc.oneof(
  fc.base64String({ maxLength: 40 }),
  fc.jsonValue({ maxDepth: 2 }).map((v) => Buffer.from(JSON.stringify(v)).toString('base64url')),
  fc.constantFrom('', '0', '-1', 'null', Buffer.from('{"seq":-1}').toString('base64url'), Buffer.from('{"seq":1e999}').toString('base64url'), 'A'.repeat(5000)),
  evilString.filter((s) => s.length < 500),
);
const query = fc
  .record(
    { limit, cursor, translate: fc.oneof(fc.constantFrom('zh', 'en', 'xx', '', 'zh-Hans-CN-x-private'), evilString.filter((s) => s.length < 200)), extra: evilString.filter((s) => s.length < 100) },
    { requiredKeys: [] },
  )
  .map((q) => {
    const parts = Object.entries(q).map(([k, v]) => `${k}=${encode(v)}`);
    if (q.limit !== undefined && q.limit.length < 5) parts.push('limit=7'); // duplicate keys become arrays
    return parts.length ? `?${parts.join('&')}` : '';
  });

type Auth = { token?: string; authorization?: string };
function auths(world: World): fc.Arbitrary<Auth> {
  // Mostly valid tokens, so that most requests get past authentication to the validation and handlers behind it.
  return fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom<Auth>({ token: world.alice.token }, { token: world.bob.token }) },
    { weight: 1, arbitrary: fc.constant({}) },
    { weight: 1, arbitrary: fc.constantFrom<Auth>(
      { token: world.tokens.expired },
      { token: world.tokens.forged },
      { token: world.tokens.wrongVersion },
      { token: world.tokens.unknownUser },
      { authorization: 'Bearer' },
      { authorization: 'Bearer ' },
      { authorization: `Basic ${Buffer.from('alice:pw').toString('base64')}` },
      { authorization: `bearer ${world.alice.token}` },
      { authorization: `Bearer ${world.alice.token} ${world.bob.token}` },
      { authorization: `Bearer ${'A'.repeat(8000)}` },
    ) },
    { weight: 1, arbitrary: fc.constantFrom(...world.tokens.garbage).map((t) => ({ token: t })) },
  );
}

function bodies(world: World) {
  const signup = fc.record(
    {
      handle: fc.oneof(value, fc.constant(world.alice.handle)),
      password: value,
      displayName: value,
      locale: value,
      languages: fc.oneof(value, fc.array(value, { maxLength: 40 })),
      country: value,
      tz: value,
    },
    { requiredKeys: [] },
  );
  const post = fc.record(
    {
      text: value,
      tags: fc.oneof(value, fc.array(value, { maxLength: 50 })),
      media: fc.oneof(value, fc.array(fc.record({ kind: fc.oneof(fc.constantFrom('image', 'video', 'audio', ''), value), bytes: fc.oneof(fc.integer({ min: -10, max: 2 ** 40 }), value) }, { requiredKeys: [] }), { maxLength: 20 })),
      lang: value,
    },
    { requiredKeys: [] },
  );
  const small = fc.record({ userId: fc.oneof(ids(world), value), postId: fc.oneof(ids(world), value), reason: value, text: value, enabled: value, handle: value, password: value }, { requiredKeys: [] });
  return fc.oneof(signup, post, small, fc.jsonValue({ maxDepth: 4 }), wrongType);
}

/** Raw payloads no JSON encoder would produce. */
const RAW: (string | Buffer)[] = [
  Buffer.from([0xff, 0xfe, 0xfd]),
  Buffer.concat([Buffer.from('{"text":"'), Buffer.from([0xc3, 0x28, 0xa0, 0xa1, 0xe2, 0x28, 0xa1]), Buffer.from('"}')]),
  Buffer.from('{"text":"\u0000"}'),
  '{"text": "unterminated',
  '{"text": "a",}',
  '{"text": "a" "b"}',
  "{'text': 'single quotes'}",
  '[]',
  '"just a string"',
  '12345',
  'null',
  '{"text": 1e400}',
  '{"text": "a", "text": "b", "tags": [], "media": []}',
  '{"__proto__": {"admin": true}, "text": "x", "tags": [], "media": []}',
  '{"constructor": {"prototype": {"admin": true}}}',
  '['.repeat(20_000) + ']'.repeat(20_000),
  '{"a":'.repeat(5_000) + '1' + '}'.repeat(5_000),
  JSON.stringify({ text: 'x', tags: Array.from({ length: 10_000 }, (_, i) => `t${i}`), media: [] }),
  JSON.stringify({ text: 'x'.repeat(70_000) }),
  '',
  ' ',
  '\u0000',
];

const CONTENT_TYPES = [undefined, 'application/json', 'application/json; charset=utf-8', 'application/json; charset=latin1', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/octet-stream', 'application/json, text/html', 'application/ld+json', '*/*'];

interface Route {
  method: 'GET' | 'POST' | 'DELETE';
  path: (id: string) => string;
  /** Method and pattern, for the per-route counts. */
  name: string;
}
const ROUTES: Route[] = [
  { method: 'POST', name: 'POST /v1/users', path: () => '/v1/users' },
  { method: 'POST', name: 'POST /v1/sessions', path: () => '/v1/sessions' },
  { method: 'GET', name: 'GET /v1/users/:id', path: (id) => `/v1/users/${id}` },
  { method: 'GET', name: 'GET /v1/users/:id/following', path: (id) => `/v1/users/${id}/following` },
  { method: 'POST', name: 'POST /v1/follows', path: () => '/v1/follows' },
  { method: 'DELETE', name: 'DELETE /v1/follows/:id', path: (id) => `/v1/follows/${id}` },
  { method: 'POST', name: 'POST /v1/posts', path: () => '/v1/posts' },
  { method: 'GET', name: 'GET /v1/posts/:id', path: (id) => `/v1/posts/${id}` },
  { method: 'DELETE', name: 'DELETE /v1/posts/:id', path: (id) => `/v1/posts/${id}` },
  { method: 'POST', name: 'POST /v1/posts/:id/comments', path: (id) => `/v1/posts/${id}/comments` },
  { method: 'GET', name: 'GET /v1/posts/:id/comments', path: (id) => `/v1/posts/${id}/comments` },
  { method: 'POST', name: 'POST /v1/posts/:id/likes', path: (id) => `/v1/posts/${id}/likes` },
  { method: 'GET', name: 'GET /v1/feed/following', path: () => '/v1/feed/following' },
  { method: 'GET', name: 'GET /v1/feed/discover', path: () => '/v1/feed/discover' },
  { method: 'POST', name: 'POST /v1/reports', path: () => '/v1/reports' },
  { method: 'GET', name: 'GET /v1/admin/translation', path: () => '/v1/admin/translation' },
  { method: 'POST', name: 'POST /v1/admin/translation', path: () => '/v1/admin/translation' },
];

let requests = 0;
const statuses = new Map<number, number>();
/** Requests per route (method and pattern), to show and assert that every route got its share. */
const perRoute = new Map<string, number>();

// Digests, and when they can be skipped. Most refused writes are refused before any SQL runs (auth, validation), so
// hashing the store around each of them would spend most of the fuzzer's time proving nothing ran. The world counts
// every SQL statement that could write (w.writes): a digest taken when the count stood at n still describes the store
// while the count is n. Before a write request, a current digest is reused; after a refused one, the store is hashed
// again only if some statement that could write ran meanwhile. Every FULL_CHECK_EVERY-th write request is checked
// with fresh digests on both sides regardless, which also keeps testing the count's own premise.
const FULL_CHECK_EVERY = 8;
let writeRequests = 0;
let hashed: { digest: string; writes: number; world: World } | undefined;
/** Digests skipped because nothing that could write had run, and taken (for the report line). */
const digests = { taken: 0, skipped: 0 };

async function freshDigest(): Promise<string> {
  const writes = w.writes?.() ?? NaN;
  const digest = await w.digest();
  digests.taken++;
  hashed = { digest, writes, world: w };
  return digest;
}

/** The last digest, if nothing that could write has run since it was taken. */
function currentDigest(): string | undefined {
  if (!hashed || hashed.world !== w || hashed.writes !== w.writes?.()) return undefined;
  digests.skipped++;
  return hashed.digest;
}

/** Sends one request and checks the invariants; a refused write must not have changed the store. */
async function check(method: string, url: string, o: Auth & { body?: unknown; raw?: string | Buffer; contentType?: string; route?: Route }): Promise<number> {
  const write = method !== 'GET';
  const full = write && ++writeRequests % FULL_CHECK_EVERY === 0;
  const before = write ? ((!full && currentDigest()) || (await freshDigest())) : '';
  const headers: Record<string, string> = {};
  if (o.contentType) headers['content-type'] = o.contentType;
  let raw = o.raw;
  if (raw === undefined && o.body !== undefined && write) raw = JSON.stringify(o.body) ?? 'null';
  const res = await w.inject(method, url, { token: o.token, authorization: o.authorization, raw, headers });
  requests++;
  statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
  if (o.route) perRoute.set(o.route.name, (perRoute.get(o.route.name) ?? 0) + 1);
  const what = `${method} ${url.slice(0, 200)} auth=${(o.token ?? o.authorization ?? '').slice(0, 30)} ct=${o.contentType} body=${String(raw ?? '').slice(0, 200)} -> ${res.status} ${res.raw.slice(0, 300)}`;
  expect(res.status, what).toBeLessThan(500);
  if (res.status >= 400) {
    expect(res.json?.error?.code, what).toEqual(expect.any(String));
    expect(res.json?.error?.message, what).toEqual(expect.any(String));
    if (write) {
      const after = (!full && currentDigest()) || (await freshDigest());
      if (after !== before) {
        const changed = before.split(' ').filter((t) => !after.includes(t)).map((t) => t.split(':')[0]);
        expect.fail(`refused but changed the store (tables ${changed.join(', ')}): ${what}`);
      }
    }
    if (method === 'POST' && url === '/v1/users' && typeof (o.body as { handle?: unknown })?.handle === 'string') {
      const handle = (o.body as { handle: string }).handle;
      if (handle !== w.alice.handle && handle !== w.bob.handle) expect(await w.backend.app.store.getUserByHandle(handle), `refused signup created ${handle}`).toBeUndefined();
    }
  }
  return res.status;
}

describe('API fuzzing (fast-check, seeded)', () => {
  it(`random requests on every route (${EMBEDDED_RUNS}): never a 5xx, always the error shape, refused writes change nothing`, async () => {
    await fuzzRoutes(EMBEDDED_RUNS);
  }, 300_000 * SCALE);

  it.skipIf(!pgUrl)('the same on Postgres', async () => {
    const embedded = w;
    const schema = `fc_fuzz_${process.pid}_${randomBytes(3).toString('hex')}`;
    w = await createWorld({ db: pgUrl, schema, poolSize: 4 });
    try {
      await fuzzRoutes(POSTGRES_RUNS);
    } finally {
      await w.close();
      w = embedded;
      const client = new pg.Client({ connectionString: pgUrl });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await client.end();
    }
  }, 300_000 * SCALE);

  async function fuzzRoutes(numRuns: number) {
    const request = fc.record({
      route: fc.nat(ROUTES.length - 1),
      id: segment(ids(w)),
      query,
      auth: auths(w),
      body: fc.option(bodies(w), { nil: undefined, freq: 6 }),
      contentType: fc.oneof({ weight: 4, arbitrary: fc.constant('application/json') }, { weight: 1, arbitrary: fc.constantFrom(...CONTENT_TYPES) }),
    });
    const sent = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const route = ROUTES[r.route];
        sent.set(route.name, (sent.get(route.name) ?? 0) + 1);
        await check(route.method, route.path(r.id) + r.query, { ...r.auth, body: r.body, contentType: r.body === undefined ? undefined : r.contentType, route });
      }),
      { numRuns, seed: SEED, endOnFailure: true },
    );
    // Every route got at least a quarter of an even split, so a generator change cannot quietly starve one.
    const floor = Math.floor(numRuns / ROUTES.length / 4);
    for (const route of ROUTES) expect(sent.get(route.name) ?? 0, route.name).toBeGreaterThanOrEqual(floor);
  }

  it('raw payloads (invalid UTF-8, broken and deeply nested JSON, prototype keys, oversize) on every write route', async () => {
    const writes = ROUTES.filter((r) => r.method === 'POST');
    for (const route of writes) {
      for (const raw of RAW) {
        for (const contentType of ['application/json', 'text/plain']) {
          await check(route.method, route.path(w.alicePost), { token: w.alice.token, raw, contentType, route });
        }
      }
    }
    // Oversize bodies are refused as 413 before they are parsed.
    const big = await w.inject('POST', '/v1/posts', { token: w.alice.token, raw: JSON.stringify({ text: 'x'.repeat(70_000) }), headers: { 'content-type': 'application/json' } });
    expect(big.status).toBe(413);
    expect(big.json.error.code).toEqual(expect.any(String));
  }, 120_000);

  it('acting on other users\' things with every kind of token: no 5xx, no change', async () => {
    const tokens = [w.bob.token, w.tokens.expired, w.tokens.forged, w.tokens.unknownUser, w.tokens.wrongVersion, ...w.tokens.garbage];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...tokens), fc.constantFrom(w.alicePost, w.alice.id, w.bobComment), async (token, id) => {
        // bob may legitimately comment on or like alice's post; deleting it, or anything with a bad token, must fail.
        const before = await w.digest();
        const del = await check('DELETE', `/v1/posts/${id}`, { token });
        expect(del).toBeGreaterThanOrEqual(400);
        if (token === w.tokens.unknownUser) {
          // A correctly signed token of a user who does not exist: its writes must not land (a ghost author),
          // though undoing a follow that never existed may answer 204 as a no-op.
          for (const [method, url, body] of [
            ['POST', '/v1/posts', { text: 'ghost', tags: [], media: [] }],
            ['POST', `/v1/posts/${w.alicePost}/comments`, { text: 'ghost' }],
            ['POST', `/v1/posts/${w.alicePost}/likes`, undefined],
            ['POST', '/v1/follows', { userId: w.alice.id }],
            ['DELETE', `/v1/follows/${w.bob.id}`, undefined],
          ] as const) {
            await check(method, url, { token, body, contentType: body ? 'application/json' : undefined });
            expect(await w.digest(), `${method} ${url} with a ghost user's token changed the store`).toBe(before);
          }
        } else if (token !== w.bob.token) {
          for (const [method, url, body] of [
            ['POST', '/v1/posts', { text: 'impostor', tags: [], media: [] }],
            ['POST', `/v1/posts/${id}/comments`, { text: 'impostor' }],
            ['POST', `/v1/posts/${id}/likes`, undefined],
            ['POST', '/v1/follows', { userId: id }],
            ['DELETE', `/v1/follows/${w.bob.id}`, undefined],
            ['POST', '/v1/reports', { postId: id, reason: 'spam' }],
          ] as const) {
            expect(await check(method, url, { token, body, contentType: body ? 'application/json' : undefined })).toBeGreaterThanOrEqual(400);
          }
        }
      }),
      { numRuns: 60, seed: SEED },
    );
  }, 120_000);

  afterAll(() => {
    // Shown in the test output: how much was sent and what came back.
    console.info(`api fuzz: ${requests} requests; statuses ${JSON.stringify(Object.fromEntries([...statuses].sort((a, b) => a[0] - b[0])))}`);
    console.info(`api fuzz per route: ${JSON.stringify(Object.fromEntries(perRoute))}`);
    console.info(`api fuzz store digests: ${digests.taken} taken, ${digests.skipped} skipped (no statement that could write had run)`);
  });
});
