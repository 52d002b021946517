// The feed-quality meter: judges every feed read and post lookup against the ground-truth ledger and feeds the
// accumulators (whole run, per reader language, per cohort, current timeline second). No I/O, no timers.
import type { AccountAck, CommentAckSample, FeedReadSample, FollowAck, PostAckSample, PostLookupSample, RunObserver } from '../run/events.ts';
import type { FeedQualitySummary, TimelineBucket } from '../run/summary.ts';
import { Ledger, type LedgerOptions, type TrackedReader } from './ledger.ts';
import { hashText, hashUnit } from '../random/index.ts';
import { FeedQualityAccumulator } from './slis/accumulator.ts';
import { checkBand, languageMix, primaryLanguage, type BandCheck, type LanguageBand } from './slis/language.ts';
import { effectiveK, expectedTopKOfRing, recallOfRead } from './slis/recall.ts';
import { pageErrors } from './slis/feed-errors.ts';
import { SampleQuantiles } from './slis/quantiles.ts';

export interface FeedMeterOptions {
  recallK: number;
  recallGraceSec: number;
  /** Share of ordinary (non-probe) accounts tracked as readers, decided by a hash of the user id. */
  regularReaderShare: number;
  /** Cohort label of probe accounts; their AccountAcks are tracked by the probe fleet, not sampled here. */
  probeCohort: string;
  languageBands: Record<string, LanguageBand>;
  seed: number;
  ledger?: LedgerOptions;
  /** Samples kept per percentile (beyond it: uniform reservoir). */
  quantileCapacity?: number;
  /** Readers whose last page is remembered for cross-page duplicate checks. */
  pageMemory?: number;
}

/** Figures for one reader language (also the shape the metrics plugin reads from snapshot().byLanguage). */
export interface LanguageFigures {
  reads: number;
  freshnessSec: { p50: number; p95: number; p99: number } | null;
  recallAtK: { k: number; mean: number; p5: number } | null;
  languageMatch: number | null;
  foreignShare: number | null;
  translationCoverage: number | null;
  degradedShare: number | null;
}

export interface UnseenPosts {
  /** (probe, followed post) pairs acknowledged more than the grace period before the probe's last read, never seen. */
  pairs: number;
  /** Distinct posts among those pairs. */
  posts: number;
  /** Pairs whose post was seen removed by moderation before it ever appeared (not counted as unseen). */
  removedBeforeSeen: number;
  /** Pairs acknowledged too close to the probe's last read to judge. */
  tooLateToJudge: number;
  /** Pairs pushed out of a probe's ring (more followed posts between two reads than the ring holds). */
  evictedUnmeasured: number;
}

export class FeedMeter implements RunObserver {
  readonly ledger: Ledger;
  readonly run: FeedQualityAccumulator;
  private bucket: FeedQualityAccumulator;
  private readonly byLanguage = new Map<string, FeedQualityAccumulator>();
  private readonly byCohort = new Map<string, FeedQualityAccumulator>();
  private readonly moderationByPostLanguage = new Map<string, SampleQuantiles>();
  /** Reader+kind -> sorted 32-bit hashes of the ids on its last page (cross-page duplicates; ~4 bytes per id). */
  private readonly lastPage = new Map<string, Uint32Array>();
  private readonly graceMs: number;
  private readonly capacity: number;

  constructor(readonly options: FeedMeterOptions) {
    this.ledger = new Ledger({ seed: options.seed, ...options.ledger });
    this.capacity = options.quantileCapacity ?? 65_536;
    this.run = new FeedQualityAccumulator(this.capacity, options.seed);
    this.bucket = new FeedQualityAccumulator(4096, options.seed);
    this.graceMs = options.recallGraceSec * 1000;
  }

  // --- writes ---

  onAccount(ack: AccountAck): void {
    this.ledger.addAccount(ack);
    if (ack.cohort === this.options.probeCohort) return;
    if (hashUnit(ack.userId, this.options.seed ^ 0x7ead) < this.options.regularReaderShare) {
      this.ledger.trackReader(ack.userId, ack.cohort, ack.primaryLanguage, ack.languages, false);
    }
  }

  onFollow(ack: FollowAck): void {
    this.ledger.addFollow(ack);
  }

  onPost(ack: PostAckSample): void {
    this.ledger.addPost(ack);
  }

  onComment(ack: CommentAckSample): void {
    this.ledger.addComment(ack);
  }

  // --- reads ---

