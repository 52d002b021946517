// Accumulates feed-quality samples for one group of reads (the whole run, one reader language, one cohort, or one
// timeline second) and turns them into figures. Counting only: deciding what a read should have shown is done
// by the plugin with the ledger and the pure functions beside this file.
import { SampleQuantiles } from './quantiles.ts';
import type { LanguageMix } from './language.ts';
import type { PageErrors } from './feed-errors.ts';

interface Ratio {
  num: number;
  den: number;
}
const ratio = (r: Ratio): number | null => (r.den === 0 ? null : round4(r.num / r.den));
export const round4 = (v: number): number => Math.round(v * 10_000) / 10_000;
const sec = (ms: number): number => Math.round(ms) / 1000;

export class FeedQualityAccumulator {
  readonly freshnessMs: SampleQuantiles;
  readonly recall: SampleQuantiles;
  readonly moderationLagMs: SampleQuantiles;
  readonly translationLatencyMs: SampleQuantiles;
  /** Reader primary language -> discover items, matching, foreign. */
  readonly discover = new Map<string, LanguageMix>();
  /** Feed items not in the reader's primary language, and how many carried a translation. */
  readonly feedTranslation: Ratio = { num: 0, den: 0 };
  /** Translate lookups of a post in another language than asked for, and how many returned a translation. */
  readonly lookupTranslation: Ratio = { num: 0, den: 0 };
  reads = 0;
  degradedReads = 0;
  readonly degradedByReason = new Map<string, number>();
  /** Foreign share of discover items when the response declared a degradation, and when it did not. */
  readonly foreignWhenDegraded: Ratio = { num: 0, den: 0 };
  readonly foreignWhenNormal: Ratio = { num: 0, den: 0 };
  readonly recallWhenDegraded: Ratio = { num: 0, den: 0 };
  readonly recallWhenNormal: Ratio = { num: 0, den: 0 };
  /** Reads with nothing yet expected (too early, or no followed posts): not counted in recall. */
  recallReadsWithoutExpectation = 0;
  pages = 0;
  pagesWithErrors = 0;
  duplicatesInPage = 0;
  duplicatesAcrossPages = 0;
  orderingViolations = 0;

  constructor(capacity = 65_536, seed = 1) {
    this.freshnessMs = new SampleQuantiles(capacity, seed);
    this.recall = new SampleQuantiles(capacity, seed + 1);
    this.moderationLagMs = new SampleQuantiles(capacity, seed + 2);
    this.translationLatencyMs = new SampleQuantiles(capacity, seed + 3);
  }

  addRead(degraded: string | undefined): void {
    this.reads++;
    if (degraded) {
      this.degradedReads++;
      this.degradedByReason.set(degraded, (this.degradedByReason.get(degraded) ?? 0) + 1);
    }
  }

  addDiscoverMix(readerPrimary: string, mix: LanguageMix, degraded: boolean): void {
    const acc = this.discover.get(readerPrimary) ?? { items: 0, matching: 0, foreign: 0 };
    acc.items += mix.items;
    acc.matching += mix.matching;
    acc.foreign += mix.foreign;
    this.discover.set(readerPrimary, acc);
    const side = degraded ? this.foreignWhenDegraded : this.foreignWhenNormal;
    side.num += mix.foreign;
    side.den += mix.items;
  }

  addRecall(value: number, degraded: boolean): void {
    this.recall.add(value);
    const side = degraded ? this.recallWhenDegraded : this.recallWhenNormal;
    side.num += value;
    side.den += 1;
  }

  addPageErrors(errors: PageErrors): void {
    this.pages++;
    const total = errors.duplicatesInPage + errors.duplicatesAcrossPages + errors.orderingViolations;
    if (total > 0) this.pagesWithErrors++;
    this.duplicatesInPage += errors.duplicatesInPage;
    this.duplicatesAcrossPages += errors.duplicatesAcrossPages;
    this.orderingViolations += errors.orderingViolations;
  }

