// Comment storms: most posts draw a handful of comments, a few draw thousands.
import { hash32 } from '../random/index.ts';

const STORM_STREAM = 0x53544f52; // 'STOR'

/**
 * Number of comments a post attracts, drawn from a discrete power law with exponent `alpha` (> 1):
 * P(size >= k) = (k + 1)^-(alpha - 1), i.e. k = floor(U^(-1/(alpha-1))) - 1 for uniform U in (0, 1].
 * With alpha 2 half the posts get none, 1 in 100 gets 100 or more, 1 in 1,000 about 1,000. Deterministic in (seed, seq).
 */
export function commentStormSize(seq: number, alpha: number, options: { seed?: number; max?: number } = {}): number {
  if (!(alpha > 1)) throw new Error(`commentAlpha must be > 1 (got ${alpha})`);
  const u = (hash32(options.seed ?? 0, STORM_STREAM, seq) + 1) / 4294967296; // (0, 1]
  const k = Math.floor(Math.pow(u, -1 / (alpha - 1))) - 1;
  return Math.min(options.max ?? 10_000, Math.max(0, k));
}
