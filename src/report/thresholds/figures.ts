// The figures a threshold can name, and how each is read from a summary. A figure knows its dimension (so units
// convert correctly) and whether it can only grow during a run (so abort-on-fail knows when a failure is final).
import type { Summary } from '../../run/summary.ts';

export type Dimension = 'ms' | 'sec' | 'ratio' | 'count' | 'number';

/** A summary or a partial one (a live snapshot during a run). */
export type SummaryLike = Partial<Summary>;

export type FigureValue = { value: number; why?: undefined } | { value: null; why: string };

export interface FigureRef {
  /** Canonical name, e.g. `p99(signup)`, `errors.rate`, `totals.signups`. */
  name: string;
  dimension: Dimension;
  /** Non-decreasing during a run (counts): a failed `<`, `<=` or `==` can never recover. */
  monotone: boolean;
  read(summary: SummaryLike): FigureValue;
}

const LATENCY_STATS = ['p50', 'p90', 'p95', 'p99', 'p999', 'max'] as const;
const SUMMARY_ROOTS = ['scenario', 'seed', 'wallSeconds', 'totals', 'endpoints', 'schedule', 'feedQuality', 'audit'];

const ok = (value: number): FigureValue => ({ value });
const missing = (why: string): FigureValue => ({ value: null, why });
const num = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

function ratio(part: number | undefined, whole: number | undefined, what: string): FigureValue {
  if (!num(part) || !num(whole)) return missing(`no ${what} figures in the summary`);
  if (whole === 0) return missing(`no ${what} in this run (nothing to divide by)`);
  return ok(part / whole);
}

function endpointFigure(stat: string, corrected: boolean, endpoint: string, all = false): FigureRef | string {
  const name = `${corrected ? 'corrected.' : ''}${stat}(${endpoint}${all ? ', all' : ''})`;
  const get = (s: SummaryLike) => s.endpoints?.[endpoint];
  const absent = () => missing(`endpoint "${endpoint}" has no requests in this run`);
  if ((LATENCY_STATS as readonly string[]).includes(stat)) {
    return {
      name,
      dimension: 'ms',
      monotone: stat === 'max',
      read: (s) => {
        const e = get(s);
        if (!e || e.count === 0) return absent();
        const key = stat as (typeof LATENCY_STATS)[number];
        // Summaries written before successes were kept apart have no all* fields: their latencyMs was every request.
        const legacy = e.allLatencyMs === undefined && e.allCorrectedLatencyMs === undefined;
        if (all) {
          const v = legacy ? (corrected ? e.correctedLatencyMs : e.latencyMs)?.[key] : (corrected ? e.allCorrectedLatencyMs : e.allLatencyMs)?.[key];
          return num(v) ? ok(v) : missing(`no ${corrected ? 'corrected ' : ''}latency recorded for "${endpoint}"`);
        }
        // Legacy summaries are read as written (their only view), except that nothing succeeded is still no data.
        if (e.errors >= e.count) return missing(`none of the ${e.count} requests to "${endpoint}" succeeded (${failureBreakdown(e)}); ${stat}(${endpoint}, all) includes failures`);
        const v = (corrected ? e.correctedLatencyMs : e.latencyMs)?.[key];
        return num(v) ? ok(v) : missing(`no successful response timed for "${endpoint}"`);
      },
    };
  }
  if (all) return `", all" applies to latency percentiles (${LATENCY_STATS.join(', ')}); counts and rates already include every request`;
  if (corrected) return `"corrected." applies to latency percentiles (${LATENCY_STATS.join(', ')}), not "${stat}"`;
  switch (stat) {
    case 'rps':
      return { name, dimension: 'number', monotone: false, read: (s) => (get(s) ? ok(get(s)!.rps) : absent()) };
    case 'count':
      return { name, dimension: 'count', monotone: true, read: (s) => ok(get(s)?.count ?? 0) };
    case 'errors':
      return { name, dimension: 'count', monotone: true, read: (s) => ok(get(s)?.errors ?? 0) };
    case 'errorRate':
      return { name, dimension: 'ratio', monotone: false, read: (s) => (get(s) ? ratio(get(s)!.errors, get(s)!.count, `requests to "${endpoint}"`) : absent()) };
    default:
      return `unknown endpoint figure "${stat}(...)"; use one of ${[...LATENCY_STATS, 'rps', 'count', 'errors', 'errorRate'].join(', ')}`;
  }
}

