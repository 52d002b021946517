// summary.json with a stable key order, so runs diff cleanly: known fields in the order of DESIGN.md §7, then any
// other key (endpoint names, languages, extensions) alphabetically.
const KEY_ORDER = [
  'scenario', 'seed', 'startedAt', 'wallSeconds', 'target',
  'totals', 'endpoints', 'schedule', 'feedQuality', 'audit', 'thresholds', 'pass',
  'requests', 'errors', 'sessionsStarted', 'sessionsDropped', 'signups', 'posts',
  'count', 'rps', 'latencyMs', 'correctedLatencyMs', 'errorsByKind', 'errorsByStatus',
  'p5', 'p50', 'p90', 'p95', 'p99', 'p999', 'max',
  'intendedArrivals', 'achievedArrivals', 'lagMs',
  'freshnessSec', 'recallAtK', 'k', 'mean', 'languageMatch', 'foreignShare', 'translationCoverage', 'moderationLagSec', 'degradedShare',
  'checkedWrites', 'lostWrites',
  'expr', 'observed', 'pass', 'message',
];
const RANK = new Map(KEY_ORDER.map((k, i) => [k, i]));

function order(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(order);
  if (value === null || typeof value !== 'object') return value;
  const keys = Object.keys(value).sort((a, b) => {
    const ra = RANK.get(a) ?? Infinity;
    const rb = RANK.get(b) ?? Infinity;
    return ra !== rb ? ra - rb : a < b ? -1 : a > b ? 1 : 0;
  });
  const out: Record<string, unknown> = {};
  for (const k of keys) out[k] = order((value as Record<string, unknown>)[k]);
  return out;
}

export function stableStringify(value: unknown): string {
  return JSON.stringify(order(value), null, 2) + '\n';
}
