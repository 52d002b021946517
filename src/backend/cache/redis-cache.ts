// Cache on Redis (ioredis): shared by every backend process and replica. All keys get the configured prefix.
import { Redis } from 'ioredis';
import type { Cache, CacheGuard, WindowHit } from './cache.ts';

// For every setMaxMany call of a turn at once: SET key value EX ttl unless the key holds a larger integer (so
// out-of-order writers never lower a counter) or a tombstone ('-': a removed post's counts stay removed whatever like
// or comment was still in flight). ARGV[1] is the connection's key prefix, ARGV[2] the keys joined by NUL (unprefixed:
// see PUSH_CAPPED_EXISTING_MANY), then each key's value and ttl in turn, applied in order. A turn's likes and
// comments raise their posts' counts with one command instead of one each.
const SET_MAX_MANY = `
local prefix, keys = ARGV[1], ARGV[2]
local i, a = 1, 3
while i <= #keys do
  local j = string.find(keys, '\0', i, true) or (#keys + 1)
  local key = prefix .. string.sub(keys, i, j - 1)
  local raw = redis.call('GET', key)
  if raw ~= '-' then
    local cur = tonumber(raw)
    if cur == nil or tonumber(ARGV[a]) > cur then redis.call('SET', key, ARGV[a], 'EX', ARGV[a + 1]) end
  end
  i = j + 1
  a = a + 2
end
return 0`;

// LPUSH, LTRIM to ARGV[1] and (ARGV[2] > 0) EXPIRE in one command.
const PUSH_CAPPED = `
local cap, ttl = tonumber(ARGV[1]), tonumber(ARGV[2])
if redis.call('LPUSH', KEYS[1], unpack(ARGV, 3)) > cap then redis.call('LTRIM', KEYS[1], 0, cap - 1) end
if ttl > 0 then redis.call('EXPIRE', KEYS[1], ttl) end
return 1`;

// Fan-out on write, for every pushCappedExisting call of a turn at once: groups of keys, each group's values LPUSHXed
// onto every key of the group that exists, which is then trimmed to the group's cap; expiry untouched. ARGV[1] is the
// connection's key prefix; then, per group, its keys joined by NUL (unprefixed), its cap, its value count and its
// values, then its guard: a key (unprefixed; '' for none) and the value it must hold ('' = missing) for the group to
// be pushed at all (else -1; a fan-out page checks that its follower list is still current in the same step as the
// push, see store/cached-followers.ts). Per group, how many lists took the values. One command for a turn's own-timeline pushes and pages of
// followers. A list is trimmed back to its cap only once a push took it past cap + cap/16 (LPUSHX answers the
// length): an LTRIM per follower and post, on timelines that stay at their cap, was a third of Redis's time for a
// post; now it is one per cap/16 pushes (exact below a cap of 16). The keys travel as one string per group, named inside the script: declared one by one (KEYS), ioredis
// spent ~0.6 us of JS per key prefixing and encoding them, 0.3 ms per page of 500 followers. (Keys a script names
// itself are not routed by a Redis Cluster; nor were these multi-key pushes, whose keys span slots.)
const PUSH_CAPPED_EXISTING_MANY = `
local prefix, out, a = ARGV[1], {}, 2
while a <= #ARGV do
  local keys, cap, nv, gk, gv = ARGV[a], tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2]), ARGV[a + 3], ARGV[a + 4]
  local slack = cap + math.floor(cap / 16)
  local first, last = a + 5, a + 4 + nv
  if gk ~= '' and (redis.call('GET', prefix .. gk) or '') ~= gv then
    out[#out + 1] = -1
  else
    local n, i = 0, 1
    while i <= #keys do
      local j = string.find(keys, '\0', i, true) or (#keys + 1)
      local key = prefix .. string.sub(keys, i, j - 1)
      local len = redis.call('LPUSHX', key, unpack(ARGV, first, last))
      if len > 0 then
        if len > slack then redis.call('LTRIM', key, 0, cap - 1) end
        n = n + 1
      end
      i = j + 1
    end
    out[#out + 1] = n
  end
  a = last + 1
end
return out`;

