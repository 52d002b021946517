// Token secret persistence (issue 17, part 4): a backend started without --token-secret keeps its secret in its
// database, so a restart, or another process on the same database, accepts the tokens it issued; --token-secret
// overrides it; `flashcrowd backend --rotate-token-secret` replaces it (and old tokens stop working). Real
// Postgres (gated like every service test) and the embedded store with a data directory.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import pg from 'pg';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { serviceUrl } from '../helpers/services.ts';
import { startBackend, type BackendConfigInput, type RunningBackend } from '../../src/backend/launch.ts';
import backendCommand from '../../src/cli/backend.ts';
import { UsageError } from '../../src/errors/exit-codes.ts';

const pgUrl = await serviceUrl('postgres');
const tag = `${process.pid}_${randomBytes(3).toString('hex')}`;
const schemas: string[] = [];
const dirs: string[] = [];
const running = new Set<RunningBackend>();

afterAll(async () => {
  await Promise.allSettled([...running].map((b) => b.close()));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  if (!pgUrl || !schemas.length) return;
  const client = new pg.Client({ connectionString: pgUrl });
  await client.connect();
  for (const s of schemas) await client.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
  await client.end();
});

function freshSchema(): string {
  const s = `fc_secret_${tag}_${schemas.length}`;
  schemas.push(s);
  return s;
}

async function start(options: BackendConfigInput, logStream?: NodeJS.WritableStream): Promise<RunningBackend> {
  const b = await startBackend({ scryptCost: 16, ...options }, logStream ? { logStream } : {});
  running.add(b);
  return b;
}

async function stop(b: RunningBackend): Promise<void> {
  await b.close();
  running.delete(b);
}

/** A new account over real HTTP; its token and id. */
async function signup(b: RunningBackend): Promise<{ id: string; token: string }> {
  const res = await fetch(`${b.url}/v1/users`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ handle: `u_${randomBytes(4).toString('hex')}`, password: 'correct horse', displayName: 'U', locale: 'en-US', languages: ['en'], country: 'US', tz: 'UTC' }),
  });
  expect(res.status).toBe(201);
  return (await res.json()) as { id: string; token: string };
}

/** Status and error code of an authenticated read of the user's own profile. */
async function me(b: RunningBackend, user: { id: string; token: string }): Promise<{ status: number; code?: string }> {
  const res = await fetch(`${b.url}/v1/users/${user.id}`, { headers: { authorization: `Bearer ${user.token}` } });
  const body = (await res.json()) as { error?: { code: string } };
  return { status: res.status, code: body.error?.code };
}

async function storedSecret(schema: string): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: pgUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ value: string }>(`SELECT value FROM ${schema}.backend_settings WHERE name = 'token_secret'`);
    return rows[0]?.value;
  } finally {
    await client.end();
  }
}

