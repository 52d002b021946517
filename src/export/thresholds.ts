// flashcrowd thresholds -> k6 thresholds, where the figure exists in k6. What does not translate is said, with why.
//
//   p99(signup) < 800ms        -> 'http_req_duration{endpoint:signup}': ['p(99)<800']
//   max(post) < 2s             -> 'http_req_duration{endpoint:post}': ['max<2000']
//   errors.rate < 0.05         -> 'http_req_failed': ['rate<0.05']
//   errorRate(post) < 1%       -> 'http_req_failed{endpoint:post}': ['rate<0.01']
//   count(signup) > 100        -> 'http_reqs{endpoint:signup}': ['count>100']
//   rps(feed_discover) > 50    -> 'http_reqs{endpoint:feed_discover}': ['rate>50']
//   dropped.rate < 0.01        -> 'dropped_iterations': ['count<N'] with N = bound × the plan's expected arrivals
// k6's http_req_duration is service time from the request's actual start: `corrected.*` (coordinated-omission
// corrected latency) has no k6 equivalent, nor have the feed-quality figures, the audit, or schedule lag.
import { parseThreshold } from '../report/thresholds/parse.ts';

export interface ThresholdMapping {
  k6: Record<string, string[]>;
  translated: { expr: string; k6: string }[];
  untranslated: { expr: string; why: string }[];
}

const PERCENTILE = /^(p50|p90|p95|p99|p999|max)\((\w+)\)$/;
const ENDPOINT_STAT = /^(count|errors|errorRate|rps)\((\w+)\)$/;

function k6Stat(stat: string): string {
  if (stat === 'max') return 'max';
  if (stat === 'p50') return 'med';
  if (stat === 'p999') return 'p(99.9)';
  return `p(${stat.slice(1)})`;
}

function num(x: number): string {
  return String(Math.round(x * 1e6) / 1e6);
}

/** `expectedArrivals`: the plan's total, to turn a dropped share into a dropped_iterations count. */
export function mapThresholds(exprs: readonly string[], expectedArrivals: number): ThresholdMapping {
  const out: ThresholdMapping = { k6: {}, translated: [], untranslated: [] };
  const add = (expr: string, metric: string, condition: string) => {
    (out.k6[metric] ??= []).push(condition);
    out.translated.push({ expr, k6: `'${metric}': ['${condition}']` });
  };
  for (const expr of exprs) {
    let t;
    try {
      t = parseThreshold(expr);
    } catch (err) {
      out.untranslated.push({ expr, why: (err as Error).message });
      continue;
    }
    const name = t.figure.name;
    const op = t.op === '==' || t.op === '!=' ? undefined : t.op;
    let m: RegExpMatchArray | null;
    if (name.startsWith('corrected.')) {
      out.untranslated.push({ expr, why: 'k6 measures service time only; coordinated-omission corrected latency has no k6 metric' });
    } else if ((m = name.match(PERCENTILE)) && op) {
      add(expr, `http_req_duration{endpoint:${m[2]}}`, `${k6Stat(m[1])}${op}${num(t.bound)}`);
    } else if ((m = name.match(ENDPOINT_STAT)) && op) {
      const [, stat, endpoint] = m;
      if (stat === 'count') add(expr, `http_reqs{endpoint:${endpoint}}`, `count${op}${num(t.bound)}`);
      else if (stat === 'rps') add(expr, `http_reqs{endpoint:${endpoint}}`, `rate${op}${num(t.bound)}`);
      else if (stat === 'errorRate') add(expr, `http_req_failed{endpoint:${endpoint}}`, `rate${op}${num(t.bound)}`);
      else out.untranslated.push({ expr, why: 'k6 counts failed requests as a rate (http_req_failed), not as a count per endpoint' });
    } else if (name === 'errors.rate' && op) {
      add(expr, 'http_req_failed', `rate${op}${num(t.bound)}`);
    } else if (name === 'dropped.rate' && op && (op === '<' || op === '<=') && expectedArrivals > 0) {
      add(expr, 'dropped_iterations', `count${op}${Math.max(1, Math.ceil(t.bound * expectedArrivals))}`);
    } else if (!op) {
      out.untranslated.push({ expr, why: `k6 thresholds compare with <, <=, >, >= only (not ${t.op})` });
    } else {
      out.untranslated.push({ expr, why: `"${name}" is measured by flashcrowd's observers (ledger, probes, audit, schedule); k6 has no such metric` });
    }
  }
  return out;
}
