// pageErrors compares ids pairwise on short pages and with a Set on long ones; languageMix counts a prefix of a
// scratch array. Both must give what the plain definitions give.
import { describe, expect, it } from 'vitest';
import { pageErrors } from '../../src/observe/slis/feed-errors.ts';
import { languageMix } from '../../src/observe/slis/language.ts';

function reference(ids: string[], previous: Set<string> | undefined) {
  const seen = new Set<string>();
  let inPage = 0;
  let across = 0;
  for (const id of ids) {
    if (seen.has(id)) inPage++;
    else {
      seen.add(id);
      if (previous?.has(id)) across++;
    }
  }
  return { inPage, across };
}

describe('page checks on short and long pages', () => {
  it('counts duplicates within and across pages the same way at every page length', () => {
    let seed = 7;
    const rnd = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);
    for (const n of [0, 1, 2, 20, 47, 48, 49, 100]) {
      for (let trial = 0; trial < 20; trial++) {
        const ids = Array.from({ length: n }, () => `p${Math.floor(rnd() * n * 1.5)}`);
        const previous = new Set(Array.from({ length: 10 }, () => `p${Math.floor(rnd() * n * 1.5)}`));
        const items = ids.map((id, i) => ({ id, createdAt: new Date(1e12 - i * 1000).toISOString() }));
        const got = pageErrors(items, previous, true);
        const want = reference(ids, previous);
        expect([got.duplicatesInPage, got.duplicatesAcrossPages, got.orderingViolations]).toEqual([want.inPage, want.across, 0]);
      }
    }
  });

  it('languageMix counts only the first `count` languages of a longer array', () => {
    const scratch = ['zh', 'en-US', 'zh-mixed', 'ja', 'stale', 'stale'];
    expect(languageMix(scratch, 'zh', ['zh', 'en'], 4)).toEqual(languageMix(scratch.slice(0, 4), 'zh', ['zh', 'en']));
    expect(languageMix(scratch, 'zh', ['zh', 'en'], 4)).toEqual({ items: 4, matching: 3, foreign: 2 });
    expect(languageMix([], 'en', [])).toEqual({ items: 0, matching: 0, foreign: 0 });
  });
});
