// The lost-write audit on its own and through a plugin without probes (it signs up an auditor account).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFaultyTarget, type FaultyTarget } from '../helpers/faulty-target.ts';
import { HttpTarget } from '../../src/target/http-target.ts';
import { createFeedQualityPlugin } from '../../src/observe/feed-quality-plugin.ts';
import { TestRun, cohort, testPlan } from './driver.ts';

describe('lost-write audit', () => {
  let server: FaultyTarget;
  let target: HttpTarget;

  beforeAll(async () => {
    server = await startFaultyTarget({
      visibilityDelayMs: 0,
      followingDropShare: 0,
      discoverForeignShare: 0,
      degradeDiscoverEvery: 0,
      moderationMarker: 'MODMARK',
      moderationDelayMs: 0,
      translateLangs: [],
      translationDelayMs: 0,
      losePost: (text) => text.endsWith('7'),
      loseFollow: (_handle, n) => n % 5 === 0,
      loseComment: (n) => n % 3 === 0,
    });
    target = new HttpTarget({ url: server.url, timeoutMs: 5000, connections: 8 });
  });
  afterAll(async () => {
    await target?.close();
    await server?.close();
  });

  it('without probes, signs up an auditor and finds exactly the writes the target lost', async () => {
    const plan = testPlan([cohort('people', 6, true)], { probeReaders: {}, pollIntervalSec: 1, recallK: 10, recallGraceSec: 1, languageBands: {} });
    const plugin = createFeedQualityPlugin(plan, { audit: { concurrency: 3, progressEveryMs: 0 } });
    const run = new TestRun(plan, target, plugin.observer);
    const people = [];
    for (let i = 0; i < 6; i++) people.push(await run.signup(i, 'people', ['en']));
    await plugin.setup(run.ctx);
    plugin.start(run.ctx);
    for (const a of people) for (const b of people) if (a !== b) await run.follow(a, b.userId);
    for (let i = 0; i < 40; i++) {
      const postId = await run.post(people[i % 6], 'people', `post ${i}`, 'en', i === 11 ? 'spam' : null);
      if (i % 10 !== 7) await run.comment(people[(i + 1) % 6], postId, `c ${i}`);
    }
    // A post removed by moderation (410) is checked, not lost.
    await run.post(people[0], 'people', 'MODMARK removed', 'en', 'spam-1');
    run.controller.abort();
    await plugin.stop();
    const { audit } = (await plugin.finish(run.ctx)) as { audit: Record<string, any> };

    expect(server.lost.posts).toHaveLength(4);
    expect(server.lost.follows).toHaveLength(6);
    expect(server.lost.comments).toHaveLength(12);
    const lostPostIds = new Set(server.lost.posts);
    expect(audit.lost).toEqual({ post: 4, follow: 6, comment: 12 });
    expect(audit.lostWrites).toBe(audit.lost.post + audit.lost.follow + audit.lost.comment);
    expect(audit.checkedWrites).toBe(run.writes);
    expect(audit.removedByModeration).toBe(1);
    expect(audit.unchecked).toBe(0);
    expect(audit.lostExamples).toHaveLength(20);
    const examplePosts = audit.lostExamples.filter((l: { kind: string }) => l.kind === 'post').map((l: { id: string }) => l.id);
    for (const id of examplePosts) expect(lostPostIds.has(id)).toBe(true);
    expect(run.logs.some((l) => l.startsWith('audit: done'))).toBe(true);
  });

  it('stops at its time budget and reports what it could not check as unchecked, not lost', async () => {
    const plan = testPlan([cohort('people', 3, true)], { probeReaders: {}, pollIntervalSec: 1, recallK: 10, recallGraceSec: 1, languageBands: {} });
    const plugin = createFeedQualityPlugin(plan, { audit: { budgetMs: 0, progressEveryMs: 0 } });
    const run = new TestRun(plan, target, plugin.observer);
    const people = [];
    for (let i = 0; i < 3; i++) people.push(await run.signup(i, 'people', ['en']));
    await plugin.setup(run.ctx);
    plugin.start(run.ctx);
    await run.follow(people[0], people[1].userId);
    for (let i = 0; i < 5; i++) await run.post(people[i % 3], 'people', `budget ${i}`, 'en', null);
    run.controller.abort();
    await plugin.stop();
    const { audit } = (await plugin.finish(run.ctx)) as { audit: Record<string, any> };
    expect(run.writes).toBe(6);
    expect(audit.checkedWrites).toBe(0);
    expect(audit.lostWrites).toBe(0);
    expect(audit.unchecked).toBe(6);
    expect(run.logs.some((l) => l.includes('out of time') && l.includes('6 writes left unchecked'))).toBe(true);
  });
});
