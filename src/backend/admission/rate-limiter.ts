// Fixed-window rate limits (per-IP signup, per-account writes) on the backend Cache, so they are shared through Redis
// when it is configured and in process otherwise. Keys are `<rule>:<subject>`; the rule (the part before the first
// ':') labels `social_rate_limited_total`, so callers must build keys from a small fixed set of rules.
import { Counter, type Registry } from 'prom-client';
import type { Cache } from '../cache/cache.ts';
import type { RateLimiter } from '../services.ts';

export interface RateLimitOptions {
  /** Signups per client IP per window. Generous for NATed crowds; a signup-retry storm from one IP is stopped. */
  signupPerIp: number;
  signupWindowSec: number;
  /** Writes (posts, comments, likes, follows, reports) per account per window. */
  writesPerAccount: number;
  writeWindowSec: number;
}

export const DEFAULT_RATE_LIMIT_OPTIONS: RateLimitOptions = {
  signupPerIp: 30,
  signupWindowSec: 60,
  writesPerAccount: 120,
  writeWindowSec: 60,
};

function ruleOf(key: string): string {
  const i = key.indexOf(':');
  return i > 0 ? key.slice(0, i) : 'other';
}

export class CacheRateLimiter implements RateLimiter {
  private readonly limited: Counter<'rule'>;

  constructor(
    private readonly cache: Cache,
    registry: Registry,
  ) {
    this.limited = new Counter({
      name: 'social_rate_limited_total',
      help: 'Requests refused with 429 by a rate limit, by rule',
      labelNames: ['rule'],
      registers: [registry],
    });
  }

  /** A limit of 0 is off. */
  async hit(key: string, limit: number, windowSec: number): Promise<number> {
    if (limit <= 0) return 0;
    const { count, ttlSec } = await this.cache.windowHit(`rl:${key}`, windowSec);
    if (count <= limit) return 0;
    this.limited.inc({ rule: ruleOf(key) });
    return Math.max(1, Math.ceil(ttlSec));
  }
}
