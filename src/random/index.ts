// The one seeded-randomness module: hashing and generator streams for population, content, engine and observers.
// Everything random in a run is a pure function of (seed, stream, index, seq): any person, edge, post, arrival or
// sampling decision can be produced on its own, in any order, on any worker or shard, and come out the same.
// Generator: sfc32 (Chris Doty-Humphrey's Small Fast Counter), seeded from murmur3-finalised hashes; 32-bit state
// fits JS integer maths. Hashing of names: FNV-1a, then the murmur3 finaliser so nearby inputs spread.

/** 32-bit avalanche mix (murmur3 finaliser). */
export function mix32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

/** Hash up to four integers (any sign, < 2^53) into a uint32. */
export function hash32(a: number, b = 0, c = 0, d = 0): number {
  let h = mix32((a | 0) ^ 0x9e3779b9 ^ Math.floor(a / 0x100000000));
  h = mix32(h ^ (b | 0) ^ Math.imul(Math.floor(b / 0x100000000), 0x27d4eb2d));
  h = mix32(h ^ (c | 0) ^ 0x165667b1);
  h = mix32(h ^ (d | 0) ^ 0x61c88647);
  return h;
}

/** Stable 32-bit hash of a string (FNV-1a over UTF-16 code units, mixed with `seed`, then finalised). */
export function hashText(text: string, seed = 0): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return mix32(h);
}

/** A uniform number in [0, 1) derived from `text` and `seed`. */
export function hashUnit(text: string, seed = 0): number {
  return hashText(text, seed) / 4294967296;
}

/** Seeded generator (sfc32) on the stream (seed, stream, index, seq). */
export class Rng {
  private a = 0;
  private b = 0;
  private c = 0;
  private d = 1;

  constructor(seed: number, stream = 0, index = 0, seq = 0) {
    this.reset(seed, stream, index, seq);
  }

  /** A stream for one named purpose: same (seed, label, index) -> same numbers, whatever else the run does. */
  static derive(seed: number, label: string, index = 0): Rng {
    return new Rng(seed, hashText(label), index);
  }

  /** Re-seed in place (avoids allocation in hot loops). */
  reset(seed: number, stream = 0, index = 0, seq = 0): this {
    this.a = hash32(seed, stream, index, seq);
    this.b = hash32(seed, stream, index, seq ^ 0x5bd1e995);
    this.c = hash32(seed ^ 0x1b873593, stream, index, seq);
    this.d = 1;
    for (let i = 0; i < 8; i++) this.nextU32();
    return this;
  }

  /** Uniform 32-bit unsigned integer. */
  nextU32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1) with 32 bits of resolution. */
  next(): number {
    return this.nextU32() / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  /** Standard normal (Box-Muller). */
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
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

/** A seeded source of uniform numbers in [0, 1), for code that wants a plain function. */
export function seededRandom(seed: number): () => number {
  const rng = new Rng(seed, 0x5eed);
  return () => rng.next();
}

/** Categorical sampling from a weight record; keys keep their record order so results are stable. */
export class WeightedTable<K extends string = string> {
  readonly keys: K[];
  private readonly cumulative: Float64Array;

  constructor(weights: Partial<Record<K, number>>, what = 'weights') {
    const entries = Object.entries(weights).filter(([, w]) => typeof w === 'number' && (w as number) > 0) as [K, number][];
    if (entries.length === 0) throw new Error(`${what}: need at least one positive weight`);
    for (const [k, w] of Object.entries(weights)) {
      if (typeof w !== 'number' || !Number.isFinite(w) || w < 0) throw new Error(`${what}.${k}: weight must be a finite number >= 0`);
    }
    this.keys = entries.map(([k]) => k);
    this.cumulative = new Float64Array(entries.length);
    let sum = 0;
    entries.forEach(([, w], i) => {
      sum += w;
      this.cumulative[i] = sum;
    });
    for (let i = 0; i < entries.length; i++) this.cumulative[i] /= sum;
  }

  /** Index of the key chosen by a uniform u in [0, 1). */
  indexAt(u: number): number {
    const c = this.cumulative;
    let lo = 0;
    let hi = c.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (u < c[mid]) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  sample(u: number): K {
    return this.keys[this.indexAt(u)];
  }
}

/**
 * Zipf-like rank in [0, n) from a uniform u, by inverting the continuous density p(x) ∝ x^-s on [1, n+1):
 *   CDF(x) = (x^(1-s) - 1) / ((n+1)^(1-s) - 1)   (s ≠ 1),   ln x / ln(n+1)   (s = 1)
 * so x = (1 + u((n+1)^(1-s) - 1))^(1/(1-s)), resp. (n+1)^u. Rank 0 is the most popular. O(1), no tables.
 */
export function zipfRank(u: number, n: number, s = 1): number {
  if (n <= 1) return 0;
  let x: number;
  if (Math.abs(s - 1) < 1e-9) x = Math.pow(n + 1, u);
  else {
    const e = 1 - s;
    x = Math.pow(1 + u * (Math.pow(n + 1, e) - 1), 1 / e);
  }
  const r = Math.floor(x) - 1;
  return r < 0 ? 0 : r >= n ? n - 1 : r;
}

/** zipfRank with the constants precomputed for one (n, s): for hot loops. */
export class ZipfSampler {
  private readonly logN1: number;
  private readonly span: number;
  private readonly invE: number;
  constructor(
    readonly n: number,
    readonly s = 1,
  ) {
    this.logN1 = Math.log(n + 1);
    const e = 1 - s;
    this.invE = Math.abs(e) < 1e-9 ? 0 : 1 / e;
    this.span = this.invE === 0 ? 0 : Math.pow(n + 1, e) - 1;
  }
  rank(u: number): number {
    const x = this.invE === 0 ? Math.exp(u * this.logN1) : Math.pow(1 + u * this.span, this.invE);
    const r = Math.floor(x) - 1;
    return r < 0 ? 0 : r >= this.n ? this.n - 1 : r;
  }
}
