// Soak: the reference backend (a child process, as in a deployment) held at a steady surge-level arrival rate by
// the harness's own engine for FLASHCROWD_SOAK_MINUTES (default 10). Sampled: the backend's RSS, heap and
// event-loop delay p99 (scraped from its /metrics every 5 s), the harness's RSS and event-loop delay, latency and
// errors per second. Reported per minute, with drift: RSS after the first (warm-up) minute vs at the end, and the
// least-squares slope of RSS over the steady part. Results: bench/results/soak.json and bench/results/soak.md.
//
//   npx tsx bench/soak.bench.ts                         10 minutes, 20 sessions/s, embedded store
//   FLASHCROWD_SOAK_MINUTES=2 npx tsx bench/soak.bench.ts   a shorter run (labelled as such in the results)
//   FLASHCROWD_SOAK_DB=postgres://postgres@127.0.0.1:5432/test FLASHCROWD_SOAK_REDIS=redis://127.0.0.1:6379 \
//     FLASHCROWD_SOAK_LABEL=postgres-redis npx tsx bench/soak.bench.ts      (-> bench/results/soak.postgres-redis.*)
//   FLASHCROWD_SOAK_RATE=40 raises the arrival rate (sessions/s)
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { Redis } from 'ioredis';
import { executeRun } from '../src/cli/pipeline.ts';
import { ManagedBackend } from '../src/engine/faults/managed-backend.ts';
import type { RunPlugin } from '../src/run/plugin.ts';
import type { TimelineBucket } from '../src/run/summary.ts';

const MINUTES = Number(process.env.FLASHCROWD_SOAK_MINUTES ?? 10);
const RATE = Number(process.env.FLASHCROWD_SOAK_RATE ?? 20);
const DB = process.env.FLASHCROWD_SOAK_DB ?? 'embedded';
const REDIS = process.env.FLASHCROWD_SOAK_REDIS ?? 'memory';
/** Results go to bench/results/soak.json|md, or soak.<LABEL>.json|md (e.g. a Postgres run beside the default). */
const LABEL = process.env.FLASHCROWD_SOAK_LABEL;
const SCRAPE_EVERY_MS = 5000;
const SCRYPT_COST = 1024;
const results = path.resolve('bench/results');

interface Sample {
  t: number;
  backendRssMb?: number;
  backendHeapMb?: number;
  backendLoopP99Ms?: number;
  harnessRssMb: number;
  harnessHeapMb: number;
}

