// PostgreSQL through a `pg` pool. The schema is selected per connection (search_path), so tests and replicas
// can share one database; migrations run under an advisory lock so concurrent processes migrate once.
import pg from 'pg';
import { performance } from 'node:perf_hooks';
import { checkSchemaName, type SqlDriver } from './driver.ts';
import { applyMigrations } from './migrate.ts';
import type { PoolStats, StoreObserver } from './store.ts';

export interface PgDriverOptions {
  url: string;
  schema: string;
  poolSize: number;
  /** Max wait for a pooled connection before the query fails (the API answers 503). */
  connectionTimeoutMs: number;
  statementTimeoutMs: number;
  observer?: StoreObserver;
}

/**
 * Statement texts run as named prepared statements (parsed and planned once per connection, not on every query):
 * the store's SQL is a fixed set of texts, so a name per text; past this many distinct texts, unnamed as before
 * (the map and each connection's statement cache stay bounded).
 */
const MAX_NAMED_STATEMENTS = 200;

/** Transient conflicts worth one more try: deadlock_detected, serialization_failure. */
const RETRYABLE = new Set(['40P01', '40001']);
const MAX_ATTEMPTS = 3;

export async function createPgDriver(options: PgDriverOptions): Promise<SqlDriver> {
  const schema = checkSchemaName(options.schema);
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize,
    connectionTimeoutMillis: options.connectionTimeoutMs,
    idleTimeoutMillis: 30_000,
    // Names the connections in pg_stat_activity (one schema = one deployment or test).
    application_name: `flashcrowd-backend:${schema}`,
    options: `-c search_path=${schema} -c statement_timeout=${Math.max(0, Math.floor(options.statementTimeoutMs))}`,
  });
  // A connection lost (database restart, pg_terminate_backend) must not crash the process: idle clients report it
  // on the pool, checked-out ones on themselves (their query fails too, and the API answers 503). The pool drops
  // dead clients and the next query reconnects.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));

  const observer = options.observer;
  const names = new Map<string, string>();
  const nameOf = (text: string): string | undefined => {
    let name = names.get(text);
    if (name === undefined && names.size < MAX_NAMED_STATEMENTS) names.set(text, (name = `fc_${names.size}`));
    return name;
  };
  const driver: SqlDriver = {
    kind: 'pg',
    async query<R>(text: string, params: unknown[] = []): Promise<R[]> {
      for (let attempt = 1; ; attempt++) {
        const waitStart = performance.now();
        let client: pg.PoolClient;
        try {
          client = await pool.connect();
        } finally {
          // Timed-out waits count too: they are the ones that matter under a surge.
          observer?.poolWait?.((performance.now() - waitStart) / 1000);
        }
        let broken: Error | undefined;
        try {
          const name = nameOf(text);
          const result = await (name ? client.query({ name, text, values: params }) : client.query(text, params));
          return result.rows as R[];
        } catch (err) {
          const code = (err as { code?: string }).code;
          if (code === undefined) broken = err as Error; // connection-level failure: do not reuse the client
          if (code && RETRYABLE.has(code) && attempt < MAX_ATTEMPTS) continue;
          throw err;
        } finally {
          client.release(broken);
        }
      }
    },
    poolStats(): PoolStats {
      return { total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount, max: options.poolSize };
    },
    async close() {
      await pool.end();
    },
  };

  try {
    const client = await pool.connect();
    try {
      await client.query('SELECT pg_advisory_lock(hashtext($1))', [`flashcrowd-migrate:${schema}`]);
      try {
        await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
        await applyMigrations({
          exec: async (sql) => void (await client.query(sql)),
          query: async <R>(text: string, params?: unknown[]) => (await client.query(text, params)).rows as R[],
        });
      } finally {
        await client.query('SELECT pg_advisory_unlock(hashtext($1))', [`flashcrowd-migrate:${schema}`]);
      }
    } finally {
      client.release();
    }
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw err;
  }
  return driver;
}
