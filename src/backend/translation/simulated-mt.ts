// flashcrowd-simulated-mt: a stand-in for an external machine-translation API. It is NOT real translation: the text
// comes from a glossary (fixtures/translation/), while latency (log-normal) and a concurrency limit with a bounded
// wait queue behave like a rate-limited provider, so a surge saturates it the way it would saturate a real one.
import { setTimeout as sleep } from 'node:timers/promises';
import { ApiError } from '../errors.ts';
import type { Glossary } from './glossary.ts';

export const SIMULATED_PROVIDER = 'flashcrowd-simulated-mt';

export interface SimulatedMtOptions {
  /** Median provider latency, ms. */
  latencyMedianMs: number;
  /** Log-normal shape: p99 is about median * exp(2.33 * sigma). */
  latencySigma: number;
  /** Requests the provider serves at once (per process). */
  maxConcurrent: number;
  /** Requests allowed to wait for a provider slot; beyond it, translate fails fast as saturated. */
  maxQueue: number;
}

export const DEFAULT_SIMULATED_MT_OPTIONS: SimulatedMtOptions = {
  latencyMedianMs: 120,
  latencySigma: 0.5,
  maxConcurrent: 8,
  maxQueue: 64,
};

export type TranslationFailure = 'disabled' | 'saturated' | 'unsupported-pair';

const FAILURE_HTTP: Record<TranslationFailure, { status: number; code: string; message: string }> = {
  disabled: { status: 503, code: 'translation_disabled', message: 'translation is switched off on this server' },
  saturated: { status: 503, code: 'translation_saturated', message: 'the translation provider is saturated; retry later' },
  'unsupported-pair': { status: 422, code: 'translation_unsupported', message: 'the translation provider does not offer this language pair' },
};

/** An ApiError, so a route that lets it through answers 503 + Retry-After (disabled, saturated) or 422 (pair). */
export class TranslationUnavailableError extends ApiError {
  readonly reason: TranslationFailure;
  constructor(reason: TranslationFailure, retryAfterSec: number) {
    const h = FAILURE_HTTP[reason];
    super(h.status, h.code, h.message, {
      retryAfterSec: h.status === 503 ? Math.max(1, retryAfterSec) : undefined,
      field: reason === 'unsupported-pair' ? 'query.translate' : undefined,
    });
    this.name = 'TranslationUnavailableError';
    this.reason = reason;
  }
}

/** Standard normal by Box-Muller; `random` is injectable for deterministic tests. */
function gaussian(random: () => number): number {
  const u = 1 - random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

export class SimulatedMtProvider {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  private readonly opts: SimulatedMtOptions;
  private closed = false;
  private readonly abort = new AbortController();

  constructor(
    private readonly glossary: Glossary,
    options: Partial<SimulatedMtOptions> = {},
    private readonly random: () => number = Math.random,
  ) {
    this.opts = { ...DEFAULT_SIMULATED_MT_OPTIONS, ...options };
  }

  queueDepth(): number {
    return this.waiting.length;
  }

  inFlight(): number {
    return this.active;
  }

  supports(from: string, to: string): boolean {
    return this.glossary.supports(from, to);
  }

  async translate(text: string, from: string, to: string): Promise<string> {
    if (this.closed) throw new TranslationUnavailableError('saturated', 1);
    if (!this.glossary.supports(from, to)) throw new TranslationUnavailableError('unsupported-pair', 0);
    if (this.active >= this.opts.maxConcurrent) {
      if (this.waiting.length >= this.opts.maxQueue) throw new TranslationUnavailableError('saturated', 1);
      await new Promise<void>((resolve) => this.waiting.push(resolve));
      if (this.closed) throw new TranslationUnavailableError('saturated', 1);
    } else this.active++;
    try {
      const ms = this.opts.latencyMedianMs * Math.exp(this.opts.latencySigma * gaussian(this.random));
      await sleep(ms, undefined, { signal: this.abort.signal }).catch(() => undefined);
      if (this.closed) throw new TranslationUnavailableError('saturated', 1);
      return this.glossary.translate(text, from, to) ?? text;
    } finally {
      // Hand the slot straight to the next waiter so `active` never dips while work is queued.
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }

  close(): void {
    this.closed = true;
    this.abort.abort();
    for (const w of this.waiting.splice(0)) w();
  }
}
