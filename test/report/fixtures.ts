// Realistic synthetic run data for report tests: a compressed RedNote-style wave (incumbents steady, refugees
// arriving as a flash crowd with a second shock), with latency rising at the peak and discover feeds flooding
// Chinese readers with English after the ranker falls back. Deterministic (seeded LCG).
import type { EndpointSummary, Percentiles, Timeline, TimelineBucket } from '../../src/run/summary.ts';
import type { SummaryParts } from '../../src/report/write.ts';

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const ENDPOINT_BASE: Record<string, number> = {
  signup: 180,
  login: 90,
  follow: 12,
  post: 25,
  get_post: 6,
  translate: 140,
  comment: 18,
  like: 5,
  feed_following: 35,
  feed_discover: 60,
};

function pct(base: number, spread: number): Percentiles {
  return { p50: base, p90: base * 2.1 * spread, p95: base * 2.8 * spread, p99: base * 4.5 * spread, p999: base * 7 * spread, max: base * 11 * spread };
}

export interface FixtureOptions {
  seconds?: number;
  scenario?: string;
  /** Multiply all latencies (to inject a regression). */
  latencyFactor?: number;
  recallMean?: number;
  lostWrites?: number;
  withFeed?: boolean;
}

export function makeTimeline(opts: FixtureOptions = {}): Timeline {
  const seconds = opts.seconds ?? 120;
  const rnd = lcg(42);
  const buckets: TimelineBucket[] = [];
  const factor = opts.latencyFactor ?? 1;
  for (let t = 0; t < seconds; t++) {
    const x = t / seconds;
    // flash crowd: ramp to a peak at 25%, power-law decay, second shock at 60%
    const wave = x < 0.25 ? Math.exp(6 * (x - 0.25)) : Math.pow(1 + (x - 0.25) * 8, -0.9);
    const shock = Math.exp(-Math.pow((x - 0.6) / 0.03, 2)) * 0.6;
    const refugeesIntended = Math.round(40 * (wave + shock));
    const incumbentsIntended = Math.round(8 + 2 * Math.sin(x * Math.PI * 2));
    const stress = Math.min(1, (wave + shock) * 1.1);
    const dropped = stress > 0.85 ? Math.round(refugeesIntended * 0.08 * rnd()) : 0;
    const requests = Math.round((refugeesIntended + incumbentsIntended) * 6 + 40 + rnd() * 10);
    const latencyMs: TimelineBucket['latencyMs'] = {};
    const correctedLatencyMs: TimelineBucket['correctedLatencyMs'] = {};
    for (const [ep, base] of Object.entries(ENDPOINT_BASE)) {
      const p50 = base * (1 + stress * 2) * factor * (0.9 + rnd() * 0.2);
      const p99 = p50 * (3 + stress * 4);
      latencyMs[ep] = { p50, p99 };
      correctedLatencyMs[ep] = { p50: p50 * (1 + stress * 0.5), p99: p99 * (1 + stress * 1.5) };
    }
    const bucket: TimelineBucket = {
      t,
      intended: { incumbents: incumbentsIntended, refugees: refugeesIntended },
      achieved: { incumbents: incumbentsIntended, refugees: refugeesIntended - dropped },
      dropped: { incumbents: 0, refugees: dropped },
      activeSessions: Math.round((refugeesIntended + incumbentsIntended) * 4),
      requests,
      errors: { http_5xx: stress > 0.7 ? Math.round(requests * 0.02 * stress) : 0, timeout: stress > 0.9 ? 2 : 0 },
      latencyMs,
      correctedLatencyMs,
      lagMsP99: 2 + stress * 30 + rnd() * 3,
    };
    if (opts.withFeed !== false) {
      const translation = x > 0.45;
      bucket.feed = {
        freshnessSecP95: 1.2 + stress * 6 + rnd(),
        recallMean: Math.max(0, Math.min(1, (opts.recallMean ?? 0.97) - stress * 0.1)),
        foreignShare: { zh: 0.15 + stress * 0.55, en: 0.05 + rnd() * 0.03 },
        languageMatch: { zh: 0.95 - stress * 0.2, en: 0.98 },
        translationCoverage: translation ? Math.min(0.9, (x - 0.45) * 3) : 0,
        moderationLagSecP95: 8 + stress * 50,
        degradedShare: stress > 0.6 ? stress * 0.3 : 0,
      };
    }
    buckets.push(bucket);
  }
  return {
    scenario: opts.scenario ?? 'rednote-jan-2025',
    startedAt: '2026-11-21T06:00:00.000Z',
    buckets,
    events: [
      { at: Math.round(seconds * 0.02), name: 'ban-announced', kind: 'note', description: 'TikTok ban upheld' },
      { at: Math.round(seconds * 0.45), name: 'translation launches', kind: 'translation' },
      { at: Math.round(seconds * 0.6), name: 'second shock', kind: 'shock' },
      { at: Math.round(seconds * 0.75), endAt: Math.round(seconds * 0.8), name: 'redis cut', kind: 'outage' },
    ],
  };
}

export function makeSummary(opts: FixtureOptions = {}): SummaryParts {
  const factor = opts.latencyFactor ?? 1;
  const endpoints: Record<string, EndpointSummary> = {};
  for (const [ep, base] of Object.entries(ENDPOINT_BASE)) {
    const count = Math.round(1000 * (ep.startsWith('feed') ? 6 : 1) * (ep === 'translate' ? 0.3 : 1));
    const errors = Math.round(count * 0.012);
    endpoints[ep] = {
      count,
      errors,
      rps: count / (opts.seconds ?? 120),
      latencyMs: pct(base * factor, 1.2),
      correctedLatencyMs: pct(base * factor * 1.3, 1.8),
      errorsByKind: { http_5xx: errors - 2, timeout: 2 },
    };
  }
  const requests = Object.values(endpoints).reduce((a, e) => a + e.count, 0);
  const errors = Object.values(endpoints).reduce((a, e) => a + e.errors, 0);
  return {
    scenario: opts.scenario ?? 'rednote-jan-2025',
    seed: 20250113,
    startedAt: '2026-11-21T06:00:00.000Z',
    wallSeconds: opts.seconds ?? 120,
    target: 'http://127.0.0.1:3999',
    totals: { requests, errors, sessionsStarted: 5200, sessionsDropped: 38, signups: 3100, posts: 2400 },
    endpoints,
    schedule: { intendedArrivals: 5238, achievedArrivals: 5200, lagMs: { p50: 1.2, p99: 31.5, max: 88 } },
    feedQuality:
      opts.withFeed === false
        ? { freshnessSec: null, recallAtK: null, languageMatch: {}, foreignShare: {}, translationCoverage: null, moderationLagSec: null, degradedShare: null }
        : {
            freshnessSec: { p50: 1.8, p95: 4.2, p99: 7.9 },
            recallAtK: { k: 20, mean: opts.recallMean ?? 0.962, p5: 0.81 },
            languageMatch: { zh: 0.91, en: 0.99 },
            foreignShare: { zh: 0.46, en: 0.06 },
            translationCoverage: 0.62,
            moderationLagSec: { p50: 14, p95: 47 },
            degradedShare: 0.08,
          },
    audit: { checkedWrites: 8200, lostWrites: opts.lostWrites ?? 0 },
  };
}

export const DEFAULT_THRESHOLDS = [
  'p99(signup) < 1500ms',
  'p95(feed_following) <= 1.5s',
  'corrected.p99(post) < 2s',
  'errors.rate < 2%',
  'freshness.p95 < 5s',
  'recall.mean >= 0.95',
  'foreignShare.zh <= 0.4',
  'lostWrites == 0',
];
