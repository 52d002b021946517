// junit.xml: one <testcase> per threshold (plus the write audit, which always gates the verdict), so CI systems
// show SLOs as tests. Failures carry the observed value.
import type { Summary } from '../run/summary.ts';
import { describeObserved } from './thresholds/evaluate.ts';
import { renderSummaryText } from './text.ts';

export function xmlEscape(s: string): string {
  // Also drop characters XML 1.0 forbids (control characters other than tab, LF, CR).
  return s
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

function attrs(a: Record<string, string | number>): string {
  return Object.entries(a)
    .map(([k, v]) => ` ${k}="${xmlEscape(String(v))}"`)
    .join('');
}

export function renderJunit(summary: Summary): string {
  const suite = `flashcrowd.${summary.scenario}`;
  const cases: { name: string; failure?: string; detail?: string; type?: string }[] = summary.thresholds.map((t) => ({
    name: t.expr,
    type: t.noData ? 'NoData' : 'ThresholdFailed',
    failure: t.pass ? undefined : (t.message ?? `observed ${describeObserved(t.expr, t.observed)}`),
    detail: `observed: ${describeObserved(t.expr, t.observed)}`,
  }));
  const lost = summary.audit.lostWrites;
  cases.push({
    name: 'audit: acknowledged writes still present (lostWrites == 0)',
    failure: lost === 0 ? undefined : `${lost} of ${summary.audit.checkedWrites} acknowledged writes are missing from the target`,
    detail: `checked ${summary.audit.checkedWrites} writes, ${lost} lost`,
  });
  const failures = cases.filter((c) => c.failure !== undefined).length;
  const time = summary.wallSeconds.toFixed(3);
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites${attrs({ name: 'flashcrowd', tests: cases.length, failures, errors: 0, time })}>`,
    `  <testsuite${attrs({ name: suite, tests: cases.length, failures, errors: 0, skipped: 0, time, timestamp: summary.startedAt })}>`,
    '    <properties>',
    `      <property${attrs({ name: 'scenario', value: summary.scenario })}/>`,
    `      <property${attrs({ name: 'seed', value: summary.seed })}/>`,
    `      <property${attrs({ name: 'target', value: summary.target })}/>`,
    `      <property${attrs({ name: 'verdict', value: summary.pass ? 'pass' : 'fail' })}/>`,
    '    </properties>',
  ];
  for (const c of cases) {
    const head = `    <testcase${attrs({ name: c.name, classname: `${suite}.thresholds`, time: 0 })}`;
    if (c.failure === undefined) {
      lines.push(`${head}/>`);
    } else {
      lines.push(`${head}>`);
      lines.push(`      <failure${attrs({ message: c.failure, type: c.type ?? 'ThresholdFailed' })}>${xmlEscape(`${c.failure}\n${c.detail ?? ''}`)}</failure>`);
      lines.push('    </testcase>');
    }
  }
  // The key figures, for CI views that show a suite's output beside its test cases.
  lines.push(`    <system-out>${xmlEscape(renderSummaryText(summary, { thresholds: false }))}</system-out>`);
  lines.push('  </testsuite>', '</testsuites>', '');
  return lines.join('\n');
}
