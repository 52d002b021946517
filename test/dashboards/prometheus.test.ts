// Every query of every generated dashboard, evaluated by a real Prometheus that scraped (every second) a harness
// metrics server fed by a short run, and a reference backend serving real HTTP traffic.
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dashboardQueries } from '../../src/dashboards/common.ts';
import { DASHBOARDS } from '../../src/dashboards/index.ts';
import { createMetricsPlugin, type MetricsPlugin } from '../../src/metrics/harness-metrics.ts';
import { startMetricsServer, type MetricsServer } from '../../src/metrics/server.ts';
import { freePort, prometheusAvailable, startPrometheus, type PrometheusInstance } from './prometheus-process.ts';
import { driveBackend, type BackendUnderTest, startBackendUnderTest } from './backend-traffic.ts';
import { driveSyntheticRun, syntheticFeedSnapshot } from './synthetic-run.ts';
import { testContext } from '../metrics/run-fixture.ts';

const RUN_ID = 'prom-test-run';
const enabled = prometheusAvailable();

interface RangeResult {
  resultType: string;
  result: { metric: Record<string, string>; values: [number, string][] }[];
}

/** Grafana's template variables, as a dashboard user with everything selected would have them. */
function substitute(expr: string): string {
  return expr
    .replaceAll('$__rate_interval', '5s')
    .replaceAll('$__interval', '1s')
    .replaceAll('$run_id', RUN_ID)
    .replaceAll('$cohort', '.*')
    .replaceAll('$instance', '.*');
}

describe.runIf(enabled)('dashboards against a real Prometheus', () => {
  let prometheus: PrometheusInstance;
  let metricsServer: MetricsServer;
  let backend: BackendUnderTest | undefined;
  let plugin: MetricsPlugin;
  let window: { start: number; end: number };

  beforeAll(async () => {
    const registry = new Registry();
    const snapshot = syntheticFeedSnapshot();
    plugin = createMetricsPlugin(registry, { runId: RUN_ID, feedSnapshot: snapshot.read });
    metricsServer = await startMetricsServer({ port: await freePort(), registry });
    backend = await startBackendUnderTest();
    prometheus = await startPrometheus([
      { job: 'flashcrowd-harness', target: new URL(metricsServer.url).host },
      ...(backend ? [{ job: 'social-backend', target: new URL(backend.url).host }] : []),
    ]);

    const start = Date.now() / 1000;
    const ctx = testContext();
    await Promise.all([
      driveSyntheticRun(plugin, ctx, snapshot, 7_000),
      backend ? driveBackend(backend.url, 7_000) : Promise.resolve(),
    ]);
    // Two more scrapes so the last second of traffic is in the TSDB.
    await new Promise((r) => setTimeout(r, 2_500));
    window = { start, end: Date.now() / 1000 };
  }, 60_000);

  afterAll(async () => {
    await prometheus?.close();
    await metricsServer?.close();
    await backend?.close();
  });

  it('scraped both targets', async () => {
    const targets = await prometheus.api<{ activeTargets: { labels: { job: string }; health: string; lastError: string }[] }>('/api/v1/targets');
    for (const t of targets.activeTargets) expect(t.health, `${t.labels.job}: ${t.lastError}`).toBe('up');
    expect(targets.activeTargets.map((t) => t.labels.job).sort()).toEqual(backend ? ['flashcrowd-harness', 'social-backend'] : ['flashcrowd-harness']);
  });

  it('offers the run id to the dashboards\' run variable', async () => {
    const values = await prometheus.api<string[]>(`/api/v1/label/run_id/values?match[]=flashcrowd_run_info`);
    expect(values).toEqual([RUN_ID]);
  });

  for (const def of DASHBOARDS) {
    it(`every query of ${def.file} returns data`, async (ctx) => {
      const usesBackend = dashboardQueries(def.build()).some((q) => q.expr.includes('social_'));
      if (usesBackend && !backend) {
        console.warn(`[skip] ${def.file}: the reference backend (src/backend/launch.ts) is not available yet`);
        ctx.skip();
      }
      const empty: string[] = [];
      for (const { where, expr } of dashboardQueries(def.build())) {
        const query = substitute(expr);
        expect(query, `${where}: unsubstituted variable`).not.toMatch(/\$\w/);
        const params = new URLSearchParams({
          query,
          start: String(window.start),
          end: String(window.end),
          step: '1',
        });
        const data = await prometheus.api<RangeResult>(`/api/v1/query_range?${params}`);
        const finite = data.result.some((s) => s.values.some(([, v]) => Number.isFinite(Number(v))));
        if (!finite) empty.push(`${where}: ${query}`);
      }
      expect(empty, 'queries without a single finite sample').toEqual([]);
    });
  }

  it('every metric name a dashboard uses is exposed by a scraped target', async () => {
    const metadata = await prometheus.api<Record<string, unknown>>('/api/v1/metadata');
    const exposed = new Set(Object.keys(metadata));
    const missing = new Set<string>();
    for (const def of DASHBOARDS) {
      for (const { expr } of dashboardQueries(def.build())) {
        for (const name of expr.match(/\b(?:flashcrowd|social)_[a-z0-9_]+/g) ?? []) {
          if (!backend && name.startsWith('social_')) continue;
          const family = name.replace(/_(bucket|sum|count)$/, '');
          if (!exposed.has(name) && !exposed.has(family)) missing.add(name);
        }
      }
    }
    expect([...missing]).toEqual([]);
  });
});
