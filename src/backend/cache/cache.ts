// Timelines, counters and rate-limit state (DESIGN.md §5): Redis (redis-cache.ts, ioredis) or an in-process
// equivalent (memory-cache.ts) with the same semantics, so one process needs no Redis and many share one.
// Keys are plain strings; each implementation applies the configured key prefix itself.

export interface WindowHit {
  /** Hits in the current window, this one included. */
  count: number;
  /** Seconds until the window resets. */
  ttlSec: number;
}

/** A condition on one string key: it holds `value` ('' when the key is missing). See Cache.pushCappedExisting. */
export interface CacheGuard {
  key: string;
  value: string;
}

export interface Cache {
  readonly kind: 'redis' | 'memory';

  get(key: string): Promise<string | null>;
  /** ttlSec omitted or 0: no expiry. */
  set(key: string, value: string, ttlSec?: number): Promise<void>;
  del(key: string): Promise<void>;
  /** MGET: one round trip for many keys; null for a missing one. */
  getMany(keys: string[]): Promise<(string | null)[]>;
  /** SET EX for many keys in one round trip; with onlyIfAbsent (NX) an existing key keeps its value. */
  setMany(entries: Array<[key: string, value: string]>, ttlSec: number, onlyIfAbsent?: boolean): Promise<void>;
  /**
   * Sets each integer key to the given value unless it already holds a larger one (monotonic counters), one round
   * trip. Redis leaves a key holding a tombstone ('-', see store/cached-store.ts) as it is.
   */
  setMaxMany(entries: Array<[key: string, value: number]>, ttlSec: number): Promise<void>;

  /**
   * LPUSH + LTRIM: pushes values in the order given (so the last one ends up at the head, index 0) and keeps
   * only the first `cap` elements. ttlSec (optional) refreshes the list's expiry.
   */
  pushCapped(key: string, values: string[], cap: number, ttlSec?: number): Promise<void>;
  /**
   * LPUSHX + LTRIM on many lists in one round trip (fan-out on write): the values are pushed, as pushCapped does, onto
   * each list that exists, which is trimmed to `cap` (Redis trims in steps: a list may hold up to cap/16 more
   * elements until its next trim). A missing list is not created and no expiry is touched, so only
   * timelines somebody reads (kept alive by touchList) take writes. Returns how many lists took the values.
   * With a guard, the push happens only if the guard's key holds its value ('' for a missing key), checked in the same
   * step as the push (one script on Redis); otherwise nothing is pushed and the answer is -1.
   */
  pushCappedExisting(keys: string[], values: string[], cap: number, guard?: CacheGuard): Promise<number>;
  /**
   * Keeps a list alive for ttlSec more seconds (0: no expiry); a missing list is created holding just `marker`.
   * Returns whether the list existed.
   */
  touchList(key: string, marker: string, ttlSec: number): Promise<boolean>;
  /** LRANGE: inclusive indexes, negative counts from the end (-1 = last). Missing key: []. */
  range(key: string, start: number, stop: number): Promise<string[]>;
  listLength(key: string): Promise<number>;
  /** LREM key 0 value: removes every occurrence; returns how many. */
  removeFromList(key: string, value: string): Promise<number>;

  /** INCRBY; when ttlSec is given and the key is new, it expires after ttlSec. */
  incr(key: string, by?: number, ttlSec?: number): Promise<number>;
  /** Fixed-window counter for rate limits: one hit on key, window of windowSec starting at the first hit. */
  windowHit(key: string, windowSec: number): Promise<WindowHit>;

  ping(): Promise<void>;
  close(): Promise<void>;
}
