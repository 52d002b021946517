// The Translator service: an on/off switch (the "translation launches" scenario event), a bounded LRU cache that
// feeds read without waiting, and the simulated provider behind it. Translation is per process: with --workers N
// the switch is shared through Redis when Redis is configured (see shared-switch.ts); the cache is not.
import { Counter, Histogram, type Registry } from 'prom-client';
import { observedGauge } from '../metrics.ts';
import type { Translator } from '../services.ts';
import { SIMULATED_PROVIDER, SimulatedMtProvider, TranslationUnavailableError } from './simulated-mt.ts';

export interface TranslatorOptions {
  /** Whether translation is on at start (scenarios usually switch it on mid-surge). */
  enabled: boolean;
  /** Cached translations kept per process (LRU). */
  cacheSize: number;
}

export const DEFAULT_TRANSLATOR_OPTIONS: TranslatorOptions = { enabled: false, cacheSize: 50_000 };

type Translation = { lang: string; text: string; provider: string };

export class CachingTranslator implements Translator {
  private on: boolean;
  private readonly cache = new Map<string, Translation>();
  private readonly inFlight = new Map<string, Promise<Translation>>();
  private readonly opts: TranslatorOptions;
  private readonly latency: Histogram<'outcome'>;
  private readonly cacheLookups: Counter<'outcome'>;
  private readonly onChange: Array<(on: boolean) => void> = [];

  constructor(
    private readonly provider: SimulatedMtProvider,
    registry: Registry,
    options: Partial<TranslatorOptions> = {},
  ) {
    this.opts = { ...DEFAULT_TRANSLATOR_OPTIONS, ...options };
    this.on = this.opts.enabled;
    observedGauge(registry, 'social_translation_queue_depth', 'Translation requests waiting for a slot at the (simulated) MT provider', () => this.provider.queueDepth());
    observedGauge(registry, 'social_translation_enabled', '1 when translation is switched on in this process', () => (this.on ? 1 : 0));
    this.latency = new Histogram({
      name: 'social_translation_latency_seconds',
      help: 'Time to get a translation from the (simulated) MT provider, including the wait for a slot',
      labelNames: ['outcome'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.2, 0.4, 0.8, 1.6, 3.2, 6.4],
      registers: [registry],
    });
    this.cacheLookups = new Counter({
      name: 'social_translation_cache_total',
      help: 'Translation cache lookups by outcome (hit, miss)',
      labelNames: ['outcome'],
      registers: [registry],
    });
  }

  enabled(): boolean {
    return this.on;
  }

  setEnabled(on: boolean): void {
    if (on === this.on) return;
    this.on = on;
    for (const listener of this.onChange) listener(on);
  }

  /** Called on every change of the switch (used to share it between processes). */
  onEnabledChange(listener: (on: boolean) => void): void {
    this.onChange.push(listener);
  }

  cached(postId: string, to: string): Translation | undefined {
    if (!this.on) return undefined;
    const hit = this.cache.get(`${postId}\u0000${to}`);
    this.cacheLookups.inc({ outcome: hit ? 'hit' : 'miss' });
    return hit;
  }

  async translate(postId: string, text: string, from: string, to: string): Promise<Translation> {
    if (!this.on) throw new TranslationUnavailableError('disabled', 0);
    if (from === to) return { lang: to, text, provider: SIMULATED_PROVIDER };
    const key = `${postId}\u0000${to}`;
    const hit = this.cache.get(key);
    this.cacheLookups.inc({ outcome: hit ? 'hit' : 'miss' });
    if (hit) {
      this.cache.delete(key); // refresh LRU position
      this.cache.set(key, hit);
      return hit;
    }
    const pending = this.inFlight.get(key);
    if (pending) return pending;
    const started = performance.now();
    const work = this.provider
      .translate(text, from, to)
      .then((translated) => {
        const result = { lang: to, text: translated, provider: SIMULATED_PROVIDER };
        this.remember(key, result);
        this.latency.observe({ outcome: 'ok' }, (performance.now() - started) / 1000);
        return result;
      })
      .catch((err: unknown) => {
        this.latency.observe({ outcome: 'failed' }, (performance.now() - started) / 1000);
        throw err;
      })
      .finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, work);
    return work;
  }

  private remember(key: string, value: Translation): void {
    this.cache.set(key, value);
    if (this.cache.size > this.opts.cacheSize) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
  }

  async close(): Promise<void> {
    this.provider.close();
  }
}
