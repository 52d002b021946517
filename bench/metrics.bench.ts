// Hot-path cost of the harness metrics: `npx tsx bench/metrics.bench.ts` (or `npm run bench metrics`).
// Feeds the metrics plugin request, arrival and feed-read events and compares with plain prom-client metrics updated
// through cached `.labels()` children. Reports events per second and young-generation GCs (scavenges) per million
// events: the metric updates themselves do not allocate (onArrival, onFeedRead: 0); onRequest's remaining scavenges
// come from V8 boxing the double latency argument when observe() is not inlined (~16 bytes per call).
// Writes bench/results/metrics.json and metrics.md. Target: >= 10x prom-client's request-event throughput.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PerformanceObserver, performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Counter, Histogram, Registry } from 'prom-client';
import { REQUEST_SECONDS_BUCKETS } from '../src/metrics/buckets.ts';
import { createMetricsPlugin } from '../src/metrics/harness-metrics.ts';
import type { FeedReadSample, RequestSample } from '../src/run/events.ts';
import { ENDPOINTS } from '../src/target/target.ts';

const N = Number(process.env.FC_BENCH_EVENTS ?? 2_000_000);

let scavenges = 0;
const gcObserver = new PerformanceObserver((list) => {
  for (const e of list.getEntries()) if ((e as unknown as { detail?: { kind: number } }).detail?.kind === 1) scavenges++;
});
gcObserver.observe({ entryTypes: ['gc'] });

// Pre-built samples: the bench measures the metrics update, not event construction.
const samples: RequestSample[] = Array.from({ length: 1024 }, (_, i) => ({
  endpoint: ENDPOINTS[i % ENDPOINTS.length],
  cohort: i % 3 ? 'newcomers' : 'incumbents',
  ok: i % 17 !== 0,
  errorKind: i % 17 === 0 ? 'http_5xx' : undefined,
  intendedAt: i,
  startedAt: i + (i % 5),
  endedAt: i + 5 + (i % 400),
}));
const feedRead: FeedReadSample = {
  readerId: 'r',
  readerCohort: 'incumbents',
  readerPrimaryLanguage: 'zh',
  readerLanguages: ['zh', 'en'],
  kind: 'discover',
  probe: false,
  firstPage: true,
  at: 0,
  page: {
    nextCursor: null,
    items: Array.from({ length: 20 }, (_, i) => ({ id: `p${i}`, authorId: 'a', createdAt: '', lang: ['en', 'zh', 'es', 'en-mixed'][i % 4] })),
  },
};

async function measure(name: string, events: number, body: (i: number) => void) {
  for (let i = 0; i < Math.min(events, 200_000); i++) body(i); // warm up: JIT tiers, first label children
  await new Promise((r) => setTimeout(r, 50)); // let pending GC entries drain
  scavenges = 0;
  const t = performance.now();
  for (let i = 0; i < events; i++) body(i);
  const seconds = (performance.now() - t) / 1000;
  await new Promise((r) => setTimeout(r, 50));
  const row = {
    name,
    events,
    seconds: Math.round(seconds * 1000) / 1000,
    perSec: Math.round(events / seconds),
    scavengesPerMillion: Math.round((scavenges / events) * 1e6 * 10) / 10,
  };
  console.log(`${name}: ${row.perSec.toLocaleString('en')} events/s, ${row.scavengesPerMillion} scavenges per million events`);
  return row;
}

const plugin = createMetricsPlugin(new Registry(), { runId: 'bench' });
const o = plugin.observer!;

const registry = new Registry();
const requests = new Counter({ name: 'bench_requests_total', help: 'x', labelNames: ['endpoint', 'outcome'], registers: [registry] });
const duration = new Histogram({ name: 'bench_duration_seconds', help: 'x', labelNames: ['endpoint'], buckets: [...REQUEST_SECONDS_BUCKETS], registers: [registry] });
const corrected = new Histogram({ name: 'bench_corrected_seconds', help: 'x', labelNames: ['endpoint'], buckets: [...REQUEST_SECONDS_BUCKETS], registers: [registry] });
const children = new Map(
  ENDPOINTS.map((e) => [e, { ok: requests.labels(e, 'ok'), err: requests.labels(e, 'http_5xx'), d: duration.labels(e), c: corrected.labels(e) }]),
);

const rows = [
  await measure('plugin onRequest', N, (i) => o.onRequest!(samples[i & 1023])),
  await measure('prom-client, cached children', N, (i) => {
    const s = samples[i & 1023];
    const c = children.get(s.endpoint)!;
    (s.ok ? c.ok : c.err).inc();
    c.d.observe((s.endedAt - s.startedAt) / 1000);
    c.c.observe((s.endedAt - s.intendedAt) / 1000);
  }),
  await measure('plugin onArrival', N, (i) => o.onArrival!({ cohort: 'newcomers', intendedAt: i, outcome: 'started', startedAt: i + 1 })),
  await measure('plugin onFeedRead (20 items)', N / 10, () => o.onFeedRead!(feedRead)),
];
gcObserver.disconnect();

const results = { node: process.version, date: new Date().toISOString(), events: N, rows };
const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results');
mkdirSync(dir, { recursive: true });
writeFileSync(path.join(dir, 'metrics.json'), JSON.stringify(results, null, 2) + '\n');
const md = [
  '# Harness metrics hot path',
  '',
  `Node ${process.version}, ${N.toLocaleString('en')} events per row (feed reads: a tenth). The onArrival row allocates its sample object in the loop.`,
  '',
  '| case | events/s | scavenges per million events |',
  '|---|---:|---:|',
  ...rows.map((r) => `| ${r.name} | ${r.perSec.toLocaleString('en')} | ${r.scavengesPerMillion} |`),
  '',
];
writeFileSync(path.join(dir, 'metrics.md'), md.join('\n'));
