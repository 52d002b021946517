import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { followIndexOf, rankByScore } from '../../src/population/popularity.ts';
import { buildPopulation } from '../../src/population/store.ts';
import { SURGE_SPEC } from './fixtures.ts';

describe('popularity ranking', () => {
  it('rankByScore orders by descending score, ties by position, like a comparator sort', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 2000, noNaN: true }), { maxLength: 300 }), (scores) => {
        const ids = Uint32Array.from(scores, (_, k) => 1000 + k);
        const score = Float64Array.from(scores, (s) => Math.floor(s * 1e6) / 1e6);
        const expected = Array.from(ids.keys())
          .sort((a, b) => score[b] - score[a] || a - b)
          .map((k) => ids[k]);
        expect(Array.from(rankByScore(ids, score))).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });

  it('ranks creators above incumbents of similar activity and excludes newcomers and lurkers', () => {
    const pop = buildPopulation(SURGE_SPEC);
    const idx = followIndexOf(pop);
    const zh = pop.languageNames.indexOf('zh');
    const ranking = idx.popularByLanguage[zh];
    expect(ranking.length).toBeGreaterThan(4000);
    for (const i of ranking) expect(['incumbent', 'helper', 'creator']).toContain(pop.persona(i));
    const top = Array.from(ranking.subarray(0, 100), (i) => pop.persona(i));
    expect(top.filter((p) => p === 'creator').length).toBeGreaterThan(80);
  });
});
