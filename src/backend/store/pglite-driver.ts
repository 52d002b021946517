// Embedded PostgreSQL (PGlite, WebAssembly): no server to install. In memory by default, or in dataDir.
// One connection; PGlite serialises queries itself.
//
// initdb inside WebAssembly takes seconds (tens of seconds on a loaded machine), so an in-memory database starts
// from a template: the first start dumps the freshly migrated data directory to the OS temp dir, keyed by the PGlite
// version, the migrations and the schema; later starts load it instead of running initdb again. A template that
// cannot be loaded is ignored and rewritten.
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { existsSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { checkSchemaName, type SqlDriver } from './driver.ts';
import { applyMigrations, loadMigrations } from './migrate.ts';

export interface PgliteDriverOptions {
  /** Directory for a persistent database; omitted: in memory. */
  dataDir?: string;
  schema: string;
  /** Where migrated templates are kept (default: the OS temp dir); false: always run initdb. */
  templateDir?: string | false;
}

function pgliteVersion(): string {
  try {
    const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
    let dir = path.dirname(entry);
    while (!existsSync(path.join(dir, 'package.json')) && dir !== path.dirname(dir)) dir = path.dirname(dir);
    return (JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

function templatePath(dir: string, schema: string): string {
  const h = createHash('sha256').update(pgliteVersion()).update('\0').update(schema);
  for (const m of loadMigrations()) h.update('\0').update(m.version).update('\0').update(m.sql);
  return path.join(dir, `flashcrowd-pglite-${h.digest('hex').slice(0, 16)}.tar.gz`);
}

async function prepare(db: PGlite, schema: string): Promise<void> {
  await db.waitReady;
  await db.exec(`CREATE SCHEMA IF NOT EXISTS ${schema}; SET search_path TO ${schema};`);
  await applyMigrations({
    exec: async (sql) => void (await db.exec(sql)),
    query: async <R>(text: string, params?: unknown[]) => (await db.query<R>(text, params)).rows,
  });
}

async function fromTemplate(file: string, schema: string): Promise<PGlite | undefined> {
  if (!existsSync(file)) return undefined;
  let db: PGlite | undefined;
  try {
    db = new PGlite({ loadDataDir: new Blob([readFileSync(file)]) });
    await prepare(db, schema);
    return db;
  } catch {
    await db?.close().catch(() => undefined);
    try {
      unlinkSync(file);
    } catch {
      // another process removed or replaced it
    }
    return undefined;
  }
}

async function saveTemplate(db: PGlite, file: string): Promise<void> {
  try {
    const dump = await db.dumpDataDir('gzip');
    const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
    writeFileSync(tmp, Buffer.from(await dump.arrayBuffer()));
    renameSync(tmp, file); // atomic: concurrent starts never read half a template
  } catch {
    // a missing template only costs the next start some time
  }
}

export async function createPgliteDriver(options: PgliteDriverOptions): Promise<SqlDriver> {
  const schema = checkSchemaName(options.schema);
  const templateDir = options.dataDir ? false : (options.templateDir ?? tmpdir());
  const template = templateDir === false ? undefined : templatePath(templateDir, schema);

  let db = template ? await fromTemplate(template, schema) : undefined;
  if (!db) {
    const fresh = options.dataDir ? new PGlite(options.dataDir) : new PGlite();
    try {
      await prepare(fresh, schema);
      if (template) await saveTemplate(fresh, template);
    } catch (err) {
      await fresh.close().catch(() => undefined);
      throw err;
    }
    db = fresh;
  }
  const open = db;
  return {
    kind: 'pglite',
    async query<R>(text: string, params: unknown[] = []): Promise<R[]> {
      return (await open.query<R>(text, params)).rows;
    },
    poolStats: () => undefined,
    async close() {
      if (!open.closed) await open.close();
    },
  };
}
