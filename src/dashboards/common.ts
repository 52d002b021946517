// Shared pieces of flashcrowd's Grafana dashboards: datasource and template variables, panel helpers, and the
// finishing pass that makes the JSON importable and deterministic (panel ids, refIds, Prometheus annotation fields).
import * as common from '@grafana/grafana-foundation-sdk/common';
import {
  AnnotationQueryBuilder,
  DashboardBuilder,
  DashboardCursorSync,
  DatasourceVariableBuilder,
  QueryVariableBuilder,
  VariableRefresh,
  VariableSort,
  type Dashboard,
  type DataSourceRef,
} from '@grafana/grafana-foundation-sdk/dashboard';
import { DataqueryBuilder } from '@grafana/grafana-foundation-sdk/prometheus';
import { PanelBuilder as StatPanelBuilder } from '@grafana/grafana-foundation-sdk/stat';
import { PanelBuilder as TimeseriesPanelBuilder } from '@grafana/grafana-foundation-sdk/timeseries';

/** Every panel and variable queries the datasource chosen in the `datasource` variable. */
export const DS: DataSourceRef = { type: 'prometheus', uid: '${datasource}' };

/** Label matchers for the run and cohort variables, to splice into selectors. */
export const RUN = 'run_id=~"$run_id"';
export const COHORT = 'cohort=~"$cohort"';
export const RATE = '[$__rate_interval]';

export function datasourceVariable() {
  return new DatasourceVariableBuilder('datasource').label('Data source').type('prometheus');
}

/**
 * Run ids sort newest first for runs of one scenario (`<scenario>-<UTC timestamp>`), so the default is the latest
 * run in the time range; choose another from the list.
 */
export function runVariable() {
  return new QueryVariableBuilder('run_id')
    .label('Run')
    .datasource(DS)
    .query('label_values(flashcrowd_run_info, run_id)')
    .refresh(VariableRefresh.OnTimeRangeChanged)
    .sort(VariableSort.AlphabeticalDesc);
}

/** A multi-select variable over the values of one label, defaulting to All. */
export function multiValueVariable(name: string, label: string, query: string) {
  return new QueryVariableBuilder(name)
    .label(label)
    .datasource(DS)
    .query(query)
    .refresh(VariableRefresh.OnTimeRangeChanged)
    .sort(VariableSort.AlphabeticalAsc)
    .multi(true)
    .includeAll(true)
    .allValue('.*')
    .current({ selected: true, text: ['All'], value: ['$__all'] });
}

export function cohortVariable() {
  return multiValueVariable('cohort', 'Cohort', 'label_values(flashcrowd_arrivals_intended_total{run_id=~"$run_id"}, cohort)');
}

/** The settings every flashcrowd dashboard shares: live refresh, last 15 minutes, shared crosshair, a datasource picker. */
export function dashboardBase(title: string, uid: string, description: string, tags: string[]): DashboardBuilder {
  return new DashboardBuilder(title)
    .uid(uid)
    .description(description)
    .tags(tags)
    .editable()
    .refresh('5s')
    .time({ from: 'now-15m', to: 'now' })
    .timezone('browser')
    .tooltip(DashboardCursorSync.Crosshair)
    .withVariable(datasourceVariable());
}

/** Scenario events (translation launch, second shock, ...) as annotations at the moment they fired. */
export function scenarioEventsAnnotation() {
  return new AnnotationQueryBuilder()
    .name('Scenario events')
    .datasource(DS)
    .enable(true)
    .iconColor('orange')
    .expr(`flashcrowd_scenario_event_timestamp_seconds{${RUN}} * 1000`);
}

/** Prometheus annotation fields the SDK's AnnotationQuery type does not carry, by annotation name. */
const ANNOTATION_EXTRAS: Record<string, Record<string, unknown>> = {
  'Scenario events': { titleFormat: '{{event}}', tagKeys: 'kind', textFormat: '{{kind}} event', useValueForTime: true, step: '5s' },
};

export interface Query {
  expr: string;
  legend: string;
  /** A unit other than the panel's: the series get it and a right-hand axis. */
  unit?: string;
}
export const q = (expr: string, legend: string, unit?: string): Query => ({ expr, legend, ...(unit ? { unit } : {}) });

const refId = (index: number) => String.fromCharCode(65 + index);

function target(query: Query, index: number) {
  return new DataqueryBuilder().expr(query.expr).legendFormat(query.legend).datasource(DS).refId(refId(index));
}

export interface PanelOptions {
  description?: string;
  unit?: string;
  min?: number;
  max?: number;
  width?: number;
  height?: number;
  stack?: boolean;
}

