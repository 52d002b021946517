// What the target does not serve (contract v2 capabilities), for every rendering of a summary: the operations the
// run skipped (summary.skipped) and the writes the audit could not check (summary.audit.notCheckable), with reasons.
import type { Summary } from '../run/summary.ts';
import { fmtCount } from './format.ts';

interface SkippedRow {
  operation: string;
  reason: string;
  actions: number;
}
interface NotCheckable {
  kind: string;
  writes: number;
  reason: string;
}

/** One sentence per skipped operation and per kind of unchecked write; [] when the target serves everything. */
export function unsupportedLines(s: Summary): string[] {
  const out: string[] = [];
  const skipped = Array.isArray(s.skipped) ? (s.skipped as SkippedRow[]) : [];
  for (const k of skipped) {
    out.push(`${k.operation} skipped: ${k.reason}${k.actions > 0 ? ` (${fmtCount(k.actions)} session action(s) not attempted, others drawn instead)` : ''}`);
  }
  const notCheckable = Array.isArray(s.audit?.notCheckable) ? (s.audit.notCheckable as NotCheckable[]) : [];
  for (const n of notCheckable) out.push(`audit: ${n.reason} (${fmtCount(n.writes)} write(s))`);
  return out;
}
