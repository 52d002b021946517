#!/usr/bin/env node
// Starts a throwaway AT Protocol network for a flashcrowd rehearsal: PLC, PDS, AppView (bsky) and Ozone from
// @atproto/dev-env's TestNetwork, in this one process, without Docker and without dev-env's mock data.
//
//   node targets/atproto/start-stack.mjs [--db postgres://…] [--schema NAME] [--quiet]
//
// - Every server listens on 127.0.0.1 only, on free ports (dev-env's servers would otherwise bind all interfaces).
// - The AppView and Ozone get their own Postgres schemas (appview_<NAME>, ozone_<NAME>; NAME is letters and _ only),
//   the PDS its own TMPDIR (it writes one SQLite folder per account there). On SIGINT, SIGTERM, a lost parent
//   (IPC disconnect) or a failed start, the network is closed, both schemas are dropped and the folder removed.
// - Prints the PDS URL and one machine-readable line: `FLASHCROWD_ATPROTO_READY {"pdsUrl": …}`.
import { createRequire } from 'node:module';
import dns from 'node:dns';
import net from 'node:net';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';

const READY_PREFIX = 'FLASHCROWD_ATPROTO_READY ';
const HOST = '127.0.0.1';
const require = createRequire(import.meta.url);

const usage = `Usage: node start-stack.mjs [--db postgres://…] [--schema NAME] [--quiet]
  --db      Postgres URL (default: $DATABASE_URL)
  --schema  schema name suffix, letters and _ only (default: fc_<random letters>); the AppView uses appview_NAME,
            Ozone ozone_NAME; both are dropped on exit
  --quiet   no human-readable lines, only the ${READY_PREFIX.trim()} line`;

function fail(message, code = 2) {
  process.stderr.write(`start-stack: ${message}\n`);
  process.exit(code);
}

