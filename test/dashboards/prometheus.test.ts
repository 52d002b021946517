// Every query of every generated dashboard, evaluated by a real Prometheus that scraped (every second) the harness's
// metrics server during a real short run (scenarios/smoke.ts with more moderation markers, 15 s) against the
// reference backend, and that backend.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { executeRun, type ExecuteRunResult } from '../../src/cli/pipeline.ts';
import { dashboardQueries } from '../../src/dashboards/common.ts';
import { DASHBOARDS } from '../../src/dashboards/index.ts';
import { serviceUrl } from '../helpers/services.ts';
import { startBackendUnderTest, type BackendUnderTest } from './backend-under-test.ts';
import { freePort, prometheusAvailable, startPrometheus, type PrometheusInstance } from './prometheus-process.ts';

const enabled = prometheusAvailable();
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');

interface RangeResult {
  result: { metric: Record<string, string>; values: [number, string][] }[];
}

describe.runIf(enabled)('dashboards against a real Prometheus and a real run', () => {
  let prometheus: PrometheusInstance;
  let backend: BackendUnderTest;
  let run: ExecuteRunResult;
  let runId: string;
  let window: { start: number; end: number };
  let outDir: string;
  let dropSchema: (() => Promise<void>) | undefined;
  let usesPostgres = false;

  beforeAll(async () => {
    // With Postgres the connection-pool panels have data; the embedded store has no pool.
    const databaseUrl = await serviceUrl('postgres');
    const schema = `fc_dash_${process.pid}_${Date.now().toString(36)}`;
    if (databaseUrl) {
      usesPostgres = true;
      dropSchema = async () => {
        const client = new pg.Client({ connectionString: databaseUrl });
        await client.connect();
        try {
          await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        } finally {
          await client.end();
        }
      };
    }
    // Reviewers decide in 0.2 s (default 5 s) so that moderation completes within the short run.
    const surge = { moderation: { decisionSec: 0.2 } };
    backend = await startBackendUnderTest(databaseUrl ? { db: databaseUrl, schema, poolSize: 5, surge } : { surge });
    const metricsPort = await freePort();
    prometheus = await startPrometheus([
      { job: 'flashcrowd-harness', target: `127.0.0.1:${metricsPort}` },
      { job: 'social-backend', target: new URL(backend.url).host },
    ]);
    outDir = mkdtempSync(path.join(tmpdir(), 'flashcrowd-dash-run-'));
    const start = Date.now() / 1000;
    const t0 = performance.now();
    run = await executeRun({
      scenario: path.join(root, 'test/dashboards/fixtures/dashboards-run.ts'),
      target: backend.url,
      metricsPort,
      out: outDir,
      quiet: true,
      handleSignals: false,
    });
    console.log(`dashboards-run with --metrics-port took ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    // The last scrape (with the audit figures) happened as the run closed; let a range query's last step reach it.
    await new Promise((r) => setTimeout(r, 1_500));
    window = { start, end: Date.now() / 1000 };
    runId = (await prometheus.api<string[]>('/api/v1/label/run_id/values?match[]=flashcrowd_run_info'))[0];
  }, 90_000);

  afterAll(async () => {
    await prometheus?.close();
    await backend?.close();
    await dropSchema?.();
    if (outDir) rmSync(outDir, { recursive: true, force: true });
  });

  /**
   * Grafana's template variables, as a dashboard user with everything selected would have them. The rate window is
   * what Grafana picks for a dashboard showing a few minutes; it also bridges scrapes missed while a loaded machine
   * stalls the test process (harness and backend share it here).
   */
  const substitute = (expr: string) =>
    expr
      .replaceAll('$__rate_interval', '30s')
      .replaceAll('$__interval', '1s')
      .replaceAll('$run_id', runId)
      .replaceAll('$cohort', '.*')
      .replaceAll('$instance', '.*');

  it('scraped the harness and the backend during the run', async () => {
    expect(run.summary.totals.requests).toBeGreaterThan(100);
    const targets = await prometheus.api<{ activeTargets: { labels: { job: string }; health: string; lastError: string }[] }>('/api/v1/targets');
    expect(targets.activeTargets.map((t) => t.labels.job).sort()).toEqual(['flashcrowd-harness', 'social-backend']);
    const backendTarget = targets.activeTargets.find((t) => t.labels.job === 'social-backend')!;
    expect(backendTarget.health, backendTarget.lastError).toBe('up');
  });

  it('offers the run id to the Run variable and counts what the run counted', async () => {
    expect(runId).toMatch(/^dashboards-run-\d{8}T\d{6}Z$/);
    const intended = await prometheus.api<{ result: { value: [number, string] }[] }>(
      `/api/v1/query?${new URLSearchParams({ query: `sum(max_over_time(flashcrowd_arrivals_intended_total{run_id="${runId}"}[5m]))`, time: String(window.end) })}`,
    );
    expect(Number(intended.result[0].value[1])).toBe(run.summary.schedule.intendedArrivals);
    // The final figures were scraped before the metrics server closed.
    const lost = await prometheus.api<{ result: { value: [number, string] }[] }>(
      `/api/v1/query?${new URLSearchParams({ query: `last_over_time(flashcrowd_audit_lost_writes{run_id="${runId}"}[5m])`, time: String(window.end) })}`,
    );
    expect(Number(lost.result[0].value[1])).toBe(run.summary.audit.lostWrites);
  });

  for (const def of DASHBOARDS) {
    it(`every query of ${def.file} returns data`, async () => {
      const empty: string[] = [];
      for (const { where, expr } of dashboardQueries(def.build())) {
        if (!usesPostgres && expr.includes('social_store_pool_wait_seconds')) continue;
        const query = substitute(expr);
        expect(query, `${where}: unsubstituted variable`).not.toMatch(/\$\w/);
        const params = new URLSearchParams({ query, start: String(window.start), end: String(window.end), step: '1' });
        const data = await prometheus.api<RangeResult>(`/api/v1/query_range?${params}`);
        const finite = data.result.some((s) => s.values.some(([, v]) => Number.isFinite(Number(v))));
        if (!finite) empty.push(`${where}: ${query}`);
      }
      expect(empty, 'queries without a single finite sample').toEqual([]);
    });
  }

  it('every metric name a dashboard uses is exposed by a scraped target', async () => {
    const exposed = new Set(Object.keys(await prometheus.api<Record<string, unknown>>('/api/v1/metadata')));
    const missing = new Set<string>();
    for (const def of DASHBOARDS) {
      for (const { expr } of dashboardQueries(def.build())) {
        for (const name of expr.match(/\b(?:flashcrowd|social)_[a-z0-9_]+/g) ?? []) {
          if (!exposed.has(name) && !exposed.has(name.replace(/_(bucket|sum|count)$/, ''))) missing.add(name);
        }
      }
    }
    expect([...missing]).toEqual([]);
  });
});