function metric(text: string, name: string): number | undefined {
  const m = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+-]+)$`, 'm').exec(text);
  return m ? Number(m[1]) : undefined;
}

const mb = (bytes: number) => Math.round((bytes / 1048576) * 10) / 10;

function slopePerMin(points: { t: number; v: number }[]): number {
  const n = points.length;
  if (n < 2) return 0;
  const mt = points.reduce((s, p) => s + p.t, 0) / n;
  const mv = points.reduce((s, p) => s + p.v, 0) / n;
  const num = points.reduce((s, p) => s + (p.t - mt) * (p.v - mv), 0);
  const den = points.reduce((s, p) => s + (p.t - mt) ** 2, 0);
  return den === 0 ? 0 : (num / den) * 60;
}

const max = (xs: (number | undefined)[]) => xs.reduce<number>((m, x) => (x !== undefined && x > m ? x : m), 0);

async function main() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'flashcrowd-soak-'));
  const schema = `fc_soak_${process.pid}`;
  const backend = new ManagedBackend({
    config: {
      db: DB,
      ...(DB === 'embedded' ? {} : { schema }),
      redis: REDIS,
      ...(REDIS === 'memory' ? {} : { redisKeyPrefix: `fc_soak:${process.pid}:` }),
      scryptCost: SCRYPT_COST,
      trustProxy: true,
      logLevel: 'error',
      surge: { admission: { maxEventLoopDelayMs: 0 } },
    },
  });
  await backend.start();
  const wallSec = Math.round(MINUTES * 60);
  const scenarioFile = path.join(dir, 'soak.json');
  writeFileSync(
    scenarioFile,
    JSON.stringify({
      name: 'soak',
      description: `steady ${RATE} sessions/s for ${MINUTES} min`,
      seed: 11,
      timeline: { start: '2025-01-13T01:00:00Z', duration: `${wallSec}s`, gracefulStop: '10s' },
      target: { timeout: '10s', connections: 64 },
      cohorts: [
        {
          name: 'incumbents',
          preexisting: true,
          size: 200,
          curve: { kind: 'constant', rate: 1 },
          curveIs: 'shape',
          sessionsPerPerson: (RATE * 0.3 * wallSec) / 200,
          locales: { zh_CN: 1 },
          behaviour: { actionsPerSession: 6, thinkTime: '500ms' },
          inFlightCap: 2000,
        },
        {
          name: 'newcomers',
          size: Math.round(RATE * 0.7 * wallSec),
          curve: { kind: 'constant', rate: 1 },
          returningShare: 0.2,
          locales: { en_US: 1 },
          behaviour: { actionsPerSession: 6, thinkTime: '500ms' },
          inFlightCap: 2000,
        },
      ],
      observers: { probeReaders: { en: 2, zh: 2 } },
    }),
  );

  const samples: Sample[] = [];
  const buckets: TimelineBucket[] = [];
  const harnessLoop = monitorEventLoopDelay({ resolution: 10 });
  const harnessLoopPerMinute: number[] = [];
  let scrapeTimer: NodeJS.Timeout | undefined;
  let minuteTimer: NodeJS.Timeout | undefined;
  let t0 = 0;
  const scrape = async () => {
    const t = (performance.now() - t0) / 1000;
    const mem = process.memoryUsage();
    const s: Sample = { t, harnessRssMb: mb(mem.rss), harnessHeapMb: mb(mem.heapUsed) };
    try {
      const text = await (await fetch(`${backend.url}/metrics`, { signal: AbortSignal.timeout(4000) })).text();
      const rss = metric(text, 'social_process_resident_memory_bytes');
      const heap = metric(text, 'social_nodejs_heap_size_used_bytes');
      const lag = metric(text, 'social_nodejs_eventloop_lag_p99_seconds');
      if (rss !== undefined) s.backendRssMb = mb(rss);
      if (heap !== undefined) s.backendHeapMb = mb(heap);
      if (lag !== undefined) s.backendLoopP99Ms = Math.round(lag * 10000) / 10;
    } catch {
      // a missed scrape is a gap, not a failure
    }
    samples.push(s);
  };
  const sampler: RunPlugin = {
    name: 'soak-sampler',
    start() {
      t0 = performance.now();
      harnessLoop.enable();
      void scrape();
      scrapeTimer = setInterval(() => void scrape(), SCRAPE_EVERY_MS);
      minuteTimer = setInterval(() => {
        harnessLoopPerMinute.push(Math.round(harnessLoop.percentile(99) / 1e4) / 100);
        harnessLoop.reset();
      }, 60_000);
    },
    onBucket(b) {
      buckets.push(b);
    },
    async stop() {
      clearInterval(scrapeTimer);
      clearInterval(minuteTimer);
      if (harnessLoop.count > 0) harnessLoopPerMinute.push(Math.round(harnessLoop.percentile(99) / 1e4) / 100);
      harnessLoop.disable();
      await scrape();
    },
  };

  console.log(`soak: ${MINUTES} min at ${RATE} sessions/s against ${backend.url} (${DB === 'embedded' ? 'embedded store' : 'Postgres'}, ${REDIS === 'memory' ? 'in-process cache' : 'Redis'})`);
  let run;
  try {
    run = await executeRun({
      scenario: scenarioFile,
      target: backend.url,
      out: path.join(dir, 'run'),
      plugins: [sampler],
      handleSignals: true,
    });
  } finally {
    await backend.close();
    if (DB !== 'embedded') {
      const client = new pg.Client({ connectionString: DB });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await client.end();
    }
    if (REDIS !== 'memory') {
      const redis = new Redis(REDIS);
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `fc_soak:${process.pid}:*`, 'COUNT', 1000);
        if (keys.length) await redis.del(...keys);
        cursor = next;
      } while (cursor !== '0');
      await redis.quit();
    }
  }
  rmSync(dir, { recursive: true, force: true });

  // Per minute.
  const minutes = Math.ceil(wallSec / 60);
  const perMinute = Array.from({ length: minutes }, (_, m) => {
    const inMinute = samples.filter((s) => s.t >= m * 60 && s.t < (m + 1) * 60);
    const bs = buckets.filter((b) => b.t >= m * 60 && b.t < (m + 1) * 60);
    const requests = bs.reduce((n, b) => n + b.requests, 0);
    const errors = bs.reduce((n, b) => n + Object.values(b.errors).reduce((a, c) => a + c, 0), 0);
    const last = inMinute[inMinute.length - 1];
    return {
      minute: m + 1,
      requests,
      errorRate: requests ? Math.round((errors / requests) * 10000) / 10000 : 0,
      dropped: bs.reduce((n, b) => n + Object.values(b.dropped).reduce((a, c) => a + c, 0), 0),
      worstEndpointP99Ms: Math.round(max(bs.flatMap((b) => Object.values(b.correctedLatencyMs).map((v) => v.p99)))),
      backendRssMb: last?.backendRssMb ?? null,
      backendHeapMb: last?.backendHeapMb ?? null,
      backendLoopP99Ms: Math.round(max(inMinute.map((s) => s.backendLoopP99Ms)) * 10) / 10,
      harnessRssMb: last?.harnessRssMb ?? null,
      harnessLoopP99Ms: harnessLoopPerMinute[m] ?? null,
    };
  });
  const warmUpSec = Math.min(60, wallSec / 4);
  const steady = samples.filter((s) => s.t >= warmUpSec);
  const drift = (key: 'backendRssMb' | 'backendHeapMb' | 'harnessRssMb') => {
    const pts = steady.filter((s) => s[key] !== undefined).map((s) => ({ t: s.t, v: s[key]! }));
    return {
      atStartMb: pts[0]?.v ?? null,
      atEndMb: pts[pts.length - 1]?.v ?? null,
      slopeMbPerMin: Math.round(slopePerMin(pts) * 100) / 100,
    };
  };
  const summary = run.summary;
  const out = {
    label: MINUTES >= 10 ? `full soak (${MINUTES} min)` : `SHORTENED soak (${MINUTES} min; the default is 10)`,
    date: new Date().toISOString(),
    machine: { cpus: os.cpus().length, loadAverage1m: Math.round(os.loadavg()[0] * 10) / 10, node: process.version },
    settings: { minutes: MINUTES, sessionsPerSec: RATE, store: DB === 'embedded' ? 'embedded (PGlite)' : 'postgres', cache: REDIS === 'memory' ? 'in-process' : 'redis', scryptCost: SCRYPT_COST, scrapeEverySec: SCRAPE_EVERY_MS / 1000 },
    totals: { ...summary.totals, wallSeconds: summary.wallSeconds },
    schedule: summary.schedule,
    audit: { checkedWrites: summary.audit.checkedWrites, lostWrites: summary.audit.lostWrites },
    drift: { sinceSec: warmUpSec, backendRss: drift('backendRssMb'), backendHeap: drift('backendHeapMb'), harnessRss: drift('harnessRssMb') },
    perMinute,
    samples,
  };
  mkdirSync(results, { recursive: true });
  const base = LABEL ? `soak.${LABEL.replace(/[^a-z0-9-]+/gi, '-')}` : 'soak';
  writeFileSync(path.join(results, `${base}.json`), JSON.stringify(out, null, 2) + '\n');
  const d = out.drift;
  const md = [
    `# Soak benchmark — ${out.label}`,
    '',
    `${out.date}; ${out.machine.cpus} CPUs, load average ${out.machine.loadAverage1m} at the end (a shared machine), Node ${out.machine.node}.`,
    `The reference backend as a child process (${out.settings.store}, ${out.settings.cache} cache, scrypt cost ${SCRYPT_COST}) held at ${RATE} sessions/s`,
    `(70% newcomers signing up, 30% returning incumbents; 6 actions per session) by the harness's engine for ${MINUTES} min.`,
    '',
    `Totals: ${summary.totals.requests} requests, ${summary.totals.errors} errors, ${summary.totals.sessionsStarted} sessions (${summary.totals.sessionsDropped} dropped),`,
    `audit ${summary.audit.checkedWrites} writes checked, ${summary.audit.lostWrites} lost; schedule lag p99 ${summary.schedule.lagMs.p99} ms.`,
    '',
    `## Drift (from ${warmUpSec} s on; warm-up excluded)`,
    '',
    '| process | RSS at start | RSS at end | slope |',
    '|---|--:|--:|--:|',
    `| backend RSS | ${d.backendRss.atStartMb} MB | ${d.backendRss.atEndMb} MB | ${d.backendRss.slopeMbPerMin} MB/min |`,
    `| backend heap used | ${d.backendHeap.atStartMb} MB | ${d.backendHeap.atEndMb} MB | ${d.backendHeap.slopeMbPerMin} MB/min |`,
    `| harness RSS | ${d.harnessRss.atStartMb} MB | ${d.harnessRss.atEndMb} MB | ${d.harnessRss.slopeMbPerMin} MB/min |`,
    '',
    '## Per minute',
    '',
    '| minute | requests | error rate | dropped | worst p99 (corrected) | backend RSS | backend heap | backend loop p99 | harness RSS | harness loop p99 |',
    '|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|',
    ...perMinute.map(
      (m) =>
        `| ${m.minute} | ${m.requests} | ${m.errorRate} | ${m.dropped} | ${m.worstEndpointP99Ms} ms | ${m.backendRssMb} MB | ${m.backendHeapMb} MB | ${m.backendLoopP99Ms} ms | ${m.harnessRssMb} MB | ${m.harnessLoopP99Ms} ms |`,
    ),
    '',
  ].join('\n');
  writeFileSync(path.join(results, `${base}.md`), md);
  console.log(md);
}

await main();