// A read keeps its timeline alive: EXPIRE (ARGV[2] > 0) when it exists, else created holding the marker ARGV[1].
const TOUCH_LIST = `
local existed = redis.call('EXISTS', KEYS[1])
if existed == 0 then redis.call('LPUSH', KEYS[1], ARGV[1]) end
if tonumber(ARGV[2]) > 0 then redis.call('EXPIRE', KEYS[1], ARGV[2]) else redis.call('PERSIST', KEYS[1]) end
return existed`;

// SET key value EX ttl for every key, NX when ARGV[2] is 'NX'. ARGV[1] is the connection's key prefix, ARGV[3] the
// keys joined by NUL (unprefixed: see PUSH_CAPPED_EXISTING_MANY), then each key's value and ttl in turn. One command
// for a call's keys (a removed post's tombstones), or for every fill of a turn (new posts' fields and counts).
const SET_MANY = `
local prefix, nx, keys = ARGV[1], ARGV[2] == 'NX', ARGV[3]
local i, a = 1, 4
while i <= #keys do
  local j = string.find(keys, '\0', i, true) or (#keys + 1)
  local key = prefix .. string.sub(keys, i, j - 1)
  if nx then redis.call('SET', key, ARGV[a], 'EX', ARGV[a + 1], 'NX') else redis.call('SET', key, ARGV[a], 'EX', ARGV[a + 1]) end
  i = j + 1
  a = a + 2
end
return 0`;

// INCRBY ARGV[1]; a new key (no expiry yet) expires after ARGV[2] seconds (EXPIRE NX, Redis >= 7), so an existing
// window is not extended. Returns the count and the seconds left. Rate limits and counters, in the turn's pipeline.
const INCR_WINDOW = `
local n = redis.call('INCRBY', KEYS[1], ARGV[1])
if tonumber(ARGV[2]) > 0 then redis.call('EXPIRE', KEYS[1], ARGV[2], 'NX') end
return {n, redis.call('TTL', KEYS[1])}`;

// A bounded queue on a list: ARGV[2..] offered in order, each LPUSHed only while the list holds fewer than ARGV[1];
// per value, the length after its push, or -1 when it did not fit.
const OFFER_BOUNDED = `
local cap = tonumber(ARGV[1])
local n = redis.call('LLEN', KEYS[1])
local out = {}
for i = 2, #ARGV do
  if n >= cap then out[#out + 1] = -1 else
    n = redis.call('LPUSH', KEYS[1], ARGV[i])
    out[#out + 1] = n
  end
end
return out`;

type RedisWithSetMax = Redis & {
  setMaxMany(prefix: string, keys: string, ...valuesAndTtls: Array<string | number>): Promise<number>;
  setMany(prefix: string, nx: string, keys: string, ...valuesAndTtls: Array<string | number>): Promise<number>;
  offerBounded(key: string, cap: number, ...values: string[]): Promise<number[]>;
  incrWindow(key: string, by: number, ttlSec: number): Promise<[number, number]>;
  pushCapped(key: string, cap: number, ttlSec: number, ...values: string[]): Promise<number>;
  pushCappedExistingMany(prefix: string, ...groups: Array<string | number>): Promise<number[]>;
  touchList(key: string, marker: string, ttlSec: number): Promise<number>;
};

export interface RedisCacheOptions {
  url: string;
  /** Prepended to every key, e.g. 'social:' (tests use a unique prefix). */
  keyPrefix: string;
  /** Fail a command after this long instead of queueing forever when Redis is away. */
  commandTimeoutMs?: number;
}

type Pipeline = ReturnType<Redis['pipeline']> &
  Pick<RedisWithSetMax, 'setMaxMany' | 'setMany' | 'offerBounded' | 'incrWindow' | 'pushCapped' | 'pushCappedExistingMany' | 'touchList'>;

/**
 * Calls of one kind made during an event-loop turn, sent as ONE command when the cache flushes the turn (at its end,
 * see RedisCache.atFlush): a turn's follower-list versions as one MGET, its timeline pushes as one script call, its
 * cache fills as one. Each call gets its own part of the answer.
 */
class TurnGroup<I, R> {
  private items: I[] = [];
  private waiters: Array<{ resolve(r: R): void; reject(err: unknown): void }> = [];

  constructor(
    private readonly atFlush: (fn: () => void) => void,
    private readonly send: (items: I[]) => Promise<R[]>,
  ) {}

