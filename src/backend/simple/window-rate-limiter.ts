// Fixed-window rate limiter on the Cache (shared across processes when the cache is Redis).
import type { Cache } from '../cache/cache.ts';
import type { RateLimiter } from '../services.ts';

export class WindowRateLimiter implements RateLimiter {
  private readonly cache: Cache;
  constructor(cache: Cache) {
    this.cache = cache;
  }

  async hit(key: string, limit: number, windowSec: number): Promise<number> {
    if (limit <= 0) return 0;
    const { count, ttlSec } = await this.cache.windowHit(`rl:${key}`, windowSec);
    return count > limit ? ttlSec : 0;
  }
}
