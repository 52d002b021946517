import { Registry } from 'prom-client';
import { describe, expect, test } from 'vitest';
import { Glossary } from '../../src/backend/translation/glossary.ts';
import {
  SIMULATED_PROVIDER,
  SimulatedMtProvider,
  TranslationUnavailableError,
} from '../../src/backend/translation/simulated-mt.ts';
import { CachingTranslator } from '../../src/backend/translation/translator.ts';

const glossary = Glossary.load();

async function value(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number> {
  const m = await registry.getSingleMetric(name)!.get();
  return m.values.find((x) => Object.entries(labels).every(([k, l]) => x.labels[k] === l))?.value ?? 0;
}

describe('glossary', () => {
  test('translates en->zh by longest phrase and zh->en by longest substring', () => {
    expect(glossary.translate('Here is my cat tax', 'en', 'zh')).toBe('这里是我的猫税');
    expect(glossary.translate('Good morning everyone!', 'en', 'zh')).toBe('早上好大家!');
    expect(glossary.translate('今天天气很好', 'zh', 'en')).toBe('today weather very good');
    expect(glossary.supports('en', 'zh')).toBe(true);
    expect(glossary.translate('hola', 'es', 'ko')).toBeUndefined();
  });
});

describe('simulated MT provider and translator', () => {
  test('is off until switched on, then translates once and serves the cache', async () => {
    const registry = new Registry();
    const translator = new CachingTranslator(new SimulatedMtProvider(glossary, { latencyMedianMs: 5, latencySigma: 0 }), registry);
    await expect(translator.translate('p1', 'hello friends', 'en', 'zh')).rejects.toMatchObject({ reason: 'disabled' });
    translator.setEnabled(true);
    expect(translator.cached('p1', 'zh')).toBeUndefined();
    const t = await translator.translate('p1', 'hello friends', 'en', 'zh');
    expect(t).toEqual({ lang: 'zh', text: '你好朋友们', provider: SIMULATED_PROVIDER });
    expect(translator.cached('p1', 'zh')).toEqual(t);
    expect(await translator.translate('p1', 'hello friends', 'en', 'zh')).toEqual(t);
    expect(await value(registry, 'social_translation_cache_total', { outcome: 'hit' })).toBe(2);
    expect(await value(registry, 'social_translation_cache_total', { outcome: 'miss' })).toBe(2);
    const hist = await registry.getSingleMetric('social_translation_latency_seconds')!.get();
    expect(hist.values.find((v) => (v as { metricName?: string }).metricName?.endsWith('_count') && v.labels.outcome === 'ok')?.value).toBe(1);
    translator.setEnabled(false);
    expect(translator.cached('p1', 'zh')).toBeUndefined();
    await translator.close();
  });

  test('fails fast as saturated beyond its concurrency and queue, and the queue drains', async () => {
    const registry = new Registry();
    const provider = new SimulatedMtProvider(glossary, { latencyMedianMs: 60, latencySigma: 0, maxConcurrent: 2, maxQueue: 2 });
    const translator = new CachingTranslator(provider, registry, { enabled: true });
    const calls = Array.from({ length: 6 }, (_, i) => translator.translate(`p${i}`, 'good night', 'en', 'zh'));
    const settled = Promise.allSettled(calls);
    await new Promise((r) => setTimeout(r, 10));
    expect(provider.inFlight()).toBe(2);
    expect(await value(registry, 'social_translation_queue_depth')).toBe(2);
    const results = await settled;
    const rejected = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
    expect(rejected).toHaveLength(2);
    expect(rejected[0].reason).toBeInstanceOf(TranslationUnavailableError);
    expect(rejected[0].reason.reason).toBe('saturated');
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(4);
    expect(provider.queueDepth()).toBe(0);
    expect(provider.inFlight()).toBe(0);
    await translator.close();
  });

  test('an unsupported pair is reported as such', async () => {
    const translator = new CachingTranslator(new SimulatedMtProvider(glossary, { latencyMedianMs: 1 }), new Registry(), { enabled: true });
    await expect(translator.translate('p', 'hola', 'es', 'ko')).rejects.toMatchObject({ reason: 'unsupported-pair' });
    await translator.close();
  });
});