  add(item: I): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      if (this.items.length === 0) this.atFlush(() => this.flush());
      this.items.push(item);
      this.waiters.push({ resolve, reject });
    });
  }

  private flush(): void {
    const items = this.items;
    const waiters = this.waiters;
    this.items = [];
    this.waiters = [];
    this.send(items).then(
      (results) => {
        for (let i = 0; i < waiters.length; i++) waiters[i].resolve(results[i]);
      },
      (err: unknown) => {
        for (const w of waiters) w.reject(err);
      },
    );
  }
}

interface PushGroup {
  /** The lists' keys joined by NUL (see joinedKeys). */
  keys: string;
  values: string[];
  cap: number;
  guard?: CacheGuard;
}

/** Keys joined by NUL, as the scripts take them, remembered for frozen arrays (fan-out's keys of a follower page). */
const frozenJoined = new WeakMap<readonly string[], string>();

function joinedKeys(keys: readonly string[], what: string): string {
  const frozen = Object.isFrozen(keys);
  const known = frozen ? frozenJoined.get(keys) : undefined;
  if (known !== undefined) return known;
  if (keys.some((k) => k.includes('\0'))) throw new Error(`${what}: a key holds NUL, which separates keys`);
  const joined = keys.join('\0');
  if (frozen) frozenJoined.set(keys, joined);
  return joined;
}

/** A single command waiting for the next batch (see RedisCache.batched): how to add it to a pipeline, who waits. */
interface Queued {
  add(p: Pipeline): void;
  resolve(value: unknown): void;
  reject(err: unknown): void;
}

export class RedisCache implements Cache {
  readonly kind = 'redis' as const;
  private readonly redis: RedisWithSetMax;
  /** Commands issued since the last flush (at most one event-loop turn's worth). */
  private queued: Queued[] = [];
  private flushScheduled = false;
  /** Run when the turn's batch is flushed, before it is sent (see atFlush); the last ones after the others. */
  private hooks: Array<() => void> = [];
  private lastHooks: Array<() => void> = [];
  /** A turn's GETs as one MGET. */
  private readonly gets = new TurnGroup<string, string | null>(
    (fn) => this.atFlush(fn),
    (keys) => this.batched((p) => p.mget(keys)),
  );
  /** A turn's pushCappedExisting calls as one script call. */
  private readonly pushes = new TurnGroup<PushGroup, number>(
    (fn) => this.atFlush(fn),
    (groups) => {
      const args: Array<string | number> = [];
      for (const g of groups) {
        args.push(g.keys, g.cap, g.values.length, g.guard?.key ?? '', g.guard?.value ?? '');
        for (const v of g.values) args.push(v);
      }
      return this.batched<number[]>((p) => p.pushCappedExistingMany(this.keyPrefix, ...args));
    },
  );
  /** A turn's NX fills (setMany onlyIfAbsent) as one script call. */
  private readonly fills = new TurnGroup<{ entries: Array<[string, string]>; ttl: number }, void>(
    (fn) => this.atFlush(fn),
    (calls) => {
      const entries: Array<[string, string]> = [];
      const ttls: number[] = [];
      for (const c of calls) {
        for (const e of c.entries) {
          entries.push(e);
          ttls.push(c.ttl);
        }
      }
      return this.sendSetMany(entries, ttls, true).then(() => calls.map(() => undefined));
    },
  );

  /** A turn's setMaxMany calls as one script call, applied in call order. */
  private readonly maxes = new TurnGroup<{ entries: Array<[string, number]>; ttl: number }, void>(
    (fn) => this.atFlush(fn),
    (calls) => {
      const keys: string[] = [];
      const args: Array<string | number> = [];
      for (const c of calls) {
        for (const [k, v] of c.entries) {
          keys.push(k);
          args.push(v, c.ttl);
        }
      }
      return this.batched((p) => p.setMaxMany(this.keyPrefix, keys.join('\0'), ...args)).then(() => calls.map(() => undefined));
    },
  );

  private constructor(redis: Redis) {
    redis.defineCommand('setMaxMany', { numberOfKeys: 0, lua: SET_MAX_MANY });
    redis.defineCommand('pushCapped', { numberOfKeys: 1, lua: PUSH_CAPPED });
    redis.defineCommand('pushCappedExistingMany', { numberOfKeys: 0, lua: PUSH_CAPPED_EXISTING_MANY });
    redis.defineCommand('touchList', { numberOfKeys: 1, lua: TOUCH_LIST });
    redis.defineCommand('setMany', { numberOfKeys: 0, lua: SET_MANY });
    redis.defineCommand('offerBounded', { numberOfKeys: 1, lua: OFFER_BOUNDED });
    redis.defineCommand('incrWindow', { numberOfKeys: 1, lua: INCR_WINDOW });
    this.redis = redis as RedisWithSetMax;
    this.keyPrefix = String(redis.options.keyPrefix ?? '');
  }

