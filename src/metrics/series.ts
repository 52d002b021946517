// Allocation-free metric families for the harness's hot path, exposed through a prom-client Registry.
//
// prom-client builds a label hash string on every inc()/observe(), even through a `.labels()` child, which allocates
// once per request at thousands of requests per second. These families keep one preallocated child per label set
// (looked up once, then held by the caller) whose updates only touch numbers; the strings are built at scrape time.
// Each family implements the metric shape prom-client's Registry formats (name, help, type, get(), reset()).
import type { Registry } from 'prom-client';

type LabelValues = Record<string, string>;

interface MetricValue {
  value: number;
  labels: LabelValues;
  metricName?: string;
}

interface MetricSnapshot {
  name: string;
  help: string;
  type: 'counter' | 'gauge' | 'histogram';
  values: MetricValue[];
  aggregator: 'sum';
}

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

const NONE: Iterable<never> = [];

abstract class Family<Child> {
  readonly aggregator = 'sum' as const;
  protected readonly children = new Map<string, { labels: LabelValues; child: Child }>();
  /** While this answers false, scrapes see the family without samples (e.g. until the run is identified). */
  exposed: () => boolean = () => true;

  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
    registry: Registry,
  ) {
    if (!METRIC_NAME.test(name)) throw new Error(`invalid metric name '${name}'`);
    for (const l of labelNames) {
      if (!LABEL_NAME.test(l) || l.startsWith('__')) throw new Error(`invalid label name '${l}' on ${name}`);
    }
    // The Registry only needs name/help/type/get/reset; it does not require a prom-client class.
    registry.registerMetric(this as never);
  }

  protected abstract create(): Child;

  /**
   * The child for these label values, created on first use. Call once per label set and keep the result:
   * the lookup joins the values into a key, the child's own updates do not allocate.
   */
  child(...values: string[]): Child {
    if (values.length !== this.labelNames.length) {
      throw new Error(`${this.name}: expected ${this.labelNames.length} label values (${this.labelNames.join(', ')}), got ${values.length}`);
    }
    const key = values.join('\u0000');
    let entry = this.children.get(key);
    if (!entry) {
      const labels: LabelValues = {};
      this.labelNames.forEach((n, i) => (labels[n] = values[i]));
      entry = { labels, child: this.create() };
      this.children.set(key, entry);
    }
    return entry.child;
  }

  protected samples(): Iterable<{ labels: LabelValues; child: Child }> {
    return this.exposed() ? this.children.values() : NONE;
  }

  /** Forget all label sets (between runs in one process). */
  reset(): void {
    this.children.clear();
  }
}

export class CounterChild {
  value = 0;
  inc(by = 1): void {
    this.value += by;
  }
}

export class CounterFamily extends Family<CounterChild> {
  readonly type = 'counter' as const;
  protected create(): CounterChild {
    return new CounterChild();
  }
  get(): MetricSnapshot {
    const values: MetricValue[] = [];
    for (const { labels, child } of this.samples()) values.push({ value: child.value, labels });
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }
}

export class GaugeChild {
  value = 0;
  set(v: number): void {
    this.value = v;
  }
  inc(by = 1): void {
    this.value += by;
  }
  dec(by = 1): void {
    this.value -= by;
  }
}

export class GaugeFamily extends Family<GaugeChild> {
  readonly type = 'gauge' as const;
  /** Runs before each scrape, e.g. to copy figures polled from another component. */
  onCollect?: () => void;
  protected create(): GaugeChild {
    return new GaugeChild();
  }
  /** Remove one label set (a gauge whose source no longer reports it). */
  remove(...values: string[]): void {
    this.children.delete(values.join('\u0000'));
  }
  get(): MetricSnapshot {
    if (this.exposed()) this.onCollect?.();
    const values: MetricValue[] = [];
    for (const { labels, child } of this.samples()) values.push({ value: child.value, labels });
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }
}

export class HistogramChild {
  /** Non-cumulative counts per bucket; the last slot is the +Inf overflow. Cumulated at scrape time. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;
  constructor(private readonly bounds: Float64Array) {
    this.counts = new Float64Array(bounds.length + 1);
  }
  observe(v: number): void {
    if (!(v >= 0) && !(v < 0)) return; // NaN: ignore rather than poison the sum
    // Binary search for the first upper bound >= v (Prometheus buckets are inclusive: le).
    let lo = 0;
    let hi = this.bounds.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.bounds[mid] < v) lo = mid + 1;
      else hi = mid;
    }
    this.counts[lo]++;
    this.sum += v;
    this.count++;
  }
}

export class HistogramFamily extends Family<HistogramChild> {
  readonly type = 'histogram' as const;
  readonly bounds: Float64Array;
  private readonly leLabels: string[];

  constructor(name: string, help: string, labelNames: readonly string[], buckets: readonly number[], registry: Registry) {
    if (labelNames.includes('le')) throw new Error(`${name}: 'le' is reserved for histogram buckets`);
    super(name, help, labelNames, registry);
    for (let i = 1; i < buckets.length; i++) {
      if (!(buckets[i] > buckets[i - 1])) throw new Error(`${name}: buckets must increase strictly`);
    }
    this.bounds = Float64Array.from(buckets);
    this.leLabels = buckets.map((b) => String(b));
  }

  protected create(): HistogramChild {
    return new HistogramChild(this.bounds);
  }

  get(): MetricSnapshot {
    const values: MetricValue[] = [];
    const bucketName = `${this.name}_bucket`;
    for (const { labels, child } of this.samples()) {
      let cumulative = 0;
      for (let i = 0; i < this.leLabels.length; i++) {
        cumulative += child.counts[i];
        values.push({ metricName: bucketName, labels: { ...labels, le: this.leLabels[i] }, value: cumulative });
      }
      values.push({ metricName: bucketName, labels: { ...labels, le: '+Inf' }, value: child.count });
      values.push({ metricName: `${this.name}_sum`, labels, value: child.sum });
      values.push({ metricName: `${this.name}_count`, labels, value: child.count });
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }
}
