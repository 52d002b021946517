// The feed-quality figures the metrics plugin polls at scrape time, and a tolerant reader for them.
// The feed-quality plugin (src/observe) owns the measurement; this side only copies what it reports into gauges.
// Every field is optional: figures appear in Prometheus once the plugin has measured them.

export interface FeedFigures {
  freshnessSec?: { p50?: number; p95?: number; p99?: number } | null;
  recallAtK?: { k?: number; mean?: number; p5?: number } | null;
  translationCoverage?: number | null;
  degradedShare?: number | null;
  languageMatch?: number | null;
  foreignShare?: number | null;
}

export interface FeedQualitySnapshot {
  /** Figures over all readers (exported with language="all"). */
  freshnessSec?: FeedFigures['freshnessSec'];
  recallAtK?: FeedFigures['recallAtK'];
  translationCoverage?: number | null;
  degradedShare?: number | null;
  moderationLagSec?: { p50?: number; p95?: number; p99?: number } | null;
  /** Reader primary language -> ratio (the summary.json shape). */
  languageMatch?: Record<string, number>;
  foreignShare?: Record<string, number>;
  /** Reader primary language -> that language's figures. */
  byLanguage?: Record<string, FeedFigures>;
  audit?: { checkedWrites?: number; lostWrites?: number } | null;
}

/** Normalised: only finite numbers survive, keyed for direct copying into gauges. */
export interface NormalisedFeedSnapshot {
  /** language -> percentile ('p50' | 'p95' | 'p99') -> seconds */
  freshness: Map<string, Map<string, number>>;
  recallMean: Map<string, number>;
  recallP5: Map<string, number>;
  translationCoverage: Map<string, number>;
  degraded: Map<string, number>;
  languageMatch: Map<string, number>;
  foreignShare: Map<string, number>;
  moderationLag: Map<string, number>;
  checkedWrites?: number;
  lostWrites?: number;
}

export const ALL_LANGUAGES = 'all';

/** Snapshot field -> `percentile` label value. (A `quantile` label is reserved for summary-type metrics.) */
const QUANTILE_KEYS: [string, string][] = [
  ['p50', 'p50'],
  ['p95', 'p95'],
  ['p99', 'p99'],
];

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}
function obj(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}
/** Bounded label values only: reader languages are short codes; anything else is dropped, not exported. */
function languageKey(k: string): boolean {
  return /^[a-z]{2,3}(-[A-Za-z0-9]{1,8})?$/.test(k) || k === ALL_LANGUAGES;
}

/**
 * Reads whatever the feed-quality plugin's snapshot() returns. Accepts the FeedQualitySnapshot shape above, which
 * is also the summary.json `feedQuality` shape (so a plugin may return its summary-so-far), and ignores anything
 * it does not recognise instead of throwing at scrape time.
 */
export function normaliseFeedSnapshot(raw: unknown): NormalisedFeedSnapshot {
  const out: NormalisedFeedSnapshot = {
    freshness: new Map(),
    recallMean: new Map(),
    recallP5: new Map(),
    translationCoverage: new Map(),
    degraded: new Map(),
    languageMatch: new Map(),
    foreignShare: new Map(),
    moderationLag: new Map(),
  };
  const s = obj(raw);
  if (!s) return out;

  const figures = (lang: string, f: Record<string, unknown>): void => {
    const fresh = obj(f.freshnessSec);
    if (fresh) {
      const q = new Map<string, number>();
      for (const [key, quantile] of QUANTILE_KEYS) {
        const v = num(fresh[key]);
        if (v !== undefined) q.set(quantile, v);
      }
      if (q.size > 0) out.freshness.set(lang, q);
    }
    const recall = obj(f.recallAtK);
    const mean = num(recall?.mean);
    if (mean !== undefined) out.recallMean.set(lang, mean);
    const p5 = num(recall?.p5);
    if (p5 !== undefined) out.recallP5.set(lang, p5);
    const coverage = num(f.translationCoverage);
    if (coverage !== undefined) out.translationCoverage.set(lang, coverage);
    const degraded = num(f.degradedShare);
    if (degraded !== undefined) out.degraded.set(lang, degraded);
    const match = num(f.languageMatch);
    if (match !== undefined) out.languageMatch.set(lang, match);
    const foreign = num(f.foreignShare);
    if (foreign !== undefined) out.foreignShare.set(lang, foreign);
  };

  figures(ALL_LANGUAGES, { ...s, languageMatch: undefined, foreignShare: undefined });
  for (const [field, target] of [
    ['languageMatch', out.languageMatch],
    ['foreignShare', out.foreignShare],
  ] as const) {
    const byLang = obj(s[field]);
    if (!byLang) continue;
    for (const [lang, v] of Object.entries(byLang)) {
      const n = num(v);
      if (n !== undefined && languageKey(lang)) target.set(lang, n);
    }
  }
  const byLanguage = obj(s.byLanguage);
  if (byLanguage) {
    for (const [lang, f] of Object.entries(byLanguage)) {
      const figs = obj(f);
      if (figs && languageKey(lang)) figures(lang, figs);
    }
  }
  const lag = obj(s.moderationLagSec);
  if (lag) {
    for (const [key, quantile] of QUANTILE_KEYS) {
      const v = num(lag[key]);
      if (v !== undefined) out.moderationLag.set(quantile, v);
    }
  }
  const audit = obj(s.audit);
  out.checkedWrites = num(audit?.checkedWrites);
  out.lostWrites = num(audit?.lostWrites);
  return out;
}
