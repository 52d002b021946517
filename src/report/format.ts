// Number formatting shared by summary.md, the HTML report and compare: short, unit-bearing, '—' for no data.
export const NO_DATA = '—';

const ok = (v: number | null | undefined): v is number => typeof v === 'number' && Number.isFinite(v);

function sig(v: number): string {
  const a = Math.abs(v);
  if (a >= 100) return Math.round(v).toLocaleString('en-US');
  if (Number.isInteger(v)) return String(v);
  if (a >= 10) return v.toFixed(1);
  if (a >= 1) return v.toFixed(2);
  return Number(v.toPrecision(2)).toString();
}

export function fmtMs(v: number | null | undefined): string {
  if (!ok(v)) return NO_DATA;
  return Math.abs(v) >= 1000 ? `${sig(v / 1000)}s` : `${sig(v)}ms`;
}
export function fmtSec(v: number | null | undefined): string {
  if (!ok(v)) return NO_DATA;
  return Math.abs(v) >= 120 ? `${sig(v / 60)}m` : `${sig(v)}s`;
}
export function fmtPct(v: number | null | undefined): string {
  if (!ok(v)) return NO_DATA;
  const p = v * 100;
  return `${Math.abs(p) >= 10 || p === 0 ? p.toFixed(1) : p.toFixed(2)}%`;
}
export function fmtRatio(v: number | null | undefined): string {
  return ok(v) ? v.toFixed(3) : NO_DATA;
}
export function fmtCount(v: number | null | undefined): string {
  return ok(v) ? Math.round(v).toLocaleString('en-US') : NO_DATA;
}
export function fmtNum(v: number | null | undefined): string {
  return ok(v) ? sig(v) : NO_DATA;
}

/** Error rate of a summary, null when there were no requests. */
export function errorRate(totals: { requests: number; errors: number }): number | null {
  return totals.requests > 0 ? totals.errors / totals.requests : null;
}
export function droppedRate(totals: { sessionsStarted: number; sessionsDropped: number }): number | null {
  const all = totals.sessionsStarted + totals.sessionsDropped;
  return all > 0 ? totals.sessionsDropped / all : null;
}
