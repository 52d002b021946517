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
import type { GuardedPage, SeqPage, Store } from './store.ts';

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

  /** The page under the version just read: the copy when it was read under it, else the store's answer (kept). */
  async function current(userId: string, limit: number, beforeSeq: number | undefined, key: string): Promise<Copy | undefined> {
    let version: string;
    try {
      version = (await cache.get(versionKey(userId))) ?? '';
    } catch {
      return undefined; // cache unreachable: the store answers alone
    }
    const copy = copies.get(key);
    if (copy && copy.version === version && now() - copy.at < opts.maxAgeMs) return copy;
    const at = now();
    const fresh: Copy = { version, page: await store.listFollowers(userId, limit, beforeSeq), at };
    keep(key, fresh);
    return fresh;
  }

  const pageKey = (userId: string, limit: number, beforeSeq?: number) => `${userId.toLowerCase()}|${limit}|${beforeSeq ?? ''}`;

  /** The page with its version as a guard: stale() forgets the copy (if it is still this one). */
  function guarded(userId: string, key: string, copy: Copy): GuardedPage {
    return {
      items: copy.page.items,
      next: copy.page.next,
      guard: {
        key: versionKey(userId),
        value: copy.version,
        stale: () => {
          if (copies.get(key) !== copy) return;
          copies.delete(key);
          ids -= copy.page.items.length;
        },
      },
    };
  }

  const cached: Partial<Store> = {
    async listFollowers(userId: string, limit: number, beforeSeq?: number): Promise<SeqPage<string>> {
      const copy = await current(userId, limit, beforeSeq, pageKey(userId, limit, beforeSeq));
      return copy ? copy.page : store.listFollowers(userId, limit, beforeSeq);
    },
    /**
     * Fan-out's read: a copy within its age is answered as it is, without reading the version first (a Redis round
     * trip per page of followers), and the version it was read under goes with it as the guard of the push that uses
     * it, which Redis checks in the same script as the push. So a follow acknowledged anywhere before the push is still
     * seen by it (the guard fails, the copy is forgotten and fan-out asks again), as when the version was read first.
     */
    async listFollowersGuarded(userId: string, limit: number, beforeSeq?: number): Promise<GuardedPage> {
      const key = pageKey(userId, limit, beforeSeq);
      const copy = copies.get(key);
      if (copy && now() - copy.at < opts.maxAgeMs) return guarded(userId, key, copy);
      const fresh = await current(userId, limit, beforeSeq, key);
      return fresh ? guarded(userId, key, fresh) : store.listFollowers(userId, limit, beforeSeq);
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
