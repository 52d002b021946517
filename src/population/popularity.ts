// Fixed popularity ranking and per-(cohort, language) member lists, derived once per population and cached.
import type { Population } from './store.ts';
import { PERSONAS } from '../scenario/vocabulary.ts';
import { hash32 } from '../random/index.ts';

export interface FollowIndex {
  /** Per language id: indexes of incumbents/helpers/creators, most popular first (Zipf rank 0). */
  popularByLanguage: Uint32Array[];
  /** Per cohort, per language id: member indexes with that primary language, ascending. */
  membersByCohortLanguage: Uint32Array[][];
  /** Lengths of the lists above, for weighted language choice without allocating per call. */
  popularSizes: Float64Array;
  memberSizes: Float64Array[];
}

const POPULAR_PERSONA_BOOST: Record<string, number> = { creator: 25, incumbent: 1, helper: 1.5 };
const cache = new WeakMap<Population, FollowIndex>();

export function followIndexOf(pop: Population): FollowIndex {
  let idx = cache.get(pop);
  if (!idx) {
    idx = buildFollowIndex(pop);
    cache.set(pop, idx);
  }
  return idx;
}

function buildFollowIndex(pop: Population): FollowIndex {
  const nLang = pop.languageNames.length;
  const boost = new Float32Array(PERSONAS.length);
  PERSONAS.forEach((p, i) => (boost[i] = POPULAR_PERSONA_BOOST[p] ?? 0));

  // Count first, then fill flat typed arrays (no per-person JS objects).
  const popCount = new Uint32Array(nLang);
  const memberCount = pop.cohorts.map(() => new Uint32Array(nLang));
  for (let c = 0; c < pop.cohorts.length; c++) {
    const { start, count } = pop.cohorts[c];
    for (let i = start; i < start + count; i++) {
      const l = pop.primaryLanguageId(i);
      memberCount[c][l]++;
      if (boost[pop.personaId[i]] > 0) popCount[l]++;
    }
  }
  const popularByLanguage = Array.from(popCount, (n) => new Uint32Array(n));
  const popScore = Array.from(popCount, (n) => new Float64Array(n));
  const membersByCohortLanguage = memberCount.map((counts) => Array.from(counts, (n) => new Uint32Array(n)));
  const popFill = new Uint32Array(nLang);
  const memberFill = pop.cohorts.map(() => new Uint32Array(nLang));
  for (let c = 0; c < pop.cohorts.length; c++) {
    const { start, count } = pop.cohorts[c];
    for (let i = start; i < start + count; i++) {
      const l = pop.primaryLanguageId(i);
      membersByCohortLanguage[c][l][memberFill[c][l]++] = i;
      const b = boost[pop.personaId[i]];
      if (b > 0) {
        const k = popFill[l]++;
        popularByLanguage[l][k] = i;
        // Score: persona boost times activity, a hash tie-break so equal scores still order deterministically.
        popScore[l][k] = b * pop.activity[i] + hash32(pop.seed, i, 0x504f50) / 2 ** 40;
      }
    }
  }
  for (let l = 0; l < nLang; l++) {
    const ids = popularByLanguage[l];
    const score = popScore[l];
    popularByLanguage[l] = rankByScore(ids, score);
  }
  return {
    popularByLanguage,
    membersByCohortLanguage,
    popularSizes: Float64Array.from(popularByLanguage, (a) => a.length),
    memberSizes: membersByCohortLanguage.map((perLang) => Float64Array.from(perLang, (a) => a.length)),
  };
}

const POSITION_BITS = 2 ** 21;

/**
 * Indexes ordered by descending score. Packs (score quantised to 1e-6, position) into one float so a typed-array
 * numeric sort does the work (far faster than a comparator over 10^5-10^6 items); exact while scores stay below
 * about 4000 and lists below 2^21, with a comparator sort as the fallback otherwise.
 */
export function rankByScore(ids: Uint32Array, score: Float64Array): Uint32Array<ArrayBuffer> {
  const n = ids.length;
  let max = 0;
  for (let k = 0; k < n; k++) if (score[k] > max) max = score[k];
  if (n >= POSITION_BITS || max * 1e6 * POSITION_BITS >= Number.MAX_SAFE_INTEGER) {
    const order = Array.from(ids.keys()).sort((a, b) => score[b] - score[a] || a - b);
    return Uint32Array.from(order, (k) => ids[k]);
  }
  const keys = new Float64Array(n);
  for (let k = 0; k < n; k++) keys[k] = -Math.floor(score[k] * 1e6) * POSITION_BITS + k;
  keys.sort();
  const out = new Uint32Array(n);
  for (let r = 0; r < n; r++) {
    const key = keys[r];
    const k = ((key % POSITION_BITS) + POSITION_BITS) % POSITION_BITS;
    out[r] = ids[k];
  }
  return out;
}
