// The bounded fan-out queue: in process, or a Redis list shared by every backend process (--workers N, replicas).
// offer() refuses when the queue is full (the caller then falls back to read-time merge for that post).
// Delivery is at-most-once: a job popped by a process that then dies is lost, and its post is still reachable
// through read-time merge only if its author is a pull author; timelines are a cache, the store is the truth.
import type { RedisCache } from '../cache/redis-cache.ts';

export interface FanoutJob {
  postId: string;
  authorId: string;
  seq: number;
  /** Epoch ms when the job was enqueued (for social_fanout_lag_seconds). */
  enqueuedAt: number;
}

export interface FanoutQueue {
  readonly kind: 'memory' | 'redis';
  /** False when the queue is full. */
  offer(job: FanoutJob): Promise<boolean>;
  /** Up to max jobs, oldest first; [] when empty. */
  take(max: number): Promise<FanoutJob[]>;
  /** Last known depth (exact in memory; refreshed on every offer/take and by a poll for Redis). */
  depth(): number;
  /** Resolves when there may be work (or after waitMs). */
  waitForWork(waitMs: number): Promise<void>;
  close(): Promise<void>;
}

/** Workers parked until work arrives or their wait times out. */
class Wakeups {
  private parked: Array<() => void> = [];

  wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.parked = this.parked.filter((w) => w !== wake);
        resolve();
      }, ms);
      this.parked.push(wake);
    });
  }

  wakeOne(): void {
    this.parked.shift()?.();
  }

  wakeAll(): void {
    for (const w of this.parked.splice(0)) w();
  }
}

export class MemoryFanoutQueue implements FanoutQueue {
  readonly kind = 'memory' as const;
  private items: FanoutJob[] = [];
  private head = 0;
  private readonly waiters = new Wakeups();

  constructor(private readonly capacity: number) {}

  async offer(job: FanoutJob): Promise<boolean> {
    if (this.depth() >= this.capacity) return false;
    this.items.push(job);
    this.waiters.wakeOne();
    return true;
  }

  async take(max: number): Promise<FanoutJob[]> {
    const end = Math.min(this.items.length, this.head + max);
    const out = this.items.slice(this.head, end);
    this.head = end;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return out;
  }

  depth(): number {
    return this.items.length - this.head;
  }

  waitForWork(waitMs: number): Promise<void> {
    if (this.depth() > 0) return Promise.resolve();
    return this.waiters.wait(waitMs);
  }

  async close(): Promise<void> {
    this.waiters.wakeAll();
  }
}

export interface RedisFanoutQueueOptions {
  /** The list's key under the cache's prefix. */
  key?: string;
  /** How often the depth of a queue shared with other processes is read. */
  pollMs?: number;
  /** Jobs a worker takes at once: a flush of offers wakes one parked worker per this many jobs it queued. */
  jobsPerWake?: number;
}

/**
 * The queue as a Redis list, on the backend cache's connection: a turn's offers go out as one script call
 * (RedisCache.offerBounded, which refuses jobs beyond the capacity) and its takes as RPOPs right after it, both at
 * the end of the cache's batch for that turn (RedisCache.atFlush), in the same socket write as the post's other cache
 * commands. A worker woken by an offer takes in the same turn, so its RPOP follows the offer's LPUSH in one pipeline.
 */
export class RedisFanoutQueue implements FanoutQueue {
  readonly kind = 'redis' as const;
  private readonly key: string;
  private readonly jobsPerWake: number;
  private lastDepth = 0;
  private readonly poll: NodeJS.Timeout;
  private readonly local = new Wakeups();
  /** This turn's offers and takes, sent when the cache flushes the turn (see send). */
  private offers: Array<{ job: string; settle(depth: number): void; fail(err: unknown): void }> = [];
  private takes: Array<{ max: number; settle(raw: string[]): void; fail(err: unknown): void }> = [];
  private hooked = false;

  constructor(
    private readonly cache: RedisCache,
    private readonly capacity: number,
    options: RedisFanoutQueueOptions = {},
  ) {
    this.key = options.key ?? 'fanout:queue';
    this.jobsPerWake = Math.max(1, options.jobsPerWake ?? 16);
    this.poll = setInterval(() => {
      this.cache.listLength(this.key).then((n) => (this.lastDepth = n), () => undefined);
    }, options.pollMs ?? 250);
    this.poll.unref();
  }

  private schedule(): void {
    if (this.hooked) return;
    this.hooked = true;
    this.cache.atFlush(() => this.send());
  }

  private send(): void {
    this.hooked = false;
    const offers = this.offers;
    const takes = this.takes;
    this.offers = [];
    this.takes = [];
    if (offers.length) {
      this.cache.offerBounded(this.key, offers.map((o) => o.job), this.capacity).then(
        (depths) => {
          for (let i = 0; i < offers.length; i++) {
            const n = depths[i] ?? -1;
            if (n >= 0) this.lastDepth = n;
            offers[i].settle(n);
          }
        },
        (err: unknown) => offers.forEach((o) => o.fail(err)),
      );
    }
    for (const t of takes) this.cache.popMany(this.key, t.max).then(t.settle, t.fail);
  }

  async offer(job: FanoutJob): Promise<boolean> {
    const n = await new Promise<number>((settle, fail) => {
      this.offers.push({ job: JSON.stringify(job), settle, fail });
      this.schedule();
      // One parked worker per jobsPerWake jobs (a worker takes that many at once), woken now: its take joins this
      // turn's batch, after the offers. Waking one per job sent one RPOP each, all but the first finding it empty.
      if (this.offers.length % this.jobsPerWake === 1 || this.jobsPerWake === 1) this.local.wakeOne();
    });
    return n >= 0;
  }

  async take(max: number): Promise<FanoutJob[]> {
    const raw = await new Promise<string[]>((settle, fail) => {
      this.takes.push({ max, settle, fail });
      this.schedule();
    });
    if (raw.length === 0) {
      this.lastDepth = 0;
      return [];
    }
    this.lastDepth = Math.max(0, this.lastDepth - raw.length);
    return raw.map((r) => JSON.parse(r) as FanoutJob);
  }

  depth(): number {
    return this.lastDepth;
  }

  /** Local offers wake workers at once; jobs offered by other processes are found by polling every waitMs. */
  waitForWork(waitMs: number): Promise<void> {
    if (this.lastDepth > 0 || this.offers.length > 0) return Promise.resolve();
    return this.local.wait(waitMs);
  }

  async close(): Promise<void> {
    clearInterval(this.poll);
    this.local.wakeAll();
  }
}
