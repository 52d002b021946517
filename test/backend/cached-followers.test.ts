// Follower lists through a per-process copy checked against a version in the cache (src/backend/store/cached-followers.ts):
// repeated reads skip the store, and a follow or unfollow through any process is seen by the next read in every one.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countingStore, openFixture, newUser, type Fixture } from '../backend-surge/store-fixture.ts';
import { withFollowerCache } from '../../src/backend/store/cached-followers.ts';
import type { Store } from '../../src/backend/store/store.ts';

let fx: Fixture;
let queries: string[];
/** Two processes' views: each its own copies, one store and one cache underneath. */
let a: Store;
let b: Store;
let now = 0;
beforeAll(async () => {
  fx = await openFixture();
  queries = [];
  const counting = countingStore(fx.store, queries);
  a = withFollowerCache(counting, fx.cache, { maxAgeMs: 30_000 }, () => now);
  b = withFollowerCache(counting, fx.cache, { maxAgeMs: 30_000 }, () => now);
});
afterAll(async () => {
  await fx?.close();
});

const listFollowers = (s: Store, id: string) => s.listFollowers(id, 500).then((p) => [...p.items].sort());

describe(`follower lists (${process.env.REDIS_URL ? 'redis' : 'memory'} cache when configured)`, () => {
  it('answers repeated reads from the copy, and every process sees a follow or unfollow made through another', async () => {
    const author = await newUser(fx.store);
    const f1 = await newUser(fx.store);
    const f2 = await newUser(fx.store);
    await a.follow(f1.id, author.id);
    expect(await listFollowers(a, author.id)).toEqual([f1.id]);
    expect(await listFollowers(b, author.id)).toEqual([f1.id]);
    queries.length = 0;
    expect(await listFollowers(a, author.id)).toEqual([f1.id]);
    expect(await listFollowers(b, author.id)).toEqual([f1.id]);
    expect(queries.filter((q) => q === 'listFollowers')).toEqual([]); // both from their copies

    await b.follow(f2.id, author.id); // through the other process
    expect(await listFollowers(a, author.id)).toEqual([f1.id, f2.id].sort());
    await a.unfollow(f1.id, author.id);
    expect(await listFollowers(b, author.id)).toEqual([f2.id]);
    expect(await a.follow(f2.id, author.id)).toBe(false); // a repeat changes nothing
  });

  it('a list read while a follow commits is never reused, and copies expire', async () => {
    const author = await newUser(fx.store);
    const f1 = await newUser(fx.store);
    // A store read that answers what it saw before a follow, only after the follow was acknowledged.
    let gate: (() => void) | undefined;
    const slow = new Proxy(fx.store, {
      get(target, prop, receiver) {
        if (prop !== 'listFollowers') return Reflect.get(target, prop, receiver);
        return async (id: string, limit: number, before?: number) => {
          const page = await target.listFollowers(id, limit, before);
          if (gate === undefined) await new Promise<void>((r) => (gate = r));
          return page;
        };
      },
    });
    const c = withFollowerCache(slow, fx.cache, { maxAgeMs: 30_000 }, () => now);
    const read = listFollowers(c, author.id);
    await new Promise((r) => setTimeout(r, 50));
    await c.follow(f1.id, author.id);
    gate!();
    expect(await read).toEqual([]); // what the store saw then
    expect(await listFollowers(c, author.id)).toEqual([f1.id]); // not the copy of that read
    queries.length = 0;
    expect(await listFollowers(a, author.id)).toEqual([f1.id]);
    expect(await listFollowers(a, author.id)).toEqual([f1.id]);
    expect(queries).toEqual(['listFollowers']);
    now += 30_000;
    expect(await listFollowers(a, author.id)).toEqual([f1.id]);
    expect(queries).toEqual(['listFollowers', 'listFollowers']); // expired copy: read again
  });
});

describe('guarded follower pages (fan-out: the copy is checked in the same step as the push)', () => {
  it('answers from the copy without reading the version, and a push under a copy made stale by a follow anywhere fails', async () => {
    const author = await newUser(fx.store);
    const f1 = await newUser(fx.store);
    const f2 = await newUser(fx.store);
    await a.follow(f1.id, author.id);
    const key = `tl:guard-test-${author.id}`;
    await fx.cache.touchList(key, '~', 60);
    const first = await a.listFollowersGuarded!(author.id, 500);
    expect(first.items).toEqual([f1.id]);
    expect(first.guard).toBeDefined();
    expect(await fx.cache.pushCappedExisting([key], ['e1'], 10, first.guard)).toBe(1);

    // The copy is answered as it is (no store read), with the version it was read under.
    queries.length = 0;
    const again = await a.listFollowersGuarded!(author.id, 500);
    expect(again.items).toEqual([f1.id]);
    expect(queries).toEqual([]);

    await b.follow(f2.id, author.id); // through the other process: a's copy is stale now
    expect(await fx.cache.pushCappedExisting([key], ['e2'], 10, again.guard)).toBe(-1);
    expect(await fx.cache.range(key, 0, -1)).toEqual(['e1', '~']); // nothing pushed
    again.guard!.stale();
    const fresh = await a.listFollowersGuarded!(author.id, 500);
    expect([...fresh.items].sort()).toEqual([f1.id, f2.id].sort());
    expect(await fx.cache.pushCappedExisting([key], ['e2'], 10, fresh.guard)).toBe(1);
    expect(await fx.cache.range(key, 0, -1)).toEqual(['e2', 'e1', '~']);
    // The unguarded read still checks the version first, as before.
    await b.unfollow(f1.id, author.id);
    expect(await listFollowers(a, author.id)).toEqual([f2.id]);
  });
});