/** `429 ×120, timeout ×3`: why an endpoint's requests failed, for no-data messages. */
function failureBreakdown(e: NonNullable<SummaryLike['endpoints']>[string]): string {
  // HTTP statuses first (429 ×120); then the kinds without a status (timeout, reset, ...).
  const parts = Object.entries(e.errorsByStatus ?? {}).sort(([, a], [, b]) => b - a).map(([k, n]) => `${k} ×${n}`);
  for (const [k, n] of Object.entries(e.errorsByKind ?? {}).sort(([, a], [, b]) => b - a)) {
    if (!k.startsWith('http_')) parts.push(`${k} ×${n}`);
  }
  return parts.length ? `failures: ${parts.slice(0, 4).join(', ')}` : `${e.errors} failed`;
}

function nullable(name: string, dimension: Dimension, what: string, pick: (s: SummaryLike) => number | null | undefined): FigureRef {
  return {
    name,
    dimension,
    monotone: false,
    read: (s) => {
      const v = pick(s);
      return num(v) ? ok(v) : missing(`no ${what} was measured in this run`);
    },
  };
}

function shortcut(path: string[]): FigureRef | string | undefined {
  const [root, a, b] = path;
  const key = path.join('.');
  const fq = (s: SummaryLike) => s.feedQuality;
  switch (root) {
    case 'errors':
      if (key === 'errors.rate') return { name: key, dimension: 'ratio', monotone: false, read: (s) => ratio(s.totals?.errors, s.totals?.requests, 'requests') };
      if (key === 'errors' || key === 'errors.count') return { name: 'errors.count', dimension: 'count', monotone: true, read: (s) => ok(s.totals?.errors ?? 0) };
      return 'unknown figure; use errors.rate or errors.count';
    case 'dropped':
      if (key === 'dropped.rate')
        return {
          name: key,
          dimension: 'ratio',
          monotone: false,
          read: (s) => ratio(s.totals?.sessionsDropped, (s.totals?.sessionsStarted ?? 0) + (s.totals?.sessionsDropped ?? 0), 'arrivals'),
        };
      if (key === 'dropped' || key === 'dropped.count') return { name: 'dropped.count', dimension: 'count', monotone: true, read: (s) => ok(s.totals?.sessionsDropped ?? 0) };
      return 'unknown figure; use dropped.rate or dropped.count';
    case 'freshness':
      if (path.length === 2 && (a === 'p50' || a === 'p95' || a === 'p99')) return nullable(key, 'sec', 'feed freshness', (s) => fq(s)?.freshnessSec?.[a]);
      return 'unknown figure; use freshness.p50, freshness.p95 or freshness.p99';
    case 'recall':
      if (path.length === 2 && (a === 'mean' || a === 'p5')) return nullable(key, 'ratio', 'recall', (s) => fq(s)?.recallAtK?.[a]);
      return 'unknown figure; use recall.mean or recall.p5';
    case 'moderationLag':
      if (path.length === 2 && (a === 'p50' || a === 'p95')) return nullable(key, 'sec', 'moderation lag', (s) => fq(s)?.moderationLagSec?.[a]);
      return 'unknown figure; use moderationLag.p50 or moderationLag.p95';
    case 'foreignShare':
    case 'languageMatch':
      if (path.length !== 2) return `expected ${root}.<language>, e.g. ${root}.zh`;
      return nullable(key, 'ratio', `${root} for ${a} readers`, (s) => fq(s)?.[root]?.[a!]);
    case 'translationCoverage':
    case 'degradedShare':
      if (path.length !== 1) return `"${root}" has no sub-figures`;
      return nullable(key, 'ratio', root === 'degradedShare' ? 'degraded share' : 'translation coverage', (s) => fq(s)?.[root]);
    case 'lostWrites':
      if (path.length !== 1) return '"lostWrites" has no sub-figures';
      return { name: key, dimension: 'count', monotone: true, read: (s) => auditFigure(s, 'lostWrites') };
    case 'schedule':
      if (a === 'lag') {
        if (path.length === 3 && (b === 'p50' || b === 'p99' || b === 'max')) return nullable(key, 'ms', 'schedule lag', (s) => s.schedule?.lagMs?.[b]);
        return 'unknown figure; use schedule.lag.p50, schedule.lag.p99 or schedule.lag.max';
      }
      return undefined; // generic path into schedule
    default:
      return undefined;
  }
}

/** Figures of the write audit that only speak of what was checked (lostWrites, estimatedLostWrites). */
const AUDIT_LOSS_FIGURES = new Set(['lostWrites', 'estimatedLostWrites']);