  onFeedRead(s: FeedReadSample): void {
    const readerLang = primaryLanguage(s.readerPrimaryLanguage);
    const groups = this.groups(readerLang, s.readerCohort);
    const page = s.page;
    const items = page.items;
    const n = items.length;
    const degraded = page.degraded;
    for (const g of groups) g.addRead(degraded);
    if (this.times.length < n) this.grow(n);

    const key = s.scroll === undefined ? `${s.kind}\u0000${s.readerId}` : `${s.kind}\u0000${s.readerId}\u0000${numberKey(s.scroll)}`;
    const previous = s.firstPage ? undefined : this.lastPage.get(key);
    const following = s.kind === 'following';
    const errors = pageErrors(items, previous && { has: (id: string) => sortedHas(previous, hashText(id)) }, following, this.times);
    for (const g of groups) g.addPageErrors(errors);
    // Only a page with a next cursor can be followed by a continuation worth checking against it.
    if (page.nextCursor !== null) this.rememberPage(key, items);
    else this.lastPage.delete(key);

    const langs = this.langs;
    const slots = this.slots;
    let foreignItems = 0;
    let translated = 0;
    for (let i = 0; i < n; i++) {
      const item = items[i];
      const slot = (slots[i] = this.ledger.slotOf(item.id));
      const lang = (langs[i] = primaryLanguage(slot >= 0 ? this.ledger.postLanguage(slot) : item.lang));
      if (lang !== readerLang) {
        foreignItems++;
        if (item.translation) translated++;
      }
    }
    for (const g of groups) g.addFeedItemsTranslation(foreignItems, translated);

    if (s.kind === 'discover') {
      const mix = languageMix(langs, readerLang, s.readerLanguages, n);
      for (const g of groups) g.addDiscoverMix(readerLang, mix, degraded !== undefined);
      return;
    }
    if (!s.firstPage) return;
    const reader = this.ledger.reader(s.readerId);
    if (reader) this.judgeFollowingRead(reader, s, groups);
  }

  /** Per-read scratch, indexed like the page's items: their ledger slots and createdAt (ms; following feed only). */
  private slots = new Int32Array(128);
  private times = new Float64Array(128);
  /** Primary language of each item (ledger's ground truth, else the item's own). */
  private langs: string[] = new Array<string>(128).fill('');

  private grow(n: number): void {
    this.slots = new Int32Array(n);
    this.times = new Float64Array(n);
    this.langs = new Array<string>(n).fill('');
  }

  /** After onFeedRead filled `slots` and `times` for this page. */
  private judgeFollowingRead(reader: TrackedReader, s: FeedReadSample, groups: readonly FeedQualityAccumulator[]): void {
    const ledger = this.ledger;
    const ring = reader.ring;
    const pageSlots = new Set<number>();
    let oldestCreated = Infinity;
    const n = s.page.items.length;
    for (let i = 0; i < n; i++) {
      const slot = this.slots[i];
      if (slot >= 0) pageSlots.add(slot);
      const created = this.times[i];
      if (created < oldestCreated) oldestCreated = created;
    }

    // Judged from when the read was SENT: a post acknowledged while the read was in flight cannot be asked of it
    // (recall), and the read's own latency is not staleness (freshness; it is in the latency figures already).
    const sentAt = s.sentAt ?? s.at;
    if (Number.isNaN(reader.firstFollowingReadAt)) reader.firstFollowingReadAt = sentAt;
    for (let i = 0; i < ring.length; i++) {
      const p = ring.position(i);
      const slot = ring.slots[p];
      if (pageSlots.has(slot)) {
        if (Number.isNaN(ring.seenAt[p])) {
          ring.seenAt[p] = sentAt;
          // Posts acknowledged before the reader's first read would measure when polling began, not the target.
          if (reader.probe && ring.ackAt[p] >= reader.firstFollowingReadAt) {
            // A post acknowledged while this read was in flight and already on it: fresh, 0 s.
            for (const g of groups) g.freshnessMs.add(Math.max(0, sentAt - ring.ackAt[p]));
          }
        }
      } else if (!Number.isNaN(ring.seenAt[p]) && ledger.isMarked(slot) && !ledger.isRemoved(slot) && ledger.postCreatedAt[slot] > oldestCreated) {
        // A marked post this reader saw before is gone although older items are still on the page: removed.
        this.recordRemoval(slot, s.at);
      }
    }

    if (!reader.incomplete) {
      const k = effectiveK(this.options.recallK, n, s.page.nextCursor !== null);
      const expected = expectedTopKOfRing(reader.ring, (slot) => this.ledger.isRemoved(slot), sentAt, this.graceMs, k);
      const result = recallOfRead(expected, pageSlots);
      if (result.recall === null) for (const g of groups) g.recallReadsWithoutExpectation++;
      else for (const g of groups) g.addRecall(result.recall, s.page.degraded !== undefined);
    }
    reader.lastFollowingReadAt = sentAt;
  }

