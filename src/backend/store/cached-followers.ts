// Follower lists through a per-process copy, checked against a version kept in the Cache: fan-out pages through an
// author's followers for every post, and a database query per post cost more than everything else a post does. The
// version (`fv:<userId>`, a fresh random token on every follow or unfollow of that user, set before the follow is
// acknowledged) is read first (one GET, in the turn's Redis pipeline), then the copy is used only if it was read
// under the same version; otherwise the store answers and its answer is kept under the version read before it. So a
// follow acknowledged anywhere is seen by the next page read in every process sharing the cache, and a list read
// while a follow commits is kept under the old version and never reused. Memory budget: copies live `maxAgeMs`
// (also the bound should a version write fail), at most `maxIds` follower ids in all, oldest first out.
import { randomBytes } from 'node:crypto';
import type { Cache } from '../cache/cache.ts';
import { withOverrides } from './store-overrides.ts';
import type { SeqPage, Store } from './store.ts';

export interface FollowerCacheOptions {
  maxAgeMs: number;
  maxIds: number;
}

export const DEFAULT_FOLLOWER_CACHE_OPTIONS: FollowerCacheOptions = { maxAgeMs: 30_000, maxIds: 500_000 };

/** Versions outlive every copy by far; a version that expired reads as '' (absent), which no newer copy carries. */
const VERSION_TTL_SEC = 86_400;
const versionKey = (userId: string) => `fv:${userId.toLowerCase()}`;

interface Copy {
  version: string;
  page: SeqPage<string>;
  at: number;
}

export function withFollowerCache(store: Store, cache: Cache, options: Partial<FollowerCacheOptions> = {}, now: () => number = Date.now): Store {
  const opts = { ...DEFAULT_FOLLOWER_CACHE_OPTIONS, ...options };
  const copies = new Map<string, Copy>(); // in write order
  let ids = 0;

  function keep(key: string, copy: Copy): void {
    const old = copies.get(key);
    if (old) {
      copies.delete(key);
      ids -= old.page.items.length;
    }
    copies.set(key, copy);
    ids += copy.page.items.length;
    const t = now();
    for (const [k, c] of copies) {
      if (ids <= opts.maxIds && t - c.at < opts.maxAgeMs) break;
      copies.delete(k);
      ids -= c.page.items.length;
    }
  }

  async function changed(followeeId: string): Promise<void> {
    await cache.set(versionKey(followeeId), randomBytes(8).toString('base64url'), VERSION_TTL_SEC).catch(() => undefined);
  }

  const cached: Partial<Store> = {
    async listFollowers(userId: string, limit: number, beforeSeq?: number): Promise<SeqPage<string>> {
      let version: string;
      try {
        version = (await cache.get(versionKey(userId))) ?? '';
      } catch {
        return store.listFollowers(userId, limit, beforeSeq); // cache unreachable: the store answers alone
      }
      const key = `${userId.toLowerCase()}|${limit}|${beforeSeq ?? ''}`;
      const copy = copies.get(key);
      if (copy && copy.version === version && now() - copy.at < opts.maxAgeMs) return copy.page;
      const at = now();
      const page = await store.listFollowers(userId, limit, beforeSeq);
      keep(key, { version, page, at });
      return page;
    },
    async follow(followerId: string, followeeId: string): Promise<boolean> {
      const created = await store.follow(followerId, followeeId);
      if (created) await changed(followeeId);
      return created;
    },
    async unfollow(followerId: string, followeeId: string): Promise<boolean> {
      const removed = await store.unfollow(followerId, followeeId);
      if (removed) await changed(followeeId);
      return removed;
    },
  };
  return withOverrides(store, cached);
}
