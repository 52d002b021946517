import { readFileSync } from 'node:fs';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { dashboardQueries } from '../../src/dashboards/common.ts';
import { DASHBOARDS, renderDashboards } from '../../src/dashboards/index.ts';
import { createHarnessMetrics } from '../../src/metrics/harness-metrics.ts';

const root = new URL('../../', import.meta.url);

/** Every series name the harness exposes, histograms expanded to their _bucket/_sum/_count series. */
function harnessSeriesNames(): Set<string> {
  const registry = new Registry();
  createHarnessMetrics(registry);
  const names = new Set<string>();
  for (const m of registry.getMetricsAsArray() as unknown as { name: string; type: string }[]) {
    if (m.type === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(m.name + s);
    else names.add(m.name);
  }
  return names;
}

describe('dashboards as code', () => {
  it('committed dashboards/*.json equal the generator output (run `npx flashcrowd dashboards`)', () => {
    for (const [file, json] of renderDashboards()) {
      const committed = readFileSync(new URL(`dashboards/${file}`, root), 'utf8');
      expect(committed, file).toBe(json);
    }
  });

  it('renders byte-identical JSON on every call', () => {
    const a = renderDashboards();
    const b = renderDashboards();
    expect([...a.entries()]).toEqual([...b.entries()]);
  });

  it('gives every dashboard a fixed unique uid and every panel a unique id and datasource variable', () => {
    const uids = new Set<string>();
    for (const def of DASHBOARDS) {
      const d = JSON.parse(renderDashboards().get(def.file)!);
      expect(d.uid).toMatch(/^flashcrowd-[a-z-]+$/);
      expect(uids.has(d.uid)).toBe(false);
      uids.add(d.uid);
      const vars = d.templating.list.map((v: { name: string }) => v.name);
      expect(vars).toContain('datasource');
      const ids = d.panels.map((p: { id: number }) => p.id);
      expect(new Set(ids).size).toBe(ids.length);
      for (const p of d.panels.filter((x: { type: string }) => x.type !== 'row')) {
        expect(p.datasource, p.title).toEqual({ type: 'prometheus', uid: '${datasource}' });
        expect(p.targets.length, p.title).toBeGreaterThan(0);
        const refIds = p.targets.map((t: { refId: string }) => t.refId);
        expect(new Set(refIds).size, p.title).toBe(refIds.length);
        // Panels must not overflow Grafana's 24-column grid.
        expect(p.gridPos.x + p.gridPos.w).toBeLessThanOrEqual(24);
      }
      for (const v of d.templating.list.filter((x: { type: string }) => x.type === 'query')) {
        expect(v.datasource).toEqual({ type: 'prometheus', uid: '${datasource}' });
      }
    }
  });

  it('queries only flashcrowd_* metrics that the harness defines', () => {
    const known = harnessSeriesNames();
    const used = new Set<string>();
    for (const def of DASHBOARDS) {
      for (const { where, expr } of dashboardQueries(def.build())) {
        for (const name of expr.match(/\bflashcrowd_[a-z0-9_]+/g) ?? []) {
          expect(known.has(name), `${def.file} ${where} uses unknown metric ${name}`).toBe(true);
          used.add(name);
        }
      }
    }
    expect(used.size).toBeGreaterThan(15);
  });
});
