// The on-line follow API: who a person follows when the engine grows the graph during a run.
import type { FollowPolicy } from '../scenario/plan.ts';
import type { Population } from './store.ts';
import { followIndexOf } from './popularity.ts';
import { Rng, zipfRank } from '../random/index.ts';

const FOLLOW_STREAM = 0x464f4c4c; // 'FOLL'
const ATTEMPTS_PER_SLOT = 24;

export interface FollowOptions {
  /** Zipf exponent of popularity among incumbents/creators (1 = classic Zipf). */
  zipfExponent?: number;
  /** Relative pull of each other language when a follow crosses languages (default: by size of that language's pool). */
  crossLanguageAffinity?: Record<string, number>;
}

/** Pick the language of one follow: own language with sameLanguageShare, else another by pool size x affinity. */
export function chooseLanguage(
  rng: Rng,
  own: number,
  sameLanguageShare: number,
  poolSizes: ArrayLike<number>,
  affinity: Float64Array | undefined,
): number {
  if (rng.next() < sameLanguageShare) return own;
  let total = 0;
  for (let l = 0; l < poolSizes.length; l++) if (l !== own) total += poolSizes[l] * (affinity ? affinity[l] : 1);
  if (total <= 0) return own;
  let u = rng.next() * total;
  for (let l = 0; l < poolSizes.length; l++) {
    if (l === own) continue;
    u -= poolSizes[l] * (affinity ? affinity[l] : 1);
    if (u < 0) return l;
  }
  return own;
}

export function affinityVector(pop: Population, affinity: Record<string, number> | undefined): Float64Array | undefined {
  if (!affinity) return undefined;
  return Float64Array.from(pop.languageNames, (l) => affinity[l] ?? 1);
}

/**
 * Deterministic follow targets for person `personIndex` at the engine's `seq`-th follow decision:
 * about `policy.count` distinct people (the fractional part is a coin flip), a `popularShare` of them drawn by
 * Zipf rank from the fixed popularity ranking of incumbents/creators, the rest peers of the person's own cohort;
 * a `sameLanguageShare` of them share the person's primary language. `eligible` (e.g. "has signed up") filters
 * candidates; a slot with no eligible candidate after a bounded number of draws is dropped, so the result may be
 * shorter than the count early in a run.
 */
export function followTargets(
  population: Population,
  personIndex: number,
  policy: FollowPolicy,
  seq: number,
  eligible?: (index: number) => boolean,
  options: FollowOptions = {},
): number[] {
  const idx = followIndexOf(population);
  const rng = new Rng(population.seed, FOLLOW_STREAM, personIndex, seq);
  const count = Math.max(0, policy.count);
  const n = Math.floor(count) + (rng.next() < count - Math.floor(count) ? 1 : 0);
  const own = population.primaryLanguageId(personIndex);
  const cohort = population.cohortIndexOf(personIndex);
  const peers = idx.membersByCohortLanguage[cohort];
  const popularSizes = idx.popularSizes;
  const peerSizes = idx.memberSizes[cohort];
  const affinity = affinityVector(population, options.crossLanguageAffinity);
  const s = options.zipfExponent ?? 1;
  const out: number[] = [];
  for (let slot = 0; slot < n; slot++) {
    const popular = rng.next() < policy.popularShare;
    for (let attempt = 0; attempt < ATTEMPTS_PER_SLOT; attempt++) {
      const lang = chooseLanguage(rng, own, policy.sameLanguageShare, popular ? popularSizes : peerSizes, affinity);
      const pool = popular ? idx.popularByLanguage[lang] : peers[lang];
      if (pool.length === 0) continue;
      const target = popular ? pool[zipfRank(rng.next(), pool.length, s)] : pool[rng.int(pool.length)];
      if (target === personIndex || out.includes(target)) continue;
      if (eligible && !eligible(target)) continue;
      out.push(target);
      break;
    }
  }
  return out;
}
