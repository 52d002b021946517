// The bounded fan-out queue: in process, or a Redis list shared by every backend process (--workers N, replicas).
// offer() refuses when the queue is full (the caller then falls back to read-time merge for that post).
// Delivery is at-most-once: a job popped by a process that then dies is lost, and its post is still reachable
// through read-time merge only if its author is a pull author; timelines are a cache, the store is the truth.
import { Redis } from 'ioredis';

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

// LPUSH only below capacity; returns the new length, or -1 when full.
// Offers ARGV[2..] in order, each pushed only while the queue holds fewer than ARGV[1]; per job, the depth after its
// push, or -1 when it did not fit.
const OFFER_SCRIPT = `
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

export class RedisFanoutQueue implements FanoutQueue {
  readonly kind = 'redis' as const;
  private readonly redis: Redis;
  private readonly key: string;
  private lastDepth = 0;
  private readonly poll: NodeJS.Timeout;
  private readonly local = new Wakeups();

  constructor(url: string, keyPrefix: string, private readonly capacity: number, pollMs = 250) {
    // No auto-pipelining (see redis-cache.ts: an outage made ioredis reject its internal pipeline unhandled).
    this.redis = new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 2 });
    this.redis.on('error', () => undefined); // reported through failing commands; reconnects by itself
    // EVALSHA after the first call: the script's text is not sent (and hashed by Redis) with every post.
    this.redis.defineCommand('fanoutOffer', { numberOfKeys: 1, lua: OFFER_SCRIPT });
    this.key = `${keyPrefix}fanout:queue`;
    this.poll = setInterval(() => {
      this.redis.llen(this.key).then((n) => (this.lastDepth = n), () => undefined);
    }, pollMs);
    this.poll.unref();
  }

  /** Offers made in one event-loop turn, sent as one script call (see flushOffers). */
  private offers: Array<{ job: string; settle(depth: number): void; fail(err: unknown): void }> = [];

  private flushOffers(): void {
    const batch = this.offers;
    this.offers = [];
    const redis = this.redis as Redis & { fanoutOffer(key: string, capacity: number, ...jobs: string[]): Promise<number[]> };
    redis.fanoutOffer(this.key, this.capacity, ...batch.map((o) => o.job)).then(
      (depths) => batch.forEach((o, i) => o.settle(Number(depths[i] ?? -1))),
      (err: unknown) => batch.forEach((o) => o.fail(err)),
    );
  }

  async offer(job: FanoutJob): Promise<boolean> {
    const n = await new Promise<number>((settle, fail) => {
      this.offers.push({ job: JSON.stringify(job), settle, fail });
      if (this.offers.length === 1) setImmediate(() => this.flushOffers());
    });
    if (n < 0) return false;
    this.lastDepth = n;
    this.local.wakeOne(); // one job, one worker (waking every parked worker sent one RPOP each, mostly empty)
    return true;
  }

  async take(max: number): Promise<FanoutJob[]> {
    const raw = await this.redis.rpop(this.key, max);
    if (!raw || raw.length === 0) {
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
    if (this.lastDepth > 0) return Promise.resolve();
    return this.local.wait(waitMs);
  }

  async close(): Promise<void> {
    clearInterval(this.poll);
    this.local.wakeAll();
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
