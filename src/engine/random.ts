// Seeded pseudo-random numbers for the engine. Every random choice in a run draws from a stream derived from
// (plan seed, purpose, index), so a run is reproducible and workers/shards get independent, disjoint streams.
// Generator: xoshiro128** (Blackman & Vigna), seeded through splitmix32. 32-bit state fits JS integer maths.

/** splitmix32: a good seed scrambler; used to expand one number into xoshiro's 128-bit state. */
function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** FNV-1a over a string, for deriving stream seeds from names ("arrivals/newcomers"). */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export class Random {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    const mix = splitmix32(seed);
    this.a = mix();
    this.b = mix();
    this.c = mix();
    this.d = mix();
    if ((this.a | this.b | this.c | this.d) === 0) this.a = 1;
  }

  /** A stream for one purpose: same (seed, label, index) -> same numbers, whatever else the run does. */
  static derive(seed: number, label: string, index = 0): Random {
    return new Random((hashString(label) ^ Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(index + 1, 0x85ebca6b)) >>> 0);
  }

  /** Uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return result;
  }

  /** Uniform in [0, 1) with 32 bits of resolution. */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  /** Exponential with the given mean (inverse CDF; 1 - u avoids log(0)). */
  exponential(mean: number): number {
    return -Math.log(1 - this.next()) * mean;
  }

  /** Geometric number of trials >= 1 with the given mean. */
  geometric(mean: number): number {
    if (mean <= 1) return 1;
    const p = 1 / mean;
    return 1 + Math.floor(Math.log(1 - this.next()) / Math.log(1 - p));
  }

  /** Pareto(xm = 1, alpha): heavy-tailed weights for hot posts. */
  pareto(alpha: number): number {
    return Math.pow(1 - this.next(), -1 / Math.max(alpha, 0.05));
  }

  /** Index chosen with probability proportional to weights[i]; -1 when all weights are zero. */
  weighted(weights: ArrayLike<number>, total?: number): number {
    let sum = total;
    if (sum === undefined) {
      sum = 0;
      for (let i = 0; i < weights.length; i++) sum += weights[i];
    }
    if (!(sum > 0)) return -1;
    let x = this.next() * sum;
    for (let i = 0; i < weights.length; i++) {
      x -= weights[i];
      if (x < 0) return i;
    }
    for (let i = weights.length - 1; i >= 0; i--) if (weights[i] > 0) return i;
    return -1;
  }

  /** Key chosen from a weight record (insertion order), or undefined when empty. */
  pickKey<K extends string>(weights: Partial<Record<K, number>>): K | undefined {
    const keys = Object.keys(weights) as K[];
    const values = keys.map((k) => weights[k] ?? 0);
    const i = this.weighted(values);
    return i < 0 ? undefined : keys[i];
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
