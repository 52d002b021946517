// Fan-out on write (DESIGN.md §5). A new post is queued; N workers copy a reference to it into each follower's home
// timeline (a capped list in the Cache) that exists: a timeline lives while its owner reads (each read renews its
// expiry), so memory follows the active readers, not everyone who was ever followed. A cold timeline (never read, or
// expired) is built by read-time merge and then kept (see buildPage). Authors with at least `celebrityThreshold` followers are never fanned out:
// their followers merge their posts at read time (store.postsByAuthors). When the queue is full, the post is not
// queued and its author becomes a pull author for `overflowPullSec`, so followers still see it by read-time merge;
// while the backlog is above `partialBacklog`, following reads say `degraded: "partial"` (timelines are behind).
import { Counter, Histogram, type Registry } from 'prom-client';
import { observedGauge } from '../metrics.ts';
import type { Cache } from '../cache/cache.ts';
import type { GuardedPage, Store, StoredPost } from '../store/store.ts';
import type { FanoutService, FeedItemRecord, FeedResult, PostRecord, Reader } from '../services.ts';
import { decodeSeqCursor, encodeSeqCursor } from './cursor.ts';
import { feedMetrics, type FeedMetrics } from './feed-metrics.ts';
import type { FanoutJob, FanoutQueue } from './fanout-queue.ts';
import { toFeedItem } from './items.ts';
import { PullAuthors } from './pull-authors.ts';
import { StalePages, STALE_PAGES_CAPACITY } from './stale-pages.ts';
import { RecentMap } from '../cache/recent-map.ts';

export interface FanoutOptions {
  /** Fan-out workers per process. */
  workers: number;
  /** Jobs a worker takes from the queue at once (grouped by author: one follower scan per author per batch). */
  batchSize: number;
  /** Jobs the queue holds at most (shared by all processes when it lives in Redis). */
  queueCapacity: number;
  /** Followers read and written per step of one job. */
  followerPageSize: number;
  /** Entries kept per home timeline. */
  timelineCap: number;
  /** Home timeline expiry in seconds after its owner's last read (0: none). */
  timelineTtlSec: number;
  /** Authors with at least this many followers are merged at read time instead of fanned out. */
  celebrityThreshold: number;
  /** Backlog (queued jobs) above which following reads are marked `partial`. */
  partialBacklog: number;
  /** How long an author whose post overflowed the queue stays a pull author. */
  overflowPullSec: number;
  /** Recent posts of a newly followed author copied into the follower's timeline. */
  backfillOnFollow: number;
  /** Most followings scanned when merging pull authors at read time. */
  followingScan: number;
  /** How long a reader's following list is reused for read-time merge (per process). */
  followingCacheMs: number;
  /** A following page taking longer than this is answered from the last page served (`stale-cache`); 0 disables. */
  storeTimeoutMs: number;
  /** How often each process refreshes the shared list of pull authors. */
  pullRefreshMs: number;
  /** Idle workers look for jobs queued by other processes this often. */
  pollMs: number;
}

export const DEFAULT_FANOUT_OPTIONS: FanoutOptions = {
  workers: 4,
  batchSize: 16,
  queueCapacity: 20_000,
  followerPageSize: 500,
  timelineCap: 500,
  timelineTtlSec: 86_400,
  celebrityThreshold: 5_000,
  partialBacklog: 2_000,
  overflowPullSec: 300,
  backfillOnFollow: 20,
  followingScan: 2_000,
  followingCacheMs: 5_000,
  storeTimeoutMs: 1_000,
  pullRefreshMs: 1_000,
  pollMs: 100,
};

type FeedStore = Pick<Store, 'listFollowers' | 'listFollowersGuarded' | 'listFollowing' | 'followerCount' | 'getPosts' | 'postsByAuthors'>;

/** Guarded follower pages found stale in one job before fan-out reads the list unguarded (followers changing all along). */
const MAX_STALE_COPIES = 3;

interface Entry {
  seq: number;
  postId: string;
  authorId: string;
}

/** A timeline as read for one page: entries read, distinct entries, and the newest ones, to hydrate. */
interface TimelineRead {
  read: number;
  entries: number;
  fromTimeline: Entry[];
  /** A warm-up's floor marker was read: the timeline holds every followed post with a seq at or above this. */
  floor: number | undefined;
  /** Only the marker of a timeline being warmed was read (its warm-up has not landed, or failed). */
  warming: boolean;
  /** Entries at or above the floor (all of them when no floor was read). */
  aboveFloor: number;
}

