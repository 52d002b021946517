// Counter-based randomness: every draw is a pure function of (seed, stream, index, seq), so any person, edge or
// post can be produced on its own, in any order, on any worker, and come out the same.

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

/** Stable 32-bit hash of a string (FNV-1a then mixed), for stream names. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return mix32(h);
}

/** Small fast PRNG (sfc32) seeded from a hash; enough for sampling, not for secrets. */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number, stream = 0, index = 0, seq = 0) {
    this.a = hash32(seed, stream, index, seq);
    this.b = hash32(seed, stream, index, seq ^ 0x5bd1e995);
    this.c = hash32(seed ^ 0x1b873593, stream, index, seq);
    this.d = 1;
    for (let i = 0; i < 8; i++) this.nextU32();
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

  nextU32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
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

/** Base-36 suffix used to make handles unique. */
export function base36(n: number): string {
  return n.toString(36);
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
