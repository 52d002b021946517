// A small, known world on a fresh reference backend for the fuzz and security tests: two users (alice follows bob),
// a post each, a comment and a like; tokens of every kind a client could send (valid, another user's, expired,
// forged, malformed); and a digest of everything stored, to prove refused requests changed nothing.
import { randomBytes } from 'node:crypto';
import { issueToken } from '../../src/backend/auth/tokens.ts';
import { startBackend, type BackendConfigInput, type RunningBackend } from '../../src/backend/launch.ts';

/** The tables the API writes (and the token secret, which no request may change). */
const DIGEST_TABLES = ['users', 'follows', 'posts', 'comments', 'likes', 'reports', 'backend_settings'];
const WRITE_SQL = /\b(insert|update|delete|merge|upsert|truncate|create|drop|alter|copy|call|do|lock|nextval|setval|pg_advisory)\b/i;

export interface User {
  id: string;
  handle: string;
  password: string;
  token: string;
}

export interface World {
  backend: RunningBackend;
  alice: User;
  bob: User;
  /** alice's post (commented on and liked by bob), bob's post. */
  alicePost: string;
  bobPost: string;
  bobComment: string;
  tokens: { expired: string; forged: string; wrongVersion: string; unknownUser: string; garbage: string[] };
  inject(method: string, url: string, o?: { token?: string; authorization?: string; body?: unknown; raw?: string | Buffer; headers?: Record<string, string>; remoteAddress?: string }): Promise<{ status: number; headers: Record<string, unknown>; raw: string; json: any }>;
  /** Everything the API can write, as one string of per-table hashes (`posts:<md5> ...`). */
  digest(): Promise<string>;
  /**
   * How many SQL statements that could write have run so far (any caller); unchanged means the stored data is
   * unchanged. Undefined when the store's driver cannot be reached (then only digest() can tell).
   */
  writes?: () => number;
  close(): Promise<void>;
}