/** What a read found: a timeline to serve, or one to build by read-time merge (and warm, for a first page). */
type TimelineState = 'warm' | 'cold' | 'warming' | 'short';

const timelineKey = (userId: string) => `tl:${userId}`;
/** Extra timeline entries read for a first page (see buildPage). */
const FIRST_PAGE_SLACK = 32;
const entryOf = (seq: number, postId: string, authorId: string) => `${seq}|${postId}|${authorId}`;
/**
 * Markers (never parsed as entries): a cold read creates the timeline holding WARMING before it merges, so fan-out
 * writes land from then on; it then pushes the merged posts over a floor marker `~<seq>`: every followed post from
 * seq on is in the list (merged, or written by fan-out after the timeline existed). Older pages merge again.
 */
const WARMING = '~';
const floorMarker = (seq: number) => `~${seq}`;
/** How often (at most) one process renews the expiry of a timeline that is being read. */
const TOUCH_EVERY_FRACTION = 0.25;
function parseEntry(raw: string): Entry | undefined {
  // indexOf and slice, not split: every page parses a few dozen entries.
  const a = raw.indexOf('|');
  const b = a < 0 ? -1 : raw.indexOf('|', a + 1);
  if (b < 0) return undefined;
  const c = raw.indexOf('|', b + 1);
  const n = Number(raw.slice(0, a));
  const postId = raw.slice(a + 1, b);
  const authorId = c < 0 ? raw.slice(b + 1) : raw.slice(b + 1, c);
  return Number.isFinite(n) && postId && authorId ? { seq: n, postId, authorId } : undefined;
}

export class TimelineFanout implements FanoutService {
  private readonly opts: FanoutOptions;
  private readonly pull: PullAuthors;
  private readonly stale: StalePages;
  /** Per-process, bounded (RecentMap): entries older than followingCacheMs are dropped on writes. */
  private readonly followingCache: RecentMap<string, string[]>;
  private readonly followerCounts: RecentMap<string, number>;
  /** Timelines whose expiry this process renewed lately (see touchDue). */
  private readonly touched: RecentMap<string, 1>;
  private readonly workers: Promise<void>[] = [];
  private closed = false;
  private readonly feed: FeedMetrics;
  private readonly readDuration: { observe(seconds: number): void };
  private readonly lag: Histogram;
  private readonly written: Counter;
  private readonly posts: Counter<'path'>;
  /** social_fanout_posts_total's children, resolved once (a labelled inc hashes its labels on every call). */
  private readonly postsBy: Record<'fanout' | 'celebrity' | 'overflow', { inc(): void }>;