  onPostLookup(s: PostLookupSample): void {
    const slot = this.ledger.slotOf(s.postId);
    if (s.result.state === 'removed' && slot >= 0) this.recordRemoval(slot, s.at);
    if (!s.translateTo || s.result.state !== 'present') return;
    const postLang = slot >= 0 ? this.ledger.postLanguage(slot) : s.result.post.lang;
    if (primaryLanguage(postLang) === primaryLanguage(s.translateTo)) return;
    const translated = s.result.post.translation !== undefined && s.result.post.translation !== null;
    for (const g of this.groups(primaryLanguage(s.readerPrimaryLanguage), undefined)) g.addTranslateLookup(translated, s.latencyMs);
  }

  private recordRemoval(slot: number, at: number): void {
    const lag = this.ledger.markRemoved(slot, at);
    if (lag === undefined) return;
    this.run.moderationLagMs.add(lag);
    this.bucket.moderationLagMs.add(lag);
    const lang = primaryLanguage(this.ledger.postLanguage(slot));
    let q = this.moderationByPostLanguage.get(lang);
    if (!q) this.moderationByPostLanguage.set(lang, (q = new SampleQuantiles(this.capacity, this.options.seed)));
    q.add(lag);
  }

  /** The accumulators a read counts in, per reader language and cohort (reset with the bucket they hold). */
  private readonly groupsCache = new Map<string, Map<string | undefined, readonly FeedQualityAccumulator[]>>();

  private groups(readerLang: string, cohort: string | undefined): readonly FeedQualityAccumulator[] {
    let byCohort = this.groupsCache.get(readerLang);
    if (!byCohort) this.groupsCache.set(readerLang, (byCohort = new Map()));
    let out = byCohort.get(cohort);
    if (!out) {
      const list = [this.run, this.bucket, this.group(this.byLanguage, readerLang)];
      if (cohort !== undefined) list.push(this.group(this.byCohort, cohort));
      byCohort.set(cohort, (out = list));
    }
    return out;
  }

  private group(map: Map<string, FeedQualityAccumulator>, key: string): FeedQualityAccumulator {
    let acc = map.get(key);
    if (!acc) map.set(key, (acc = new FeedQualityAccumulator(this.capacity, this.options.seed + map.size)));
    return acc;
  }

  private rememberPage(key: string, items: readonly { id: string }[]): void {
    this.lastPage.delete(key);
    if (this.lastPage.size >= (this.options.pageMemory ?? 4096)) {
      const oldest = this.lastPage.keys().next().value;
      if (oldest !== undefined) this.lastPage.delete(oldest);
    }
    const hashes = new Uint32Array(items.length);
    for (let i = 0; i < items.length; i++) hashes[i] = hashText(items[i].id);
    this.lastPage.set(key, hashes.sort());
  }

  // --- figures ---

  /** Closes the current timeline second: its figures (undefined when nothing was measured) and a fresh accumulator. */
  takeBucket(): TimelineBucket['feed'] | undefined {
    const b = this.bucket;
    this.bucket = new FeedQualityAccumulator(4096, this.options.seed);
    this.groupsCache.clear();
    if (b.reads === 0 && b.moderationLagMs.count === 0 && b.lookupTranslation.den === 0) return undefined;
    const feed: NonNullable<TimelineBucket['feed']> = {};
    const fresh = b.freshnessSec();
    if (fresh) feed.freshnessSecP95 = fresh.p95;
    const recall = b.recallAtK(this.options.recallK);
    if (recall) feed.recallMean = recall.mean;
    const foreign = b.foreignShare();
    if (Object.keys(foreign).length) feed.foreignShare = foreign;
    const match = b.languageMatch();
    if (Object.keys(match).length) feed.languageMatch = match;
    const coverage = b.translationCoverage();
    if (coverage !== null) feed.translationCoverage = coverage;
    const lag = b.moderationLagSec();
    if (lag) feed.moderationLagSecP95 = lag.p95;
    const degraded = b.degradedShare();
    if (degraded !== null) feed.degradedShare = degraded;
    return feed;
  }

  languageFigures(acc: FeedQualityAccumulator, lang: string): LanguageFigures {
    return {
      reads: acc.reads,
      freshnessSec: acc.freshnessSec(),
      recallAtK: acc.recallAtK(this.options.recallK),
      languageMatch: acc.languageMatch()[lang] ?? null,
      foreignShare: acc.foreignShare()[lang] ?? null,
      translationCoverage: acc.translationCoverage(),
      degradedShare: acc.degradedShare(),
    };
  }

  byLanguageFigures(): Record<string, LanguageFigures> {
    const out: Record<string, LanguageFigures> = {};
    for (const [lang, acc] of [...this.byLanguage].sort(([a], [b]) => a.localeCompare(b))) out[lang] = this.languageFigures(acc, lang);
    return out;
  }