export function timeseries(title: string, queries: Query[], o: PanelOptions = {}) {
  const p = new TimeseriesPanelBuilder()
    .title(title)
    .datasource(DS)
    .height(o.height ?? 8)
    .span(o.width ?? 12)
    .unit(o.unit ?? 'short')
    .lineWidth(1)
    .fillOpacity(o.stack ? 30 : 10)
    .legend(new common.VizLegendOptionsBuilder().showLegend(true).displayMode(common.LegendDisplayMode.List).placement(common.LegendPlacement.Bottom).calcs([]))
    .tooltip(new common.VizTooltipOptionsBuilder().mode(common.TooltipDisplayMode.Multi).sort(common.SortOrder.Descending));
  if (o.description) p.description(o.description);
  if (o.min !== undefined) p.min(o.min);
  if (o.max !== undefined) p.max(o.max);
  if (o.stack) p.stacking(new common.StackingConfigBuilder().mode(common.StackingMode.Normal));
  queries.forEach((query, i) => {
    p.withTarget(target(query, i));
    if (query.unit && query.unit !== (o.unit ?? 'short')) {
      p.overrideByQuery(refId(i), [
        { id: 'unit', value: query.unit },
        { id: 'custom.axisPlacement', value: 'right' },
      ]);
    }
  });
  return p;
}

export function stat(title: string, queries: Query[], o: PanelOptions = {}) {
  const p = new StatPanelBuilder()
    .title(title)
    .datasource(DS)
    .height(o.height ?? 4)
    .span(o.width ?? 4)
    .unit(o.unit ?? 'short')
    .graphMode(common.BigValueGraphMode.Area)
    .colorMode(common.BigValueColorMode.Value)
    .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false));
  if (o.description) p.description(o.description);
  queries.forEach((query, i) => p.withTarget(target(query, i)));
  return p;
}

/** histogram_quantile over the sum of bucket rates, grouped by `by` (plus le). */
export function quantile(phi: number, metric: string, selector: string, by: string[] = []): string {
  const group = [...by, 'le'].join(', ');
  return `histogram_quantile(${phi}, sum by (${group}) (rate(${metric}_bucket{${selector}}${RATE})))`;
}

export function rate(metric: string, selector: string, by: string[] = []): string {
  const inner = `rate(${metric}{${selector}}${RATE})`;
  return by.length ? `sum by (${by.join(', ')}) (${inner})` : `sum(${inner})`;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function sortKeys(value: unknown): Json {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const out: { [key: string]: Json } = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = sortKeys(v);
    }
    return out;
  }
  return value as Json;
}

/**
 * Finishes a built dashboard for import: numbers panels from 1 in order, gives targets refIds A, B, ...,
 * adds the Prometheus annotation fields, and returns JSON text with sorted keys (byte-identical across runs).
 */
export function toJson(dashboard: Dashboard): string {
  // A JSON round trip also drops the SDK's marker methods on query objects.
  const d = JSON.parse(JSON.stringify(dashboard)) as Dashboard & { panels?: Record<string, unknown>[] };
  let id = 0;
  const number = (panels: Record<string, unknown>[] | undefined) => {
    for (const panel of panels ?? []) {
      panel.id = ++id;
      const targets = panel.targets as Record<string, unknown>[] | undefined;
      targets?.forEach((t, i) => (t.refId = refId(i)));
      number(panel.panels as Record<string, unknown>[] | undefined);
    }
  };
  number(d.panels);
  for (const a of d.annotations?.list ?? []) Object.assign(a, ANNOTATION_EXTRAS[a.name] ?? {});
  return JSON.stringify(sortKeys(d), null, 2) + '\n';
}

/** Every PromQL expression in a dashboard (panel targets and annotations), with where it comes from. */
export function dashboardQueries(dashboard: unknown): { where: string; expr: string }[] {
  const out: { where: string; expr: string }[] = [];
  const d = dashboard as { panels?: unknown[]; annotations?: { list?: { name: string; expr?: string }[] } };
  const walk = (panels: unknown[] | undefined) => {
    for (const raw of panels ?? []) {
      const panel = raw as { title?: string; targets?: { expr?: string; refId?: string }[]; panels?: unknown[] };
      for (const t of panel.targets ?? []) {
        if (t.expr) out.push({ where: `panel "${panel.title}" ${t.refId ?? ''}`.trim(), expr: t.expr });
      }
      walk(panel.panels);
    }
  };
  walk(d.panels);
  for (const a of d.annotations?.list ?? []) {
    if (a.expr) out.push({ where: `annotation "${a.name}"`, expr: a.expr });
  }
  return out;
}