describe.skipIf(!pgUrl)('token secret kept in Postgres', () => {
  it('two backends in sequence on one schema accept each other\'s tokens, and the secret is never logged', async () => {
    const schema = freshSchema();
    let log = '';
    const sink = new Writable({ write: (c, _e, cb) => ((log += String(c)), cb()) });
    const opts = { db: pgUrl, schema, poolSize: 2, logLevel: 'trace', logRequests: true } as const;

    const a = await start(opts, sink);
    const alice = await signup(a);
    expect(await me(a, alice)).toEqual({ status: 200 });
    await stop(a);

    const b = await start(opts, sink);
    expect(await me(b, alice), 'a token issued before the restart').toEqual({ status: 200 });
    const bob = await signup(b);
    await stop(b);

    const c = await start(opts, sink);
    expect(await me(c, alice)).toEqual({ status: 200 });
    expect(await me(c, bob)).toEqual({ status: 200 });

    const secret = await storedSecret(schema);
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(c.config.tokenSecret).toBe(secret);
    expect(log.length).toBeGreaterThan(0);
    expect(log).not.toContain(secret!);
    await stop(c);
  }, 120_000);

  it('replicas starting at the same moment on a fresh schema settle on one secret', async () => {
    const schema = freshSchema();
    const replicas = await Promise.all([0, 1, 2, 3].map(() => start({ db: pgUrl, schema, poolSize: 2, logLevel: 'silent' })));
    expect(new Set(replicas.map((r) => r.config.tokenSecret)).size).toBe(1);
    expect(replicas[0].config.tokenSecret).toBe(await storedSecret(schema));
    // A token from any replica works on every other one.
    const users = await Promise.all(replicas.map((r) => signup(r)));
    for (const r of replicas) for (const u of users) expect(await me(r, u)).toEqual({ status: 200 });
    await Promise.all(replicas.map((r) => stop(r)));
  }, 120_000);

  it('--token-secret overrides the stored one and leaves it untouched', async () => {
    const schema = freshSchema();
    const stored = await start({ db: pgUrl, schema, poolSize: 2, logLevel: 'silent' });
    const alice = await signup(stored);
    const before = await storedSecret(schema);
    const explicit = await start({ db: pgUrl, schema, poolSize: 2, logLevel: 'silent', tokenSecret: 'an-explicit-secret-0123456789' });
    expect(explicit.config.tokenSecret).toBe('an-explicit-secret-0123456789');
    expect(await me(explicit, alice)).toEqual({ status: 401, code: 'invalid_token' });
    const bob = await signup(explicit);
    expect(await me(stored, bob)).toEqual({ status: 401, code: 'invalid_token' });
    expect(await storedSecret(schema)).toBe(before);
    await Promise.all([stop(stored), stop(explicit)]);
  }, 120_000);

  it('flashcrowd backend --rotate-token-secret replaces it without printing it; old tokens are then refused', async () => {
    const schema = freshSchema();
    const a = await start({ db: pgUrl, schema, poolSize: 2, logLevel: 'silent' });
    const alice = await signup(a);
    await stop(a);
    const before = await storedSecret(schema);

    const written: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => (written.push(String(chunk)), true));
    let code: number;
    try {
      code = await backendCommand.run(['--rotate-token-secret', '--db', pgUrl!, '--schema', schema]);
    } finally {
      spy.mockRestore();
    }
    expect(code).toBe(0);
    const after = await storedSecret(schema);
    expect(after).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(after).not.toBe(before);
    expect(written.join('')).toMatch(/token secret rotated .*schema .*Restart every backend process.*401 invalid_token/s);
    expect(written.join('')).not.toContain(after!);

    const b = await start({ db: pgUrl, schema, poolSize: 2, logLevel: 'silent' });
    expect(await me(b, alice), 'a token signed with the rotated-out secret').toEqual({ status: 401, code: 'invalid_token' });
    const carol = await signup(b);
    await stop(b);
    const c = await start({ db: pgUrl, schema, poolSize: 2, logLevel: 'silent' });
    expect(await me(c, carol)).toEqual({ status: 200 });
    await stop(c);
  }, 120_000);

  it('a stored secret that is too short (a hand-edited row) stops the start with the fix named', async () => {
    const schema = freshSchema();
    await stop(await start({ db: pgUrl, schema, poolSize: 2, logLevel: 'silent' }));
    const client = new pg.Client({ connectionString: pgUrl });
    await client.connect();
    await client.query(`UPDATE ${schema}.backend_settings SET value = 'short' WHERE name = 'token_secret'`);
    await client.end();
    await expect(start({ db: pgUrl, schema, poolSize: 2, logLevel: 'silent' })).rejects.toThrow(/shorter than 16 characters: .*--rotate-token-secret/);
    const quiet = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(await backendCommand.run(['--rotate-token-secret', '--db', pgUrl!, '--schema', schema])).toBe(0);
    } finally {
      quiet.mockRestore();
    }
    const b = await start({ db: pgUrl, schema, poolSize: 2, logLevel: 'silent' });
    expect(b.config.tokenSecret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    await stop(b);
  }, 120_000);

  it('rotation refuses what it cannot rotate, as a usage error', async () => {
    await expect(backendCommand.run(['--rotate-token-secret', '--db', pgUrl!, '--token-secret', 'an-explicit-secret-0123456789'])).rejects.toThrow(UsageError);
    await expect(backendCommand.run(['--rotate-token-secret', '--db', pgUrl!, '--token-secret', 'an-explicit-secret-0123456789'])).rejects.toThrow(/tokenSecret is set/);
    await expect(backendCommand.run(['--rotate-token-secret'])).rejects.toThrow(/in-memory embedded database/);
  });
});

describe('token secret kept in an embedded data directory', () => {
  it('a restart on the same directory accepts the tokens issued before; an in-memory database gets a new one', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'fc-secret-'));
    dirs.push(dir);
    const a = await start({ db: 'embedded', embeddedDataDir: dir, logLevel: 'silent' });
    const alice = await signup(a);
    const secret = a.config.tokenSecret;
    await stop(a);
    const b = await start({ db: 'embedded', embeddedDataDir: dir, logLevel: 'silent' });
    expect(b.config.tokenSecret).toBe(secret);
    expect(await me(b, alice)).toEqual({ status: 200 });
    await stop(b);

    // In memory, nothing persists: each start (from the migrated template) generates its own.
    const m1 = await start({ db: 'embedded', logLevel: 'silent' });
    const m2 = await start({ db: 'embedded', logLevel: 'silent' });
    expect(m1.config.tokenSecret).not.toBe(m2.config.tokenSecret);
    expect(m1.config.tokenSecret).not.toBe(secret);
    await Promise.all([stop(m1), stop(m2)]);
  }, 180_000);
});
