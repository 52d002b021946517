// A plain-text summary for terminals (the demo's closing table): key figures, endpoints, feed quality, verdict.
import type { Summary } from '../run/summary.ts';
import { droppedRate, errorRate, fmtCount, fmtMs, fmtNum, fmtPct, fmtRatio, fmtSec, NO_DATA } from './format.ts';
import { describeObserved } from './thresholds/evaluate.ts';
import { unsupportedLines } from './skipped.ts';

function columns(rows: string[][], rightFrom = 1): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i < rightFrom ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd());
}

export function renderSummaryText(s: Summary, options: { thresholds?: boolean } = {}): string {
  const t = s.totals;
  const fq = s.feedQuality;
  const out: string[] = [];
  out.push(`${s.scenario} — ${s.pass ? 'PASS' : 'FAIL'} (seed ${s.seed}, ${fmtSec(s.wallSeconds)} wall, target ${s.target})`, '');
  out.push(
    ...columns([
      ['requests', fmtCount(t.requests), 'error rate', fmtPct(errorRate(t))],
      ['sessions started', fmtCount(t.sessionsStarted), 'dropped', `${fmtCount(t.sessionsDropped)} (${fmtPct(droppedRate(t))})`],
      ['signups', fmtCount(t.signups), 'posts', fmtCount(t.posts)],
      ['schedule lag p99', fmtMs(s.schedule.lagMs?.p99), 'lost writes', `${fmtCount(s.audit.lostWrites)} of ${fmtCount(s.audit.checkedWrites)}`],
    ], 0).map((l) => '  ' + l),
    '',
  );
  const eps = Object.entries(s.endpoints).filter(([, e]) => e.count > 0).sort(([a], [b]) => a.localeCompare(b));
  if (eps.length) {
    out.push(
      ...columns([
        ['endpoint', 'count', 'rps', 'errors', 'p50', 'p99', 'p99 corr.'],
        ...eps.map(([n, e]) => [n, fmtCount(e.count), fmtNum(e.rps), fmtPct(e.errors / e.count), fmtMs(e.latencyMs?.p50), fmtMs(e.latencyMs?.p99), fmtMs(e.correctedLatencyMs?.p99)]),
      ]).map((l) => '  ' + l),
      '',
    );
  }
  const langs = [...new Set([...Object.keys(fq.languageMatch ?? {}), ...Object.keys(fq.foreignShare ?? {})])].sort();
  out.push(
    ...columns([
      ['feed freshness p95', fmtSec(fq.freshnessSec?.p95)],
      [`recall@${fq.recallAtK?.k ?? 'k'} mean`, fmtRatio(fq.recallAtK?.mean)],
      ...langs.map((l) => [`${l} readers: match / foreign`, `${fmtPct(fq.languageMatch?.[l])} / ${fmtPct(fq.foreignShare?.[l])}`]),
      ['translation coverage', fmtPct(fq.translationCoverage)],
      ['moderation lag p95', fq.moderationLagSec ? fmtSec(fq.moderationLagSec.p95) : NO_DATA],
      ['degraded share', fmtPct(fq.degradedShare)],
    ], 1).map((l) => '  ' + l),
  );
  const unsupported = unsupportedLines(s);
  if (unsupported.length) out.push('', 'not supported by the target (not attempted, not errors):', ...unsupported.map((l) => `  ${l}`));
  if (s.thresholds.length && options.thresholds !== false) {
    out.push('', 'thresholds:');
    for (const th of s.thresholds) out.push(`  ${th.pass ? '✓' : '✗'} ${th.expr.padEnd(32)} ${describeObserved(th.expr, th.observed)}${th.pass ? '' : `   ${th.message ?? ''}`}`);
  }
  return out.join('\n') + '\n';
}

/**
 * The run's closing line, printed even by a quiet run: the verdict and, when it failed, why (each failed threshold
 * with its reason, lost writes), then where the run folder is.
 */
export function renderVerdictLine(s: Summary, runDir: string): string {
  const why: string[] = [];
  for (const th of s.thresholds) if (!th.pass) why.push(`${th.expr}: ${th.message ?? `observed ${describeObserved(th.expr, th.observed)}`}`);
  if (s.audit.lostWrites > 0) why.push(`${s.audit.lostWrites} of ${s.audit.checkedWrites} acknowledged writes lost`);
  return `${s.pass ? 'PASS' : 'FAIL'}${why.length ? ` (${why.join('; ')})` : ''} — run folder: ${runDir} (report.html, summary.json, junit.xml)`;
}