  addFeedItemsTranslation(foreignItems: number, translated: number): void {
    this.feedTranslation.den += foreignItems;
    this.feedTranslation.num += translated;
  }

  addTranslateLookup(translated: boolean, latencyMs: number): void {
    this.lookupTranslation.den++;
    if (translated) {
      this.lookupTranslation.num++;
      this.translationLatencyMs.add(latencyMs);
    }
  }

  // --- figures ---

  freshnessSec(): { p50: number; p95: number; p99: number } | null {
    const q = this.freshnessMs;
    return q.count === 0 ? null : { p50: sec(q.quantile(0.5)), p95: sec(q.quantile(0.95)), p99: sec(q.quantile(0.99)) };
  }

  recallAtK(k: number): { k: number; mean: number; p5: number } | null {
    const q = this.recall;
    return q.count === 0 ? null : { k, mean: round4(q.mean()), p5: round4(q.quantile(0.05)) };
  }

  moderationLagSec(): { p50: number; p95: number; p99: number } | null {
    const q = this.moderationLagMs;
    return q.count === 0 ? null : { p50: sec(q.quantile(0.5)), p95: sec(q.quantile(0.95)), p99: sec(q.quantile(0.99)) };
  }

  languageMatch(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [lang, mix] of [...this.discover].sort(([a], [b]) => a.localeCompare(b))) {
      if (mix.items > 0) out[lang] = round4(mix.matching / mix.items);
    }
    return out;
  }

  foreignShare(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [lang, mix] of [...this.discover].sort(([a], [b]) => a.localeCompare(b))) {
      if (mix.items > 0) out[lang] = round4(mix.foreign / mix.items);
    }
    return out;
  }

  /** Translate lookups when there were any (a translation was asked for), else translations carried by feed items. */
  translationCoverage(): number | null {
    return this.lookupTranslation.den > 0 ? ratio(this.lookupTranslation) : ratio(this.feedTranslation);
  }

  translation(): {
    lookups: { requested: number; translated: number; coverage: number | null };
    feedItems: { foreign: number; translated: number; coverage: number | null };
    latencyMs: { p50: number; p95: number; p99: number } | null;
  } {
    const q = this.translationLatencyMs;
    return {
      lookups: { requested: this.lookupTranslation.den, translated: this.lookupTranslation.num, coverage: ratio(this.lookupTranslation) },
      feedItems: { foreign: this.feedTranslation.den, translated: this.feedTranslation.num, coverage: ratio(this.feedTranslation) },
      latencyMs: q.count === 0 ? null : { p50: Math.round(q.quantile(0.5)), p95: Math.round(q.quantile(0.95)), p99: Math.round(q.quantile(0.99)) },
    };
  }

  degradedShare(): number | null {
    return this.reads === 0 ? null : round4(this.degradedReads / this.reads);
  }

  degradedByReasonShare(): Record<string, { reads: number; share: number }> {
    const out: Record<string, { reads: number; share: number }> = {};
    for (const [reason, n] of [...this.degradedByReason].sort(([a], [b]) => a.localeCompare(b))) {
      out[reason] = { reads: n, share: round4(n / Math.max(1, this.reads)) };
    }
    return out;
  }

  degradedCorrelation(): {
    foreignShare: { degraded: number | null; normal: number | null };
    recallMean: { degraded: number | null; normal: number | null };
  } {
    return {
      foreignShare: { degraded: ratio(this.foreignWhenDegraded), normal: ratio(this.foreignWhenNormal) },
      recallMean: { degraded: ratio(this.recallWhenDegraded), normal: ratio(this.recallWhenNormal) },
    };
  }

  feedErrors(): { pages: number; pagesWithErrors: number; duplicatesInPage: number; duplicatesAcrossPages: number; orderingViolations: number } {
    return {
      pages: this.pages,
      pagesWithErrors: this.pagesWithErrors,
      duplicatesInPage: this.duplicatesInPage,
      duplicatesAcrossPages: this.duplicatesAcrossPages,
      orderingViolations: this.orderingViolations,
    };
  }
}
