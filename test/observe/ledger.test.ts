// The ledger's bounded memory: pinning of followed and marked posts, the reservoir beyond the caps, rings, and
// the meter's judgement of reads against it.
import { describe, expect, it } from 'vitest';
import { FollowedRing, Ledger } from '../../src/observe/ledger.ts';
import { FeedMeter } from '../../src/observe/feed-meter.ts';
import { chooseSample } from '../../src/observe/audit.ts';
import type { FeedItem } from '../../src/target/target.ts';
import type { PostAckSample } from '../../src/run/events.ts';

const post = (postId: string, authorId: string, at: number, marker: string | null = null, lang = 'en'): PostAckSample => ({
  postId,
  authorId,
  cohort: 'c',
  lang,
  kind: 'daily_life',
  marker,
  at,
  targetCreatedAt: new Date(1_736_726_400_000 + at).toISOString(),
  targetLang: lang,
});

describe('ledger', () => {
  it('pins posts of followed authors and marked posts, and samples the rest within the cap', () => {
    const ledger = new Ledger({ pinnedPostsCap: 10, sampledPostsCap: 100, seed: 3 });
    const reader = ledger.trackReader('r1', 'probe', 'zh', ['zh'], true)!;
    ledger.addFollow({ followerId: 'r1', followeeId: 'a1', at: 0 });
    for (let i = 0; i < 1000; i++) ledger.addPost(post(`x${i}`, 'other', i));
    const followed = ledger.addPost(post('f1', 'a1', 1000));
    const marked = ledger.addPost(post('m1', 'other', 1001, 'spam-1'));
    const counts = ledger.counts();
    expect(counts.posts).toBe(1002);
    expect(counts.pinnedPosts).toBe(2);
    expect(counts.sampledPostsKept).toBe(100);
    expect(ledger.isPinned(followed) && ledger.isPinned(marked)).toBe(true);
    expect(ledger.slotOf('f1')).toBe(followed);
    expect(ledger.postMarkerOf(marked)).toBe('spam-1');
    // Exactly the cap's worth of unpinned posts is resolvable; evicted ids resolve to -1.
    let kept = 0;
    for (let i = 0; i < 1000; i++) if (ledger.slotOf(`x${i}`) >= 0) kept++;
    expect(kept).toBe(100);
    expect(reader.ring.length).toBe(1);
    expect(ledger.postStrata().sampled.total).toBe(1000);
  });

  it('flags readers incomplete when the pinned table is full', () => {
    const ledger = new Ledger({ pinnedPostsCap: 2, sampledPostsCap: 10 });
    const reader = ledger.trackReader('r1', 'probe', 'en', ['en'], true)!;
    ledger.addFollow({ followerId: 'r1', followeeId: 'a1', at: 0 });
    for (let i = 0; i < 3; i++) ledger.addPost(post(`p${i}`, 'a1', i));
    expect(ledger.counts().pinOverflow).toBe(1);
    expect(reader.incomplete).toBe(true);
    expect(reader.ring.length).toBe(2);
  });

  it('reports moderation lag once per marked post and checks pending ones round-robin', () => {
    const ledger = new Ledger();
    const slots = ['m1', 'm2', 'm3'].map((id, i) => ledger.addPost(post(id, 'a', 100 * i, 'mk')));
    expect(ledger.nextMarkedToCheck(2)).toEqual(['m1', 'm2']);
    expect(ledger.nextMarkedToCheck(2)).toEqual(['m3', 'm1']);
    expect(ledger.markRemoved(slots[1], 1_000)).toBe(900);
    expect(ledger.markRemoved(slots[1], 2_000)).toBeUndefined();
    expect(ledger.pendingMarkedCount()).toBe(2);
    expect(ledger.nextMarkedToCheck(5).sort()).toEqual(['m1', 'm3']);
  });

  it('counts followed posts pushed out of a full ring before they were seen', () => {
    const ledger = new Ledger({ ringSize: 4 });
    const reader = ledger.trackReader('r1', 'probe', 'en', ['en'], true)!;
    ledger.addFollow({ followerId: 'r1', followeeId: 'a1', at: 0 });
    for (let i = 0; i < 6; i++) ledger.addPost(post(`p${i}`, 'a1', i));
    expect(reader.ring.length).toBe(4);
    expect(reader.ring.evictedUnseen).toBe(2);
  });

  it('grows a ring as followed posts arrive, holding the same entries as a ring allocated whole', () => {
    const ring = new FollowedRing(100);
    expect(ring.capacity).toBeLessThan(16); // a tracked reader costs what it holds
    const model: { slot: number; ackAt: number; seenAt: number }[] = []; // oldest first, at most 100
    let evicted = 0;
    let x = 7;
    for (let n = 0; n < 450; n++) {
      x = (x * 1103515245 + 12345) % 2147483648;
      if (model.length === 100 && Number.isNaN(model[0].seenAt)) evicted++;
      ring.push(n, n * 10);
      model.push({ slot: n, ackAt: n * 10, seenAt: NaN });
      if (model.length > 100) model.shift();
      if (x % 3 === 0) {
        const i = x % ring.length; // mark the i-th newest seen, through the ring's positions as the meter does
        ring.seenAt[ring.position(i)] = n;
        model[model.length - 1 - i].seenAt = n;
      }
      const newestFirst = [...ring.positionsNewestFirst()].map((p) => ({ slot: ring.slots[p], ackAt: ring.ackAt[p], seenAt: ring.seenAt[p] }));
      expect(newestFirst).toEqual([...model].reverse());
      expect(ring.evictedUnseen).toBe(evicted);
      expect(ring.capacity).toBeLessThanOrEqual(Math.max(8, 2 * ring.length));
    }
    expect(ring.capacity).toBe(100);
    expect(evicted).toBeGreaterThan(0);
  });
});

