// Reference backend benchmark: requests/s and latency of following and discover reads, posts, comments, likes and
// signups on Postgres+Redis and on embedded (PGlite + in-memory cache), and, in the same run, a trivial Fastify route
// as the ceiling of this machine (each row's ratio to it is what compares across runs on a shared machine). Each
// server runs in its own process (`flashcrowd backend`), autocannon drives it from this one, against 127.0.0.1 only,
// for BENCH_SECONDS (default 5) per measurement.
// Environment: BENCH_SETUPS (comma list of postgres+redis, embedded; default both), BENCH_PROFILE_DIR (run each
// backend under `node --cpu-prof`, profiles written there), BENCH_BASELINE (an earlier backend.json whose rows are
// shown as "before"), BENCH_OUT (file stem, default bench/results/backend), BENCH_ENDPOINTS (comma list of rows to
// measure, default all: following, discover, comments, likes, posts, signups), BENCH_DETECTORS=0 (skip the detectors).
// Each setup also runs a second backend keeping no rendered following pages (surge.followingPages.maxPages 0), for the
// `following, pages off` row: what a following read costs when every one is built.
// Results: bench/results/backend.json and bench/results/backend.md; an existing .md's sections from its first
// "## Hand-kept" heading on are carried over into the new one.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import pg from 'pg';
import { Redis } from 'ioredis';
import { franc } from 'franc-min';
import { LABELLED_SAMPLE } from '../src/backend/lang/samples.ts';
import { seededRandom } from '../src/random/index.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = 16;
const USERS = 60;
const FOLLOWS_PER_USER = 15;
const SEED_POSTS = 300;
// Posts made just before the likes row so that every like of a 5 s row can be a new (user, post) pair: 60 users x
// 300 seeded posts is 18,000 pairs, which a backend that groups likes exhausts in under 5 s (repeats are cheaper).
const LIKE_POSTS = 1_500;
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const SETUPS = (process.env.BENCH_SETUPS ?? 'postgres+redis,embedded').split(',').map((x) => x.trim());
const PROFILE_DIR = process.env.BENCH_PROFILE_DIR;
const BASELINE = process.env.BENCH_BASELINE;
const OUT = process.env.BENCH_OUT ?? 'bench/results/backend';
const ENDPOINTS = process.env.BENCH_ENDPOINTS?.split(',').map((x) => x.trim());

interface Measure {
  rps: number;
  /** Server CPU (user + system, from /proc) per request: robust to a loaded machine where req/s is not. */
  cpuUsPerRequest?: number;
  /**
   * CPU per request of the other processes serving or driving the row, from /proc: every `postgres` process, every
   * `redis-server`, and this process (autocannon, the load generator). With the backend's, the whole machine's cost of
   * a request: two cores can serve at most 2 s / that many requests a second, whatever the backend does.
   */
  postgresCpuUsPerRequest?: number;
  redisCpuUsPerRequest?: number;
  clientCpuUsPerRequest?: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  non2xx: number;
  errors: number;
  /** Responses by status code (autocannon's statusCodeStats): the likes row's 201 (new) against 200 (repeat). */
  statuses?: Record<string, number>;
  /** Following rows: how the backend's rendered page cache answered during the row (social_feed_page_cache_total). */
  pageCache?: Record<string, number>;
}

interface Server {
  url: string;
  pid: number;
  stop(): Promise<void>;
}


