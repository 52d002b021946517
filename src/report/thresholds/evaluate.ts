// Evaluate thresholds against a summary. A missing figure (nothing measured, no successful response, an audit that
// checked nothing while writes were acknowledged) fails as `no data` with the reason: a verdict never passes on
// nothing.
import type { ThresholdResult } from '../../run/summary.ts';
import { parseThreshold, ThresholdParseError, type Comparison, type Threshold } from './parse.ts';
import type { Dimension, SummaryLike } from './figures.ts';

export function compare(observed: number, op: Comparison, bound: number): boolean {
  // Tolerate float noise at the bound (e.g. 0.1 + 0.2 vs 0.3) so `<=` on ratios behaves as a reader expects.
  const eps = 1e-9 * Math.max(1, Math.abs(bound));
  switch (op) {
    case '<':
      return observed < bound - eps;
    case '<=':
      return observed <= bound + eps;
    case '>':
      return observed > bound + eps;
    case '>=':
      return observed >= bound - eps;
    case '==':
      return Math.abs(observed - bound) <= eps;
    case '!=':
      return Math.abs(observed - bound) > eps;
  }
}

/** Format a figure in the unit the threshold was written in (`912ms`, `1.52s`, `0.8%`), or its natural unit. */
export function formatFigure(value: number, dimension: Dimension, unitHint?: string): string {
  const round = (v: number) => (Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : Number(v.toPrecision(3)).toString());
  switch (dimension) {
    case 'ms':
      if (unitHint === 's' || unitHint === 'm') return formatFigure(value / 1000, 'sec', unitHint);
      return `${round(value)}ms`;
    case 'sec':
      if (unitHint === 'ms') return `${round(value * 1000)}ms`;
      if (unitHint === 'm') return `${round(value / 60)}m`;
      return `${round(value)}s`;
    case 'ratio':
      return unitHint === '%' ? `${round(value * 100)}%` : round(value);
    case 'count':
      return String(Math.round(value));
    case 'number':
      return round(value);
  }
}

function unitOf(t: Threshold): string | undefined {
  return /(ms|s|m|%)$/.exec(t.boundText)?.[1];
}

export function evaluateThreshold(t: Threshold, summary: SummaryLike): ThresholdResult {
  const fig = t.figure.read(summary);
  if (fig.value === null) {
    return { expr: t.expr, observed: null, pass: false, noData: true, message: `no data: ${fig.why}` };
  }
  const pass = compare(fig.value, t.op, t.bound);
  const result: ThresholdResult = { expr: t.expr, observed: fig.value, pass };
  if (!pass) {
    result.message = `${t.figure.name} = ${formatFigure(fig.value, t.figure.dimension, unitOf(t))}, wanted ${t.op} ${t.boundText}`;
  }
  return result;
}

/** Evaluate expressions; a malformed one becomes a failed result carrying the parse error (never thrown). */
export function evaluateThresholds(exprs: readonly string[], summary: SummaryLike): ThresholdResult[] {
  return exprs.map((expr) => {
    let t: Threshold;
    try {
      t = parseThreshold(expr);
    } catch (err) {
      if (err instanceof ThresholdParseError) return { expr: expr.trim(), observed: null, pass: false, message: err.message };
      throw err;
    }
    return evaluateThreshold(t, summary);
  });
}

/** Describe an observed figure for tables: `912ms`, `0.953`, `no data` when missing. */
export function describeObserved(expr: string, observed: number | null): string {
  if (observed === null) return 'no data';
  try {
    const t = parseThreshold(expr);
    return formatFigure(observed, t.figure.dimension, unitOf(t));
  } catch {
    return String(observed);
  }
}
