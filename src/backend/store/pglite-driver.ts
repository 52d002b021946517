// Embedded PostgreSQL (PGlite, WebAssembly): no server to install. In memory by default, or in dataDir.
// One connection; PGlite serialises queries itself.
import { PGlite } from '@electric-sql/pglite';
import { checkSchemaName, type SqlDriver } from './driver.ts';
import { applyMigrations } from './migrate.ts';

export interface PgliteDriverOptions {
  /** Directory for a persistent database; omitted: in memory. */
  dataDir?: string;
  schema: string;
}

export async function createPgliteDriver(options: PgliteDriverOptions): Promise<SqlDriver> {
  const schema = checkSchemaName(options.schema);
  const db = options.dataDir ? new PGlite(options.dataDir) : new PGlite();
  try {
    await db.waitReady;
    await db.exec(`CREATE SCHEMA IF NOT EXISTS ${schema}; SET search_path TO ${schema};`);
    await applyMigrations({
      exec: async (sql) => void (await db.exec(sql)),
      query: async <R>(text: string, params?: unknown[]) => (await db.query<R>(text, params)).rows,
    });
  } catch (err) {
    await db.close().catch(() => undefined);
    throw err;
  }
  return {
    kind: 'pglite',
    async query<R>(text: string, params: unknown[] = []): Promise<R[]> {
      return (await db.query<R>(text, params)).rows;
    },
    poolStats: () => undefined,
    async close() {
      if (!db.closed) await db.close();
    },
  };
}
