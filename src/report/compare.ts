// Compare two runs: the key figures side by side with deltas, and --fail-on rules that flag regressions.
//
//   rules := rule ("," rule)*
//   rule  := figure sign? number unit?      e.g. `p99(feed_following) +20%`, `recall.mean -0.02`, `p99(signup) +50ms`
//
// A rule fails when the run is worse than the baseline by more than the tolerance. `%` is a change relative to the
// baseline; anything else is an absolute change in the figure's unit (ms, s, m convert). Worse means higher for
// latency, errors, drops, lag, freshness, foreign share, moderation lag, degraded share and lost writes, lower for
// recall, language match and translation coverage. The sign is optional; when written it must point the worse way.
import type { Summary } from '../run/summary.ts';
import { convertToFigureUnit, parseFigure, ThresholdParseError } from './thresholds/parse.ts';
import type { FigureRef } from './thresholds/figures.ts';
import { formatFigure } from './thresholds/evaluate.ts';

export type Better = 'lower' | 'higher';

export interface CompareRow {
  figure: string;
  baseline: number | null;
  current: number | null;
  delta: number | null;
  /** delta / |baseline|; null when the baseline is 0 or missing. */
  relative: number | null;
  better: Better;
  /** The run is worse than the baseline on this figure (any amount). */
  worse: boolean;
  display: { baseline: string; current: string; delta: string };
}

export interface FailOnRule {
  text: string;
  figure: FigureRef;
  better: Better;
  tolerance: number;
  relative: boolean;
}

export interface RuleResult {
  rule: string;
  pass: boolean;
  message: string;
}

export interface Comparison {
  rows: CompareRow[];
  rules: RuleResult[];
  pass: boolean;
}

