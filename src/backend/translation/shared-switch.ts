// Shares the translation on/off switch between processes (--workers N) through one Redis key, polled.
import type { Redis } from 'ioredis';
import type { CachingTranslator } from './translator.ts';

export interface SharedSwitch {
  close(): void;
}

export function shareTranslationSwitch(
  translator: CachingTranslator,
  redis: Redis,
  key: string,
  pollMs = 500,
): SharedSwitch {
  let applying = false;
  // Every process starts from the same configuration, so writing it once at start is consistent; later changes win.
  void redis.set(key, translator.enabled() ? '1' : '0').catch(() => undefined);
  translator.onEnabledChange((on) => {
    if (!applying) void redis.set(key, on ? '1' : '0').catch(() => undefined);
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
  return { close: () => clearInterval(timer) };
}