/**
 * A loss count from the audit: no data when the audit did not run, was skipped, or checked nothing while the
 * target acknowledged writes — "0 lost" then means "nothing verified", and a verdict must not pass on it.
 */
function auditFigure(s: SummaryLike, key: string): FigureValue {
  const audit = s.audit as (Record<string, unknown> & { checkedWrites?: number }) | undefined;
  const v = audit?.[key];
  if (!audit || !num(v)) return missing('the audit has not run');
  if (audit.skipped === true) return missing('the audit was skipped (no write was checked)');
  const acked = acknowledgedWrites(s);
  if ((audit.checkedWrites ?? 0) === 0 && acked > 0) {
    const unchecked = num(audit.unchecked) && audit.unchecked > 0 ? `; ${audit.unchecked} could not be checked` : '';
    return missing(`the audit checked none of the ${acked} acknowledged writes${unchecked}`);
  }
  return ok(v);
}

/** Writes the target acknowledged (what the audit should check): the audit's own count, else the ledger's. */
function acknowledgedWrites(s: SummaryLike): number {
  const perKind = (s.audit as { acknowledged?: Record<string, number> } | undefined)?.acknowledged;
  if (perKind && typeof perKind === 'object') return Object.values(perKind).reduce((n, x) => n + (num(x) ? x : 0), 0);
  const ledger = (s.feedQuality?.sampling as { ledger?: { posts?: number; follows?: number; comments?: number } } | undefined)?.ledger;
  if (ledger) return (ledger.posts ?? 0) + (ledger.follows ?? 0) + (ledger.comments ?? 0);
  return s.totals?.posts ?? 0;
}

/** Dimension of a generic path into summary.json, from the naming conventions of the summary. */
function pathDimension(path: string[]): Dimension {
  const last = path[path.length - 1]!;
  if (path.some((p) => p.endsWith('Ms'))) return 'ms';
  if (path.some((p) => p.endsWith('Sec') || p.endsWith('Seconds'))) return 'sec';
  if (path[0] === 'totals' || path[0] === 'audit' || last === 'count' || last === 'errors' || last.endsWith('Arrivals')) return 'count';
  if (path.some((p) => /Share$|Coverage$|^languageMatch$|^recallAtK$/.test(p))) return 'ratio';
  return 'number';
}

function genericPath(path: string[]): FigureRef | string {
  if (!SUMMARY_ROOTS.includes(path[0]!)) {
    return `unknown figure "${path.join('.')}"; use a latency figure such as p99(signup), a shortcut (errors.rate, dropped.rate, freshness.p95, recall.mean, foreignShare.zh, languageMatch.zh, translationCoverage, moderationLag.p95, degradedShare, lostWrites, schedule.lag.p99) or a path into summary.json starting with ${SUMMARY_ROOTS.join(', ')}`;
  }
  const dimension = pathDimension(path);
  const name = path.join('.');
  return {
    name,
    dimension,
    monotone: dimension === 'count' && path[0] !== 'schedule',
    read: (s) => {
      if (path.length === 2 && path[0] === 'audit' && AUDIT_LOSS_FIGURES.has(path[1]!)) return auditFigure(s, path[1]!);
      let v: unknown = s;
      for (const p of path) v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[p] : undefined;
      if (num(v)) return ok(v);
      return missing(v === undefined || v === null ? `no figure at "${name}" in summary.json` : `"${name}" is not a number in summary.json`);
    },
  };
}

/** Resolve a figure from its dotted segments and optional `(endpoint)` argument; a string return is the problem. */
export function resolveFigure(segments: string[], arg: string | undefined, all = false): FigureRef | string {
  if (arg !== undefined) {
    const corrected = segments.length === 2 && segments[0] === 'corrected';
    if (segments.length === 2 && segments[0] === 'errors' && segments[1] === 'rate') return endpointFigure('errorRate', false, arg, all);
    if (segments.length !== 1 && !corrected) return `unknown endpoint figure "${segments.join('.')}(...)"`;
    return endpointFigure(segments[segments.length - 1]!, corrected, arg, all);
  }
  if ((LATENCY_STATS as readonly string[]).includes(segments[0]!) || segments[0] === 'corrected') {
    return `expected an endpoint: ${segments.join('.')}(<endpoint>), e.g. ${segments.join('.')}(signup)`;
  }
  return shortcut(segments) ?? genericPath(segments);
}
