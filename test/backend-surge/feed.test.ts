import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { RedisCache } from '../../src/backend/cache/redis-cache.ts';
import { RankedDiscover } from '../../src/backend/feed/discover.ts';
import { TimelineFanout, type FanoutOptions } from '../../src/backend/feed/fanout.ts';
import { MemoryFanoutQueue, RedisFanoutQueue, type FanoutQueue } from '../../src/backend/feed/fanout-queue.ts';
import { OverloadSignal } from '../../src/backend/feed/overload.ts';
import type { PostRecord, Reader } from '../../src/backend/services.ts';
import type { UserRecord } from '../../src/backend/store/store.ts';
import { serviceUrl } from '../helpers/services.ts';
import { newUser, openFixture, until, type Fixture } from './store-fixture.ts';

let fx: Fixture;
let redisUrl: string | undefined;
beforeAll(async () => {
  fx = await openFixture();
  redisUrl = await serviceUrl('redis');
});
afterAll(async () => {
  await fx?.close();
});

const reader = (u: UserRecord): Reader => ({ id: u.id, languages: u.languages });

async function post(author: UserRecord, text: string, lang = 'en'): Promise<PostRecord> {
  return (await fx.store.createPost({ authorId: author.id, text, lang, tags: [], media: [] })).post;
}

