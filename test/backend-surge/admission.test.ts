import { randomUUID } from 'node:crypto';
import { Registry } from 'prom-client';
import { afterAll, describe, expect, test } from 'vitest';
import { MemoryCache, RedisCache, type Cache } from '../../src/backend/cache/index.ts';
import { admissionMetrics, PriorityAdmissionController } from '../../src/backend/admission/admission.ts';
import { fixedLoopDelay } from '../../src/backend/admission/loop-delay.ts';
import { CacheRateLimiter } from '../../src/backend/admission/rate-limiter.ts';
import type { AdmissionTicket } from '../../src/backend/services.ts';
import { serviceUrl } from '../helpers/services.ts';

const isTicket = (x: unknown): x is AdmissionTicket => typeof (x as AdmissionTicket).release === 'function';

async function metric(registry: Registry, name: string, labels: Record<string, string>): Promise<number> {
  const m = await registry.getSingleMetric(name)!.get();
  const v = m.values.find((x) => Object.entries(labels).every(([k, l]) => x.labels[k] === l));
  return v?.value ?? 0;
}

describe('priority admission', () => {
  test('sheddable work is refused at the lower watermark, critical work only at the limit', async () => {
    const registry = new Registry();
    const admission = new PriorityAdmissionController(
      { maxInFlight: 4, sheddableShare: 0.5, maxEventLoopDelayMs: 0, retryAfterSec: 3 },
      admissionMetrics(registry),
    );
    const held = [admission.tryAcquire('critical'), admission.tryAcquire('sheddable')];
    expect(held.every(isTicket)).toBe(true);
    // 2 in flight = the sheddable watermark: sheddable refused, critical still admitted.
    expect(admission.tryAcquire('sheddable')).toEqual({ retryAfterSec: 3 });
    held.push(admission.tryAcquire('critical'), admission.tryAcquire('critical'));
    expect(held.every(isTicket)).toBe(true);
    expect(admission.tryAcquire('critical')).toEqual({ retryAfterSec: 3 });
    expect(await metric(registry, 'social_shed_total', { priority: 'sheddable' })).toBe(1);
    expect(await metric(registry, 'social_shed_total', { priority: 'critical' })).toBe(1);
    expect(await metric(registry, 'social_inflight_requests', { priority: 'critical' })).toBe(3);

    for (const t of held) if (isTicket(t)) t.release();
    (held[0] as AdmissionTicket).release(); // double release is harmless
    expect(admission.current()).toBe(0);
    expect(isTicket(admission.tryAcquire('sheddable'))).toBe(true);
  });

  test('a slow event loop sheds sheddable work only', () => {
    let delay = 0;
    const admission = new PriorityAdmissionController(
      { maxInFlight: 100, maxEventLoopDelayMs: 50 },
      admissionMetrics(new Registry()),
      fixedLoopDelay(() => delay),
    );
    expect(isTicket(admission.tryAcquire('sheddable'))).toBe(true);
    delay = 80;
    expect(isTicket(admission.tryAcquire('sheddable'))).toBe(false);
    expect(isTicket(admission.tryAcquire('critical'))).toBe(true);
  });
});

async function caches(): Promise<Array<[string, () => Promise<Cache>]>> {
  const list: Array<[string, () => Promise<Cache>]> = [['memory', async () => new MemoryCache()]];
  const url = await serviceUrl('redis');
  if (url) list.push(['redis', () => RedisCache.connect({ url, keyPrefix: `fc-test-${randomUUID()}:` })]);
  return list;
}

const opened: Cache[] = [];
afterAll(async () => {
  await Promise.all(opened.map((c) => c.close()));
});

describe.each(await caches())('rate limiter on the %s cache', (_kind, open) => {
  test('answers a retry-after once over the limit, per key, and counts the rule', async () => {
    const cache = await open();
    opened.push(cache);
    const registry = new Registry();
    const limiter = new CacheRateLimiter(cache, registry);
    const results: number[] = [];
    for (let i = 0; i < 5; i++) results.push(await limiter.hit('signup:10.0.0.1', 3, 30));
    expect(results.slice(0, 3)).toEqual([0, 0, 0]);
    expect(results[3]).toBeGreaterThanOrEqual(1);
    expect(results[3]).toBeLessThanOrEqual(30);
    expect(await limiter.hit('signup:10.0.0.2', 3, 30)).toBe(0); // another IP is not affected
    expect(await metric(registry, 'social_rate_limited_total', { rule: 'signup' })).toBe(2);
  });

  test('the window resets', async () => {
    const cache = await open();
    opened.push(cache);
    const limiter = new CacheRateLimiter(cache, new Registry());
    expect(await limiter.hit('write:u1', 1, 1)).toBe(0);
    expect(await limiter.hit('write:u1', 1, 1)).toBe(1);
    await new Promise((r) => setTimeout(r, 1100));
    expect(await limiter.hit('write:u1', 1, 1)).toBe(0);
  });
});
