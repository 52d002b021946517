// What the shared SQL store needs from a database: parameterised queries, multi-statement scripts for migrations,
// pool figures and close(). pg-driver.ts and pglite-driver.ts implement it.
import type { PoolStats } from './store.ts';

export interface SqlDriver {
  readonly kind: 'pg' | 'pglite';
  query<R = Record<string, unknown>>(text: string, params?: unknown[]): Promise<R[]>;
  poolStats(): PoolStats | undefined;
  close(): Promise<void>;
}

/** Schema names go into SQL text (search_path, CREATE SCHEMA), so they are restricted to plain identifiers. */
export function checkSchemaName(schema: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new Error(`invalid schema name '${schema}': use lower-case letters, digits and _ (max 63, not starting with a digit)`);
  }
  return schema;
}
