// Opens the configured cache: 'memory' (in-process) or a redis:// URL.
import type { Cache } from './cache.ts';
import { MemoryCache } from './memory-cache.ts';
import { RedisCache } from './redis-cache.ts';

export interface CacheOptions {
  /** 'memory' or a redis:// / rediss:// URL. */
  redis: string;
  keyPrefix: string;
}

export async function openCache(options: CacheOptions): Promise<Cache> {
  if (options.redis === 'memory') return new MemoryCache();
  if (/^rediss?:\/\//.test(options.redis)) return RedisCache.connect({ url: options.redis, keyPrefix: options.keyPrefix });
  throw new Error(`unsupported redis '${options.redis}': use 'memory' or a redis:// URL`);
}

export type { Cache, WindowHit } from './cache.ts';
export { MemoryCache } from './memory-cache.ts';
export { RedisCache } from './redis-cache.ts';