  constructor(
    private readonly store: FeedStore,
    private readonly cache: Cache,
    private readonly queue: FanoutQueue,
    registry: Registry,
    options: Partial<FanoutOptions> = {},
  ) {
    this.opts = { ...DEFAULT_FANOUT_OPTIONS, ...options };
    this.pull = new PullAuthors(cache, this.opts.pullRefreshMs);
    this.stale = new StalePages(STALE_PAGES_CAPACITY, this.opts.storeTimeoutMs);
    this.followingCache = new RecentMap(50_000, this.opts.followingCacheMs);
    this.followerCounts = new RecentMap(50_000, this.opts.followingCacheMs);
    this.touched = new RecentMap(50_000, this.opts.timelineTtlSec * 1000 * TOUCH_EVERY_FRACTION);
    this.feed = feedMetrics(registry);
    this.readDuration = this.feed.readDuration.labels({ feed: 'following' }); // labels resolved once, not per read
    observedGauge(registry, 'social_fanout_queue_depth', "Posts waiting to be fanned out into followers' home timelines", () => queue.depth());
    this.lag = new Histogram({
      name: 'social_fanout_lag_seconds',
      help: 'Time from a post being queued for fan-out until every follower timeline holds it',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600],
      registers: [registry],
    });
    this.written = new Counter({
      name: 'social_fanout_items_written_total',
      help: 'Home timeline entries written by fan-out',
      registers: [registry],
    });
    this.posts = new Counter({
      name: 'social_fanout_posts_total',
      help: 'New posts by delivery path: fanout (queued), celebrity (read-time merge), overflow (queue full, read-time merge)',
      labelNames: ['path'],
      registers: [registry],
    });
    this.postsBy = {
      fanout: this.posts.labels({ path: 'fanout' }),
      celebrity: this.posts.labels({ path: 'celebrity' }),
      overflow: this.posts.labels({ path: 'overflow' }),
    };
    for (let i = 0; i < this.opts.workers; i++) this.workers.push(this.workerLoop());
  }

  queueDepth(): number {
    return this.queue.depth();
  }

  async onPostCreated(post: PostRecord): Promise<void> {
    // Authors always see their own posts at once (written while the post is routed, not before; a cold timeline
    // merges the reader's own posts too).
    const own = this.cache.pushCappedExisting([timelineKey(post.authorId)], [entryOf(post.seq, post.id, post.authorId)], this.opts.timelineCap);
    try {
      await this.route(post);
    } finally {
      await own;
    }
  }

  private async route(post: PostRecord): Promise<void> {
    // The follower count is nearly always this process's copy: no promise to wait for then.
    const followers = this.followerCounts.get(post.authorId) ?? (await this.cachedFollowerCount(post.authorId));
    if (followers >= this.opts.celebrityThreshold) {
      await this.pull.add(post.authorId);
      this.postsBy.celebrity.inc();
      return;
    }
    const job: FanoutJob = { postId: post.id, authorId: post.authorId, seq: post.seq, enqueuedAt: Date.now() };
    if (await this.queue.offer(job)) {
      this.postsBy.fanout.inc();
      return;
    }
    await this.pull.add(post.authorId, Date.now() + this.opts.overflowPullSec * 1000);
    this.postsBy.overflow.inc();
  }

  async onFollow(followerId: string, followeeId: string): Promise<void> {
    this.followingCache.delete(followerId);
    this.followerCounts.delete(followeeId);
    if (this.opts.backfillOnFollow <= 0) return;
    const recent = await this.store.postsByAuthors([followeeId], this.opts.backfillOnFollow);
    if (recent.items.length === 0) return;
    const entries = recent.items.map((p) => entryOf(p.seq, p.id, p.authorId)).reverse();
    await this.cache.pushCappedExisting([timelineKey(followerId)], entries, this.opts.timelineCap); // a cold one merges
  }

  async onUnfollow(followerId: string, followeeId: string): Promise<void> {
    this.followingCache.delete(followerId);
    this.followerCounts.delete(followeeId);
    const key = timelineKey(followerId);
    const entries = await this.cache.range(key, 0, -1);
    for (const raw of entries) if (parseEntry(raw)?.authorId === followeeId) await this.cache.removeFromList(key, raw);
  }

  following(reader: Reader, limit: number, cursor: string | undefined): Promise<FeedResult> {
    const before = decodeSeqCursor(cursor);
    const started = performance.now();
    return this.stale.serve(`${reader.id}|${cursor ?? ''}`, () => this.buildPage(reader, limit, before)).then((page) => {
      this.readDuration.observe((performance.now() - started) / 1000);
      if (page.degraded) this.feed.degraded.inc({ feed: 'following', reason: page.degraded });
      return page;
    });
  }

  private async buildPage(reader: Reader, limit: number, before: number | undefined): Promise<FeedResult> {
    // A first page reads only the head of the timeline: entries are pushed newest first, give or take the few that
    // concurrent fan-out workers wrote out of order, which the slack covers. Later pages read the whole (capped) list.
    const window = before === undefined ? limit + 1 + FIRST_PAGE_SLACK : 0;
    const want = limit + 1;
    const tl = await this.readTimeline(reader.id, window, before, want + 8);
    const { read, entries, fromTimeline } = tl;
    const truncated = window > 0 && read >= window;
    const state = this.stateOf(tl, want);

    // Read-time merge: pull authors the reader follows; the reader and everyone they follow when the timeline does
    // not cover the page (cold, being warmed, or the page reaches below a warm-up's floor).
    let pullIds: string[] = [];
    if (state !== 'warm') pullIds = [reader.id, ...(await this.followingOf(reader.id))];
    else if (this.pull.size() > 0) pullIds = this.pull.pulled(await this.followingOf(reader.id));

    const [hydrated, pulled] = await Promise.all([
      // Hydration through the store: with the post cache (store/cached-store.ts), one MGET of the posts' counts.
      fromTimeline.length ? this.store.getPosts(fromTimeline.map((e) => e.postId)) : Promise.resolve([] as StoredPost[]),
      pullIds.length ? this.store.postsByAuthors(pullIds, want, before) : Promise.resolve({ items: [] as StoredPost[], next: null }),
    ]);
    const byId = new Map<string, StoredPost>();
    for (const p of hydrated) if (!p.removed) byId.set(p.id, p);
    for (const p of pulled.items) if (!p.removed) byId.set(p.id, p);
    const merged = [...byId.values()].sort((a, b) => b.seq - a.seq);
    const items: FeedItemRecord[] = merged.slice(0, limit).map(toFeedItem);
    const more = merged.length > limit || entries > fromTimeline.length || truncated || pulled.next !== null;
    const page: FeedResult = { items, nextCursor: more && items.length ? encodeSeqCursor(items[items.length - 1].seq) : null };
    if (this.queue.depth() > this.opts.partialBacklog) page.degraded = 'partial';
    // Posts of pull authors reach no timeline: a page merging any must not be reused (api/feeds.ts).
    if (this.pull.size() > 0 && (state === 'warm' ? pullIds.length > 0 : this.pull.pulled(pullIds).length > 0)) page.pullMerged = true;
    if ((state === 'cold' || state === 'warming') && before === undefined) await this.warm(reader.id, pulled);
    return page;
  }

  private stateOf(tl: TimelineRead, want: number): TimelineState {
    if (tl.read === 0) return 'cold';
    if (tl.floor === undefined) return tl.warming ? 'warming' : 'warm';
    return tl.floor > 0 && tl.aboveFloor < want ? 'short' : 'warm';
  }

  /**
   * Keeps what a cold first page merged: the newest posts of the reader and everyone they follow, over a floor marker
   * (everything when the merge reached the end). The timeline already exists (readTimeline created it before the
   * merge), so a post fanned out meanwhile is in it or was committed before the merge read the store.
   */
  private async warm(userId: string, pulled: { items: StoredPost[]; next: number | null }): Promise<void> {
    let floor = 0;
    if (pulled.next !== null) for (const p of pulled.items) floor = floor === 0 ? p.seq : Math.min(floor, p.seq);
    const values = [floorMarker(floor)];
    for (let i = pulled.items.length - 1; i >= 0; i--) {
      const p = pulled.items[i];
      if (!p.removed) values.push(entryOf(p.seq, p.id, p.authorId)); // oldest first: the newest ends at the head
    }
    await this.cache.pushCappedExisting([timelineKey(userId)], values, this.opts.timelineCap).catch(() => 0); // next read merges again
  }

  /**
   * The timeline (a first page: its head), parsed, without repeats and malformed entries, newest first. A missing
   * timeline is created (holding WARMING) before the caller merges; one being read has its expiry renewed now and
   * then (each process at most every TOUCH_EVERY_FRACTION of the expiry).
   */
  private async readTimeline(userId: string, window: number, before: number | undefined, top: number): Promise<TimelineRead> {
    const key = timelineKey(userId);
    const raw = await this.cache.range(key, 0, window - 1);
    if (raw.length === 0 || this.touchDue(userId)) await this.cache.touchList(key, WARMING, this.opts.timelineTtlSec);
    const seen = new Set<string>();
    const entries: Entry[] = [];
    let floor: number | undefined;
    let warming = false;
    for (let i = 0; i < raw.length; i++) {
      const r = raw[i];
      if (r.charCodeAt(0) === 126 /* ~ */) {
        if (r.length === 1) warming = true;
        else floor = Math.min(floor ?? Infinity, Number(r.slice(1)) || 0);
        continue;
      }
      const e = parseEntry(r);
      if (!e || (before !== undefined && e.seq >= before) || seen.has(e.postId)) continue;
      seen.add(e.postId);
      entries.push(e);
    }
    entries.sort((a, b) => b.seq - a.seq);
    let aboveFloor = entries.length;
    if (floor !== undefined) aboveFloor = entries.filter((e) => e.seq >= floor!).length;
    return { read: raw.length, entries: entries.length, fromTimeline: entries.slice(0, top), floor, warming, aboveFloor };
  }

  /** Whether this process should renew a timeline's expiry on this read (and notes that it did). */
  private touchDue(userId: string): boolean {
    if (this.opts.timelineTtlSec <= 0) return false;
    if (this.touched.get(userId) !== undefined) return false;
    this.touched.set(userId, 1);
    return true;
  }

  private async followingOf(userId: string): Promise<string[]> {
    const hit = this.followingCache.get(userId);
    if (hit) return hit;
    const page = await this.store.listFollowing(userId, this.opts.followingScan);
    this.followingCache.set(userId, page.items);
    return page.items;
  }

  private async cachedFollowerCount(authorId: string): Promise<number> {
    const hit = this.followerCounts.get(authorId);
    if (hit !== undefined) return hit;
    const n = await this.store.followerCount(authorId);
    this.followerCounts.set(authorId, n);
    return n;
  }

  private async workerLoop(): Promise<void> {
    while (!this.closed) {
      let jobs: FanoutJob[];
      try {
        jobs = await this.queue.take(this.opts.batchSize);
      } catch {
        jobs = [];
      }
      if (jobs.length === 0) {
        if (!this.closed) await this.queue.waitForWork(this.opts.pollMs);
        continue;
      }
      // One follower scan per author per batch, and every entry of that author's jobs in the same pushes: under a
      // surge, a batch costs a few queries and pipelines instead of a few per post.
      const byAuthor = new Map<string, FanoutJob[]>();
      for (const job of jobs) {
        const group = byAuthor.get(job.authorId);
        if (group) group.push(job);
        else byAuthor.set(job.authorId, [job]);
      }
      await Promise.all(
        [...byAuthor.values()].map((group) =>
          this.apply(group).catch(() => undefined), // the posts stay reachable through the store; a failed group must not stop the worker
        ),
      );
      // A short batch emptied the queue as far as this process knows: wait for the next offer (or the poll) instead
      // of asking again at once, which on Redis was one more RPOP per batch, nearly always answered empty.
      if (jobs.length < this.opts.batchSize && !this.closed) await this.queue.waitForWork(this.opts.pollMs);
    }
  }

  /** Fans out jobs of one author: their entries pushed (oldest first, so the newest ends at the head) to every follower. */
  private async apply(jobs: FanoutJob[]): Promise<void> {
    const authorId = jobs[0].authorId;
    const entries = [...jobs].sort((a, b) => a.seq - b.seq).map((j) => entryOf(j.seq, j.postId, j.authorId));
    let before: number | undefined;
    let staleCopies = 0;
    for (;;) {
      // A guarded page (a per-process copy of the followers, not checked first) is pushed only if it is still
      // current, checked in the same script as the push; when it is not, the copy is dropped and the page read again.
      const page: GuardedPage =
        this.store.listFollowersGuarded && staleCopies < MAX_STALE_COPIES
          ? await this.store.listFollowersGuarded(authorId, this.opts.followerPageSize, before)
          : await this.store.listFollowers(authorId, this.opts.followerPageSize, before);
      if (page.items.length) {
        const pushed = await this.cache.pushCappedExisting(this.timelineKeys(page.items), entries, this.opts.timelineCap, page.guard);
        if (pushed < 0) {
          page.guard?.stale();
          staleCopies++;
          continue;
        }
        this.written.inc(pushed * entries.length); // only timelines somebody reads take entries
      }
      if (page.next === null || this.closed) break;
      before = page.next;
    }
    const now = Date.now();
    for (const job of jobs) this.lag.observe((now - job.enqueuedAt) / 1000);
  }

  /**
   * The timeline keys of a page of followers, per ids array: a per-process copy of the page (store/cached-followers.ts)
   * answers the same array for every post of its author, so the keys are built once, not per post. Frozen: the cache
   * layers below remember what they derive from a frozen array (the readers it names, its keys joined for Redis).
   */
  private readonly keysOf = new WeakMap<readonly string[], readonly string[]>();

  private timelineKeys(ids: string[]): string[] {
    let keys = this.keysOf.get(ids);
    if (!keys) this.keysOf.set(ids, (keys = Object.freeze(ids.map(timelineKey))));
    return keys as string[];
  }

  async close(): Promise<void> {
    this.closed = true;
    this.pull.close();
    await this.queue.close();
    await Promise.all(this.workers);
  }
}
