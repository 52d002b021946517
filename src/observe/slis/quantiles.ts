// Percentiles of an SLI's samples in bounded memory: every sample is kept up to `capacity`, beyond that a uniform
// reservoir (algorithm R) of `capacity` samples stands for all of them. Exact below the cap, an unbiased sample above.
import { seededRandom } from '../../random/index.ts';

/** Nearest-rank percentile of ascending `sorted` values: the smallest value with at least q of the samples <= it. */
export function percentile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil(q * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

export class SampleQuantiles {
  private values: Float64Array;
  private kept = 0;
  private sortedView: Float64Array | null = null;
  /** Samples offered, including those the reservoir did not keep. */
  count = 0;
  sum = 0;
  private readonly random: () => number;

  constructor(
    private readonly capacity = 65_536,
    seed = 1,
  ) {
    this.values = new Float64Array(Math.min(capacity, 64));
    this.random = seededRandom(seed);
  }

  add(value: number): void {
    this.count++;
    this.sum += value;
    this.sortedView = null;
    if (this.kept < this.capacity) {
      if (this.kept === this.values.length) {
        const grown = new Float64Array(Math.min(this.capacity, this.values.length * 2));
        grown.set(this.values);
        this.values = grown;
      }
      this.values[this.kept++] = value;
      return;
    }
    const j = Math.floor(this.random() * this.count);
    if (j < this.capacity) this.values[j] = value;
  }

  get sampled(): boolean {
    return this.count > this.kept;
  }

  mean(): number {
    return this.count === 0 ? NaN : this.sum / this.count;
  }

  quantile(q: number): number {
    if (!this.sortedView) this.sortedView = this.values.slice(0, this.kept).sort();
    return percentile(this.sortedView, q);
  }

  clear(): void {
    this.kept = 0;
    this.count = 0;
    this.sum = 0;
    this.sortedView = null;
  }
}