  private readonly keyPrefix: string;

  static async connect(options: RedisCacheOptions): Promise<RedisCache> {
    const redis = new Redis(options.url, {
      keyPrefix: options.keyPrefix,
      lazyConnect: true,
      maxRetriesPerRequest: 2,
      commandTimeout: options.commandTimeoutMs ?? 2000,
      enableOfflineQueue: true,
      // No enableAutoPipelining: when a Redis outage exhausts maxRetriesPerRequest, ioredis rejects its internal
      // auto-pipeline with nobody listening, and the unhandled rejection took the whole backend down (found by the
      // cut-redis fault test). Explicit pipelines (multi-key reads, fan-out) keep the round trips low.
    });
    redis.on('error', () => undefined); // reported through failing commands; reconnects by itself
    try {
      await redis.connect();
      await redis.ping();
    } catch (err) {
      redis.disconnect();
      throw new Error(`cannot connect to Redis at ${options.url}: ${(err as Error).message}`, { cause: err });
    }
    return new RedisCache(redis);
  }

  /**
   * Reads (and monotonic counter writes) issued while one event-loop turn handles many requests go to Redis as one
   * pipeline, flushed once the turn's I/O callbacks have run (setImmediate): one socket write and one read for the
   * lot instead of a pair of system calls per command, which on a busy machine cost more than the commands. This is
   * auto-pipelining without ioredis's own (see connect): every command's promise is settled here, by the pipeline's
   * per-command result or by its failure, so nothing is left rejected unhandled.
   */
  private batched<T>(add: Queued['add']): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queued.push({ add, resolve: resolve as (v: unknown) => void, reject });
      if (this.flushScheduled) return;
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    });
  }

  /**
   * Runs fn when this turn's batch is flushed, just before it is sent: commands fn issues (through this cache's
   * methods) join the batch after every command issued during the turn, in the order the hooks were registered. A
   * subsystem that gathers a turn's work into one command (the fan-out queue's offers, the page-invalidation message)
   * sends it this way in the same socket write as the writes it follows, and Redis runs it after them.
   */
  atFlush(fn: () => void, last = false): void {
    (last ? this.lastHooks : this.hooks).push(fn);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    // Hooks first: their commands land in this batch (flushScheduled is still set, so none schedules another flush).
    for (const hooks of [this.hooks, this.lastHooks]) {
      for (let i = 0; i < hooks.length; i++) {
        try {
          hooks[i]();
        } catch {
          // a hook settles its own callers; one that throws must not hold up the batch
        }
      }
    }
    this.hooks = [];
    this.lastHooks = [];
    this.flushScheduled = false;
    const batch = this.queued;
    this.queued = [];
    if (batch.length === 0) return;
    const p = this.redis.pipeline() as Pipeline;
    for (const q of batch) q.add(p);
    p.exec().then(
      (results) => {
        for (let i = 0; i < batch.length; i++) {
          const [err, value] = results?.[i] ?? [new Error('redis pipeline returned no result'), undefined];
          if (err) batch[i].reject(err);
          else batch[i].resolve(value);
        }
      },
      (err: unknown) => {
        for (const q of batch) q.reject(err);
      },
    );
  }

  async get(key: string): Promise<string | null> {
    return this.gets.add(key);
  }

  async set(key: string, value: string, ttlSec?: number): Promise<void> {
    if (ttlSec && ttlSec > 0) await this.batched((p) => p.set(key, value, 'EX', Math.ceil(ttlSec)));
    else await this.batched((p) => p.set(key, value));
  }

  async del(key: string): Promise<void> {
    await this.batched((p) => p.del(key));
  }

  async getMany(keys: string[]): Promise<(string | null)[]> {
    if (keys.length === 0) return [];
    return this.batched((p) => p.mget(keys));
  }

  async setMany(entries: Array<[string, string]>, ttlSec: number, onlyIfAbsent = false): Promise<void> {
    if (entries.length === 0) return;
    if (entries.some(([k]) => k.includes('\0'))) throw new Error('setMany: a key holds NUL, which separates keys');
    const ttl = Math.max(1, Math.ceil(ttlSec));
    if (onlyIfAbsent) return this.fills.add({ entries, ttl });
    await this.sendSetMany(
      entries,
      entries.map(() => ttl),
      false,
    );
  }

  private sendSetMany(entries: Array<[string, string]>, ttls: number[], nx: boolean): Promise<unknown> {
    const args: Array<string | number> = [];
    for (let i = 0; i < entries.length; i++) args.push(entries[i][1], ttls[i]);
    const keys = entries.map(([k]) => k).join('\0');
    return this.batched((p) => p.setMany(this.keyPrefix, nx ? 'NX' : '', keys, ...args));
  }

  async setMaxMany(entries: Array<[string, number]>, ttlSec: number): Promise<void> {
    if (entries.length === 0) return;
    if (entries.some(([k]) => k.includes('\0'))) throw new Error('setMaxMany: a key holds NUL, which separates keys');
    return this.maxes.add({ entries, ttl: Math.max(1, Math.ceil(ttlSec)) });
  }

  async pushCapped(key: string, values: string[], cap: number, ttlSec?: number): Promise<void> {
    if (values.length === 0) return;
    // LPUSH, LTRIM and EXPIRE at once, in this turn's pipeline.
    const ttl = ttlSec && ttlSec > 0 ? Math.ceil(ttlSec) : 0;
    await this.batched((p) => p.pushCapped(key, Math.max(0, cap), ttl, ...values));
  }

  async pushCappedExisting(keys: string[], values: string[], cap: number, guard?: CacheGuard): Promise<number> {
    if (keys.length === 0 || values.length === 0) return 0;
    return Number(await this.pushes.add({ keys: joinedKeys(keys, 'pushCappedExisting'), values, cap: Math.max(0, cap), guard }));
  }

  async touchList(key: string, marker: string, ttlSec: number): Promise<boolean> {
    const ttl = ttlSec > 0 ? Math.ceil(ttlSec) : 0;
    return Number(await this.batched((p) => p.touchList(key, marker, ttl))) === 1;
  }

  async range(key: string, start: number, stop: number): Promise<string[]> {
    return this.batched((p) => p.lrange(key, start, stop));
  }

  async listLength(key: string): Promise<number> {
    return Number(await this.batched((p) => p.llen(key)));
  }

  async removeFromList(key: string, value: string): Promise<number> {
    return Number(await this.batched((p) => p.lrem(key, 0, value)));
  }

  async incr(key: string, by = 1, ttlSec?: number): Promise<number> {
    const [n] = await this.batched<[number, number]>((p) => p.incrWindow(key, by, ttlSec ? Math.ceil(ttlSec) : 0));
    return Number(n);
  }

  async windowHit(key: string, windowSec: number): Promise<WindowHit> {
    const [count, ttl] = await this.batched<[number, number]>((p) => p.incrWindow(key, 1, Math.ceil(windowSec)));
    return { count: Number(count), ttlSec: Math.max(1, Number(ttl)) };
  }

  /**
   * A bounded queue on the list at key (fan-out's, feed/fanout-queue.ts), in this turn's pipeline: the values are
   * LPUSHed in order while the list holds fewer than cap; per value, the list's length after its push, or -1.
   */
  async offerBounded(key: string, values: string[], cap: number): Promise<number[]> {
    if (values.length === 0) return [];
    const depths = await this.batched<number[]>((p) => p.offerBounded(key, cap, ...values));
    return depths.map(Number);
  }

  /** RPOP key max, in this turn's pipeline: up to max values from the tail (the oldest first); [] when empty. */
  async popMany(key: string, max: number): Promise<string[]> {
    return (await this.batched<string[] | null>((p) => p.rpop(key, max))) ?? [];
  }

  /**
   * PUBLISH in this turn's pipeline (the channel is not prefixed), so it reaches subscribers after every command
   * issued before it on this connection has run: a write and the message announcing it can share one flush.
   */
  async publish(channel: string, message: string): Promise<void> {
    await this.batched((p) => p.publish(channel, message));
  }

  async ping(): Promise<void> {
    await this.redis.ping();
  }

  async close(): Promise<void> {
    if (this.redis.status === 'end') return;
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
