// End to end: the feed-quality plugin (probes, ledger, SLIs, audit) against a real HTTP server that injects known
// faults. The measured figures must recover the injected ones within tight tolerances.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFaultyTarget, type FaultyTarget } from '../helpers/faulty-target.ts';
import { HttpTarget } from '../../src/target/http-target.ts';
import { createFeedQualityPlugin } from '../../src/observe/feed-quality-plugin.ts';
import { auditWrites } from '../../src/observe/audit.ts';
import type { RequestSample } from '../../src/run/events.ts';
import type { Account } from '../../src/target/target.ts';
import type { Summary, TimelineBucket } from '../../src/run/summary.ts';
import { TestRun, cohort, fanOut, sleep, testPlan } from './driver.ts';

const POLL_SEC = 0.1;
const VISIBILITY_DELAY_MS = 300;
const DROP_SHARE = 0.2;
const FOREIGN_SHARE = 0.6;
const MODERATION_DELAY_MS = 500;
const TRANSLATION_DELAY_MS = 20;
const MARKER = 'MODMARK';

type Result = { feedQuality: Summary['feedQuality']; audit: Summary['audit'] };

describe('feed-quality plugin against a faulty target', () => {
  let server: FaultyTarget;
  let target: HttpTarget;
  let run: TestRun;
  let result: Result;
  let authorIds: string[];
  let plugin: ReturnType<typeof createFeedQualityPlugin>;
  const requests: RequestSample[] = [];
  const buckets: TimelineBucket[] = [];
  /** Probe id -> times of its following reads: the actual poll gaps bound the resolution on a loaded machine. */
  const probeReads = new Map<string, number[]>();
  const maxPollGapSec = () => {
    let max = 0;
    for (const times of probeReads.values()) for (let i = 1; i < times.length; i++) max = Math.max(max, times[i] - times[i - 1]);
    return max / 1000;
  };

  beforeAll(async () => {
    server = await startFaultyTarget({
      visibilityDelayMs: VISIBILITY_DELAY_MS,
      followingDropShare: DROP_SHARE,
      discoverForeignShare: FOREIGN_SHARE,
      degradeDiscoverEvery: 5,
      duplicateFollowingEvery: 7,
      moderationMarker: MARKER,
      moderationDelayMs: MODERATION_DELAY_MS,
      translateLangs: ['en'],
      translationDelayMs: TRANSLATION_DELAY_MS,
      losePost: (text) => text.includes('#lose'),
      loseFollow: (handle, n) => handle.startsWith('person4_') && n % 2 === 0,
      loseComment: (n) => n % 4 === 0,
    });
    target = new HttpTarget({ url: server.url, timeoutMs: 5000, connections: 16 });
    const plan = testPlan([cohort('incumbents', 4, true), cohort('newcomers', 2, false), cohort('bilingual', 1, false)], {
      probeReaders: { en: 2, zh: 2 },
      pollIntervalSec: POLL_SEC,
      recallK: 10,
      recallGraceSec: 1,
      languageBands: { zh: { foreignShareMax: 0.3 }, en: { foreignShareMax: 0.9, languageMatchMin: 0.3 } },
    });
    plugin = createFeedQualityPlugin(plan, { probes: { incumbentFollows: 10, newcomerShare: 1, newcomerFollows: 1, runTag: 'e2e' } });
    run = new TestRun(plan, target, fanOut([
        {
          onRequest: (s) => requests.push(s),
          onFeedRead: (s) => {
            if (s.probe && s.kind === 'following') probeReads.set(s.readerId, [...(probeReads.get(s.readerId) ?? []), s.at]);
          },
        },
        plugin.observer,
      ]));

    // Incumbent authors exist before setup; the probes follow all four of them.
    const authors: Account[] = [];
    for (let i = 0; i < 4; i++) authors.push(await run.signup(i, 'incumbents', [i % 2 ? 'zh' : 'en']));
    authorIds = authors.map((a) => a.userId);
    await plugin.setup(run.ctx);

    // A seeder nobody follows fills the discover pool in both languages (one zh post in three code-mixed).
    const seeder = await run.signup(4, 'newcomers', ['en']);
    for (let i = 0; i < 30; i++) {
      await run.post(seeder, 'newcomers', `pool en ${i}`, 'en');
      await run.post(seeder, 'newcomers', `pool zh ${i}`, i % 3 === 0 ? 'zh-mixed' : 'zh');
    }
    for (const a of authorIds) await run.follow(seeder, a);

    // A bilingual zh reader (an ordinary session, not a probe) follows the same authors and reads both feeds.
    const bilingual = await run.signup(6, 'bilingual', ['zh', 'en']);
    for (const a of authorIds) await run.follow(bilingual, a);

    // Ten followed posts acknowledged more than the grace period before t = 0: every judged read has a full top k.
    const authorPost = (i: number) => run.post(authors[i % 4], 'incumbents', `note ${i}`, i % 2 ? 'zh' : 'en');
    for (let i = 0; i < 10; i++) await authorPost(i);
    await sleep(1100);

    plugin.start(run.ctx);
    const timer = setInterval(() => {
      const bucket: TimelineBucket = { t: buckets.length, intended: {}, achieved: {}, dropped: {}, activeSessions: 0, requests: 0, errors: {}, latencyMs: {}, correctedLatencyMs: {}, lagMsP99: 0 };
      plugin.onBucket(bucket);
      buckets.push(bucket);
    }, 1000);

    // A newcomer signs up during the run: one probe (chosen by a hash of its id) follows it.
    await run.signup(5, 'newcomers', ['en']);
    let reading = true;
    const reader = (async () => {
      while (reading) {
        await run.readFeed(bilingual, 'bilingual', ['zh', 'en'], 'discover', 20);
        await run.readFeed(bilingual, 'bilingual', ['zh', 'en'], 'following', 100);
        await sleep(150);
      }
    })();

    // The scripted writer: 60 posts by the followed authors over 3 s, comments, marked and lost posts by the seeder.
    for (let i = 10; i < 70; i++) {
      const postId = await authorPost(i);
      if (i % 3 === 0) await run.comment(authors[(i + 1) % 4], postId, `reply ${i}`);
      if (i % 10 === 5) await run.post(seeder, 'newcomers', `spam ${i} ${MARKER}`, 'en', 'spam-1');
      if (i % 15 === 7) await run.post(seeder, 'newcomers', `gone ${i} #lose`, 'en');
      await sleep(50);
    }
    await sleep(1600);
    reading = false;
    await reader;
    run.controller.abort();
    await plugin.stop();
    clearInterval(timer);
    result = (await plugin.finish(run.ctx)) as Result;
    if (process.env.FC_DEBUG) console.log(JSON.stringify(result, null, 1));
  }, 30_000);

  afterAll(async () => {
    await target?.close();
    await server?.close();
  });

  it('measures recall@k as the share of followed posts the feed kept', () => {
    const recall = result.feedQuality.recallAtK!;
    expect(recall.k).toBe(10);
    // Every top 10 of consecutive followed posts holds exactly two of the dropped fifth.
    expect(Math.abs(recall.mean - (1 - DROP_SHARE))).toBeLessThanOrEqual(0.02);
    expect(Math.abs(recall.p5 - (1 - DROP_SHARE))).toBeLessThanOrEqual(0.02);
    const fq = result.feedQuality as Record<string, any>;
    // The ordinary bilingual reader's following reads are judged too.
    expect(Math.abs(fq.byCohort.bilingual.recallAtK.mean - (1 - DROP_SHARE))).toBeLessThanOrEqual(0.02);
    expect(fq.recall.reads).toBeGreaterThan(50);
  });

  it('measures freshness within one poll interval of the injected visibility delay', () => {
    const f = result.feedQuality.freshnessSec!;
    const delay = VISIBILITY_DELAY_MS / 1000;
    expect(f.p50).toBeGreaterThanOrEqual(delay - 0.02);
    expect(f.p50).toBeLessThanOrEqual(delay + POLL_SEC + 0.02);
    // The tail is bounded by the slowest actual poll gap (one interval on an idle machine, more under CPU load).
    expect(f.p99).toBeLessThanOrEqual(delay + Math.max(POLL_SEC, maxPollGapSec()) + 0.02);
  });

  it('counts the followed posts that never appeared, instead of dropping them', () => {
    const followedDropped = server.droppedPostIds.filter((id) => authorIds.includes(run.postAuthor.get(id) ?? ''));
    expect(followedDropped.length).toBe(14);
    const fq = result.feedQuality as Record<string, any>;
    expect(fq.unseenPosts).toBe(followedDropped.length);
    expect(fq.freshness.unseen.pairs).toBe(followedDropped.length * 4);
    expect(fq.freshness.unseen.evictedUnmeasured).toBe(0);
  });

  it('measures foreign share and language match per reader language, degraded or not', () => {
    const fq = result.feedQuality as Record<string, any>;
    expect(Math.abs(fq.degradedCorrelation.foreignShare.normal - FOREIGN_SHARE)).toBeLessThanOrEqual(0.02);
    expect(fq.degradedCorrelation.foreignShare.degraded).toBe(1);
    // Monolingual probes: every foreign item is unreadable. The bilingual zh reader reads English: match stays 1.
    const probe = fq.byCohort.probe;
    expect(probe.languageMatch.zh).toBeCloseTo(1 - probe.foreignShare.zh, 6);
    expect(fq.byCohort.bilingual.languageMatch.zh).toBe(1);
    expect(fq.byCohort.bilingual.foreignShare.zh).toBeGreaterThanOrEqual(FOREIGN_SHARE - 0.02);
    // Bands: zh readers were meant to see at most 30 % foreign items.
    expect(fq.languageBands.zh.inBand).toBe(false);
    expect(fq.languageBands.en.inBand).toBe(true);
  });

  it('reports the degraded share by declared reason', () => {
    const fq = result.feedQuality as Record<string, any>;
    expect(fq.degradedByReason['ranker-fallback'].reads).toBe(server.discoverResponses.degraded);
    expect(result.feedQuality.degradedShare).toBeGreaterThan(0);
  });

  it('measures translation coverage per reader language and translation latency', () => {
    const fq = result.feedQuality as Record<string, any>;
    expect(fq.byLanguage.zh.translationCoverage).toBe(1); // English posts are translated
    expect(fq.byLanguage.en.translationCoverage).toBe(0); // Chinese posts are not
    expect(fq.translation.latencyMs.p50).toBeGreaterThanOrEqual(TRANSLATION_DELAY_MS);
  });

  it('measures moderation lag within one poll interval and leaves no marked post unremoved', () => {
    const lag = result.feedQuality.moderationLagSec!;
    const delay = MODERATION_DELAY_MS / 1000;
    expect(lag.p50).toBeGreaterThanOrEqual(delay - 0.02);
    expect(lag.p50).toBeLessThanOrEqual(delay + POLL_SEC + 0.02);
    expect(lag.p95).toBeLessThanOrEqual(delay + Math.max(POLL_SEC, maxPollGapSec()) + 0.02);
    const fq = result.feedQuality as Record<string, any>;
    expect(fq.moderation.markedPosts).toBe(6);
    expect(fq.moderation.removedSeen).toBe(6);
    expect(fq.moderation.unremoved).toBe(0);
  });

  it('finds every lost write and does not count moderated posts as lost', () => {
    const lost = server.lost;
    const expected = lost.posts.length + lost.follows.length + lost.comments.length;
    expect(lost.posts.length).toBe(4);
    expect(lost.follows.length).toBe(2);
    expect(lost.comments.length).toBe(5);
    const audit = result.audit as Record<string, any>;
    expect(audit.lostWrites).toBe(expected);
    expect(audit.sampled).toBe(false);
    const ids = new Set(audit.lostExamples.map((l: { id: string }) => l.id));
    for (const id of [...lost.posts, ...lost.follows, ...lost.comments]) expect(ids.has(id)).toBe(true);
    expect(audit.removedByModeration).toBe(6);
    expect(audit.unchecked).toBe(0);
    // Every acknowledged write was checked: the driver's, plus the probes' follows.
    expect(audit.checkedWrites).toBe(run.writes + (result.feedQuality as any).probes.follows);
  });

  it('a sampled audit checks a seeded sample and estimates the total', async () => {
    const a = await auditWrites(target, plugin.meter.ledger, undefined, { fullAuditUpTo: 10, sampleSize: 60, seed: 3 });
    const b = await auditWrites(target, plugin.meter.ledger, undefined, { fullAuditUpTo: 10, sampleSize: 60, seed: 3 });
    expect(a.sampled).toBe(true);
    expect(a.checkedWrites + a.unchecked).toBeGreaterThanOrEqual(55);
    expect(a.checkedWrites + a.unchecked).toBeLessThanOrEqual(65);
    expect(a.lostExamples).toEqual(b.lostExamples);
    expect(a.estimatedLostWrites).toBeGreaterThanOrEqual(a.lostWrites);
  });

  it('fills per-second timeline buckets and reports probe requests like any other', () => {
    expect(buckets.some((b) => b.feed?.recallMean !== undefined)).toBe(true);
    expect(buckets.some((b) => b.feed?.foreignShare?.zh !== undefined)).toBe(true);
    const endpoints = new Set(requests.filter((r) => r.cohort === 'probe').map((r) => r.endpoint));
    for (const e of ['signup', 'follow', 'feed_following', 'feed_discover', 'translate', 'get_post']) expect(endpoints.has(e as never)).toBe(true);
    const fq = result.feedQuality as Record<string, any>;
    expect(fq.probes.active).toBe(4);
    // 4 incumbents each, plus the one newcomer of the run followed by one probe.
    expect(fq.probes.follows).toBe(17);
    // Every injected duplicate is found, and it is also an order inversion (the newest item again at the end).
    expect(server.followingDuplicates.pages).toBeGreaterThan(10);
    expect(fq.feedErrors.duplicatesInPage).toBe(server.followingDuplicates.pages);
    expect(fq.feedErrors.orderingViolations).toBe(server.followingDuplicates.pages);
    const snap = plugin.snapshot();
    expect(snap.byLanguage).toHaveProperty('zh');
    expect(snap.audit?.lostWrites).toBe((result.audit as any).lostWrites);
  });
});
