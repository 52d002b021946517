// Discover (DESIGN.md §5). Candidates come from one pool per process, refreshed every candidateTtlMs from the store's
// newest posts: the newest `candidateLimit` posts of everyone, plus, per language, the newest `candidateLimit` posts
// seen within the window (retrieval by language: when English floods the newest posts, Chinese posts from a minute
// ago stay candidates for Chinese readers). They are ranked by language affinity, engagement and recency within a
// time budget. Under overload (see overload.ts) or when ranking overruns its budget, the page is the newest posts of
// everyone, marked `degraded: "ranker-fallback"`: in a surge of English posts that fills Chinese readers' discover
// with English, as users reported in January 2025.
import { Counter, Histogram, type Registry } from 'prom-client';
import type { Store, StoredPost } from '../store/store.ts';
import type { DiscoverService, FeedResult, Reader } from '../services.ts';
import { decodeOffsetCursor, encodeOffsetCursor } from './cursor.ts';
import { feedMetrics, type FeedMetrics } from './feed-metrics.ts';
import { toFeedItem } from './items.ts';
import type { OverloadSignal } from './overload.ts';
import { DEFAULT_RANKER_OPTIONS, rank, recencyOnly, type RankerOptions } from './ranker.ts';
import { StalePages } from './stale-pages.ts';

export interface DiscoverOptions extends RankerOptions {
  /** Recent posts considered per ranking. */
  candidateLimit: number;
  /** Only posts newer than this are candidates. */
  candidateWindowSec: number;
  /** The candidate pool is reused for this long (per process). */
  candidateTtlMs: number;
  /** Time allowed for ranking one page; over it, the page falls back to recency. */
  rankBudgetMs: number;
  /** A page taking longer than this is answered from the last page served (`stale-cache`); 0 disables. */
  storeTimeoutMs: number;
}

export const DEFAULT_DISCOVER_OPTIONS: DiscoverOptions = {
  ...DEFAULT_RANKER_OPTIONS,
  candidateLimit: 300,
  candidateWindowSec: 86_400,
  candidateTtlMs: 1_000,
  rankBudgetMs: 25,
  storeTimeoutMs: 1_000,
};

type DiscoverStore = Pick<Store, 'recentPosts' | 'getPosts'>;

interface Pool {
  /** Newest posts of everyone, newest first. */
  recent: StoredPost[];
  /** Per language, newest first, within the candidate window. */
  byLang: Map<string, StoredPost[]>;
  at: number;
}

export class RankedDiscover implements DiscoverService {
  private readonly opts: DiscoverOptions;
  private readonly stale: StalePages;
  private pool: Pool | undefined;
  private refreshing: Promise<Pool> | undefined;
  private readonly forgotten = new Set<string>();
  private readonly feed: FeedMetrics;
  private readonly rankDuration: Histogram;
  private readonly fallbacks: Counter<'cause'>;