  byCohortFigures(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [cohort, acc] of [...this.byCohort].sort(([a], [b]) => a.localeCompare(b))) {
      out[cohort] = {
        reads: acc.reads,
        freshnessSec: acc.freshnessSec(),
        recallAtK: acc.recallAtK(this.options.recallK),
        languageMatch: acc.languageMatch(),
        foreignShare: acc.foreignShare(),
        translationCoverage: acc.translationCoverage(),
        degradedShare: acc.degradedShare(),
        feedErrors: acc.feedErrors(),
      };
    }
    return out;
  }

  languageBands(): Record<string, BandCheck> {
    const foreign = this.run.foreignShare();
    const match = this.run.languageMatch();
    const langs = new Set([...Object.keys(this.options.languageBands), ...Object.keys(foreign)]);
    const out: Record<string, BandCheck> = {};
    for (const lang of [...langs].sort()) out[lang] = checkBand(foreign[lang] ?? null, match[lang] ?? null, this.options.languageBands[lang]);
    return out;
  }

  /** Followed posts the probes never saw (judged at the time of the call; call after the last read). */
  unseenPosts(): UnseenPosts {
    const out: UnseenPosts = { pairs: 0, posts: 0, removedBeforeSeen: 0, tooLateToJudge: 0, evictedUnmeasured: 0 };
    const distinct = new Set<number>();
    for (const reader of this.ledger.trackedReaders()) {
      if (!reader.probe) continue;
      const ring = reader.ring;
      out.evictedUnmeasured += ring.evictedUnseen;
      for (const p of ring.positionsNewestFirst()) {
        if (!Number.isNaN(ring.seenAt[p])) continue;
        const slot = ring.slots[p];
        if (this.ledger.isRemoved(slot)) out.removedBeforeSeen++;
        else if (ring.ackAt[p] + this.graceMs <= reader.lastFollowingReadAt) {
          out.pairs++;
          distinct.add(slot);
        } else out.tooLateToJudge++;
      }
    }
    out.posts = distinct.size;
    return out;
  }

  moderation(): Record<string, unknown> {
    const byPostLanguage: Record<string, { removed: number; p50: number; p95: number }> = {};
    for (const [lang, q] of [...this.moderationByPostLanguage].sort(([a], [b]) => a.localeCompare(b))) {
      byPostLanguage[lang] = { removed: q.count, p50: Math.round(q.quantile(0.5)) / 1000, p95: Math.round(q.quantile(0.95)) / 1000 };
    }
    const counts = this.ledger.counts();
    return {
      markedPosts: counts.markedPosts,
      removedSeen: this.run.moderationLagMs.count,
      unremoved: this.ledger.pendingMarkedCount(),
      byPostLanguage,
    };
  }

  /** The feedQuality part of summary.json: headline figures in the contract shape plus the details behind them. */
  summary(extra: Record<string, unknown> = {}): FeedQualitySummary {
    const run = this.run;
    const lag = run.moderationLagSec();
    const recallReads = run.recall.count;
    const unseen = this.unseenPosts();
    return {
      freshnessSec: run.freshnessSec(),
      recallAtK: run.recallAtK(this.options.recallK),
      languageMatch: run.languageMatch(),
      foreignShare: run.foreignShare(),
      translationCoverage: run.translationCoverage(),
      moderationLagSec: lag,
      degradedShare: run.degradedShare(),
      byLanguage: this.byLanguageFigures(),
      byCohort: this.byCohortFigures(),
      languageBands: this.languageBands(),
      freshness: { samples: run.freshnessMs.count, unseen },
      unseenPosts: unseen.posts,
      recall: {
        k: this.options.recallK,
        graceSec: this.options.recallGraceSec,
        reads: recallReads,
        readsWithoutExpectation: run.recallReadsWithoutExpectation,
        incompleteReaders: this.ledger.trackedReaders().filter((r) => r.incomplete).length,
      },
      translation: run.translation(),
      moderation: this.moderation(),
      degradedByReason: run.degradedByReasonShare(),
      degradedCorrelation: run.degradedCorrelation(),
      feedErrors: run.feedErrors(),
      sampling: { ledger: this.ledger.counts(), quantilesSampled: run.freshnessMs.sampled || run.recall.sampled },
      ...extra,
    };
  }
}


/**
 * A number as a 4-character string of its IEEE-754 bits: exact, distinct for distinct numbers, and ~5x cheaper than
 * formatting it in decimal (a scroll's start time, a fractional millisecond count, is in a key on every read).
 */
function numberKey(x: number): string {
  KEY_F64[0] = x;
  return String.fromCharCode(KEY_U16[0], KEY_U16[1], KEY_U16[2], KEY_U16[3]);
}
const KEY_F64 = new Float64Array(1);
const KEY_U16 = new Uint16Array(KEY_F64.buffer);

function sortedHas(sorted: Uint32Array, value: number): boolean {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] === value) return true;
    if (sorted[mid] < value) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}
