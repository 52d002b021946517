// summary.md: what a CI job summary shows — verdict first, then the figures a reviewer looks for.
import type { Summary } from '../run/summary.ts';
import { droppedRate, errorRate, fmtCount, fmtMs, fmtNum, fmtPct, fmtRatio, fmtSec, NO_DATA } from './format.ts';
import { describeObserved } from './thresholds/evaluate.ts';
import { unsupportedLines } from './skipped.ts';

/** Escape text for a Markdown table cell. */
export function mdCell(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/[\r\n]+/g, ' ').replace(/([<>*_`[\]])/g, '\\$1');
}

/** Inline code in a table cell: backslash escapes do not work inside code spans, except GFM's `\|` in tables. */
function mdCode(s: string): string {
  return `\`${s.replace(/`/g, "'").replace(/\|/g, '\\|').replace(/[\r\n]+/g, ' ')}\``;
}

/** align: one letter per column, l(eft), r(ight) or c(enter); default: first left, the rest right (figures). */
function table(head: string[], rows: string[][], align?: string): string[] {
  const rule = head.map((_, i) => ({ l: ' --- ', r: ' ---: ', c: ' :---: ' })[(align?.[i] ?? (i === 0 ? 'l' : 'r')) as 'l' | 'r' | 'c']);
  return [`| ${head.join(' | ')} |`, `|${rule.join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)];
}

export function renderMarkdown(summary: Summary): string {
  const failed = summary.thresholds.filter((t) => !t.pass).length;
  const lost = summary.audit.lostWrites;
  const noData = summary.thresholds.filter((t) => t.noData).length;
  const why = [failed ? `${failed} of ${summary.thresholds.length} thresholds failed${noData ? ` (${noData} with no data)` : ''}` : `${summary.thresholds.length} thresholds passed`];
  if (lost > 0) why.push(`${lost} lost writes`);
  const out: string[] = [
    `## flashcrowd · ${mdCell(summary.scenario)} — ${summary.pass ? '✅ PASS' : '❌ FAIL'}`,
    '',
    `**${summary.pass ? 'PASS' : 'FAIL'}**: ${why.join(', ')}. Seed ${summary.seed}, target \`${summary.target.replace(/`/g, "'")}\`, started ${summary.startedAt}, ${fmtSec(summary.wallSeconds)} wall.`,
    ...(typeof summary.stoppedEarly === 'string' ? ['', `**Stopped early:** ${mdCell(summary.stoppedEarly)}`] : []),
    '',
    '### Key figures',
    '',
  ];
  const fq = summary.feedQuality;
  const t = summary.totals;
  out.push(
    ...table(
      ['figure', 'value'],
      [
        ['requests', fmtCount(t.requests)],
        ['error rate', `${fmtPct(errorRate(t))} (${fmtCount(t.errors)})`],
        ['sessions started / dropped', `${fmtCount(t.sessionsStarted)} / ${fmtCount(t.sessionsDropped)} (${fmtPct(droppedRate(t))})`],
        ['arrivals intended / achieved', `${fmtCount(summary.schedule.intendedArrivals)} / ${fmtCount(summary.schedule.achievedArrivals)}`],
        ['schedule lag p99', fmtMs(summary.schedule.lagMs?.p99)],
        ['signups / posts', `${fmtCount(t.signups)} / ${fmtCount(t.posts)}`],
        ['feed freshness p95', fmtSec(fq.freshnessSec?.p95)],
        [`recall@${fq.recallAtK?.k ?? 'k'} mean`, fmtRatio(fq.recallAtK?.mean)],
        ['lost writes', `${fmtCount(lost)} of ${fmtCount(summary.audit.checkedWrites)} checked`],
      ],
    ),
    '',
  );

  const eps = Object.entries(summary.endpoints).sort(([a], [b]) => a.localeCompare(b));
  out.push('### Endpoints', '');
  if (eps.length === 0) out.push('_No requests were made._', '');
  else
    out.push(
      ...table(
        ['endpoint', 'count', 'rps', 'errors', 'p50', 'p95', 'p99', 'p99 corrected', 'max'],
        eps.map(([name, e]) => [
          mdCode(name),
          fmtCount(e.count),
          fmtNum(e.rps),
          e.count ? `${fmtCount(e.errors)} (${fmtPct(e.errors / e.count)})` : NO_DATA,
          fmtMs(e.latencyMs?.p50),
          fmtMs(e.latencyMs?.p95),
          fmtMs(e.latencyMs?.p99),
          fmtMs(e.correctedLatencyMs?.p99),
          fmtMs(e.latencyMs?.max),
        ]),
      ),
      '',
    );

  out.push('### Feed quality', '');
  const langs = [...new Set([...Object.keys(fq.languageMatch ?? {}), ...Object.keys(fq.foreignShare ?? {})])].sort();
  const fqRows: string[][] = [
    ['freshness p50 / p95 / p99', fq.freshnessSec ? `${fmtSec(fq.freshnessSec.p50)} / ${fmtSec(fq.freshnessSec.p95)} / ${fmtSec(fq.freshnessSec.p99)}` : NO_DATA],
    [`recall@${fq.recallAtK?.k ?? 'k'} mean / p5`, fq.recallAtK ? `${fmtRatio(fq.recallAtK.mean)} / ${fmtRatio(fq.recallAtK.p5)}` : NO_DATA],
    ...langs.map((l) => [`discover, ${mdCell(l)} readers: language match / foreign share`, `${fmtPct(fq.languageMatch?.[l])} / ${fmtPct(fq.foreignShare?.[l])}`]),
    ['translation coverage', fmtPct(fq.translationCoverage)],
    ['moderation lag p50 / p95', fq.moderationLagSec ? `${fmtSec(fq.moderationLagSec.p50)} / ${fmtSec(fq.moderationLagSec.p95)}` : NO_DATA],
    ['degraded share', fmtPct(fq.degradedShare)],
  ];
  out.push(...table(['figure', 'value'], fqRows), '');
  const unsupported = unsupportedLines(summary);
  if (unsupported.length) out.push('### Not supported by the target', '', '_Not attempted and not counted as errors._', '', ...unsupported.map((l) => `- ${mdCell(l)}`), '');

  out.push('### Thresholds', '');
  if (summary.thresholds.length === 0) out.push('_No thresholds were set._', '');
  else
    out.push(
      ...table(
        ['', 'threshold', 'observed', 'note'],
        summary.thresholds.map((r) => [r.pass ? '✓' : r.noData ? '✗ no data' : '✗', mdCode(r.expr), describeObserved(r.expr, r.observed), r.pass ? '' : mdCell(r.message ?? '')]),
        'clrl',
      ),
      '',
    );
  return out.join('\n');
}