export async function createWorld(options: BackendConfigInput = {}, runtime: Parameters<typeof startBackend>[1] = {}): Promise<World> {
  const backend = await startBackend(
    { scryptCost: 16, logLevel: 'silent', surge: { admission: { maxEventLoopDelayMs: 0 } }, ...options },
    runtime,
  );
  const inject: World['inject'] = async (method, url, o = {}) => {
    const headers: Record<string, string> = { ...(o.headers ?? {}) };
    if (o.token) headers.authorization = `Bearer ${o.token}`;
    if (o.authorization !== undefined) headers.authorization = o.authorization;
    let payload: string | Buffer | undefined = o.raw;
    if (payload === undefined && o.body !== undefined) {
      payload = JSON.stringify(o.body);
      headers['content-type'] ??= 'application/json';
    }
    const r = await backend.app.inject({ method: method as 'GET', url, headers, payload, remoteAddress: o.remoteAddress });
    let json: unknown;
    try {
      json = r.body ? JSON.parse(r.body) : undefined;
    } catch {
      json = undefined;
    }
    return { status: r.statusCode, headers: r.headers as Record<string, unknown>, raw: r.body, json };
  };
  const signup = async (name: string): Promise<User> => {
    const handle = `${name}_${randomBytes(3).toString('hex')}`;
    const password = `pw-${randomBytes(6).toString('hex')}`;
    const r = await inject('POST', '/v1/users', {
      body: { handle, password, displayName: name, locale: 'en-US', languages: ['en'], country: 'US', tz: 'UTC' },
    });
    if (r.status !== 201) throw new Error(`signup ${name}: ${r.status} ${r.raw}`);
    return { id: r.json.id, handle, password, token: r.json.token };
  };
  const alice = await signup('alice');
  const bob = await signup('bob');
  const must = async (p: ReturnType<World['inject']>, status: number[]) => {
    const r = await p;
    if (!status.includes(r.status)) throw new Error(`world setup: ${r.status} ${r.raw}`);
    return r;
  };
  await must(inject('POST', '/v1/follows', { token: alice.token, body: { userId: bob.id } }), [201]);
  const alicePost = (await must(inject('POST', '/v1/posts', { token: alice.token, body: { text: 'alice writes about her cat', tags: ['cat'], media: [] } }), [201])).json.id;
  const bobPost = (await must(inject('POST', '/v1/posts', { token: bob.token, body: { text: 'bob writes about noodles', tags: [], media: [] } }), [201])).json.id;
  const bobComment = (await must(inject('POST', `/v1/posts/${alicePost}/comments`, { token: bob.token, body: { text: 'lovely cat' } }), [201])).json.id;
  await must(inject('POST', `/v1/posts/${alicePost}/likes`, { token: bob.token }), [201]);

  const secret = backend.config.tokenSecret;
  const tokens = {
    expired: issueToken(secret, { sub: alice.id, lng: ['en'] }, -60),
    forged: issueToken(`not-the-secret-${randomBytes(8).toString('hex')}`, { sub: alice.id, lng: ['en'] }, 3600),
    wrongVersion: issueToken(secret, { sub: alice.id, lng: ['en'] }, 3600).replace(/^v1\./, 'v2.'),
    // Signed correctly, for a user that does not exist (a deleted account, or a token from another deployment).
    unknownUser: issueToken(secret, { sub: '00000000-0000-4000-8000-000000000000', lng: ['en'] }, 3600),
    garbage: ['', 'x', 'v1..', 'v1.e30.', `${alice.token}x`, alice.token.split('.').slice(0, 2).join('.'), alice.token.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'))],
  };

  const { store } = backend.app;
  /** The old way, through the Store interface (11 queries): the fallback when the SQL driver cannot be reached. */
  const storeDigest = async () => {
    const parts: unknown[] = [];
    const recent = await store.recentPosts(500);
    parts.push(recent.items.map((p) => [p.id, p.authorId, p.text, p.lang, p.tags, p.likeCount, p.commentCount, p.removed]));
    for (const postId of [alicePost, bobPost]) parts.push((await store.listComments(postId, 500)).items.map((c) => [c.id, c.authorId, c.text]));
    for (const u of [alice, bob]) {
      parts.push(await store.getUser(u.id));
      parts.push((await store.listFollowing(u.id, 500)).items, (await store.listFollowers(u.id, 500)).items);
      parts.push((await store.getUserByHandle(u.handle))?.passwordHash);
    }
    return JSON.stringify(parts);
  };
  // Every row of every table a request can write, hashed by the database in one round trip (about 2 ms on the
  // embedded store instead of the 17 ms of storeDigest; 1.5 ms on Postgres), so the fuzzer can afford one before and
  // after every write.
  // Stricter, too: all rows, not only the known users' and the newest 500 posts. The driver is private to SqlStore;
  // reaching it is a test's privilege, and storeDigest takes over if the store is ever built differently.
  const driver = (store as unknown as { driver?: Record<string, unknown> }).driver;
  const rawQuery = typeof driver?.query === 'function' ? (driver.query as (text: string, params?: unknown[]) => Promise<Record<string, string>[]>).bind(driver) : undefined;
  // Every statement that could write, from any caller (routes and background workers alike), counted at the driver:
  // while the count stands still, the stored data cannot have changed, so the fuzzer need not hash it again.
  // Conservative: any other driver method, or a statement naming a write verb anywhere, counts.
  let writeStatements = 0;
  if (driver && rawQuery) {
    for (const [key, fn] of Object.entries(driver)) {
      if (typeof fn !== 'function' || key === 'poolStats' || key === 'close') continue;
      driver[key] = (...args: unknown[]) => {
        if (key !== 'query' || typeof args[0] !== 'string' || WRITE_SQL.test(args[0])) writeStatements++;
        return (fn as (...a: unknown[]) => unknown).apply(driver, args);
      };
    }
  }
  const sqlDigest = rawQuery
      ? async () => {
          const rows = await rawQuery(
            // Per table: row count and the sum of a 60-bit prefix of each row's md5. Order-independent, so no sort
            // (sorting was three quarters of the cost on PGlite); a change goes unseen only on a 60-bit collision.
            `SELECT ${DIGEST_TABLES.map((t) => `(SELECT count(*) || ':' || coalesce(sum(('x' || substr(md5(r::text), 1, 15))::bit(60)::bigint), 0) FROM ${t} r) AS ${t}`).join(', ')}`,
          );
          return DIGEST_TABLES.map((t) => `${t}:${rows[0][t]}`).join(' ');
        }
      : undefined;
  if (!sqlDigest) console.warn('fuzz world: the store has no reachable SQL driver; digests go through the Store interface (slow)');
  const digest = sqlDigest ?? storeDigest;

  const writes = rawQuery ? () => writeStatements : undefined;
  return { backend, alice, bob, alicePost, bobPost, bobComment, tokens, inject, digest, writes, close: () => backend.close() };
}
