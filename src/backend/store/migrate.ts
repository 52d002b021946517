// Applies ./migrations/*.sql in name order, once each, recording them in schema_migrations.
// The caller holds whatever lock keeps two processes from migrating the same schema at once.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

export interface Migration {
  version: string;
  sql: string;
}

const MIGRATIONS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');

export function loadMigrations(dir: string = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort()
    .map((f) => ({ version: f.replace(/\.sql$/, ''), sql: readFileSync(path.join(dir, f), 'utf8') }));
}

export interface MigrationConnection {
  /** Runs a multi-statement script. */
  exec(sql: string): Promise<void>;
  query<R = Record<string, unknown>>(text: string, params?: unknown[]): Promise<R[]>;
}

/** Returns the versions applied by this call. */
export async function applyMigrations(conn: MigrationConnection, migrations: Migration[] = loadMigrations()): Promise<string[]> {
  await conn.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())');
  const done = new Set((await conn.query<{ version: string }>('SELECT version FROM schema_migrations')).map((r) => r.version));
  const applied: string[] = [];
  for (const m of migrations) {
    if (done.has(m.version)) continue;
    try {
      await conn.exec(`BEGIN;\n${m.sql}\n;INSERT INTO schema_migrations (version) VALUES ('${m.version.replace(/'/g, "''")}');\nCOMMIT;`);
    } catch (err) {
      await conn.exec('ROLLBACK').catch(() => undefined);
      throw new Error(`migration ${m.version} failed: ${(err as Error).message}`, { cause: err });
    }
    applied.push(m.version);
  }
  return applied;
}
