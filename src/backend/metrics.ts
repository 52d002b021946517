// The backend's Prometheus metrics (social_*), on its own Registry so several backends can live in one process
// (tests) without clashing. Surge mechanisms register their own metrics on the same registry.
import { collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { PoolStats, StoreObserver } from './store/store.ts';

export interface BackendMetrics {
  registry: Registry;
  httpDuration: Histogram<'route' | 'method' | 'status_code'>;
  storeObserver: StoreObserver;
  /** Point the pool gauges at the store once it is open. */
  watchPool(stats: () => PoolStats | undefined): void;
}

// Requests: 0.5 ms (cache hits) to 10 s (a saturated scrypt queue).
const HTTP_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
// Queries and pool waits: 0.1 ms (PGlite point reads) to 5 s (statement timeout territory).
const STORE_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/** A gauge read when Prometheus scrapes (queue depths, switches): no bookkeeping on the hot path. */
export function observedGauge(registry: Registry, name: string, help: string, read: () => number): Gauge {
  return new Gauge({
    name,
    help,
    registers: [registry],
    collect() {
      this.set(read());
    },
  });
}

export function createBackendMetrics(options: { defaultMetrics?: boolean } = {}): BackendMetrics {
  const registry = new Registry();
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry, prefix: 'social_' });

  const httpDuration = new Histogram({
    name: 'social_http_request_duration_seconds',
    help: 'HTTP request duration by route pattern, method and status code',
    labelNames: ['route', 'method', 'status_code'] as const,
    buckets: HTTP_BUCKETS,
    registers: [registry],
  });
  const queryDuration = new Histogram({
    name: 'social_store_query_duration_seconds',
    help: 'Store query duration by operation and outcome',
    labelNames: ['operation', 'outcome'] as const,
    buckets: STORE_BUCKETS,
    registers: [registry],
  });
  const poolWait = new Histogram({
    name: 'social_store_pool_wait_seconds',
    help: 'Time spent waiting for a pooled database connection',
    buckets: STORE_BUCKETS,
    registers: [registry],
  });

  const okQueries = new Map<string, { observe(v: number): void }>();
  const failedQueries = new Map<string, { observe(v: number): void }>();

  let poolStats: () => PoolStats | undefined = () => undefined;
  const poolGauge = (name: string, help: string, pick: (s: PoolStats) => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        const s = poolStats();
        if (s) this.set(pick(s));
      },
    });
  poolGauge('social_store_pool_connections', 'Open database connections (in use + idle)', (s) => s.total);
  poolGauge('social_store_pool_idle_connections', 'Idle database connections', (s) => s.idle);
  poolGauge('social_store_pool_waiting_clients', 'Queries waiting for a database connection', (s) => s.waiting);
  poolGauge('social_store_pool_max_connections', 'Configured database pool size', (s) => s.max);

  return {
    registry,
    httpDuration,
    storeObserver: {
      query(operation, seconds, ok) {
        // One child per (operation, outcome), resolved once: a labelled observe hashes its labels on every call.
        const children = ok ? okQueries : failedQueries;
        let child = children.get(operation);
        if (!child) children.set(operation, (child = queryDuration.labels({ operation, outcome: ok ? 'ok' : 'error' })));
        child.observe(seconds);
      },
      poolWait(seconds) {
        poolWait.observe(seconds);
      },
    },
    watchPool(stats) {
      poolStats = stats;
    },
  };
}
