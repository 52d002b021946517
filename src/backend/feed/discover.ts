// Discover (DESIGN.md §5). Candidates come from one pool per process, refreshed every candidateTtlMs from the store's
// newest posts: the newest `candidateLimit` posts of everyone, plus, per language, the newest `candidateLimit` posts
// seen within the window (retrieval by language: when English floods the newest posts, Chinese posts from a minute
// ago stay candidates for Chinese readers). They are ranked by language affinity, engagement and recency within a
// time budget. Under overload (see overload.ts) or when ranking overruns its budget, the page is the newest posts of
// everyone, marked `degraded: "ranker-fallback"`: in a surge of English posts that fills Chinese readers' discover
// with English, as users reported in January 2025.
//
// Ordering is computed once per pool and policy (ranked per language set, or recency-only), not per request, and
// every first page pins that ordering as a snapshot (./discover-cursor.ts): later pages of the sequence are slices of
// the same snapshot, whichever policy the backend has switched to meanwhile, so a sequence never repeats or skips a
// post. `degraded` says which policy shaped the snapshot the page came from.
import { createHash, randomBytes } from 'node:crypto';
import { Counter, Histogram, type Registry } from 'prom-client';
import { ApiError } from '../errors.ts';
import type { Store, StoredPost } from '../store/store.ts';
import type { DiscoverService, FeedResult, Reader } from '../services.ts';
import { decodeDiscoverCursor, encodeDiscoverCursor, type DiscoverPosition } from './discover-cursor.ts';
import { feedMetrics, type FeedMetrics } from './feed-metrics.ts';
import { toFeedItem } from './items.ts';
import { packIds, unpackIds } from './packed-ids.ts';
import type { OverloadSignal } from './overload.ts';
import { DEFAULT_RANKER_OPTIONS, rank, recencyOnly, type RankerOptions } from './ranker.ts';
import { StalePages, STALE_PAGES_CAPACITY } from './stale-pages.ts';

export interface DiscoverOptions extends RankerOptions {
  /** Recent posts considered per ranking. */
  candidateLimit: number;
  /** Only posts newer than this are candidates. */
  candidateWindowSec: number;
  /** The candidate pool is reused for this long (per process). */
  candidateTtlMs: number;
  /** Time allowed for ranking one ordering; over it, the page falls back to recency. */
  rankBudgetMs: number;
  /** A page taking longer than this is answered from the last page served (`stale-cache`); 0 disables. */
  storeTimeoutMs: number;
  /** How long a page sequence's snapshot stays readable (later pages of an older sequence answer invalid_cursor). */
  snapshotTtlSec: number;
}

export const DEFAULT_DISCOVER_OPTIONS: DiscoverOptions = {
  ...DEFAULT_RANKER_OPTIONS,
  candidateLimit: 300,
  candidateWindowSec: 86_400,
  candidateTtlMs: 1_000,
  rankBudgetMs: 25,
  storeTimeoutMs: 1_000,
  snapshotTtlSec: 300,
};

type DiscoverStore = Pick<Store, 'recentPosts' | 'getPosts'>;

/** Where snapshots live: the backend's Cache (Redis, so any process serves a sequence's later pages) or a Map. */
export interface SnapshotStore {
  get(key: string): Promise<string | null>;
  set(key: string, value: string, ttlSec?: number): Promise<void>;
}

/** The policy that shaped an ordering: `r` ranked (for one language set), `f` recency-only fallback. */
type Policy = 'r' | 'f';

interface Ordering {
  policy: Policy;
  ids: string[];
  /** Set once the snapshot is stored (so later pages are readable from any process). */
  saved?: Promise<void>;
}

interface Pool {
  /** Identifies this pool (and so its orderings) among every process's pools: `<process tag><version>`. */
  id: string;
  /** Newest posts of everyone, newest first. */
  recent: StoredPost[];
  /** Per language, newest first, within the candidate window. */
  byLang: Map<string, StoredPost[]>;
  byId: Map<string, StoredPost>;
  /** Orderings computed from this pool, by snapshot key part (`f`, or `r` + language-set digest). */
  orderings: Map<string, Ordering>;
  at: number;
}

const SNAPSHOT_PREFIX = 'discover:snap:';
/** Snapshots of other pools this process has read recently (later pages of sequences it did not start). */
const REMOTE_SNAPSHOTS = 256;

