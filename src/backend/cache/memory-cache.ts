// In-process Cache with Redis semantics, for a single backend process. Expiry is checked on access and, like
// Redis's active expiry, swept incrementally on writes (at most SWEEP_BATCH keys every SWEEP_EVERY_MS), so keys
// written once and never read again (cached posts, rate-limit windows, discover snapshots) leave on time. There are
// no timers to stop.
//
// Memory budget: at most `maxKeys` keys; beyond it the least recently written keys are evicted (Redis's
// `maxmemory-policy allkeys-lru`, approximated by write order: every write moves its key to the end).
import type { Cache, CacheGuard, WindowHit } from './cache.ts';

interface Entry {
  value: string | string[];
  /** Epoch ms; 0 = never. */
  expiresAt: number;
}

export interface MemoryCacheOptions {
  /** Key budget (default 500,000); the least recently written keys are evicted beyond it. */
  maxKeys?: number;
}

/**
 * A list value as one flat string. Values built by concatenation (`${seq}|${postId}|${authorId}`) are trees of V8
 * cons strings that keep their parts alive: ~240 B per timeline entry instead of ~100 B flat (and kept up to 500
 * times per timeline). JSON's round trip copies any string exactly; short strings are always flat already.
 */
const flat = (s: string): string => (s.length < 13 ? s : (JSON.parse(JSON.stringify(s)) as string));

const SWEEP_EVERY_MS = 100;
const SWEEP_BATCH = 2_000;
export const MEMORY_CACHE_MAX_KEYS = 500_000;

export class MemoryCache implements Cache {
  readonly kind = 'memory' as const;
  private readonly entries = new Map<string, Entry>();
  private readonly now: () => number;
  private readonly maxKeys: number;
  private sweepAt = 0;
  /** Where the incremental sweep goes on (a live iterator: keys written meanwhile are met again at the end). */
  private cursor: Iterator<[string, Entry]> | undefined;