async function histogramCount(registry: Registry, name: string): Promise<number> {
  const m = await registry.getSingleMetric(name)!.get();
  return m.values.find((v) => (v as { metricName?: string }).metricName?.endsWith('_count'))?.value ?? 0;
}
async function gauge(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number> {
  const m = await registry.getSingleMetric(name)!.get();
  return m.values.find((x) => Object.entries(labels).every(([k, l]) => x.labels[k] === l))?.value ?? 0;
}

let queues = 0;
function queue(capacity: number): FanoutQueue {
  // The Redis-backed queue when Redis is configured (as in production), else in process.
  return redisUrl
    ? new RedisFanoutQueue(fx.cache as RedisCache, capacity, { key: `q${++queues}:fanout:queue`, pollMs: 50 })
    : new MemoryFanoutQueue(capacity);
}

function fanout(registry: Registry, options: Partial<FanoutOptions>, q = queue(options.queueCapacity ?? 1000)) {
  return new TimelineFanout(fx.store, fx.cache, q, registry, { pollMs: 20, storeTimeoutMs: 0, ...options });
}

describe('fan-out on write', () => {
  test('offers made at once (one script call on Redis) fill the queue to its capacity and no further', async () => {
    const q = queue(3);
    const job = (i: number) => ({ postId: `p${i}`, authorId: 'a', seq: i, enqueuedAt: Date.now() });
    const accepted = await Promise.all(Array.from({ length: 5 }, (_, i) => q.offer(job(i))));
    expect(accepted).toEqual([true, true, true, false, false]);
    expect((await q.take(10)).map((j) => j.seq)).toEqual([0, 1, 2]);
    expect(await q.offer(job(9))).toBe(true);
    await q.close();
  });

  test('a burst of posts raises queue depth and lag, then drains into followers\' timelines', async () => {
    const registry = new Registry();
    const author = await newUser(fx.store);
    const followers: UserRecord[] = [];
    for (let i = 0; i < 40; i++) followers.push(await newUser(fx.store));
    for (const f of followers) await fx.store.follow(f.id, author.id);
    // Each page of followers takes at least 5 ms to list (a store under load), so one worker needs >= 600 ms for the
    // burst's 30 posts x 4 pages: the backlog and the lag are there whatever the machine's speed (a fast fan-out
    // drained a store-speed burst before the gauges were read).
    const slowStore = new Proxy(fx.store, {
      get(target, prop, receiver) {
        if (prop !== 'listFollowers') return Reflect.get(target, prop, receiver);
        return async (...args: Parameters<typeof target.listFollowers>) => {
          await new Promise((r) => setTimeout(r, 5));
          return target.listFollowers(...args);
        };
      },
    });
    const service = new TimelineFanout(slowStore, fx.cache, queue(1000), registry, {
      pollMs: 20,
      storeTimeoutMs: 0,
      workers: 1,
      followerPageSize: 10,
      partialBacklog: 5,
      celebrityThreshold: 1000,
    });
    for (const f of followers) await service.onFollow(f.id, author.id);
    // Fan-out writes only into timelines somebody reads: every follower has read once.
    for (const f of followers) expect((await service.following(reader(f), 10, undefined)).items).toEqual([]);

    const posts: PostRecord[] = [];
    for (let i = 0; i < 30; i++) posts.push(await post(author, `burst ${i}`));
    await Promise.all(posts.map((p) => service.onPostCreated(p)));
    const depthAfterBurst = await gauge(registry, 'social_fanout_queue_depth');
    expect(depthAfterBurst).toBeGreaterThan(5);
    // Timelines are behind: following reads say so.
    expect((await service.following(reader(followers[0]), 10, undefined)).degraded).toBe('partial');

    await until(async () => (await histogramCount(registry, 'social_fanout_lag_seconds')) === 30, 15_000);
    expect(await gauge(registry, 'social_fanout_items_written_total')).toBe(30 * 40);
    const lag = await registry.getSingleMetric('social_fanout_lag_seconds')!.get();
    const sum = lag.values.find((v) => (v as { metricName?: string }).metricName?.endsWith('_sum'))!.value;
    expect(sum / 30).toBeGreaterThan(0.005); // queued posts waited behind each other
    await until(async () => (await gauge(registry, 'social_fanout_queue_depth')) === 0, 2_000);

    const page = await service.following(reader(followers[39]), 10, undefined);
    expect(page.degraded).toBeUndefined();
    expect(page.items.map((i) => i.text)).toEqual(posts.slice(-10).reverse().map((p) => p.text));
    const page2 = await service.following(reader(followers[39]), 25, page.nextCursor!);
    expect(page2.items.map((i) => i.text)).toEqual(posts.slice(0, 20).reverse().map((p) => p.text));
    expect(page2.nextCursor).toBeNull();
    await service.close();
  });

  test('a celebrity is not fanned out; followers get the posts by read-time merge', async () => {
    const registry = new Registry();
    const celebrity = await newUser(fx.store);
    const fans: UserRecord[] = [];
    for (let i = 0; i < 3; i++) fans.push(await newUser(fx.store));
    for (const f of fans) await fx.store.follow(f.id, celebrity.id);
    const friend = await newUser(fx.store);
    await fx.store.follow(fans[0].id, friend.id);
    const service = fanout(registry, { workers: 2, celebrityThreshold: 3, backfillOnFollow: 0 });
    await service.following(reader(fans[0]), 10, undefined); // fans[0] reads, so fan-out writes into that timeline

    const fromFriend = await post(friend, 'from a friend');
    await service.onPostCreated(fromFriend);
    const fromCeleb = await post(celebrity, 'hello fans');
    await service.onPostCreated(fromCeleb);
    await until(async () => (await histogramCount(registry, 'social_fanout_lag_seconds')) === 1, 5_000);

    expect(await gauge(registry, 'social_fanout_posts_total', { path: 'celebrity' })).toBe(1);
    expect(await gauge(registry, 'social_fanout_items_written_total')).toBe(1); // only the friend's one follower
    expect(await fx.cache.range(`tl:${fans[1].id}`, 0, -1)).toEqual([]);
    const page = await service.following(reader(fans[0]), 10, undefined);
    expect(page.items.map((i) => i.id)).toEqual([fromCeleb.id, fromFriend.id]);
    const cold = await service.following(reader(fans[2]), 10, undefined);
    expect(cold.items.map((i) => i.id)).toEqual([fromCeleb.id]);
    await service.close();
  });

  test('only timelines somebody reads take fan-out writes; a cold read merges, then keeps its page', async () => {
    const registry = new Registry();
    const author = await newUser(fx.store);
    const reading = await newUser(fx.store);
    const idle = await newUser(fx.store);
    for (const f of [reading, idle]) await fx.store.follow(f.id, author.id);
    const service = fanout(registry, { workers: 1, backfillOnFollow: 0, celebrityThreshold: 1000 });
    const older: PostRecord[] = [];
    for (let i = 0; i < 8; i++) older.push(await post(author, `older ${i}`));
    await post(reading, 'my own post');

    // Cold: built by read-time merge (the reader's own posts too), then kept with a floor.
    const first = await service.following(reader(reading), 5, undefined);
    expect(first.items.map((i) => i.text)).toEqual(['my own post', 'older 7', 'older 6', 'older 5', 'older 4']);
    const kept = await fx.cache.range(`tl:${reading.id}`, 0, -1);
    expect(kept.filter((e) => !e.startsWith('~'))).toHaveLength(6);
    expect(kept.some((e) => /^~\d+$/.test(e))).toBe(true);

    const fresh = await post(author, 'fresh');
    await service.onPostCreated(fresh);
    await until(async () => (await histogramCount(registry, 'social_fanout_lag_seconds')) === 1, 5_000);
    expect(await gauge(registry, 'social_fanout_items_written_total')).toBe(1); // the reader's timeline, not the idle one's
    expect(await fx.cache.range(`tl:${idle.id}`, 0, -1)).toEqual([]);
    expect((await fx.cache.range(`tl:${reading.id}`, 0, 0))[0]).toContain(fresh.id);

    // Pages below the floor merge again: the whole history, in order, no repeats.
    const seen: string[] = [];
    let cursor: string | null | undefined;
    do {
      const page = await service.following(reader(reading), 3, cursor ?? undefined);
      seen.push(...page.items.map((i) => i.text));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(['fresh', 'my own post', ...older.map((p) => p.text).reverse()]);
    // The idle follower, reading for the first time, gets everything by merge.
    expect((await service.following(reader(idle), 20, undefined)).items.map((i) => i.text)).toEqual(['fresh', ...older.map((p) => p.text).reverse()]);
    await service.close();
  });

  test('a full queue falls back to read-time merge for that author', async () => {
    const registry = new Registry();
    const author = await newUser(fx.store);
    const follower = await newUser(fx.store);
    const other = await newUser(fx.store);
    await fx.store.follow(follower.id, author.id);
    await fx.store.follow(follower.id, other.id);
    // No workers: nothing drains, so the second post overflows the one-slot queue.
    const service = fanout(registry, { workers: 0, queueCapacity: 1, backfillOnFollow: 0 }, queue(1));
    const seed = await post(other, 'seed timeline');
    await fx.cache.pushCapped(`tl:${follower.id}`, [`${seed.seq}|${seed.id}|${other.id}`], 100);
    const first = await post(author, 'queued');
    const second = await post(author, 'overflowed');
    await service.onPostCreated(first);
    await service.onPostCreated(second);
    expect(await gauge(registry, 'social_fanout_posts_total', { path: 'overflow' })).toBe(1);
    const page = await service.following(reader(follower), 10, undefined);
    // Read-time merge returns the author's posts (both), though neither was fanned out.
    expect(page.items.map((i) => i.text)).toEqual(['overflowed', 'queued', 'seed timeline']);
    await service.close();
  });

  test('removed posts vanish from timelines', async () => {
    const registry = new Registry();
    const author = await newUser(fx.store);
    const follower = await newUser(fx.store);
    await fx.store.follow(follower.id, author.id);
    const service = fanout(registry, { workers: 1 });
    const keep = await post(author, 'keep me');
    const drop = await post(author, 'remove me');
    await service.onPostCreated(keep);
    await service.onPostCreated(drop);
    await until(async () => (await histogramCount(registry, 'social_fanout_lag_seconds')) === 2, 5_000);
    await fx.store.removePost(drop.id, 'test');
    const page = await service.following(reader(follower), 10, undefined);
    expect(page.items.map((i) => i.text)).toEqual(['keep me']);
    await service.close();
  });
});

describe('discover', () => {
  test('ranks the reader\'s languages first; under overload falls back to recency and says so', async () => {
    const registry = new Registry();
    const zhAuthor = await newUser(fx.store, ['zh']);
    const enAuthor = await newUser(fx.store, ['en']);
    const zhReader = await newUser(fx.store, ['zh', 'en']);
    for (let i = 0; i < 3; i++) await post(zhAuthor, `中文帖子 ${i}`, 'zh');
    // Then a surge of English posts, all newer.
    for (let i = 0; i < 12; i++) await post(enAuthor, `english surge ${i}`, 'en');
    let backlog = 0;
    const overload = new OverloadSignal({ fanoutBacklog: () => backlog }, { maxFanoutBacklog: 100 });
    const discover = new RankedDiscover(fx.store, overload, registry, {
      candidateTtlMs: 0,
      explorationShare: 0,
      weightLanguage: 5,
      candidateWindowSec: 3600,
    });

    const ranked = await discover.discover(reader(zhReader), 3, undefined);
    expect(ranked.degraded).toBeUndefined();
    expect(ranked.items.map((i) => i.lang)).toEqual(['zh', 'zh', 'zh']);

    backlog = 101;
    const fallback = await discover.discover(reader(zhReader), 3, undefined);
    expect(fallback.degraded).toBe('ranker-fallback');
    expect(fallback.items.map((i) => i.text)).toEqual(['english surge 11', 'english surge 10', 'english surge 9']);
    expect(await gauge(registry, 'social_feed_degraded_total', { feed: 'discover', reason: 'ranker-fallback' })).toBe(1);
    expect(await gauge(registry, 'social_ranker_fallback_total', { cause: 'fanout-backlog' })).toBe(1);
    expect(await histogramCount(registry, 'social_ranker_duration_seconds')).toBe(1);
    await discover.close();
  });

  test('retrieval by language keeps a reader\'s language in the candidates when English floods the newest posts', async () => {
    const registry = new Registry();
    let busy = false;
    const overload = new OverloadSignal({ inFlight: () => (busy ? 10 : 0) }, { maxInFlight: 5 });
    const discover = new RankedDiscover(fx.store, overload, registry, {
      candidateLimit: 5,
      candidateTtlMs: 0,
      explorationShare: 0,
      weightLanguage: 5,
      candidateWindowSec: 3600,
    });
    const zhAuthor = await newUser(fx.store, ['zh']);
    const enAuthor = await newUser(fx.store, ['en']);
    const zhReader = await newUser(fx.store, ['zh']);
    const zhPosts: PostRecord[] = [];
    for (let i = 0; i < 2; i++) zhPosts.push(await post(zhAuthor, `早上好 ${i}`, 'zh'));
    await discover.discover(reader(zhReader), 5, undefined); // the pool sees the Chinese posts
    for (let i = 0; i < 8; i++) await post(enAuthor, `flood ${i}`, 'en');

    const ranked = await discover.discover(reader(zhReader), 3, undefined);
    expect(ranked.items.slice(0, 2).map((i) => i.id)).toEqual([zhPosts[1].id, zhPosts[0].id]);
    busy = true;
    const fallback = await discover.discover(reader(zhReader), 5, undefined);
    expect(fallback.degraded).toBe('ranker-fallback');
    expect(fallback.items.map((i) => i.lang)).toEqual(['en', 'en', 'en', 'en', 'en']);
    expect(await gauge(registry, 'social_ranker_fallback_total', { cause: 'in-flight' })).toBe(1);
    // A post removed behind the pool's back (another process, the author) leaves at the next refresh.
    busy = false;
    await fx.store.removePost(zhPosts[1].id, 'test');
    const after = await discover.discover(reader(zhReader), 3, undefined);
    expect(after.items.map((i) => i.id)).not.toContain(zhPosts[1].id);
    expect(after.items[0].id).toBe(zhPosts[0].id);
    await discover.close();
  });

  test('a page sequence is pinned: no repeats or skips while the policy switches between ranked and recency-only', async () => {
    const zhAuthor = await newUser(fx.store, ['zh']);
    const enAuthor = await newUser(fx.store, ['en']);
    const zhReader = await newUser(fx.store, ['zh', 'en']);
    for (let i = 0; i < 6; i++) await post(zhAuthor, `分页 ${i}`, 'zh');
    for (let i = 0; i < 14; i++) await post(enAuthor, `paging surge ${i}`, 'en');
    let backlog = 0;
    const overload = new OverloadSignal({ fanoutBacklog: () => backlog }, { maxFanoutBacklog: 100 });
    const options = { candidateTtlMs: 60_000, explorationShare: 0.25, weightLanguage: 5, candidateWindowSec: 3600 };
    const registry = new Registry();
    // The snapshots live in the shared cache (Redis when configured), as in the backend.
    const discover = new RankedDiscover(fx.store, overload, registry, options, fx.cache);

    type Page = Awaited<ReturnType<typeof discover.discover>>;
    async function readAll(limit: number, between: (page: number) => void | Promise<void>): Promise<Page[]> {
      const pages: Page[] = [];
      let cursor: string | undefined;
      do {
        const page = await discover.discover(reader(zhReader), limit, cursor);
        pages.push(page);
        cursor = page.nextCursor ?? undefined;
        await between(pages.length);
      } while (cursor);
      return pages;
    }
    const ids = (pages: Page[]) => pages.flatMap((p) => p.items.map((i) => i.id));

    // The orderings each policy gives, in one page each.
    const ranked = await discover.discover(reader(zhReader), 100, undefined);
    expect(ranked.degraded).toBeUndefined();
    backlog = 101;
    const recency = await discover.discover(reader(zhReader), 100, undefined);
    expect(recency.degraded).toBe('ranker-fallback');
    const rankedIds = ranked.items.map((i) => i.id);
    const recencyIds = recency.items.map((i) => i.id);
    expect(rankedIds.length).toBeGreaterThanOrEqual(20);
    expect(rankedIds).not.toEqual(recencyIds); // the policies really order differently

    // Started ranked, then the backend flips to recency-only (and back, and again) between page reads.
    backlog = 0;
    const a = await readAll(3, (n) => void (backlog = n % 2 === 1 ? 101 : 0));
    expect(ids(a)).toEqual(rankedIds);
    expect(new Set(ids(a)).size).toBe(ids(a).length);
    expect(a.every((p) => p.degraded === undefined)).toBe(true); // every page was shaped by the ranker's ordering

    // Started under overload: recency-only to the end, and every page says so, though the ranker is back.
    backlog = 101;
    const b = await readAll(4, () => void (backlog = 0));
    expect(ids(b)).toEqual(recencyIds);
    expect(b.every((p) => p.degraded === 'ranker-fallback')).toBe(true);

    // Another process (another instance sharing the cache) serves a sequence's later pages from its snapshot.
    const other = new RankedDiscover(fx.store, new OverloadSignal({}), new Registry(), options, fx.cache);
    backlog = 0;
    const first = await discover.discover(reader(zhReader), 5, undefined);
    const second = await other.discover(reader(zhReader), 5, first.nextCursor!);
    expect([...first.items, ...second.items].map((i) => i.id)).toEqual(rankedIds.slice(0, 10));
    await other.close();
    await discover.close();
  });

  test('posts created while a sequence is paged do not shift it', async () => {
    const author = await newUser(fx.store, ['en']);
    const me = await newUser(fx.store, ['en']);
    for (let i = 0; i < 8; i++) await post(author, `steady ${i}`, 'en');
    const discover = new RankedDiscover(fx.store, new OverloadSignal({}), new Registry(), { candidateTtlMs: 0, explorationShare: 0, candidateWindowSec: 3600 }, fx.cache);
    const page1 = await discover.discover(reader(me), 4, undefined);
    const fresh: PostRecord[] = [];
    for (let i = 0; i < 5; i++) fresh.push(await post(author, `arrived mid-sequence ${i}`, 'en'));
    await discover.discover(reader(me), 4, undefined); // a new sequence refreshes the pool meanwhile
    const page2 = await discover.discover(reader(me), 4, page1.nextCursor!);
    const seen = [...page1.items, ...page2.items].map((i) => i.id);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.some((id) => fresh.some((p) => p.id === id))).toBe(false);
    await expect(discover.discover(reader(me), 4, 'bm9wZQ')).rejects.toMatchObject({ code: 'invalid_cursor' });
    // Well-formed, but a snapshot nobody stored (or one that expired): start again.
    const unknown = Buffer.from('d:zzzzzz1.f:4').toString('base64url');
    await expect(discover.discover(reader(me), 4, unknown)).rejects.toMatchObject({ code: 'invalid_cursor' });
    await discover.close();
  });

  test('exploration gives a share of slots to other languages', async () => {
    const registry = new Registry();
    const discover = new RankedDiscover(fx.store, new OverloadSignal({}), registry, {
      candidateTtlMs: 0,
      explorationShare: 0.5,
      weightLanguage: 5,
      candidateWindowSec: 3600,
    });
    const zhReader = await newUser(fx.store, ['zh']);
    const page = await discover.discover(reader(zhReader), 4, undefined);
    expect(page.items.map((i) => i.lang)).toEqual(['zh', 'en', 'zh', 'en']);
    await discover.close();
  });
});