export class RankedDiscover implements DiscoverService {
  private readonly opts: DiscoverOptions;
  private readonly stale: StalePages;
  private pool: Pool | undefined;
  private refreshing: Promise<Pool> | undefined;
  private readonly forgotten = new Set<string>();
  private readonly feed: FeedMetrics;
  private readonly rankDuration: Histogram;
  private readonly fallbacks: Counter<'cause'>;
  private readonly tag = randomBytes(4).toString('base64url').replace(/[-_]/g, 'x');
  private version = 0;
  private readonly remote = new Map<string, string[]>();
  private readonly snapshots: SnapshotStore;

  constructor(
    private readonly store: DiscoverStore,
    private readonly overload: OverloadSignal,
    registry: Registry,
    options: Partial<DiscoverOptions> = {},
    snapshots?: SnapshotStore,
  ) {
    this.opts = { ...DEFAULT_DISCOVER_OPTIONS, ...options };
    this.snapshots = snapshots ?? mapSnapshots();
    this.stale = new StalePages(STALE_PAGES_CAPACITY, this.opts.storeTimeoutMs);
    this.feed = feedMetrics(registry);
    this.rankDuration = new Histogram({
      name: 'social_ranker_duration_seconds',
      help: 'Time spent ranking the candidate pool for one language set (once per pool; fallback orderings are not ranked)',
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1],
      registers: [registry],
    });
    this.fallbacks = new Counter({
      name: 'social_ranker_fallback_total',
      help: 'Discover page sequences started recency-only, by cause (fanout-backlog, event-loop-delay, in-flight, budget)',
      labelNames: ['cause'],
      registers: [registry],
    });
  }

  /** Drops a removed post from the pool at once (moderation calls this); pages skip it from then on. */
  forget(postId: string): void {
    if (this.pool) {
      this.pool.recent = this.pool.recent.filter((p) => p.id !== postId);
      for (const [lang, posts] of this.pool.byLang) this.pool.byLang.set(lang, posts.filter((p) => p.id !== postId));
      this.pool.byId.delete(postId);
    }
    this.forgotten.add(postId);
    if (this.forgotten.size > 10_000) this.forgotten.clear();
  }

  discover(reader: Reader, limit: number, cursor: string | undefined): Promise<FeedResult> {
    let position: DiscoverPosition | undefined;
    try {
      position = decodeDiscoverCursor(cursor);
    } catch (err) {
      return Promise.reject(err);
    }
    const started = performance.now();
    return this.stale.serve(`${reader.id}|${cursor ?? ''}|${limit}`, () => this.buildPage(reader, limit, position)).then((page) => {
      this.feed.readDuration.observe({ feed: 'discover' }, (performance.now() - started) / 1000);
      if (page.degraded) this.feed.degraded.inc({ feed: 'discover', reason: page.degraded });
      return page;
    });
  }

  private async buildPage(reader: Reader, limit: number, position: DiscoverPosition | undefined): Promise<FeedResult> {
    let snapshot: string;
    let ids: string[];
    let offset: number;
    let pool: Pool | undefined;
    if (!position) {
      // A new sequence: the policy in force now decides, and its ordering is pinned for the pages that follow.
      pool = await this.candidates();
      const ordering = this.orderingFor(pool, reader.languages);
      snapshot = `${pool.id}.${ordering.key}`;
      ordering.value.saved ??= this.snapshots
        .set(SNAPSHOT_PREFIX + snapshot, packIds(ordering.value.ids), this.opts.snapshotTtlSec)
        .catch(() => undefined); // a lost snapshot only makes that sequence's later pages answer invalid_cursor
      await ordering.value.saved;
      ids = ordering.value.ids;
      offset = 0;
    } else {
      snapshot = position.snapshot;
      offset = position.offset;
      pool = this.pool;
      const local = pool && snapshot.startsWith(`${pool.id}.`) ? pool.orderings.get(snapshot.slice(pool.id.length + 1)) : undefined;
      ids = local?.ids ?? (await this.readSnapshot(snapshot));
    }
    const slice = ids.slice(offset, offset + limit);
    const posts = await this.hydrate(slice, pool);
    const items = posts.map(toFeedItem);
    const next = offset + limit < ids.length ? encodeDiscoverCursor({ snapshot, offset: offset + limit }) : null;
    const policy: Policy = snapshot.endsWith('.f') ? 'f' : 'r';
    return policy === 'f' ? { items, nextCursor: next, degraded: 'ranker-fallback' } : { items, nextCursor: next };
  }

  /** The ordering for a first page: ranked for the reader's languages, unless overload or the budget say otherwise. */
  private orderingFor(pool: Pool, languages: string[]): { key: string; value: Ordering } {
    const cause = this.overload.cause();
    if (!cause) {
      const key = `r${languageSetKey(languages)}`;
      let ranked = pool.orderings.get(key);
      if (!ranked) {
        const t0 = performance.now();
        const order = rank(candidatesFor(pool, languages), languages, Date.now(), this.opts, t0 + this.opts.rankBudgetMs);
        this.rankDuration.observe((performance.now() - t0) / 1000);
        if (order) pool.orderings.set(key, (ranked = { policy: 'r', ids: order.map((p) => p.id) }));
      }
      if (ranked) return { key, value: ranked };
    }
    this.fallbacks.inc({ cause: cause ?? 'budget' });
    let fallback = pool.orderings.get('f');
    if (!fallback) pool.orderings.set('f', (fallback = { policy: 'f', ids: recencyOnly(pool.recent).map((p) => p.id) }));
    return { key: 'f', value: fallback };
  }

  private async readSnapshot(snapshot: string): Promise<string[]> {
    const hit = this.remote.get(snapshot);
    if (hit) return hit;
    const raw = await this.snapshots.get(SNAPSHOT_PREFIX + snapshot);
    if (raw === null) {
      throw new ApiError(400, 'invalid_cursor', 'this discover sequence has expired; start again without a cursor', { field: 'query.cursor' });
    }
    const ids = unpackIds(raw);
    this.remote.set(snapshot, ids);
    if (this.remote.size > REMOTE_SNAPSHOTS) this.remote.delete(this.remote.keys().next().value!);
    return ids;
  }

  /** Posts for ids, in order: from the pool when it has them, else from the store; removed ones are left out. */
  private async hydrate(ids: string[], pool: Pool | undefined): Promise<StoredPost[]> {
    const found = new Map<string, StoredPost>();
    const missing: string[] = [];
    for (const id of ids) {
      const p = pool?.byId.get(id);
      if (p) found.set(id, p);
      else missing.push(id);
    }
    if (missing.length) for (const p of await this.store.getPosts(missing)) found.set(p.id, p);
    const out: StoredPost[] = [];
    for (const id of ids) {
      const p = found.get(id);
      if (p && !p.removed && !this.forgotten.has(id)) out.push(p);
    }
    return out;
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
    const byId = new Map<string, StoredPost>();
    for (const p of [...recent, ...reread.filter(live)]) {
      let list = byLang.get(p.lang);
      if (!list) byLang.set(p.lang, (list = []));
      list.push(p);
    }
    for (const [lang, list] of byLang) {
      const top = list.sort((a, b) => b.seq - a.seq).slice(0, this.opts.candidateLimit);
      byLang.set(lang, top);
      for (const p of top) byId.set(p.id, p);
    }
    for (const p of recent) byId.set(p.id, p);
    this.pool = { id: `${this.tag}${(++this.version).toString(36)}`, recent, byLang, byId, orderings: new Map(), at: Date.now() };
    return this.pool;
  }

  async close(): Promise<void> {
    this.pool = undefined;
    this.remote.clear();
  }
}

/** A short, stable key for a reader's language list (order matters: the first language weighs most). */
function languageSetKey(languages: string[]): string {
  return createHash('sha1').update(languages.join(',')).digest('base64url').slice(0, 8).replace(/[-_.]/g, 'x');
}

function mapSnapshots(): SnapshotStore {
  const m = new Map<string, { value: string; until: number }>();
  return {
    async get(key) {
      const e = m.get(key);
      if (!e || e.until <= Date.now()) return null;
      return e.value;
    },
    async set(key, value, ttlSec = 0) {
      m.set(key, { value, until: ttlSec > 0 ? Date.now() + ttlSec * 1000 : Infinity });
      if (m.size > 4096) m.delete(m.keys().next().value!);
    },
  };
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