let args;
try {
  args = parseArgs({ options: { db: { type: 'string' }, schema: { type: 'string' }, quiet: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } }).values;
} catch (err) {
  fail(`${err.message}\n${usage}`);
}
if (args.help) {
  process.stdout.write(usage + '\n');
  process.exit(0);
}
const dbUrl = args.db ?? process.env.DATABASE_URL;
if (!dbUrl) fail('no Postgres URL: pass --db postgres://… or set DATABASE_URL');
if (!/^postgres(ql)?:\/\//.test(dbUrl)) fail(`--db '${dbUrl}' is not a postgres:// URL`);
const name = args.schema ?? `fc_${randomLetters(10)}`;
// dev-env builds schema names by concatenation and Postgres folds unquoted identifiers: letters and _ only.
if (!/^[A-Za-z_]{1,40}$/.test(name)) fail(`--schema '${name}': letters and _ only, at most 40`);
const schema = name.toLowerCase();
const schemas = [`appview_${schema}`, `ozone_${schema}`];
const say = (line) => void (args.quiet ? undefined : process.stdout.write(line + '\n'));

// Loopback only: dev-env's servers call listen(port) without a host, which binds every interface.
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function patchedListen(...a) {
  if (typeof a[0] === 'number' || (typeof a[0] === 'string' && /^\d+$/.test(a[0]))) {
    if (typeof a[1] !== 'string') a.splice(1, 0, HOST);
  } else if (a[0] && typeof a[0] === 'object' && a[0].path === undefined && a[0].host === undefined) {
    a[0] = { ...a[0], host: HOST };
  }
  return listen.apply(this, a);
};
// dev-env's URLs say "localhost": resolve it to the address the servers listen on.
dns.setDefaultResultOrder('ipv4first');

// The PDS keeps account SQLite files and blobs under os.tmpdir(): give it a folder of its own.
const tmpdir = fs.mkdtempSync(path.join(os.tmpdir(), 'flashcrowd-atproto-'));
process.env.TMPDIR = tmpdir;
// TestNetwork asserts a Redis host is configured; this stack never connects to it.
process.env.REDIS_HOST ??= '127.0.0.1:6379';
// Quiet services unless asked: their request logs would drown the harness's output.
process.env.LOG_ENABLED ??= 'false';

let network;
let cleaning;
async function cleanup(reason) {
  cleaning ??= (async () => {
    const started = Date.now();
    const errors = [];
    if (network) {
      // TestNetwork.close() in its order, one service at a time, so a slow one is named and cannot hold the rest.
      const parts = [
        ['ozone', () => network.ozone.close()],
        ['appview', () => network.bsky.close()],
        ['pds', () => network.pds.close()],
        ['plc', () => network.plc.close()],
      ];
      const took = [];
      for (const [part, close] of parts) {
        const t = Date.now();
        await withTimeout(close(), 20_000, `closing the ${part}`).catch((e) => errors.push(e.message));
        took.push(`${part} ${Date.now() - t} ms`);
      }
      say(`closed: ${took.join(', ')}`);
    }
    await dropSchemas().catch((e) => errors.push(`dropping schemas: ${e.message}`));
    try {
      fs.rmSync(tmpdir, { recursive: true, force: true });
    } catch (e) {
      errors.push(`removing ${tmpdir}: ${e.message}`);
    }
    say(`stack stopped (${reason}) in ${Date.now() - started} ms: schemas ${schemas.join(', ')} dropped, ${tmpdir} removed`);
    if (errors.length) process.stderr.write(`start-stack: cleanup problems: ${errors.join('; ')}\n`);
    return errors.length === 0;
  })();
  return cleaning;
}

async function dropSchemas() {
  // pg comes with the AppView; resolve it from there rather than depending on the hoisting layout.
  const pg = createRequire(require.resolve('@atproto/bsky'))('pg');
  const client = new pg.Client({ connectionString: dbUrl });
  await client.connect();
  try {
    for (const s of schemas) await client.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
  } finally {
    await client.end();
  }
}

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([promise, new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no end in ${ms} ms`)), ms)))]).finally(() =>
    clearTimeout(timer),
  );
}

function randomLetters(n) {
  const bytes = randomBytes(n);
  return Array.from(bytes, (b) => String.fromCharCode(97 + (b % 26))).join('');
}

let stopping = false;
async function stop(reason, code) {
  if (stopping) return;
  stopping = true;
  const ok = await cleanup(reason);
  process.exit(ok ? code : 1);
}
process.on('SIGINT', () => void stop('SIGINT', 0));
process.on('SIGTERM', () => void stop('SIGTERM', 0));
// Started by flashcrowd with an IPC channel: a parent that dies (even by SIGKILL) closes it, and the stack follows.
process.on('disconnect', () => void stop('parent gone', 0));
// Last resort on an exit nobody planned: the folder at least (schemas need async I/O).
process.on('exit', () => {
  try {
    fs.rmSync(tmpdir, { recursive: true, force: true });
  } catch {}
});
process.on('uncaughtException', (err) => {
  process.stderr.write(`start-stack: ${err.stack ?? err}\n`);
  void stop('uncaught exception', 1);
});
process.on('unhandledRejection', (err) => {
  process.stderr.write(`start-stack: unhandled rejection: ${err?.stack ?? err}\n`);
  void stop('unhandled rejection', 1);
});

const t0 = Date.now();
try {
  const { TestNetwork } = require('@atproto/dev-env');
  network = await TestNetwork.create({
    dbPostgresUrl: dbUrl,
    dbPostgresSchema: schema,
    // Rate limits off: the harness's crowd comes from one address. hostname: the PDS's own name (handles end .test).
    pds: { hostname: 'localhost', rateLimitsEnabled: false },
  });
} catch (err) {
  process.stderr.write(`start-stack: the network did not start: ${err.stack ?? err}\n`);
  await stop('failed start', 1);
}
const url = (u) => u.replace('//localhost:', `//${HOST}:`);
const info = {
  pdsUrl: url(network.pds.url),
  appviewUrl: url(network.bsky.url),
  ozoneUrl: url(network.ozone.url),
  plcUrl: url(network.plc.url),
  handleDomain: '.test',
  schemas,
  tmpdir,
  pid: process.pid,
  startMs: Date.now() - t0,
};
say(`AT Protocol stack up in ${info.startMs} ms (PLC, PDS, AppView, Ozone; Postgres schemas ${schemas.join(', ')})`);
say(`PDS: ${info.pdsUrl}`);
process.stdout.write(READY_PREFIX + JSON.stringify(info) + '\n');
