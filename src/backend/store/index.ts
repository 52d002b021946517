// Opens the configured store: `embedded` (PGlite, in memory or in a directory) or a postgres:// URL.
import { createPgDriver } from './pg-driver.ts';
import { createPgliteDriver } from './pglite-driver.ts';
import { SqlStore } from './sql-store.ts';
import type { Store, StoreObserver } from './store.ts';

export interface StoreOptions {
  /** 'embedded' or a postgres:// / postgresql:// URL. */
  db: string;
  /** Persistent directory for the embedded store; omitted: in memory. */
  embeddedDataDir?: string;
  schema: string;
  poolSize: number;
  connectionTimeoutMs: number;
  statementTimeoutMs: number;
  observer?: StoreObserver;
}

export async function openStore(options: StoreOptions): Promise<Store> {
  if (options.db === 'embedded') {
    const driver = await createPgliteDriver({ dataDir: options.embeddedDataDir, schema: options.schema });
    return new SqlStore(driver, options.observer);
  }
  if (/^postgres(ql)?:\/\//.test(options.db)) {
    const driver = await createPgDriver({
      url: options.db,
      schema: options.schema,
      poolSize: options.poolSize,
      connectionTimeoutMs: options.connectionTimeoutMs,
      statementTimeoutMs: options.statementTimeoutMs,
      observer: options.observer,
    });
    return new SqlStore(driver, options.observer);
  }
  throw new Error(`unsupported db '${options.db}': use 'embedded' or a postgres:// URL`);
}

export type { Store, StoreObserver } from './store.ts';
export { StoreError } from './errors.ts';
