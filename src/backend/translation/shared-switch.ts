// Shares the translation on/off switch between processes (--workers N, replicas) through one Redis key, polled:
// `POST /v1/admin/translation` lands on one process, the others follow within pollMs.
import { Redis } from 'ioredis';
import type { CachingTranslator } from './translator.ts';

const TTL_SEC = 7 * 86_400;

export interface SharedSwitch {
  close(): Promise<void>;
}

export function shareTranslationSwitch(
  translator: CachingTranslator,
  redisUrl: string,
  key: string,
  pollMs = 500,
): SharedSwitch {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 2 });
  redis.on('error', () => undefined); // a Redis outage shows as failed polls; ioredis reconnects by itself
  let applying = false;
  // Processes start from the same configuration; one started later (a restarted worker) adopts the current value
  // at its first poll. The key expires a week after the last change.
  void redis.set(key, translator.enabled() ? '1' : '0', 'EX', TTL_SEC, 'NX').catch(() => undefined);
  translator.onEnabledChange((on) => {
    if (!applying) void redis.set(key, on ? '1' : '0', 'EX', TTL_SEC).catch(() => undefined);
  });
  const timer = setInterval(() => {
    redis
      .get(key)
      .then((v) => {
        if (v === null) return;
        applying = true;
        try {
          translator.setEnabled(v === '1');
        } finally {
          applying = false;
        }
      })
      .catch(() => undefined);
  }, pollMs);
  timer.unref();
  return {
    async close() {
      clearInterval(timer);
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
