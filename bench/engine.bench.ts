// Engine benchmark: (A) arrivals/s the scheduler's tick loop sustains with no-op sessions; (B) the whole engine
// (sessions, behaviours, recorders) against an in-process instant target; (C) per-request client overhead of the
// HTTP target against a trivial server in another process, beside a bare undici Pool doing the same requests.
// Results: bench/results/engine.json and bench/results/engine.md. `npx tsx bench/engine.bench.ts`
import { spawn } from 'node:child_process';
import { writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import { Scheduler } from '../src/engine/scheduler.ts';
import { runPlan } from '../src/engine/run.ts';
import { HttpTarget } from '../src/target/http-target.ts';
import { LatencyHistogram } from '../src/observe/latency.ts';
import type { OpResult, Target } from '../src/target/target.ts';
import { CAPABILITIES } from '../src/target/target.ts';
import { cohort, content, plan, population } from '../test/engine/helpers/stand-ins.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function cpuMs(since: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(since);
  return (d.user + d.system) / 1000;
}

async function schedulerThroughput(rate: number) {
  const lag = new LatencyHistogram();
  const t0 = performance.now();
  const cpu = process.cpuUsage();
  const done = Promise.resolve();
  const s = new Scheduler(
    { cohorts: [{ name: 'c', rate: () => rate, peakRate: rate, inFlightCap: 1e9 }], durationSec: SECONDS, seed: 1 },
    {
      now: () => performance.now() - t0,
      startSession: () => done,
      onArrival: (_c, intended, started) => started !== undefined && lag.recordMs(started - intended),
    },
  );
  s.start();
  await s.arrivalsFinished;
  await s.drained();
  const wall = (performance.now() - t0) / 1000;
  s.close();
  return {
    rate,
    intended: s.intended,
    started: s.started,
    achievedPerSec: Math.round(s.started / wall),
    lagP50Ms: +lag.percentileMs(50).toFixed(3),
    lagP99Ms: +lag.percentileMs(99).toFixed(3),
    lagMaxMs: +lag.maxMs().toFixed(3),
    cpuUsPerArrival: +((cpuMs(cpu) * 1000) / Math.max(1, s.started)).toFixed(2),
  };
}

function instantTarget(): Target {
  const ok = <T>(value: T): Promise<OpResult<T>> => Promise.resolve({ ok: true, status: 200, value });
  let n = 0;
  const page = { items: [], nextCursor: null };
  return {
    name: 'instant',
    capabilities: { supports: CAPABILITIES },
    signup: (_c, a) => ok({ userId: `u${++n}`, token: 't', handle: a.handle }),
    login: (_c, h) => ok({ userId: `u${++n}`, token: 't', handle: h }),
    getUser: () => ok({ id: 'u', handle: 'h', displayName: 'd', languages: [], followers: 0, following: 0 }),
    listFollowing: () => ok(page),
    follow: () => ok(undefined),
    unfollow: () => ok(undefined),
    post: () => ok({ id: `p${++n}`, createdAt: '', lang: 'en' }),
    getPost: () => ok({ state: 'missing' as const }),
    comment: () => ok({ id: `c${++n}`, createdAt: '' }),
    listComments: () => ok(page),
    like: () => ok(undefined),
    feed: () => ok(page),
    report: () => ok(undefined),
    close: async () => {},
  };
}

async function wholeEngine(rate: number) {
  const p = plan(
    [
      cohort({
        name: 'newcomers',
        people: Math.ceil(rate * SECONDS * 1.2),
        rate: () => rate,
        peakRate: rate,
        inFlightCap: 1e6,
        behaviour: {
          actionsPerSession: 4,
          thinkTimeMs: 50,
          introPosts: 1,
          weights: { readFollowing: 3, readDiscover: 3, like: 2, comment: 2, post: 1, translate: 1, report: 0.1, follow: 1 },
        },
      }),
    ],
    { wallDurationSec: SECONDS, gracefulStopSec: 2 },
  );
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  const out = await runPlan({ plan: p, target: instantTarget(), population: population(p), content });
  const wall = (performance.now() - t0) / 1000;
  const s = out.summary;
  return {
    arrivalRate: rate,
    sessions: s.totals.sessionsStarted,
    dropped: s.totals.sessionsDropped,
    requests: s.totals.requests,
    requestsPerSec: Math.round(s.totals.requests / wall),
    lagP99Ms: s.schedule.lagMs.p99,
    lagMaxMs: s.schedule.lagMs.max,
    cpuUsPerRequest: +((cpuMs(cpu) * 1000) / Math.max(1, s.totals.requests)).toFixed(2),
  };
}

const SERVER = `
const http = require('node:http');
const body = JSON.stringify({ items: [{ id: 'p1', authorId: 'u1', createdAt: '2025-01-13T00:00:00Z', lang: 'en' }], nextCursor: null });
const s = http.createServer((req, res) => { req.resume(); req.on('end', () => { res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }); res.end(body); }); });
s.keepAliveTimeout = 60000;
s.listen(0, '127.0.0.1', () => process.stdout.write(String(s.address().port) + '\\n'));
`;