describe('feed meter on fixed events', () => {
  const item = (id: string, at: number, lang = 'en'): FeedItem => ({ id, authorId: 'a1', createdAt: new Date(1_736_726_400_000 + at).toISOString(), lang });

  it('computes freshness, recall and unseen posts from reads against the ledger', () => {
    const meter = new FeedMeter({ recallK: 3, recallGraceSec: 1, regularReaderShare: 0, probeCohort: 'probe', languageBands: {}, seed: 1 });
    meter.ledger.trackReader('r1', 'probe', 'en', ['en'], true);
    meter.onFollow({ followerId: 'r1', followeeId: 'a1', at: 0 });
    for (let i = 0; i < 5; i++) meter.onPost(post(`p${i}`, 'a1', i * 1000));
    const read = (at: number, ids: string[]) =>
      meter.onFeedRead({ readerId: 'r1', readerCohort: 'probe', readerPrimaryLanguage: 'en', readerLanguages: ['en'], kind: 'following', probe: true, firstPage: true, at, page: { items: ids.map((id) => item(id, Number(id.slice(1)) * 1000)), nextCursor: null } });
    // A first read before any post: later first sightings count for freshness.
    read(-1, []);
    // At 4 500 with grace 1 000: eligible p3, p2, p1 (top 3); p2 is missing -> recall 2/3.
    read(4_500, ['p3', 'p1', 'p0']);
    // At 6 000: eligible p4, p3, p2 -> p4 and p3 present.
    read(6_000, ['p4', 'p3', 'p1', 'p0']);
    const s = meter.summary() as Record<string, any>;
    expect(s.recallAtK.mean).toBeCloseTo(2 / 3, 4);
    // Freshness: p3 1.5 s (ack 3 s, seen 4.5 s), p1 3.5 s, p0 4.5 s, p4 2 s (seen 6 s); nearest-rank p50 = 2 s.
    expect(meter.run.freshnessMs.count).toBe(4);
    expect(s.freshnessSec).toEqual({ p50: 2, p95: 4.5, p99: 4.5 });
    expect(s.freshness.unseen).toMatchObject({ pairs: 1, posts: 1, tooLateToJudge: 0 });
    expect(s.recall.readsWithoutExpectation).toBe(1);
  });

  it('does not sample freshness for posts acknowledged before the reader first read', () => {
    const meter = new FeedMeter({ recallK: 3, recallGraceSec: 1, regularReaderShare: 0, probeCohort: 'probe', languageBands: {}, seed: 1 });
    meter.ledger.trackReader('r1', 'probe', 'en', ['en'], true);
    meter.onFollow({ followerId: 'r1', followeeId: 'a1', at: 0 });
    meter.onPost(post('p0', 'a1', 0));
    meter.onPost(post('p1', 'a1', 5_000));
    const read = (at: number, ids: string[]) =>
      meter.onFeedRead({ readerId: 'r1', readerCohort: 'probe', readerPrimaryLanguage: 'en', readerLanguages: ['en'], kind: 'following', probe: true, firstPage: true, at, page: { items: ids.map((id) => item(id, 0)), nextCursor: null } });
    read(3_000, ['p0']);
    read(5_500, ['p1', 'p0']);
    expect(meter.run.freshnessMs.count).toBe(1);
    expect(meter.summary().freshnessSec).toMatchObject({ p50: 0.5 });
  });

  it('infers a removal when a marked post vanishes while older items remain', () => {
    const meter = new FeedMeter({ recallK: 3, recallGraceSec: 0, regularReaderShare: 0, probeCohort: 'probe', languageBands: {}, seed: 1 });
    meter.ledger.trackReader('r1', 'probe', 'en', ['en'], true);
    meter.onFollow({ followerId: 'r1', followeeId: 'a1', at: 0 });
    meter.onPost(post('p0', 'a1', 0));
    meter.onPost(post('m1', 'a1', 1000, 'spam'));
    const read = (at: number, ids: string[]) =>
      meter.onFeedRead({ readerId: 'r1', readerCohort: 'probe', readerPrimaryLanguage: 'en', readerLanguages: ['en'], kind: 'following', probe: true, firstPage: true, at, page: { items: ids.map((id) => item(id, id === 'm1' ? 1000 : 0)), nextCursor: null } });
    read(2_000, ['m1', 'p0']);
    read(3_500, ['p0']);
    expect(meter.summary().moderationLagSec).toMatchObject({ p50: 2.5 });
  });
});