const HIGHER_IS_BETTER = /^(recall\.|languageMatch\.|translationCoverage|rps\(|totals\.(signups|posts|requests|sessionsStarted)$|schedule\.achievedArrivals$)/;

export function betterDirection(figure: string): Better {
  return HIGHER_IS_BETTER.test(figure) ? 'higher' : 'lower';
}

/** The figures compared by default, in display order, for the endpoints and languages of either run. */
export function defaultFigures(a: Summary, b: Summary): string[] {
  const endpoints = [...new Set([...Object.keys(a.endpoints), ...Object.keys(b.endpoints)])].sort();
  const langs = [...new Set([...Object.keys(a.feedQuality.foreignShare ?? {}), ...Object.keys(b.feedQuality.foreignShare ?? {})])].sort();
  return [
    ...endpoints.flatMap((e) => [`p50(${e})`, `p99(${e})`]),
    'errors.rate',
    'dropped.rate',
    'schedule.lag.p99',
    'freshness.p95',
    'recall.mean',
    ...langs.map((l) => `foreignShare.${l}`),
    'translationCoverage',
    'moderationLag.p95',
    'degradedShare',
    'lostWrites',
  ];
}

/** Shares and rates read best as percentages; recall is conventionally a plain ratio. */
function show(figure: FigureRef, v: number): string {
  return formatFigure(v, figure.dimension, figure.dimension === 'ratio' && !figure.name.startsWith('recall.') ? '%' : undefined);
}

function read(figure: FigureRef, s: Summary): number | null {
  return figure.read(s).value;
}

function row(figure: FigureRef, baseline: Summary, current: Summary): CompareRow {
  const b = read(figure, baseline);
  const c = read(figure, current);
  const delta = b !== null && c !== null ? c - b : null;
  const relative = delta !== null && b !== 0 && b !== null ? delta / Math.abs(b) : null;
  const better = betterDirection(figure.name);
  // A figure the baseline had and the run has no data for (nothing succeeded, nothing checked) is worse, not equal.
  const worse = (delta !== null && (better === 'lower' ? delta > 1e-12 : delta < -1e-12)) || (b !== null && c === null);
  const fmt = (v: number | null) => (v === null ? 'no data' : show(figure, v));
  const sign = delta !== null && delta > 0 ? '+' : '';
  const deltaText = delta === null ? '—' : `${sign}${fmt(delta)}${relative !== null ? ` (${sign}${(relative * 100).toFixed(1)}%)` : ''}`;
  return { figure: figure.name, baseline: b, current: c, delta, relative, better, worse, display: { baseline: fmt(b), current: fmt(c), delta: deltaText } };
}

export function parseFailOn(spec: string): FailOnRule[] {
  const rules: FailOnRule[] = [];
  for (const raw of spec.split(',')) {
    const text = raw.trim();
    if (!text) continue;
    const m = /^(.*?)\s*([+-])?\s*(\d+(?:\.\d*)?|\.\d+)\s*(ms|s|m|%)?$/.exec(text);
    if (!m || !m[1]) throw new ThresholdParseError(text, 1, 'expected `<figure> <+|-><tolerance>[%|ms|s|m]`, e.g. `p99(feed_following) +20%` or `recall.mean -0.02`');
    const figure = parseFigure(m[1], text);
    const better = betterDirection(figure.name);
    const sign = m[2];
    if (sign && (sign === '+') !== (better === 'lower')) {
      throw new ThresholdParseError(text, m[1].length + 1, `for ${figure.name} ${better} is better, so a regression is a ${better === 'lower' ? 'rise (+)' : 'fall (-)'}`);
    }
    const value = Number(m[3]);
    const unit = m[4];
    let tolerance: number;
    if (unit === '%') tolerance = value / 100;
    else {
      const converted = convertToFigureUnit(value, unit, figure.dimension);
      if (typeof converted === 'string') throw new ThresholdParseError(text, text.length - (unit?.length ?? 0) + 1, converted);
      tolerance = converted;
    }
    rules.push({ text, figure, better, tolerance, relative: unit === '%' });
  }
  return rules;
}

function checkRule(rule: FailOnRule, baseline: Summary, current: Summary): RuleResult {
  const b = read(rule.figure, baseline);
  const c = read(rule.figure, current);
  const name = rule.figure.name;
  if (b === null) return { rule: rule.text, pass: true, message: `not checked: the baseline has no data for ${name} (${rule.figure.read(baseline).why})` };
  if (c === null) return { rule: rule.text, pass: false, message: `no data for ${name} in the run: ${rule.figure.read(current).why} (the baseline had ${show(rule.figure, b)})` };
  const worseBy = rule.better === 'lower' ? c - b : b - c;
  const fmt = (v: number) => show(rule.figure, v);
  let pass: boolean;
  let amount: string;
  if (rule.relative) {
    const rel = b === 0 ? (worseBy > 0 ? Infinity : 0) : worseBy / Math.abs(b);
    pass = rel <= rule.tolerance + 1e-12;
    amount = Number.isFinite(rel) ? `${(rel * 100).toFixed(1)}%` : 'from zero';
  } else {
    pass = worseBy <= rule.tolerance + 1e-12;
    amount = fmt(worseBy);
  }
  const verb = worseBy > 0 ? 'worse' : 'better or equal';
  return { rule: rule.text, pass, message: `${name}: ${fmt(b)} -> ${fmt(c)} (${worseBy > 0 ? `${amount} ` : ''}${verb})` };
}

export function compareSummaries(baseline: Summary, current: Summary, rules: FailOnRule[] = []): Comparison {
  const names = defaultFigures(baseline, current);
  for (const r of rules) if (!names.includes(r.figure.name)) names.push(r.figure.name);
  const rows = names.map((n) => row(parseFigure(n), baseline, current));
  const results = rules.map((r) => checkRule(r, baseline, current));
  return { rows, rules: results, pass: results.every((r) => r.pass) };
}

export function renderComparison(cmp: Comparison, labels: { baseline: string; current: string }): string {
  const head = ['figure', 'baseline', 'run', 'change', ''];
  const mark = (r: CompareRow) => (r.delta === null ? (r.worse ? 'worse (no data)' : '') : r.delta === 0 ? '' : r.worse ? 'worse' : 'better');
  const body = cmp.rows.map((r) => [r.figure, r.display.baseline, r.display.current, r.display.delta, mark(r)]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 || i === 4 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  const out = [`baseline: ${labels.baseline}`, `run:      ${labels.current}`, '', line(head), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)];
  if (cmp.rules.length) {
    out.push('', 'fail-on rules:');
    for (const r of cmp.rules) out.push(`  ${r.pass ? '✓' : '✗'} ${r.rule}   ${r.message}`);
    out.push('', cmp.pass ? 'no regression beyond the rules' : `REGRESSION: ${cmp.rules.filter((r) => !r.pass).length} rule(s) violated`);
  }
  return out.join('\n') + '\n';
}

/** The comparison as Markdown (for a CI job summary or a pull-request comment). */
export function renderComparisonMarkdown(cmp: Comparison, labels: { baseline: string; current: string }): string {
  const esc = (t: string) => t.replace(/\|/g, '\\|').replace(/[<>]/g, (c) => (c === '<' ? '&lt;' : '&gt;'));
  const out = [
    `## flashcrowd compare — ${cmp.rules.length === 0 ? 'figures' : cmp.pass ? '✅ no regression' : '❌ regression'}`,
    '',
    `Baseline: ${esc(labels.baseline)}  `,
    `Run: ${esc(labels.current)}`,
    '',
  ];
  if (cmp.rules.length) {
    out.push('| | rule | result |', '| :---: | --- | --- |');
    for (const r of cmp.rules) out.push(`| ${r.pass ? '✓' : '✗'} | \`${r.rule.replace(/\|/g, '\\|')}\` | ${esc(r.message)} |`);
    out.push('');
  }
  out.push('| figure | baseline | run | change | |', '| --- | ---: | ---: | ---: | --- |');
  for (const r of cmp.rows) {
    const mark = r.delta === null ? (r.worse ? '🔺 worse (no data)' : '') : r.delta === 0 ? '' : r.worse ? '🔺 worse' : 'better';
    out.push(`| \`${r.figure.replace(/\|/g, '\\|')}\` | ${r.display.baseline} | ${r.display.current} | ${r.display.delta} | ${mark} |`);
  }
  return out.join('\n') + '\n';
}
