// Recall and freshness are charged from when a feed read was SENT: against a target whose following reads take
// longer than recall's grace period (the page is built when the request arrives, answered 1.5 s later), posts
// acknowledged while a read was in flight are not misses. The target hides nothing, so recall must be exactly 1.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFaultyTarget, type FaultyTarget } from '../helpers/faulty-target.ts';
import { HttpTarget } from '../../src/target/http-target.ts';
import { createFeedQualityPlugin } from '../../src/observe/feed-quality-plugin.ts';
import type { FeedReadSample } from '../../src/run/events.ts';
import type { Account } from '../../src/target/target.ts';
import type { Summary } from '../../src/run/summary.ts';
import { TestRun, cohort, fanOut, sleep, testPlan } from './driver.ts';

const READ_DELAY_MS = 1500;
const GRACE_SEC = 0.5;

describe('feed reads slower than the grace period', () => {
  let server: FaultyTarget;
  let target: HttpTarget;
  let feedQuality: Record<string, any>;
  const reads: FeedReadSample[] = [];

  beforeAll(async () => {
    server = await startFaultyTarget({
      visibilityDelayMs: 0,
      followingDropShare: 0,
      discoverForeignShare: 0,
      degradeDiscoverEvery: 0,
      moderationMarker: 'NEVER-USED',
      moderationDelayMs: 0,
      translateLangs: [],
      translationDelayMs: 0,
      followingReadDelayMs: READ_DELAY_MS,
      losePost: () => false,
      loseFollow: () => false,
      loseComment: () => false,
    });
    target = new HttpTarget({ url: server.url, timeoutMs: 5000, connections: 16 });
    const plan = testPlan([cohort('incumbents', 2, true)], { probeReaders: { en: 2 }, pollIntervalSec: 0.2, recallK: 10, recallGraceSec: GRACE_SEC, languageBands: {} });
    const plugin = createFeedQualityPlugin(plan, { probes: { incumbentFollows: 2, runTag: 'slow' }, audit: false });
    const run = new TestRun(plan, target, fanOut([{ onFeedRead: (s) => void (s.kind === 'following' && s.probe && reads.push(s)) }, plugin.observer]));
    const authors: Account[] = [];
    for (let i = 0; i < 2; i++) authors.push(await run.signup(i, 'incumbents', ['en']));
    await plugin.setup(run.ctx);
    for (let i = 0; i < 4; i++) await run.post(authors[i % 2], 'incumbents', `before ${i}`, 'en');
    await sleep(GRACE_SEC * 1000 + 100);
    plugin.start(run.ctx);
    // A post every 100 ms for 4 s: every read is in flight (1.5 s) while several posts are acknowledged.
    const until = performance.now() + 4000;
    for (let i = 0; performance.now() < until; i++) {
      await run.post(authors[i % 2], 'incumbents', `during ${i}`, 'en');
      await sleep(100);
    }
    await sleep(READ_DELAY_MS + 500); // let the last reads land
    await plugin.stop();
    feedQuality = ((await plugin.finish(run.ctx)) as { feedQuality: Summary['feedQuality'] }).feedQuality as Record<string, any>;
  }, 60_000);

  afterAll(async () => {
    await target?.close();
    await server?.close();
  });

  it('judged reads that were slower than the grace period', () => {
    const slow = reads.filter((r) => r.sentAt !== undefined && r.at - r.sentAt >= READ_DELAY_MS);
    expect(slow.length).toBeGreaterThanOrEqual(4);
    expect(feedQuality.recall.reads).toBeGreaterThanOrEqual(4);
  });

  it('does not charge posts acknowledged while a read was in flight: recall stays 1', () => {
    expect(feedQuality.recallAtK).toMatchObject({ mean: 1, p5: 1 });
    expect(feedQuality.freshness.unseen.pairs).toBe(0);
  });

  it('measures freshness to the send of the first read that shows a post, not its slow response', () => {
    // Every post is on the next read SENT after it, at most one read (1.5 s) later: about 0.75 s at the median.
    // Counted to the responses it would be about 1.5 s more (a read's latency charged as staleness).
    expect(feedQuality.freshnessSec.p50).toBeLessThan(READ_DELAY_MS / 1000);
    expect(feedQuality.freshnessSec.p50).toBeGreaterThan(0);
  });
});