async function startServer(): Promise<{ url: string; stop(): void }> {
  const child = spawn(process.execPath, ['-e', SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve) => child.stdout!.once('data', (d) => resolve(Number(String(d).trim()))));
  return { url: `http://127.0.0.1:${port}`, stop: () => child.kill() };
}

async function closedLoop(label: string, concurrency: number, once: () => Promise<unknown>) {
  let n = 0;
  const end = performance.now() + SECONDS * 1000;
  for (let i = 0; i < 200; i++) await once(); // warm-up
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        await once();
        n++;
      }
    }),
  );
  const wall = (performance.now() - t0) / 1000;
  return { client: label, concurrency, requests: n, requestsPerSec: Math.round(n / wall), clientCpuUsPerRequest: +((cpuMs(cpu) * 1000) / n).toFixed(1) };
}

async function httpOverhead() {
  const server = await startServer();
  const CONC = 32;
  type Row = Awaited<ReturnType<typeof closedLoop>>;
  const best = (a: Row | undefined, b: Row) => (!a || b.requestsPerSec > a.requestsPerSec ? b : a);
  let raw: Row | undefined;
  let viaTarget: Row | undefined;
  try {
    // Alternate the two clients over two rounds and keep each one's best: the first round also warms the JIT and
    // the server, which would otherwise favour whichever client runs second.
    for (let round = 0; round < 2; round++) {
      const pool = new Pool(server.url, { connections: CONC, pipelining: 1 });
      raw = best(
        raw,
        await closedLoop('undici Pool.request + JSON.parse (baseline)', CONC, async () => {
          const r = await pool.request({ method: 'GET', path: '/v1/feed/discover?limit=20', headers: { authorization: 'Bearer t' } });
          JSON.parse(await r.body.text());
        }),
      );
      await pool.close();
      const target = new HttpTarget({ url: server.url, connections: CONC, timeoutMs: 5000 });
      const ctx = { token: 't', clientIp: '10.0.0.1' };
      viaTarget = best(viaTarget, await closedLoop('HttpTarget.feed (flashcrowd)', CONC, () => target.feed(ctx, 'discover', 20)));
      await target.close();
    }
    return [raw!, viaTarget!];
  } finally {
    server.stop();
  }
}

const results = {
  when: new Date().toISOString(),
  machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version, loadavg: os.loadavg().map((x) => +x.toFixed(2)) },
  seconds: SECONDS,
  scheduler: [] as Awaited<ReturnType<typeof schedulerThroughput>>[],
  engine: [] as Awaited<ReturnType<typeof wholeEngine>>[],
  http: [] as Awaited<ReturnType<typeof closedLoop>>[],
};
for (const rate of [10_000, 50_000, 200_000]) {
  results.scheduler.push(await schedulerThroughput(rate));
  console.log('scheduler', results.scheduler.at(-1));
}
for (const rate of [500, 2_000]) {
  results.engine.push(await wholeEngine(rate));
  console.log('engine', results.engine.at(-1));
}
results.http = await httpOverhead();
console.log('http', results.http);

mkdirSync(path.join(root, 'bench/results'), { recursive: true });
writeFileSync(path.join(root, 'bench/results/engine.json'), JSON.stringify(results, null, 2) + '\n');
const md = [
  '# engine benchmark',
  '',
  `${results.when} — ${results.machine.cpus} CPU(s) ${results.machine.model}, Node ${results.machine.node}, load average ${results.machine.loadavg.join(' / ')} (shared machine: figures are lower bounds), ${SECONDS} s per case.`,
  '',
  '## Scheduler tick loop (no-op sessions, one cohort at a constant rate)',
  '',
  '| rate /s | intended | started | achieved /s | lag p50 ms | lag p99 ms | lag max ms | CPU µs / arrival |',
  '|---:|---:|---:|---:|---:|---:|---:|---:|',
  ...results.scheduler.map((r) => `| ${r.rate} | ${r.intended} | ${r.started} | ${r.achievedPerSec} | ${r.lagP50Ms} | ${r.lagP99Ms} | ${r.lagMaxMs} | ${r.cpuUsPerArrival} |`),
  '',
  '## Whole engine (sessions, behaviours, recorders, timeline) against an in-process instant target',
  '',
  '| arrivals /s | sessions | dropped | requests | requests /s | lag p99 ms | lag max ms | CPU µs / request |',
  '|---:|---:|---:|---:|---:|---:|---:|---:|',
  ...results.engine.map((r) => `| ${r.arrivalRate} | ${r.sessions} | ${r.dropped} | ${r.requests} | ${r.requestsPerSec} | ${r.lagP99Ms} | ${r.lagMaxMs} | ${r.cpuUsPerRequest} |`),
  '',
  '## HTTP target overhead (closed loop against a trivial server in another process; best of two alternating rounds)',
  '',
  '| client | concurrency | requests | requests /s | client CPU µs / request |',
  '|---|---:|---:|---:|---:|',
  ...results.http.map((r) => `| ${r.client} | ${r.concurrency} | ${r.requests} | ${r.requestsPerSec} | ${r.clientCpuUsPerRequest} |`),
  '',
].join('\n');
writeFileSync(path.join(root, 'bench/results/engine.md'), md);
console.log(md);
