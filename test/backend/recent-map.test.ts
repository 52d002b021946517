import { describe, expect, it } from 'vitest';
import { RecentMap } from '../../src/backend/cache/recent-map.ts';

describe('RecentMap (per-process caches with a memory budget)', () => {
  it('answers only values written less than maxAge ago, and drops expired entries on writes', () => {
    let now = 0;
    const m = new RecentMap<string, number>(100, 1_000, () => now);
    m.set('a', 1);
    now = 500;
    m.set('b', 2);
    expect(m.get('a')).toBe(1);
    now = 1_000;
    expect(m.get('a')).toBeUndefined(); // 1 s old
    expect(m.get('b')).toBe(2);
    m.set('a', 3); // rewritten: young again, moved to the end
    now = 1_600;
    m.set('c', 4); // 'b' (1.1 s) is dropped by this write; 'a' (0.6 s) stays
    expect(m.size).toBe(2);
    expect(m.get('a')).toBe(3);
    expect(m.get('b')).toBeUndefined();
  });

  it('keeps at most `capacity` entries, the least recently written out first', () => {
    const m = new RecentMap<number, number>(3, 60_000, () => 0);
    for (let i = 0; i < 5; i++) m.set(i, i);
    expect(m.size).toBe(3);
    expect([m.get(0), m.get(1), m.get(2), m.get(4)]).toEqual([undefined, undefined, 2, 4]);
    m.set(2, 20);
    m.set(5, 5);
    expect(m.get(3)).toBeUndefined();
    expect(m.get(2)).toBe(20);
  });

  it('a long steady stream of distinct keys holds only the last maxAge of them', () => {
    let now = 0;
    const m = new RecentMap<string, string>(1_000_000, 60_000, () => now);
    // One new key every 10 ms for 30 minutes (a soak's logins): the map settles at 60 s worth (6,000), not 180,000.
    for (let i = 0; i < 180_000; i++, now += 10) m.set(`token-${i}`, 'claims');
    expect(m.size).toBe(6_000);
  });
});
