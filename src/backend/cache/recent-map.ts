// A process-local map with a memory budget: at most `capacity` entries, none older than `maxAgeMs` since written.
// Kept in write order (a write moves its key to the end), so every write drops the expired entries from the front
// and the oldest beyond the capacity: a process serving a steady crowd holds what was written in the last
// `maxAgeMs` and no more, however long it runs. For per-process caches of things that are cheap to recompute
// (verified tokens, follow lists, follower counts, stale pages); shared state belongs in the Cache.
export class RecentMap<K, V> {
  private readonly entries = new Map<K, { value: V; at: number }>();

  constructor(
    private readonly capacity: number,
    private readonly maxAgeMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /** The value written less than maxAgeMs ago, if any. */
  get(key: K): V | undefined {
    const e = this.entries.get(key);
    return e && this.now() - e.at < this.maxAgeMs ? e.value : undefined;
  }

  set(key: K, value: V): void {
    const now = this.now();
    this.entries.delete(key);
    this.entries.set(key, { value, at: now });
    for (const [k, e] of this.entries) {
      if (this.entries.size <= this.capacity && now - e.at < this.maxAgeMs) break;
      this.entries.delete(k);
    }
  }

  delete(key: K): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }
}
