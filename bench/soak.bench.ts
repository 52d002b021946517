// Soak: the reference backend (a child process, as in a deployment) driven by the harness's own engine for
// FLASHCROWD_SOAK_MINUTES (default 10) on a surge-shaped schedule: a base rate with a surge every 5 minutes
// (exponential rise to about twice the mean in 15 s, decay over a minute), so caches, queues and the harness's
// ledger see the same spikes a real surge brings, again and again. The mean rate is FLASHCROWD_SOAK_RATE.
//
// Sampled: the backend's RSS, heap and event-loop delay p99 (scraped from its /metrics every 2 s), the harness's RSS
// and heap (every second), latency and errors per second. Reported per minute: RSS at the end of the minute and heap
// at the minute's GC low (the lowest sample in the minute: garbage is gone then, so the lows show what is *kept*),
// and drift over the last 20 minutes (or the run after its first minute, when shorter): the least-squares slope of
// the per-minute values and the change it implies over the window, in % of the fitted start. Also the harness's
// own memory accounting (the ledger, timeline and quantile caps; docs/feed-quality.md "Memory budget").
// Results: bench/results/soak.json and bench/results/soak.md (or soak.<LABEL>.*).
//
//   npx tsx bench/soak.bench.ts                         10 minutes, 20 sessions/s, embedded store
//   FLASHCROWD_SOAK_MINUTES=30 npx tsx bench/soak.bench.ts   the 30-minute soak
//   FLASHCROWD_SOAK_DB=postgres://postgres@127.0.0.1:5432/test FLASHCROWD_SOAK_REDIS=redis://127.0.0.1:6379 \
//     FLASHCROWD_SOAK_LABEL=postgres-redis npx tsx bench/soak.bench.ts      (-> bench/results/soak.postgres-redis.*)
//   FLASHCROWD_SOAK_RATE=40 raises the mean arrival rate (sessions/s)
//   FLASHCROWD_SOAK_HEAPSNAPSHOTS=/tmp/dir writes two heap snapshots of the harness and two of the backend (at 1/6
//     and 5/6 of the run, i.e. minutes 5 and 25 of 30; FLASHCROWD_SOAK_SNAPSHOT_AT=11,22 picks the minutes) to compare
//     in Chrome DevTools or bench/helpers/heap-diff.mjs; each stalls the process for a few seconds, so do not
//     record such a run as the soak's result. FLASHCROWD_SOAK_NO_RESULTS=1 leaves bench/results/ untouched.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import pg from 'pg';
import { Redis } from 'ioredis';
import { runScenario } from '../src/engine/assembly.ts';
import { ManagedBackend } from '../src/engine/faults/managed-backend.ts';
import type { RunPlugin } from '../src/run/plugin.ts';
import type { TimelineBucket } from '../src/run/summary.ts';

const MINUTES = Number(process.env.FLASHCROWD_SOAK_MINUTES ?? 10);
const RATE = Number(process.env.FLASHCROWD_SOAK_RATE ?? 20);
const DB = process.env.FLASHCROWD_SOAK_DB ?? 'embedded';
const REDIS = process.env.FLASHCROWD_SOAK_REDIS ?? 'memory';
/** Results go to bench/results/soak.json|md, or soak.<LABEL>.json|md (e.g. a Postgres run beside the default). */
const LABEL = process.env.FLASHCROWD_SOAK_LABEL;
const SNAPSHOT_DIR = process.env.FLASHCROWD_SOAK_HEAPSNAPSHOTS;
const WRITE_RESULTS = !process.env.FLASHCROWD_SOAK_NO_RESULTS;
const SCRAPE_EVERY_MS = 2000;
const HARNESS_EVERY_MS = 1000;
const SCRYPT_COST = 1024;
/** The surge repeats every SURGE_PERIOD_SEC: rise SURGE_RISE_SEC to SURGE_PEAK (over a base of 1), decay SURGE_DECAY_SEC. */
const SURGE_PERIOD_SEC = 300;
const SURGE_PEAK = 1.5;
const SURGE_RISE_SEC = 15;
const SURGE_DECAY_SEC = 60;
const DRIFT_WINDOW_MIN = 20;
const results = path.resolve('bench/results');