function spawnServer(args: string[], label: string): Promise<Server> {
  const child: ChildProcess = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${label} did not start: ${stderr}`)), 120_000);
    child.once('exit', (code) => (clearTimeout(timer), reject(new Error(`${label} exited (${code}): ${stderr}`))));
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /http:\/\/127\.0\.0\.1:\d+/.exec(out);
      if (!m) return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      resolve({
        url: m[0],
        pid: child.pid!,
        stop: () =>
          new Promise<void>((r) => {
            const kill = setTimeout(() => child.kill('SIGKILL'), 15_000);
            child.once('exit', () => (clearTimeout(kill), r()));
            child.kill('SIGINT');
          }),
      });
    });
  });
}

async function json(url: string, method: string, body?: unknown, token?: string): Promise<any> {
  const res = await fetch(url, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.status >= 300) throw new Error(`${method} ${url}: ${res.status} ${await res.text()}`);
  return res.status === 204 ? undefined : res.json();
}

function signupBody(handle: string, languages: string[]) {
  return { handle, password: 'correct horse battery', displayName: handle, locale: languages[0], languages, country: 'US', tz: 'UTC' };
}

interface Seeded {
  tokens: string[];
  postIds: string[];
}

async function seed(url: string): Promise<Seeded> {
  const random = seededRandom(42);
  const users: Array<{ id: string; token: string }> = [];
  const run = `${Date.now().toString(36)}`;
  for (let i = 0; i < USERS; i += 4) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(4, USERS - i) }, (_, j) =>
        json(`${url}/v1/users`, 'POST', signupBody(`seed${run}${i + j}`, (i + j) % 3 === 0 ? ['zh', 'en'] : ['en'])),
      ),
    );
    users.push(...batch);
  }
  for (const u of users) {
    const targets = new Set<number>();
    while (targets.size < FOLLOWS_PER_USER) targets.add(Math.floor(random() * USERS));
    for (const t of targets) if (users[t].id !== u.id) await json(`${url}/v1/follows`, 'POST', { userId: users[t].id }, u.token);
  }
  const postIds: string[] = [];
  for (let i = 0; i < SEED_POSTS; i++) {
    const author = users[Math.floor(random() * USERS)];
    const text = i % 4 === 0 ? `种子帖子 ${i}：今天早餐吃了什么？我吃了包子和豆浆。` : `seed post ${i}: what did you eat for breakfast today?`;
    postIds.push((await json(`${url}/v1/posts`, 'POST', { text, tags: [], media: [] }, author.token)).id);
  }
  return { tokens: users.map((u) => u.token), postIds };
}

/** utime + stime in µs from the text of a /proc/<pid>/stat file (the command name may hold spaces and parentheses). */
function statCpuUs(stat: string): number {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / 100; // utime, stime (fields 14 and 15); USER_HZ is 100 on Linux
}

/** utime + stime of a process in µs (Linux /proc; undefined elsewhere). */
function cpuUs(pid: number): number | undefined {
  try {
    return statCpuUs(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

/**
 * utime + stime in µs of all processes named `postgres` and of all named `redis-server` (Linux /proc; undefined
 * elsewhere). A process that exits during a row takes its CPU with it; Postgres keeps the backend's pooled
 * connections for the whole run, so that is only the odd autovacuum worker.
 */
function serviceCpuUs(): { postgres?: number; redis?: number } {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return {};
  }
  let postgres = 0;
  let redis = 0;
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // gone since the listing
    }
    const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    if (comm !== 'postgres' && comm !== 'redis-server') continue;
    if (comm === 'postgres') postgres += statCpuUs(stat);
    else redis += statCpuUs(stat);
  }
  return { postgres, redis };
}

function perRequest(before: number | undefined, after: number | undefined, requests: number): number | undefined {
  return before !== undefined && after !== undefined && requests > 0 ? Math.round((after - before) / requests) : undefined;
}

async function measure(opts: autocannon.Options, pid?: number): Promise<Measure> {
  const cpu0 = pid === undefined ? undefined : cpuUs(pid);
  const services0 = serviceCpuUs();
  const client0 = process.cpuUsage();
  const r = await autocannon({ connections: CONNECTIONS, duration: SECONDS, ...opts });
  const client = process.cpuUsage(client0);
  const services1 = serviceCpuUs();
  const cpu1 = pid === undefined ? undefined : cpuUs(pid);
  const total = r.requests.total;
  return {
    rps: Math.round(r.requests.average),
    cpuUsPerRequest: perRequest(cpu0, cpu1, total),
    postgresCpuUsPerRequest: perRequest(services0.postgres, services1.postgres, total),
    redisCpuUsPerRequest: perRequest(services0.redis, services1.redis, total),
    clientCpuUsPerRequest: perRequest(0, client.user + client.system, total),
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    requests: r.requests.total,
    non2xx: r.non2xx,
    errors: r.errors,
    statuses: Object.fromEntries(Object.entries(r.statusCodeStats ?? {}).map(([code, v]) => [code, (v as { count: number }).count])),
  };
}

/**
 * "pg + redis + client = all (n cores busy)" for the results table ('' where the server's own CPU is unknown). A row
 * with cores to spare is bound by latency (16 connections, each waiting for its answer), not by CPU.
 */
function machineCpu(m: Measure): string {
  const { cpuUsPerRequest: server, postgresCpuUsPerRequest: pg, redisCpuUsPerRequest: redis, clientCpuUsPerRequest: client } = m;
  if (server === undefined || pg === undefined || redis === undefined || client === undefined) return '';
  const all = server + pg + redis + client;
  return `${pg} + ${redis} + ${client} = ${all} (${((all * m.rps) / 1e6).toFixed(2)} cores busy)`;
}

/**
 * Sections of an earlier results file kept by hand (from its first "## Hand-kept" heading on): notes on a record
 * and its spread that a new run must not wipe.
 */
function handKept(file: string): string {
  if (!existsSync(file)) return '';
  const text = readFileSync(file, 'utf8');
  const at = text.search(/^## Hand-kept/m);
  return at < 0 ? '' : `\n${text.slice(at)}`;
}

/** More posts by the seeded users, 16 at a time (for the likes row: see LIKE_POSTS). */
async function morePosts(url: string, tokens: string[], count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i += 16) {
    const batch = Array.from({ length: Math.min(16, count - i) }, (_, j) =>
      json(`${url}/v1/posts`, 'POST', { text: `post to like ${i + j}: sunset over the river`, tags: [], media: [] }, tokens[(i + j) % tokens.length]),
    );
    for (const post of await Promise.all(batch)) ids.push(post.id);
  }
  return ids;
}

/** social_feed_page_cache_total by result, from the backend's /metrics. */
async function pageCacheCounts(url: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^social_feed_page_cache_total\{result="(\w+)"\} (\d+)/gm)) out[m[1]] = Number(m[2]);
  return out;
}

async function benchBackend(label: string, args: string[], only?: string[]): Promise<Record<string, Measure>> {
  process.stdout.write(`${label}: starting\n`);
  const node = PROFILE_DIR ? ['--cpu-prof', '--cpu-prof-dir', path.resolve(PROFILE_DIR), `--cpu-prof-name=${label.replace(/\W/g, '-')}.cpuprofile`] : [];
  const server = await spawnServer([...node, path.join(ROOT, 'bin/flashcrowd.js'), 'backend', '--port', '0', '--log-level', 'error', ...args], label);
  try {
    const { tokens, postIds } = await seed(server.url);
    process.stdout.write(`${label}: seeded ${USERS} users, ${SEED_POSTS} posts\n`);
    const row = async (name: string, run: () => Promise<Measure>): Promise<Measure | undefined> => {
      if ((ENDPOINTS && !ENDPOINTS.includes(name)) || (only && !only.includes(name))) return undefined;
      const m = await run();
      process.stdout.write(`${label}: ${name} ${m.rps}/s, ${m.cpuUsPerRequest} µs CPU/request (with Postgres, Redis, load generator: ${machineCpu(m)}), p99 ${m.p99Ms} ms\n`);
      return m;
    };
    let n = 0;
    const pick = () => tokens[n++ % tokens.length];
    const following = await row('following', async () => {
      const before = await pageCacheCounts(server.url);
      const m = await measure(
        {
          url: server.url,
          requests: [{ method: 'GET', path: '/v1/feed/following?limit=20', setupRequest: (req) => ({ ...req, headers: { authorization: `Bearer ${pick()}` } }) }],
        },
        server.pid,
      );
      const after = await pageCacheCounts(server.url);
      m.pageCache = Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - (before[k] ?? 0)]));
      return m;
    });
    const discover = await row('discover', () =>
      measure(
      {
        url: server.url,
      requests: [{ method: 'GET', path: '/v1/feed/discover?limit=20', setupRequest: (req) => ({ ...req, headers: { authorization: `Bearer ${pick()}` } }) }],
      },
      server.pid,
    ));
    let c = 0;
    const comments = await row('comments', () =>
      measure(
      {
        url: server.url,
      requests: [
        {
          method: 'POST',
          setupRequest: (req) => ({
            ...req,
            path: `/v1/posts/${postIds[c % postIds.length]}/comments`,
            headers: { authorization: `Bearer ${pick()}`, 'content-type': 'application/json' },
            body: JSON.stringify({ text: `bench comment ${c++}: same here` }),
          }),
        },
      ],
      },
      server.pid,
    ));
    // Every (user, post) pair once before any repeats, so nearly every like is a new one (201), not a 200 replay.
    let l = 0;
    let likeTargets = postIds;
    const likes = await row('likes', async () => {
      likeTargets = [...postIds, ...(await morePosts(server.url, tokens, LIKE_POSTS))];
      return measure(
      {
        url: server.url,
      requests: [
        {
          method: 'POST',
          setupRequest: (req) => {
            const i = l++;
            return {
              ...req,
              path: `/v1/posts/${likeTargets[Math.floor(i / tokens.length) % likeTargets.length]}/likes`,
              headers: { authorization: `Bearer ${tokens[i % tokens.length]}` },
            };
          },
        },
      ],
      },
      server.pid,
    );
    });
    let p = 0;
    const posts = await row('posts', () =>
      measure(
      {
        url: server.url,
      requests: [
        {
          method: 'POST',
          path: '/v1/posts',
          setupRequest: (req) => ({
            ...req,
            headers: { authorization: `Bearer ${pick()}`, 'content-type': 'application/json' },
            body: JSON.stringify({ text: `bench post ${p++}: here is my cat tax`, tags: ['cat'], media: [] }),
          }),
        },
      ],
      },
      server.pid,
    ));
    const run = randomUUID().slice(0, 8);
    let s = 0;
    const signups = await row('signups', () =>
      measure(
      {
        url: server.url,
      requests: [
        {
          method: 'POST',
          path: '/v1/users',
          setupRequest: (req) => ({
            ...req,
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(signupBody(`b${run}${s++}`, ['en'])),
          }),
        },
      ],
      },
      server.pid,
    ));
    const rows = { following, discover, posts, comments, likes, signups };
    return Object.fromEntries(Object.entries(rows).filter((e): e is [string, Measure] => e[1] !== undefined));
  } finally {
    await server.stop();
  }
}

/** How many of each likes row's answers were new likes (201) rather than repeats (200). */
function likesNote(results: Record<string, Record<string, Measure>>): string {
  const parts = Object.entries(results)
    .filter(([, byEndpoint]) => byEndpoint.likes?.statuses)
    .map(([setup, byEndpoint]) => `${setup} ${byEndpoint.likes.statuses!['201'] ?? 0} new of ${byEndpoint.likes.requests}`);
  return parts.length ? `new likes: ${parts.join(', ')}` : 'no likes row in this run';
}

async function benchCeiling(): Promise<Measure> {
  const script = `import Fastify from 'fastify';
const app = Fastify();
app.get('/', async () => ({ ok: true }));
await app.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write('http://127.0.0.1:' + app.server.address().port + '\\n');
process.on('SIGINT', () => app.close().then(() => process.exit(0)));`;
  const server = await spawnServer(['--input-type=module', '-e', script], 'fastify ceiling');
  try {
    return await measure({ url: `${server.url}/` }, server.pid);
  } finally {
    await server.stop();
  }
}

interface DetectorRow {
  detector: string;
  correct: number;
  of: number;
  detectionsPerSec: number;
  loadMs: number;
}

const ISO3: Record<string, string> = { eng: 'en', cmn: 'zh', spa: 'es', por: 'pt', fra: 'fr', deu: 'de', jpn: 'ja', kor: 'ko' };

/** Accuracy on the labelled sample and speed of each candidate library (and of the backend's detector). */
async function benchDetectors(): Promise<DetectorRow[]> {
  const rows: DetectorRow[] = [];
  const run = (detector: string, loadMs: number, detect: (t: string) => string) => {
    const correct = LABELLED_SAMPLE.filter((x) => detect(x.text) === x.lang).length;
    const n = 20_000;
    const t0 = performance.now();
    for (let i = 0; i < n; i++) detect(LABELLED_SAMPLE[i % LABELLED_SAMPLE.length].text);
    rows.push({ detector, correct, of: LABELLED_SAMPLE.length, detectionsPerSec: Math.round(n / ((performance.now() - t0) / 1000)), loadMs });
  };
  for (const size of ['large', 'medium', 'small'] as const) {
    const t0 = performance.now();
    const { eld } = (await import(`eld/${size}`)) as { eld: { detect(t: string): { language: string } } };
    eld.detect('warm up');
    run(`eld/${size}`, Math.round(performance.now() - t0), (t) => eld.detect(t).language);
  }
  run('franc-min', 0, (t) => ISO3[franc(t)] ?? franc(t));
  // Imported only now, so that eld/medium's load time above is measured cold.
  const { createLanguageDetector } = await import('../src/backend/lang/detector.ts');
  const ours = createLanguageDetector();
  run('backend detector (eld/medium + script rule + hint)', 0, (t) => ours.detect(t));
  return rows;
}

async function reachable(): Promise<boolean> {
  try {
    const c = new pg.Client({ connectionString: DATABASE_URL });
    await c.connect();
    await c.end();
    const r = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await r.connect();
    await r.quit();
    return true;
  } catch {
    return false;
  }
}

type Results = Record<string, Record<string, Measure>>;

/** A second backend per setup keeps no rendered following pages: what every following read costs when built. */
const PAGES_OFF = { followingPages: { maxPages: 0 } };
const PAGES_OFF_ROW = 'following, pages off';
const renamed = (rows: Record<string, Measure>) => (rows.following ? { [PAGES_OFF_ROW]: rows.following } : {});

const CEILING = 'GET / (bare Fastify)';

/** The ceiling is measured before and after the backends; ratios use the mean, so drift in load shows in both. */
function ceilingRps(results: Results): number {
  const a = results.ceiling?.[CEILING]?.rps ?? 0;
  const b = results.ceiling?.['GET / (bare Fastify), after']?.rps ?? a;
  return (a + b) / 2;
}

function pageCacheNote(results: Results): string {
  const parts: string[] = [];
  for (const [setup, rows] of Object.entries(results)) {
    const c = rows.following?.pageCache;
    if (c) parts.push(`${setup} ${c.hit ?? 0} hits, ${c.miss ?? 0} misses, ${c.uncacheable ?? 0} uncacheable`);
  }
  return parts.join('; ') || 'not measured';
}

async function main(): Promise<void> {
  const loadBefore = os.loadavg()[0];
  const detectors = process.env.BENCH_DETECTORS === '0' ? [] : await benchDetectors();
  const results: Results = {};
  results.ceiling = { [CEILING]: await benchCeiling() };
  process.stdout.write(`ceiling: ${results.ceiling[CEILING].rps}/s\n`);

  if (!SETUPS.includes('postgres+redis')) {
    process.stdout.write('postgres+redis: not selected (BENCH_SETUPS)\n');
  } else if (await reachable()) {
    const id = randomUUID().replace(/-/g, '').slice(0, 12);
    const schema = `bench_${id}`;
    const prefix = `fc-bench-${id}:`;
    const dir = mkdtempSync(path.join(os.tmpdir(), 'flashcrowd-bench-backend-'));
    const configFile = path.join(dir, 'config.json');
    const offFile = path.join(dir, 'pages-off.json');
    writeFileSync(configFile, JSON.stringify({ redisKeyPrefix: prefix }));
    try {
      const pgArgs = ['--db', DATABASE_URL, '--schema', schema, '--redis', REDIS_URL];
      results['postgres+redis'] = await benchBackend('postgres+redis', [...pgArgs, '--config', configFile]);
      writeFileSync(offFile, JSON.stringify({ redisKeyPrefix: prefix, surge: PAGES_OFF }));
      Object.assign(results['postgres+redis'], renamed(await benchBackend('postgres+redis, pages off', [...pgArgs, '--config', offFile], ['following'])));
    } finally {
      const c = new pg.Client({ connectionString: DATABASE_URL });
      await c.connect();
      await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await c.end();
      const r = new Redis(REDIS_URL);
      let cursor = '0';
      do {
        const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
        cursor = next;
        if (keys.length) await r.del(...keys);
      } while (cursor !== '0');
      await r.quit();
      rmSync(dir, { recursive: true, force: true });
    }
  } else {
    process.stdout.write('postgres+redis: skipped (DATABASE_URL/REDIS_URL unreachable)\n');
  }
  if (SETUPS.includes('embedded')) {
    results.embedded = await benchBackend('embedded', ['--db', 'embedded', '--redis', 'memory']);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'flashcrowd-bench-backend-'));
    try {
      writeFileSync(path.join(dir, 'pages-off.json'), JSON.stringify({ surge: PAGES_OFF }));
      const off = await benchBackend('embedded, pages off', ['--db', 'embedded', '--redis', 'memory', '--config', path.join(dir, 'pages-off.json')], ['following']);
      Object.assign(results.embedded, renamed(off));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  results.ceiling[`${CEILING}, after`] = await benchCeiling();
  process.stdout.write(`ceiling (after): ${results.ceiling[`${CEILING}, after`].rps}/s\n`);

  const machine = {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    loadAverage1mBefore: Number(loadBefore.toFixed(2)),
    loadAverage1mAfter: Number(os.loadavg()[0].toFixed(2)),
  };
  const ceiling = ceilingRps(results);
  const ratios: Record<string, Record<string, number>> = {};
  for (const [setup, byEndpoint] of Object.entries(results)) {
    if (setup === 'ceiling') continue;
    ratios[setup] = Object.fromEntries(Object.entries(byEndpoint).map(([e, m]) => [e, Number((m.rps / ceiling).toFixed(4))]));
  }
  const doc = {
    generatedAt: new Date().toISOString(),
    machine,
    settings: { secondsPerMeasure: SECONDS, connections: CONNECTIONS, users: USERS, followsPerUser: FOLLOWS_PER_USER, seedPosts: SEED_POSTS, scryptCost: 16384 },
    results,
    ceilingRps: Math.round(ceiling),
    ratios,
    detectors,
  };
  const out = path.resolve(ROOT, OUT);
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(`${out}.json`, JSON.stringify(doc, null, 2) + '\n');

  const baseline = BASELINE ? (JSON.parse(readFileSync(path.resolve(ROOT, BASELINE), 'utf8')) as typeof doc) : undefined;
  const baseCeiling = baseline ? ceilingRps(baseline.results) : 0;
  const ratio = (rps: number, of: number) => (of > 0 ? (rps / of).toFixed(3) : '');
  const rows: string[] = [];
  for (const [setup, byEndpoint] of Object.entries(results)) {
    for (const [endpoint, m] of Object.entries(byEndpoint)) {
      const before = baseline?.results[setup]?.[endpoint];
      const beforeCols = baseline
        ? ` ${before ? `${before.rps} (${ratio(before.rps, baseCeiling)}x), p99 ${before.p99Ms}${before.cpuUsPerRequest ? `, ${before.cpuUsPerRequest} µs` : ''}` : '—'} |`
        : '';
      rows.push(
        `| ${setup} | ${endpoint} | ${m.rps} | ${setup === 'ceiling' ? '' : `${ratio(m.rps, ceiling)}x`} | ${m.cpuUsPerRequest ?? ''} | ${machineCpu(m)} | ${m.p50Ms} | ${m.p99Ms} | ${m.non2xx} | ${m.errors} |${beforeCols}`,
      );
    }
  }
  const beforeHead = baseline ? ' before: req/s (ratio), p99 ms, CPU µs |' : '';
  const beforeRule = baseline ? '---|' : '';
  const beforeNote = baseline
    ? `\n"before" is ${path.basename(BASELINE!)} (${baseline.generatedAt}, load average ${baseline.machine.loadAverage1mBefore} before, ` +
      `${baseline.machine.loadAverage1mAfter} after), ceiling ${Math.round(baseCeiling)}/s in that run.\n`
    : '';
  const md = `# backend benchmark (${doc.generatedAt})

Machine: ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGiB} GiB, Node ${machine.node}; 1-minute load average
${machine.loadAverage1mBefore} before, ${machine.loadAverage1mAfter} after (a shared machine: compare ratios from one run only).
Each server is one process (\`flashcrowd backend\`, default knobs, scrypt N=16384); autocannon, ${CONNECTIONS} connections,
${SECONDS} s per row, from the benchmark process on the same machine (Postgres and Redis share it too). Seed: ${USERS} users, each following ${FOLLOWS_PER_USER}, ${SEED_POSTS} posts
(a quarter in Chinese). The ceiling is measured before and after the backends; ratios are to their mean (${Math.round(ceiling)}/s).
${beforeNote}
| setup | endpoint | requests/s | ratio to ceiling | server CPU µs/request | Postgres + Redis + load generator = all, µs/request | p50 ms | p99 ms | non-2xx | errors |${beforeHead}
|---|---|---|---|---|---|---|---|---|---|${beforeRule}
${rows.join('\n')}

- \`following\`: GET /v1/feed/following?limit=20, tokens rotating over the seeded users (fan-out timelines + read-time merge),
  answered from the backend's rendered pages once built (nothing is written during the row, so nearly every read is a hit:
  ${pageCacheNote(results)}); \`following, pages off\`: a second backend with \`surge.followingPages.maxPages: 0\`, every read built.
- \`discover\`: GET /v1/feed/discover?limit=20 (candidate pool, ranking by language, engagement and recency; admission and the overload signal in the path).
- \`posts\`: POST /v1/posts (language detection, fan-out enqueue, moderation classification).
- \`comments\`: POST /v1/posts/:id/comments on the seeded posts; \`likes\`: POST /v1/posts/:id/likes, every (user, post) pair once
  over the seeded posts and ${LIKE_POSTS} more made before the row (${likesNote(results)}).
- \`signups\`: POST /v1/users (scrypt dominates: the surge's CPU cost per newcomer).
- ceiling: a bare Fastify route returning \`{ok:true}\` — the most this machine serves through Node's HTTP stack.
- server CPU µs/request: the backend process's user + system CPU during the row, per request (its own work only: Postgres
  and Redis run in their own processes). On a loaded machine requests/s swings with the neighbours; this does much less.
- Postgres + Redis + load generator = all: the same for every \`postgres\` and \`redis-server\` process and for this
  benchmark's process (autocannon), then the sum with the server's. With ${machine.cpus} cores, a row cannot pass
  ${machine.cpus}e6 / "all" requests a second, so a ratio r to the ceiling needs "all" at most ${machine.cpus}e6 / (r × ceiling) µs.
  "cores busy" is "all" × requests/s: below ${machine.cpus} cores, the row waited on latency (commits, round trips), not on CPU.
${
  detectors.length
    ? `
## Language detectors (labelled sample in src/backend/lang/samples.ts, ${LABELLED_SAMPLE.length} short posts in 8 languages)

| detector | correct | detections/s | load ms |
|---|---|---|---|
${detectors.map((d) => `| ${d.detector} | ${d.correct}/${d.of} | ${d.detectionsPerSec} | ${d.loadMs} |`).join('\n')}
`
    : ''
}`;
  writeFileSync(`${out}.md`, md + handKept(`${out}.md`));
  process.stdout.write(md);
}

await main();
