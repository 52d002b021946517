// Shared by the backend tests: which stores to run against, a started backend per suite, and a small client.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { Redis } from 'ioredis';
import { serviceUrl } from '../helpers/services.ts';
import { startBackend, type BackendConfigInput, type RunningBackend } from '../../src/backend/launch.ts';

export interface Variant {
  name: string;
  options: BackendConfigInput;
}

const uniqueSuffix = () => `${process.pid}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;

/** Embedded + in-memory always; Postgres and/or Redis too when reachable (required under FLASHCROWD_REQUIRE_SERVICES=1). */
export async function variants(): Promise<Variant[]> {
  const out: Variant[] = [{ name: 'embedded+memory', options: { db: 'embedded', redis: 'memory' } }];
  const pgUrl = await serviceUrl('postgres');
  const redisUrl = await serviceUrl('redis');
  if (pgUrl || redisUrl) {
    out.push({
      name: `${pgUrl ? 'postgres' : 'embedded'}+${redisUrl ? 'redis' : 'memory'}`,
      options: {
        db: pgUrl ?? 'embedded',
        redis: redisUrl ?? 'memory',
        schema: `fc_test_${uniqueSuffix()}`,
        redisKeyPrefix: `fc_test:${uniqueSuffix()}:`,
        poolSize: 8,
      },
    });
  }
  return out;
}

/** Fast, quiet settings for tests; scrypt cost kept low on purpose. */
export async function startTestBackend(variant: Variant, extra: BackendConfigInput = {}): Promise<RunningBackend> {
  // Admission by event-loop delay is off: a loaded CI box (or PGlite's synchronous start) would shed
  // sheddable requests at random, and these tests are about the API, not about shedding.
  return startBackend({
    scryptCost: 16,
    logLevel: 'silent',
    surge: { admission: { maxEventLoopDelayMs: 0 } },
    ...variant.options,
    ...extra,
  });
}

/** Closes the backend, then drops its schema / Redis keys so nothing outlives the test file. */
export async function stopTestBackend(backend: RunningBackend | undefined): Promise<void> {
  if (!backend) return;
  const { config } = backend;
  await backend.close();
  if (config.db !== 'embedded' && config.schema !== 'public') {
    const client = new pg.Client({ connectionString: config.db });
    await client.connect();
    try {
      await client.query(`DROP SCHEMA IF EXISTS ${config.schema} CASCADE`);
    } finally {
      await client.end();
    }
  }
  if (config.redis !== 'memory' && config.redisKeyPrefix.startsWith('fc_test:')) await deleteRedisPrefix(config.redis, config.redisKeyPrefix);
}

export async function deleteRedisPrefix(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url, { lazyConnect: true });
  await redis.connect();
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      if (keys.length) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    await redis.quit();
  }
}

export interface Res {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: any;
  raw: string;
}

export interface CallOptions {
  token?: string;
  body?: unknown;
  /** Sent as-is (no JSON encoding, no content-type added). */
  rawBody?: string | Buffer;
  headers?: Record<string, string>;
}

/** Requests through fastify.inject (no socket). */
export function client(backend: RunningBackend) {
  return async function call(method: string, url: string, o: CallOptions = {}): Promise<Res> {
    const headers: Record<string, string> = { ...(o.headers ?? {}) };
    if (o.token) headers.authorization = `Bearer ${o.token}`;
    let payload: string | Buffer | undefined;
    if (o.rawBody !== undefined) payload = o.rawBody;
    else if (o.body !== undefined) {
      payload = JSON.stringify(o.body);
      headers['content-type'] ??= 'application/json';
    }
    const r = await backend.app.inject({ method: method as 'GET', url, headers, payload });
    let body: unknown;
    try {
      body = r.body ? JSON.parse(r.body) : undefined;
    } catch {
      body = undefined;
    }
    return { status: r.statusCode, headers: r.headers, body, raw: r.body };
  };
}

let handleCounter = 0;
export function newAccount(overrides: Record<string, unknown> = {}) {
  handleCounter += 1;
  return {
    handle: `u_${handleCounter}_${randomBytes(3).toString('hex')}`,
    password: 'correct horse battery',
    displayName: `User ${handleCounter}`,
    locale: 'en-US',
    languages: ['en'],
    country: 'US',
    tz: 'America/New_York',
    ...overrides,
  };
}

export type Call = ReturnType<typeof client>;

/** Signs up a fresh account; returns its id and token. */
export async function signup(call: Call, overrides: Record<string, unknown> = {}): Promise<{ id: string; token: string; handle: string }> {
  const account = newAccount(overrides);
  const r = await call('POST', '/v1/users', { body: account });
  if (r.status !== 201) throw new Error(`signup failed: ${r.status} ${r.raw}`);
  return { id: r.body.id, token: r.body.token, handle: account.handle };
}