interface Sample {
  t: number;
  backendRssMb?: number;
  backendHeapMb?: number;
  backendLoopP99Ms?: number;
}
/** One second of the run, reduced to what the per-minute table reads. */
interface SecondFigures {
  t: number;
  requests: number;
  errors: number;
  arrivals: number;
  dropped: number;
  worstP99Ms: number;
}

const sum = (o: Record<string, number>) => Object.values(o).reduce((a, c) => a + c, 0);
function secondFigures(b: TimelineBucket): SecondFigures {
  let worstP99Ms = 0;
  for (const v of Object.values(b.correctedLatencyMs)) if (v.p99 > worstP99Ms) worstP99Ms = v.p99;
  return { t: b.t, requests: b.requests, errors: sum(b.errors), arrivals: sum(b.intended), dropped: sum(b.dropped), worstP99Ms };
}

interface HarnessSample {
  t: number;
  rssMb: number;
  heapMb: number;
  externalMb: number;
}

function metric(text: string, name: string): number | undefined {
  const m = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+-]+)$`, 'm').exec(text);
  return m ? Number(m[1]) : undefined;
}

const mb = (bytes: number) => Math.round((bytes / 1048576) * 10) / 10;
const r2 = (x: number) => Math.round(x * 100) / 100;

/** Least-squares line through (t, v): its slope per unit of t and its value at any t. */
function fit(points: { t: number; v: number }[]): { slope: number; at: (t: number) => number } {
  const n = points.length;
  if (n < 2) return { slope: 0, at: () => points[0]?.v ?? NaN };
  const mt = points.reduce((s, p) => s + p.t, 0) / n;
  const mv = points.reduce((s, p) => s + p.v, 0) / n;
  const num = points.reduce((s, p) => s + (p.t - mt) * (p.v - mv), 0);
  const den = points.reduce((s, p) => s + (p.t - mt) ** 2, 0);
  const slope = den === 0 ? 0 : num / den;
  return { slope, at: (t) => mv + slope * (t - mt) };
}

const max = (xs: (number | undefined)[]) => xs.reduce<number>((m, x) => (x !== undefined && x > m ? x : m), 0);
const min = (xs: (number | undefined)[]) => {
  const v = xs.filter((x): x is number => x !== undefined);
  return v.length ? Math.min(...v) : null;
};

/** The arrival shape: 1 plus a shock every SURGE_PERIOD_SEC (the first at 90 s, after the warm-up). */
function surgeShape(wallSec: number) {
  const shocks = [];
  for (let at = 90; at < wallSec; at += SURGE_PERIOD_SEC) shocks.push({ kind: 'shock', peak: SURGE_PEAK, at, rise: SURGE_RISE_SEC, decay: SURGE_DECAY_SEC });
  return { kind: 'sum', of: [{ kind: 'constant', rate: 1 }, ...shocks] };
}

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
    // Heap snapshots of the backend are written by the child itself on SIGUSR2 (into SNAPSHOT_DIR).
    ...(SNAPSHOT_DIR ? { nodeArgs: ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${path.resolve(SNAPSHOT_DIR)}`] } : {}),
  });
  await backend.start();
  const wallSec = Math.round(MINUTES * 60);
  const scenarioFile = path.join(dir, 'soak.json');
  const shape = surgeShape(wallSec);
  writeFileSync(
    scenarioFile,
    JSON.stringify({
      name: 'soak',
      description: `${RATE} sessions/s on average for ${MINUTES} min, with a surge to about ${r2((1 + SURGE_PEAK) / (1 + (SURGE_PEAK * (SURGE_RISE_SEC + SURGE_DECAY_SEC)) / SURGE_PERIOD_SEC))}x every ${SURGE_PERIOD_SEC / 60} min`,
      seed: 11,
      timeline: { start: '2025-01-13T01:00:00Z', duration: `${wallSec}s`, gracefulStop: '10s' },
      target: { timeout: '10s', connections: 64 },
      cohorts: [
        {
          name: 'incumbents',
          preexisting: true,
          size: 200,
          curve: shape,
          curveIs: 'shape',
          sessionsPerPerson: (RATE * 0.3 * wallSec) / 200,
          locales: { zh_CN: 1 },
          behaviour: { actionsPerSession: 6, thinkTime: '500ms' },
          inFlightCap: 2000,
        },
        {
          name: 'newcomers',
          size: Math.round(RATE * 0.7 * wallSec),
          curve: shape,
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
  const harness: HarnessSample[] = [];
  // Only the per-second figures the per-minute table uses (~50 B a second): keeping the buckets the harness hands over
  // (~2.8 KB each) would make the bench's own bookkeeping the largest per-second grower of the harness's heap.
  const buckets: SecondFigures[] = [];
  const harnessLoop = monitorEventLoopDelay({ resolution: 10 });
  const harnessLoopPerMinute: number[] = [];
  const snapshots: { atSec: number; file: string; heapMb: number }[] = [];
  // FLASHCROWD_SOAK_SNAPSHOT_AT=11,22 takes them at those minutes instead (e.g. both after every TTL'd cache filled).
  const snapshotMinutes = process.env.FLASHCROWD_SOAK_SNAPSHOT_AT?.split(',').map(Number).filter((m) => m > 0);
  const snapshotAt = !SNAPSHOT_DIR ? [] : snapshotMinutes?.length ? snapshotMinutes.map((m) => m * 60).sort((a, b) => a - b) : [wallSec / 6, (wallSec * 5) / 6];
  let scrapeTimer: NodeJS.Timeout | undefined;
  let harnessTimer: NodeJS.Timeout | undefined;
  let minuteTimer: NodeJS.Timeout | undefined;
  let t0 = 0;
  const now = () => (performance.now() - t0) / 1000;
  const scrape = async () => {
    const s: Sample = { t: now() };
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
  const sampleHarness = () => {
    const mem = process.memoryUsage();
    const t = now();
    harness.push({ t, rssMb: mb(mem.rss), heapMb: mb(mem.heapUsed), externalMb: mb(mem.external + mem.arrayBuffers) });
    if (snapshotAt.length && t >= snapshotAt[0]) {
      snapshotAt.shift();
      mkdirSync(SNAPSHOT_DIR!, { recursive: true });
      const file = path.join(SNAPSHOT_DIR!, `harness-${Math.round(t)}s.heapsnapshot`);
      if (backend.pid) process.kill(backend.pid, 'SIGUSR2'); // the backend writes Heap.<date>.<pid>...heapsnapshot there
      v8.writeHeapSnapshot(file);
      snapshots.push({ atSec: Math.round(t), file, heapMb: mb(process.memoryUsage().heapUsed) });
      console.log(`soak: heap snapshot ${file}`);
    }
  };
  const sampler: RunPlugin = {
    name: 'soak-sampler',
    start() {
      t0 = performance.now();
      harnessLoop.enable();
      void scrape();
      sampleHarness();
      scrapeTimer = setInterval(() => void scrape(), SCRAPE_EVERY_MS);
      harnessTimer = setInterval(sampleHarness, HARNESS_EVERY_MS);
      minuteTimer = setInterval(() => {
        harnessLoopPerMinute.push(Math.round(harnessLoop.percentile(99) / 1e4) / 100);
        harnessLoop.reset();
        const m = harnessLoopPerMinute.length;
        const h = harness[harness.length - 1];
        console.log(`soak: minute ${m}: harness RSS ${h?.rssMb} MB, heap ${h?.heapMb} MB; backend RSS ${samples[samples.length - 1]?.backendRssMb} MB`);
      }, 60_000);
    },
    onBucket(b) {
      buckets.push(secondFigures(b));
    },
    async stop() {
      clearInterval(scrapeTimer);
      clearInterval(harnessTimer);
      clearInterval(minuteTimer);
      if (harnessLoop.count > 0) harnessLoopPerMinute.push(Math.round(harnessLoop.percentile(99) / 1e4) / 100);
      harnessLoop.disable();
      sampleHarness();
      await scrape();
    },
  };

  console.log(`soak: ${MINUTES} min at ${RATE} sessions/s (surge-shaped) against ${backend.url} (${DB === 'embedded' ? 'embedded store' : 'Postgres'}, ${REDIS === 'memory' ? 'in-process cache' : 'Redis'})`);
  let run;
  try {
    // The run assembly itself (engine/assembly.ts), as `flashcrowd run --quiet` uses it: only warnings are printed.
    run = await runScenario(
      { scenario: scenarioFile, target: backend.url, out: path.join(dir, 'run'), plugins: [sampler] },
      { say: () => {}, log: (line, level) => void (level === 'progress' || level === 'info' ? undefined : process.stderr.write(`${line}\n`)) },
    );
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
  const inMinute = <T extends { t: number }>(xs: T[], m: number) => xs.filter((s) => s.t >= m * 60 && s.t < (m + 1) * 60);
  const perMinute = Array.from({ length: minutes }, (_, m) => {
    const scraped = inMinute(samples, m);
    const own = inMinute(harness, m);
    const bs = buckets.filter((b) => b.t >= m * 60 && b.t < (m + 1) * 60);
    const requests = bs.reduce((n, b) => n + b.requests, 0);
    const errors = bs.reduce((n, b) => n + b.errors, 0);
    const lastScraped = [...scraped].reverse().find((s) => s.backendRssMb !== undefined);
    return {
      minute: m + 1,
      arrivals: bs.reduce((n, b) => n + b.arrivals, 0),
      requests,
      errorRate: requests ? Math.round((errors / requests) * 10000) / 10000 : 0,
      dropped: bs.reduce((n, b) => n + b.dropped, 0),
      worstEndpointP99Ms: Math.round(max(bs.map((b) => b.worstP99Ms))),
      backendRssMb: lastScraped?.backendRssMb ?? null,
      backendHeapLowMb: min(scraped.map((s) => s.backendHeapMb)),
      backendLoopP99Ms: Math.round(max(scraped.map((s) => s.backendLoopP99Ms)) * 10) / 10,
      harnessRssMb: own[own.length - 1]?.rssMb ?? null,
      harnessHeapLowMb: min(own.map((s) => s.heapMb)),
      harnessExternalMb: own[own.length - 1]?.externalMb ?? null,
      harnessLoopP99Ms: harnessLoopPerMinute[m] ?? null,
    };
  });
  // Drift over the last DRIFT_WINDOW_MIN full minutes (or every minute after the first when the run is shorter).
  const windowMin = Math.max(2, Math.min(DRIFT_WINDOW_MIN, minutes - 1));
  const window = perMinute.slice(-windowMin);
  type Key = 'backendRssMb' | 'backendHeapLowMb' | 'harnessRssMb' | 'harnessHeapLowMb';
  const drift = (key: Key) => {
    const pts = window.filter((m) => m[key] !== null).map((m) => ({ t: m.minute, v: m[key] as number }));
    if (pts.length < 2) return null;
    const line = fit(pts);
    const start = line.at(pts[0].t);
    const end = line.at(pts[pts.length - 1].t);
    return {
      fromMinute: pts[0].t,
      toMinute: pts[pts.length - 1].t,
      firstMb: pts[0].v,
      lastMb: pts[pts.length - 1].v,
      slopeMbPerMin: r2(line.slope),
      /** Change of the fitted line over the window, in % of its value at the window's start. */
      driftPct: r2(((end - start) / start) * 100),
    };
  };
  const summary = run.summary;
  const fq = summary.feedQuality as Record<string, any>;
  const out = {
    label: MINUTES >= 30 ? `full soak (${MINUTES} min)` : `SHORTENED soak (${MINUTES} min; the full one is 30)`,
    date: new Date().toISOString(),
    machine: { cpus: os.cpus().length, loadAverage1m: Math.round(os.loadavg()[0] * 10) / 10, node: process.version },
    settings: {
      minutes: MINUTES,
      meanSessionsPerSec: RATE,
      schedule: { surgeEverySec: SURGE_PERIOD_SEC, surgePeakOverBase: SURGE_PEAK, riseSec: SURGE_RISE_SEC, decaySec: SURGE_DECAY_SEC },
      store: DB === 'embedded' ? 'embedded (PGlite)' : 'postgres',
      cache: REDIS === 'memory' ? 'in-process' : 'redis',
      scryptCost: SCRYPT_COST,
      scrapeEverySec: SCRAPE_EVERY_MS / 1000,
      heapSnapshots: snapshots,
    },
    totals: { ...summary.totals, wallSeconds: summary.wallSeconds },
    errorsByKind: Object.values(summary.endpoints).reduce<Record<string, number>>((acc, e) => {
      for (const [k, n] of Object.entries(e.errorsByKind ?? {})) acc[k] = (acc[k] ?? 0) + n;
      for (const [k, n] of Object.entries(e.errorsByStatus ?? {})) acc[`status ${k}`] = (acc[`status ${k}`] ?? 0) + n;
      return acc;
    }, {}),
    schedule: summary.schedule,
    audit: summary.audit,
    harnessMemory: { ledger: fq.sampling?.ledger ?? null, timelineBuckets: buckets.length },
    drift: {
      windowMinutes: windowMin,
      backendRss: drift('backendRssMb'),
      backendHeapAtGcLows: drift('backendHeapLowMb'),
      harnessRss: drift('harnessRssMb'),
      harnessHeapAtGcLows: drift('harnessHeapLowMb'),
    },
    perMinute,
    samples,
    harness,
  };
  const d = out.drift;
  const row = (name: string, x: ReturnType<typeof drift>) =>
    x ? `| ${name} | ${x.firstMb} MB (min ${x.fromMinute}) | ${x.lastMb} MB (min ${x.toMinute}) | ${x.slopeMbPerMin} MB/min | ${x.driftPct} % |` : `| ${name} | — | — | — | — |`;
  const md = [
    `# Soak benchmark — ${out.label}`,
    '',
    `${out.date}; ${out.machine.cpus} CPUs, load average ${out.machine.loadAverage1m} at the end (a shared machine), Node ${out.machine.node}.`,
    `The reference backend as a child process (${out.settings.store}, ${out.settings.cache} cache, scrypt cost ${SCRYPT_COST}) driven by the harness's engine for ${MINUTES} min`,
    `at ${RATE} sessions/s on average, surge-shaped: ${run.plan.description}`,
    `(70% newcomers signing up, 30% returning incumbents; 6 actions per session; 4 probe readers).`,
    '',
    `Totals: ${summary.totals.requests} requests, ${summary.totals.errors} errors${summary.totals.errors ? ` (${Object.entries(out.errorsByKind).map(([k, n]) => `${k} ×${n}`).join(', ')})` : ''}, ${summary.totals.sessionsStarted} sessions (${summary.totals.sessionsDropped} dropped),`,
    `audit ${summary.audit.checkedWrites} writes checked, ${summary.audit.lostWrites} lost${summary.audit.unchecked ? `, ${summary.audit.unchecked} unchecked` : ''}; schedule lag p99 ${summary.schedule.lagMs.p99} ms.`,
    '',
    `## Drift over the last ${windowMin} minutes`,
    '',
    'Heap figures are the lowest sample of each minute (the GC low); drift is the change of the least-squares line',
    'through the per-minute values over the window, in % of its start.',
    '',
    '| figure | first | last | slope | drift |',
    '|---|--:|--:|--:|--:|',
    row('backend heap (GC lows)', d.backendHeapAtGcLows),
    row('backend RSS', d.backendRss),
    row('harness RSS', d.harnessRss),
    row('harness heap (GC lows)', d.harnessHeapAtGcLows),
    '',
    `The harness's ledger at the end (caps in docs/feed-quality.md, "Memory budget"): ${(() => {
      const l = out.harnessMemory.ledger as Record<string, number> | null;
      return l ? `${l.posts} posts (${l.pinnedPosts} pinned, ${l.sampledPostsKept} sampled kept), ${l.follows} follows (${l.followsKept} kept), ${l.comments} comments (${l.commentsKept} kept), ${l.trackedReaders} tracked readers; ${out.harnessMemory.timelineBuckets} timeline seconds` : 'not reported';
    })()}.`,
    '',
    '## Per minute',
    '',
    '| minute | arrivals | requests | error rate | dropped | worst p99 (corrected) | backend RSS | backend heap low | backend loop p99 | harness RSS | harness heap low | harness loop p99 |',
    '|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|',
    ...perMinute.map(
      (m) =>
        `| ${m.minute} | ${m.arrivals} | ${m.requests} | ${m.errorRate} | ${m.dropped} | ${m.worstEndpointP99Ms} ms | ${m.backendRssMb} MB | ${m.backendHeapLowMb} MB | ${m.backendLoopP99Ms} ms | ${m.harnessRssMb} MB | ${m.harnessHeapLowMb} MB | ${m.harnessLoopP99Ms} ms |`,
    ),
    '',
  ].join('\n');
  if (WRITE_RESULTS) {
    mkdirSync(results, { recursive: true });
    const base = LABEL ? `soak.${LABEL.replace(/[^a-z0-9-]+/gi, '-')}` : 'soak';
    writeFileSync(path.join(results, `${base}.json`), JSON.stringify(out, null, 2) + '\n');
    writeFileSync(path.join(results, `${base}.md`), md);
  }
  console.log(md);
}

await main();