  constructor(now: () => number = Date.now, options: MemoryCacheOptions = {}) {
    this.now = now;
    this.maxKeys = options.maxKeys ?? MEMORY_CACHE_MAX_KEYS;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Every write: the key moves to the end (last written), then expired keys are swept and the budget enforced. */
  private put(key: string, entry: Entry): void {
    this.entries.delete(key);
    this.entries.set(key, entry);
    this.housekeep();
  }

  private housekeep(): void {
    while (this.entries.size > this.maxKeys) this.entries.delete(this.entries.keys().next().value!);
    const now = this.now();
    if (now < this.sweepAt) return;
    this.sweepAt = now + SWEEP_EVERY_MS;
    this.cursor ??= this.entries.entries();
    for (let i = 0; i < SWEEP_BATCH; i++) {
      const next = this.cursor.next();
      if (next.done) {
        this.cursor = undefined;
        return;
      }
      const [k, e] = next.value;
      if (e.expiresAt !== 0 && e.expiresAt <= now) this.entries.delete(k);
    }
  }

  private live(key: string): Entry | undefined {
    const e = this.entries.get(key);
    if (e && e.expiresAt !== 0 && e.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return e;
  }

  private list(key: string): string[] | undefined {
    const e = this.live(key);
    if (e && !Array.isArray(e.value)) throw new Error(`WRONGTYPE key ${key} holds a string, not a list`);
    return e?.value as string[] | undefined;
  }

  private expiry(ttlSec: number | undefined): number {
    return ttlSec && ttlSec > 0 ? this.now() + ttlSec * 1000 : 0;
  }

  async get(key: string): Promise<string | null> {
    const e = this.live(key);
    if (!e) return null;
    if (Array.isArray(e.value)) throw new Error(`WRONGTYPE key ${key} holds a list`);
    return e.value;
  }

  async set(key: string, value: string, ttlSec?: number): Promise<void> {
    this.put(key, { value, expiresAt: this.expiry(ttlSec) });
  }

  async del(key: string): Promise<void> {
    this.entries.delete(key);
  }

  async getMany(keys: string[]): Promise<(string | null)[]> {
    const out: (string | null)[] = [];
    for (const k of keys) {
      const e = this.live(k);
      out.push(e && !Array.isArray(e.value) ? e.value : null);
    }
    return out;
  }

  async setMany(entries: Array<[string, string]>, ttlSec: number, onlyIfAbsent = false): Promise<void> {
    for (const [k, v] of entries) {
      if (onlyIfAbsent && this.live(k)) continue;
      this.put(k, { value: v, expiresAt: this.expiry(Math.max(1, ttlSec)) });
    }
  }

  async setMaxMany(entries: Array<[string, number]>, ttlSec: number): Promise<void> {
    for (const [k, v] of entries) {
      const e = this.live(k);
      // As on Redis: a larger counter stays, and so does a tombstone ('-': a removed post's counts stay removed).
      if (e && !Array.isArray(e.value) && (e.value === '-' || Number(e.value) >= v)) continue;
      this.put(k, { value: String(v), expiresAt: this.expiry(Math.max(1, ttlSec)) });
    }
  }

  async pushCapped(key: string, values: string[], cap: number, ttlSec?: number): Promise<void> {
    const existing = this.list(key) ?? [];
    const next = values.map(flat).reverse().concat(existing).slice(0, Math.max(0, cap));
    const prev = this.live(key);
    this.put(key, { value: next, expiresAt: ttlSec ? this.expiry(ttlSec) : (prev?.expiresAt ?? 0) });
  }

  async pushCappedExisting(keys: string[], values: string[], cap: number, guard?: CacheGuard): Promise<number> {
    if (keys.length === 0 || values.length === 0) return 0;
    if (guard && (this.live(guard.key)?.value ?? '') !== guard.value) return -1;
    const head = values.map(flat).reverse(); // one flat copy, shared by every list it goes into
    let pushed = 0;
    for (const key of keys) {
      const existing = this.list(key);
      if (!existing) continue;
      // In place, keeping the expiry and the key's place in write order: a push is not a sign of life.
      this.entries.get(key)!.value = head.concat(existing).slice(0, Math.max(0, cap));
      pushed++;
    }
    return pushed;
  }

  async touchList(key: string, marker: string, ttlSec: number): Promise<boolean> {
    const existing = this.list(key);
    this.put(key, { value: existing ?? [marker], expiresAt: this.expiry(ttlSec) });
    return existing !== undefined;
  }

  async range(key: string, start: number, stop: number): Promise<string[]> {
    const l = this.list(key) ?? [];
    const n = l.length;
    const from = start < 0 ? Math.max(0, n + start) : start;
    const to = stop < 0 ? n + stop : Math.min(stop, n - 1);
    return from > to ? [] : l.slice(from, to + 1);
  }

  async listLength(key: string): Promise<number> {
    return this.list(key)?.length ?? 0;
  }

  async removeFromList(key: string, value: string): Promise<number> {
    const l = this.list(key);
    if (!l) return 0;
    const kept = l.filter((v) => v !== value);
    const removed = l.length - kept.length;
    if (kept.length === 0) this.entries.delete(key);
    else this.entries.get(key)!.value = kept;
    return removed;
  }

  async incr(key: string, by = 1, ttlSec?: number): Promise<number> {
    const e = this.live(key);
    if (e && Array.isArray(e.value)) throw new Error(`WRONGTYPE key ${key} holds a list`);
    const current = e ? Number(e.value) : 0;
    if (!Number.isInteger(current)) throw new Error(`ERR value at ${key} is not an integer`);
    const value = current + by;
    this.put(key, { value: String(value), expiresAt: e ? e.expiresAt : this.expiry(ttlSec) });
    return value;
  }

  async windowHit(key: string, windowSec: number): Promise<WindowHit> {
    const count = await this.incr(key, 1, windowSec);
    const e = this.live(key)!;
    const ttlSec = e.expiresAt === 0 ? windowSec : Math.max(1, Math.ceil((e.expiresAt - this.now()) / 1000));
    return { count, ttlSec };
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    this.entries.clear();
  }
}