describe('feed meter page errors', () => {
  it('finds an id repeated on the next page of the same reader and feed', () => {
    const meter = new FeedMeter({ recallK: 3, recallGraceSec: 1, regularReaderShare: 0, probeCohort: 'probe', languageBands: {}, seed: 1 });
    const at = (sec: number) => new Date(1_736_726_400_000 + sec * 1000).toISOString();
    const read = (readerId: string, firstPage: boolean, ids: string[], nextCursor: string | null) =>
      meter.onFeedRead({ readerId, readerCohort: 'c', readerPrimaryLanguage: 'en', readerLanguages: ['en'], kind: 'following', probe: false, firstPage, at: 0, page: { items: ids.map((id) => ({ id, authorId: 'a', createdAt: at(100 - Number(id.slice(1))), lang: 'en' })), nextCursor } });
    read('r1', true, ['p1', 'p2', 'p3'], 'c1');
    read('r2', true, ['p9'], 'c1');
    read('r1', false, ['p3', 'p4'], null); // p3 again: the timeline shifted under the cursor
    read('r2', false, ['p10'], null);
    expect(meter.run.feedErrors()).toMatchObject({ pages: 4, duplicatesAcrossPages: 1, duplicatesInPage: 0, orderingViolations: 0 });
  });

  it('compares a page with the previous page of the same scroll, not of another session of the same person', () => {
    const meter = new FeedMeter({ recallK: 3, recallGraceSec: 1, regularReaderShare: 0, probeCohort: 'probe', languageBands: {}, seed: 1 });
    const at = (sec: number) => new Date(1_736_726_400_000 + sec * 1000).toISOString();
    const read = (scroll: number, firstPage: boolean, ids: string[], nextCursor: string | null) =>
      meter.onFeedRead({ readerId: 'r1', readerCohort: 'c', readerPrimaryLanguage: 'en', readerLanguages: ['en'], kind: 'discover', probe: false, firstPage, at: 0, scroll, page: { items: ids.map((id) => ({ id, authorId: 'a', createdAt: at(100 - Number(id.slice(1))), lang: 'en' })), nextCursor } });
    // Two sessions of r1 scroll at once: each second page follows its own first page.
    read(1000, true, ['p1', 'p2'], 'c1');
    read(1005, true, ['p3', 'p4'], 'c1');
    read(1000, false, ['p3', 'p4'], null); // repeats the other session's first page, not its own: no duplicate
    read(1005, false, ['p4', 'p5'], null); // repeats its own first page's p4: one duplicate
    expect(meter.run.feedErrors()).toMatchObject({ pages: 4, duplicatesAcrossPages: 1 });
  });
});

describe('audit sample choice', () => {
  const strata = [
    { kind: 'post' as const, items: Array.from({ length: 50 }, (_, i) => i), total: 50 },
    { kind: 'follow' as const, items: Array.from({ length: 100 }, (_, i) => 1000 + i), total: 10_000 },
  ];

  it('checks everything when small and complete', () => {
    const { picks, sampled } = chooseSample([strata[0]], 100, 10, 1);
    expect(sampled).toBe(false);
    expect(picks[0]).toHaveLength(50);
  });

  it('samples proportionally with a fixed seed when large or incomplete', () => {
    const a = chooseSample(strata, 100_000, 101, 9);
    const b = chooseSample(strata, 100_000, 101, 9);
    expect(a.sampled).toBe(true);
    expect(a.picks).toEqual(b.picks);
    expect(a.picks[0]).toHaveLength(1); // 50 of 10 050 writes -> 1 of 101
    expect(a.picks[1]).toHaveLength(100); // capped by what the reservoir holds
    expect(new Set(a.picks[1]).size).toBe(100);
  });
});
