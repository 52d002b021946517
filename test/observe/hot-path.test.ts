// The feed meter's cheaper per-read paths (issue 15) give exactly what the plain definitions give: createdAt parsing
// (Date.parse), recall's expected posts over a ring (expectedTopK), page errors' parsed times, cached language subtags.
import { describe, expect, it } from 'vitest';
import { parseIsoTime } from '../../src/observe/slis/iso-time.ts';
import { expectedTopK, expectedTopKOfRing } from '../../src/observe/slis/recall.ts';
import { pageErrors } from '../../src/observe/slis/feed-errors.ts';
import { primaryLanguage } from '../../src/observe/slis/language.ts';
import { FollowedRing } from '../../src/observe/ledger.ts';
import { Rng } from '../../src/random/index.ts';

describe('parseIsoTime', () => {
  it('equals Date.parse on toISOString output across eras, leap days and both shapes', () => {
    const rnd = new Rng(7);
    for (let i = 0; i < 20_000; i++) {
      const t = Math.floor((rnd.next() * 2 - 0.3) * 8e12); // about 1716 to 2223
      const iso = new Date(t).toISOString();
      expect(parseIsoTime(iso)).toBe(Date.parse(iso));
      const noMs = `${iso.slice(0, 19)}Z`;
      expect(parseIsoTime(noMs)).toBe(Date.parse(noMs));
    }
    for (const iso of ['2024-02-29T23:59:59.999Z', '2000-02-29T00:00:00Z', '1970-01-01T00:00:00.000Z', '0000-01-01T00:00:00Z', '9999-12-31T23:59:59.999Z']) {
      expect(parseIsoTime(iso)).toBe(Date.parse(iso));
    }
  });

  it('leaves every other text to Date.parse, whatever it makes of it', () => {
    const odd = [
      '2025-02-31T00:00:00Z', // V8 rolls it over to March
      '2023-02-29T00:00:00.000Z',
      '1900-02-29T00:00:00Z',
      '2025-13-01T00:00:00Z',
      '2025-01-01T24:00:00Z',
      '2025-01-01T23:59:60Z',
      '2025-01-01T00:00:00.1Z',
      '2025-01-01T00:00:00.1234Z',
      '2025-01-01T00:00:00z',
      '2025-01-01T00:00:00+01:00',
      '2025-01-01 00:00:00Z',
      '2025-01-01T00:00:00.00xZ',
      '2025-0a-01T00:00:00.000Z',
      '+02025-01-01T00:00:00Z',
      'Wed, 01 Jan 2025 00:00:00 GMT',
      '2025-01-01',
      '',
      'not a date at all, 24 ch',
    ];
    for (const text of odd) expect(parseIsoTime(text)).toBe(Date.parse(text));
    // A target's non-string createdAt: Date.parse's own coercion, no throw.
    for (const v of [undefined, null, 0, 1_700_000_000_000, {}]) expect(parseIsoTime(v as unknown as string)).toBe(Date.parse(v as unknown as string));
  });
});

describe('expectedTopKOfRing', () => {
  it('gives what expectedTopK gives over the same followed posts, newest first', () => {
    const rnd = new Rng(11);
    for (let round = 0; round < 200; round++) {
      const ring = new FollowedRing(1 + rnd.int(40));
      const removed = new Set<number>();
      const pushes = rnd.int(90);
      let at = 0;
      for (let i = 0; i < pushes; i++) {
        at += rnd.int(500);
        ring.push(i, at);
        if (rnd.chance(0.2)) removed.add(i);
      }
      const newestFirst = [...ring.positionsNewestFirst()].map((p) => ({ slot: ring.slots[p], ackAt: ring.ackAt[p], removed: removed.has(ring.slots[p]) }));
      const readAt = at + rnd.int(3000);
      for (const k of [0, 1, 5, 20, 100]) {
        for (const grace of [0, 1000, 5000]) {
          expect(expectedTopKOfRing(ring, (s) => removed.has(s), readAt, grace, k)).toEqual(expectedTopK(newestFirst, readAt, grace, k));
        }
      }
    }
  });
});

describe('pageErrors times', () => {
  it('hands back each item createdAt as parsed for the order check, and the same errors as without', () => {
    const items = [
      { id: 'a', createdAt: '2025-01-13T01:00:05.000Z' },
      { id: 'b', createdAt: 'garbage' },
      { id: 'c', createdAt: '2025-01-13T01:00:07.000Z' },
      { id: 'a', createdAt: '2025-01-13T01:00:01Z' },
    ];
    const times = new Float64Array(8).fill(-1);
    const withTimes = pageErrors(items, undefined, true, times);
    expect(withTimes).toEqual(pageErrors(items, undefined, true));
    expect(withTimes).toEqual({ duplicatesInPage: 1, duplicatesAcrossPages: 0, orderingViolations: 1 });
    expect([...times.subarray(0, 4)]).toEqual(items.map((i) => Date.parse(i.createdAt)));
    expect(times[4]).toBe(-1);
  });
});

describe('primaryLanguage (cached)', () => {
  it('answers the same on every call, for many distinct tags', () => {
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 2000; i++) expect(primaryLanguage(`X${i}-Y`)).toBe(`x${i}`);
      expect(primaryLanguage('zh_CN')).toBe('zh');
      expect(primaryLanguage('EN-us')).toBe('en');
    }
  });
});
