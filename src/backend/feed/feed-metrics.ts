// Metrics shared by the following and discover feeds, registered once per registry.
import { Counter, Histogram, type Registry } from 'prom-client';

export interface FeedMetrics {
  degraded: Counter<'feed' | 'reason'>;
  readDuration: Histogram<'feed'>;
}

const byRegistry = new WeakMap<Registry, FeedMetrics>();

export function feedMetrics(registry: Registry): FeedMetrics {
  let m = byRegistry.get(registry);
  if (!m) {
    m = {
      degraded: new Counter({
        name: 'social_feed_degraded_total',
        help: 'Feed responses shaped by a degradation policy, by feed (following, discover) and reason (stale-cache, ranker-fallback, partial)',
        labelNames: ['feed', 'reason'],
        registers: [registry],
      }),
      readDuration: new Histogram({
        name: 'social_feed_build_duration_seconds',
        help: 'Time to build one feed page inside the feed service (store, cache and ranking)',
        labelNames: ['feed'],
        buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
        registers: [registry],
      }),
    };
    byRegistry.set(registry, m);
  }
  return m;
}
