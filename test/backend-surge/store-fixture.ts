// A real Store for surge tests: Postgres in a unique schema when DATABASE_URL is reachable, else embedded PGlite.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { MemoryCache, RedisCache, type Cache } from '../../src/backend/cache/index.ts';
import { openStore } from '../../src/backend/store/index.ts';
import type { Store, UserRecord } from '../../src/backend/store/store.ts';
import { serviceUrl } from '../helpers/services.ts';

export interface Fixture {
  store: Store;
  cache: Cache;
  label: string;
  /** Redis key prefix of this fixture (deleted on close); use it for any other Redis keys a test creates. */
  redisPrefix: string;
  close(): Promise<void>;
}

export async function openFixture(): Promise<Fixture> {
  const pgUrl = await serviceUrl('postgres');
  const redisUrl = await serviceUrl('redis');
  const schema = `surge_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
  const store = await openStore({
    db: pgUrl ?? 'embedded',
    schema: pgUrl ? schema : 'public',
    poolSize: 8,
    connectionTimeoutMs: 5_000,
    statementTimeoutMs: 10_000,
  });
  const cache: Cache = redisUrl
    ? await RedisCache.connect({ url: redisUrl, keyPrefix: `fc-test-${schema}:` })
    : new MemoryCache();
  return {
    store,
    cache,
    label: `${pgUrl ? 'postgres' : 'embedded'}+${redisUrl ? 'redis' : 'memory'}`,
    redisPrefix: `fc-test-${schema}:`,
    async close() {
      await store.close();
      if (redisUrl) {
        const { Redis } = await import('ioredis');
        const r = new Redis(redisUrl);
        const keys = await r.keys(`fc-test-${schema}:*`);
        if (keys.length) await r.del(...keys);
        await r.quit();
      }
      await cache.close();
      if (pgUrl) {
        const client = new pg.Client({ connectionString: pgUrl });
        await client.connect();
        await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        await client.end();
      }
    },
  };
}

let n = 0;
export function newUser(store: Store, languages: string[] = ['en']): Promise<UserRecord> {
  n++;
  return store.createUser({
    handle: `u${n}_${randomUUID().slice(0, 8)}`,
    passwordHash: 'x',
    displayName: `User ${n}`,
    locale: languages[0],
    languages,
    country: 'US',
    tz: 'UTC',
  });
}

export async function until(check: () => Promise<boolean> | boolean, timeoutMs = 5_000, stepMs = 20): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

/** The store with every method call's name appended to `calls` (what reaches SQL underneath a caching layer). */
export function countingStore(store: Store, calls: string[]): Store {
  return new Proxy(store, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver);
      if (typeof v !== 'function') return v;
      return (...args: unknown[]) => {
        calls.push(String(prop));
        return v.apply(target, args);
      };
    },
  });
}