  constructor(
    private readonly store: DiscoverStore,
    private readonly overload: OverloadSignal,
    registry: Registry,
    options: Partial<DiscoverOptions> = {},
  ) {
    this.opts = { ...DEFAULT_DISCOVER_OPTIONS, ...options };
    this.stale = new StalePages(10_000, this.opts.storeTimeoutMs);
    this.feed = feedMetrics(registry);
    this.rankDuration = new Histogram({
      name: 'social_ranker_duration_seconds',
      help: 'Time spent ranking one discover page (fallback pages are not ranked)',
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1],
      registers: [registry],
    });
    this.fallbacks = new Counter({
      name: 'social_ranker_fallback_total',
      help: 'Discover pages served recency-only, by cause (fanout-backlog, event-loop-delay, in-flight, budget)',
      labelNames: ['cause'],
      registers: [registry],
    });
  }

  /** Drops a removed post from the pool at once (moderation calls this). */
  forget(postId: string): void {
    if (this.pool) {
      this.pool.recent = this.pool.recent.filter((p) => p.id !== postId);
      for (const [lang, posts] of this.pool.byLang) this.pool.byLang.set(lang, posts.filter((p) => p.id !== postId));
    }
    this.forgotten.add(postId);
    if (this.forgotten.size > 10_000) this.forgotten.clear();
  }

  discover(reader: Reader, limit: number, cursor: string | undefined): Promise<FeedResult> {
    const offset = decodeOffsetCursor(cursor);
    const started = performance.now();
    return this.stale.serve(`${reader.id}|${cursor ?? ''}`, () => this.buildPage(reader, limit, offset)).then((page) => {
      this.feed.readDuration.observe({ feed: 'discover' }, (performance.now() - started) / 1000);
      if (page.degraded) this.feed.degraded.inc({ feed: 'discover', reason: page.degraded });
      return page;
    });
  }

  private async buildPage(reader: Reader, limit: number, offset: number): Promise<FeedResult> {
    const pool = await this.candidates();
    let ordered: StoredPost[] | undefined;
    let degraded: FeedResult['degraded'];
    const cause = this.overload.cause();
    if (!cause) {
      const t0 = performance.now();
      ordered = rank(candidatesFor(pool, reader.languages), reader.languages, Date.now(), this.opts, t0 + this.opts.rankBudgetMs);
      this.rankDuration.observe((performance.now() - t0) / 1000);
    }
    if (!ordered) {
      this.fallbacks.inc({ cause: cause ?? 'budget' });
      ordered = recencyOnly(pool.recent);
      degraded = 'ranker-fallback';
    }
    const items = ordered.slice(offset, offset + limit).map(toFeedItem);
    const next = offset + limit < ordered.length ? encodeOffsetCursor(offset + limit) : null;
    return degraded ? { items, nextCursor: next, degraded } : { items, nextCursor: next };
  }

  private async candidates(): Promise<Pool> {
    if (this.pool && Date.now() - this.pool.at < this.opts.candidateTtlMs) return this.pool;
    this.refreshing ??= this.refresh().finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  /**
   * The newest page replaces the newest list; per language it is merged with what the pool already held, re-read
   * from the store (one query) so that removed posts leave — whichever process removed them — and counts stay fresh.
   */
  private async refresh(): Promise<Pool> {
    const sinceMs = Date.now() - this.opts.candidateWindowSec * 1000;
    const page = await this.store.recentPosts(this.opts.candidateLimit, undefined, new Date(sinceMs));
    const live = (p: StoredPost) => !p.removed && !this.forgotten.has(p.id) && Date.parse(p.createdAt) >= sinceMs;
    const fresh = new Set(page.items.map((p) => p.id));
    const kept: string[] = [];
    for (const posts of this.pool?.byLang.values() ?? []) for (const p of posts) if (!fresh.has(p.id) && live(p)) kept.push(p.id);
    const reread = kept.length ? await this.store.getPosts(kept) : [];
    const recent = page.items.filter(live);
    const byLang = new Map<string, StoredPost[]>();
    for (const p of [...recent, ...reread.filter(live)]) {
      let list = byLang.get(p.lang);
      if (!list) byLang.set(p.lang, (list = []));
      list.push(p);
    }
    for (const [lang, list] of byLang) byLang.set(lang, list.sort((a, b) => b.seq - a.seq).slice(0, this.opts.candidateLimit));
    this.pool = { recent, byLang, at: Date.now() };
    return this.pool;
  }

  async close(): Promise<void> {
    this.pool = undefined;
  }
}

/** The reader's languages' candidates plus everyone's newest (where exploration picks from). */
function candidatesFor(pool: Pool, languages: string[]): StoredPost[] {
  const seen = new Set<string>();
  const out: StoredPost[] = [];
  for (const list of [...languages.map((l) => pool.byLang.get(l) ?? []), pool.recent]) {
    for (const p of list) if (!seen.has(p.id)) seen.add(p.id), out.push(p);
  }
  return out;
}
