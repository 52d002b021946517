// The SLI maths on fixed inputs: language mix and bands, recall@k, page errors, percentiles.
import { describe, expect, it } from 'vitest';
import { checkBand, languageMix, primaryLanguage } from '../../src/observe/slis/language.ts';
import { effectiveK, expectedTopK, recallOfRead } from '../../src/observe/slis/recall.ts';
import { pageErrors } from '../../src/observe/slis/feed-errors.ts';
import { SampleQuantiles, percentile } from '../../src/observe/slis/quantiles.ts';

describe('language', () => {
  it('counts code-mixed text as its primary language and folds subtags', () => {
    expect(primaryLanguage('zh-mixed')).toBe('zh');
    expect(primaryLanguage('en_US')).toBe('en');
    expect(primaryLanguage('zh-Hans')).toBe('zh');
    expect(primaryLanguage('EN')).toBe('en');
    expect(primaryLanguage('')).toBe('und');
  });

  it('separates language match (readable) from foreign share (not primary)', () => {
    const items = ['en', 'en', 'en', 'zh', 'zh-mixed', 'es'];
    // A bilingual zh+en reader can read 5 of 6 items, but 4 of 6 are not Chinese.
    expect(languageMix(items, 'zh', ['zh', 'en'])).toEqual({ items: 6, matching: 5, foreign: 4 });
    // A monolingual zh reader reads only the two Chinese items.
    expect(languageMix(items, 'zh', ['zh'])).toEqual({ items: 6, matching: 2, foreign: 4 });
    // The primary language always counts as read even when missing from the list.
    expect(languageMix(['en'], 'en', [])).toEqual({ items: 1, matching: 1, foreign: 0 });
  });

  it('checks the intended band', () => {
    expect(checkBand(0.4, 0.9, { foreignShareMax: 0.3 }).inBand).toBe(false);
    expect(checkBand(0.2, 0.9, { foreignShareMax: 0.3, languageMatchMin: 0.8 }).inBand).toBe(true);
    expect(checkBand(0.2, 0.7, { foreignShareMax: 0.3, languageMatchMin: 0.8 }).inBand).toBe(false);
    expect(checkBand(0.2, 0.7, undefined).inBand).toBeNull();
    expect(checkBand(null, null, { foreignShareMax: 0.3 }).inBand).toBeNull();
  });
});

describe('recall@k', () => {
  const posts = [
    { slot: 9, ackAt: 9_500, removed: false }, // inside the grace period at t=10 000 (grace 1 000)
    { slot: 8, ackAt: 8_800, removed: false },
    { slot: 7, ackAt: 8_000, removed: true }, // removed by moderation: not expected
    { slot: 6, ackAt: 7_000, removed: false },
    { slot: 5, ackAt: 6_000, removed: false },
    { slot: 4, ackAt: 5_000, removed: false },
  ];

  it('expects the k most recent posts acknowledged before the grace period, removed ones excluded', () => {
    expect(expectedTopK(posts, 10_000, 1_000, 3)).toEqual([8, 6, 5]);
    expect(expectedTopK(posts, 10_000, 1_000, 10)).toEqual([8, 6, 5, 4]);
    expect(expectedTopK(posts, 10_000, 5_000, 3)).toEqual([4]);
    expect(expectedTopK(posts, 10_000, 1_000, 0)).toEqual([]);
  });

  it('scores the share of expected posts present, and skips reads with nothing expected', () => {
    expect(recallOfRead([8, 6, 5], new Set([9, 8, 5, 1]))).toEqual({ expected: 3, found: 2, recall: 2 / 3 });
    expect(recallOfRead([], new Set([1])).recall).toBeNull();
  });

  it('holds a page cut by its own limit only to what it can hold', () => {
    expect(effectiveK(20, 10, true)).toBe(10);
    expect(effectiveK(20, 10, false)).toBe(20);
    expect(effectiveK(20, 50, true)).toBe(20);
  });
});

describe('page errors', () => {
  const item = (id: string, sec: number) => ({ id, createdAt: new Date(Date.UTC(2025, 0, 13, 0, 0, sec)).toISOString() });

  it('finds duplicates within and across pages and order inversions', () => {
    const page = [item('a', 9), item('b', 8), item('a', 9), item('c', 10), item('d', 5)];
    expect(pageErrors(page, new Set(['d', 'x']), true)).toEqual({ duplicatesInPage: 1, duplicatesAcrossPages: 1, orderingViolations: 2 });
    expect(pageErrors(page, undefined, false)).toEqual({ duplicatesInPage: 1, duplicatesAcrossPages: 0, orderingViolations: 0 });
    expect(pageErrors([item('a', 3), item('b', 2), item('c', 2)], undefined, true).orderingViolations).toBe(0);
  });
});

describe('quantiles', () => {
  it('nearest-rank percentiles', () => {
    const sorted = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    expect(percentile(sorted, 0.5)).toBe(5);
    expect(percentile(sorted, 0.95)).toBe(10);
    expect(percentile(sorted, 0.05)).toBe(1);
    expect(percentile([], 0.5)).toBeNaN();
  });

  it('is exact below its capacity and an unbiased sample above it', () => {
    const q = new SampleQuantiles(1000, 5);
    for (let i = 1; i <= 1000; i++) q.add(i);
    expect(q.sampled).toBe(false);
    expect(q.quantile(0.5)).toBe(500);
    for (let i = 1001; i <= 100_000; i++) q.add(i);
    expect(q.sampled).toBe(true);
    expect(q.count).toBe(100_000);
    expect(q.mean()).toBeCloseTo(50_000.5, 6);
    expect(Math.abs(q.quantile(0.5) - 50_000)).toBeLessThan(5_000);
    expect(Math.abs(q.quantile(0.95) - 95_000)).toBeLessThan(3_000);
  });
});
