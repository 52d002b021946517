import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadLexicon, RuleClassifier } from '../../src/backend/moderation/classifier.ts';
import { ReviewQueueModeration } from '../../src/backend/moderation/review-queue.ts';
import type { PostRecord } from '../../src/backend/services.ts';
import { newUser, openFixture, until, type Fixture } from './store-fixture.ts';

const TEST_LEXICON = [
  { id: 't-1', lang: 'en', text: 'buy fake followers', category: 'spam' },
  { id: 't-2', lang: 'zh', text: '刷粉丝', category: 'spam' },
];

describe('rule classifier', () => {
  test('flags lexicon terms in any language, link spam and repeated text', () => {
    let now = 0;
    const c = new RuleClassifier(TEST_LEXICON, { maxLinks: 2, repeatThreshold: 3, repeatWindowSec: 60 }, () => now);
    expect(c.classify('Where to BUY  fake followers?')).toMatchObject({ reason: 'lexicon', category: 'spam', termId: 't-1' });
    expect(c.classify('便宜刷粉丝')).toMatchObject({ reason: 'lexicon', termId: 't-2' });
    expect(c.classify('see https://a.invalid and https://b.invalid')).toMatchObject({ reason: 'link-spam' });
    expect(c.classify('my cat says hello')).toBeUndefined();
    expect(c.classify('my cat says hello')).toBeUndefined();
    expect(c.classify('My cat says  hello')).toMatchObject({ reason: 'repeated' });
    now += 61_000; // window over: counting starts again
    expect(c.classify('my cat says hello')).toBeUndefined();
  });

  test('remembers texts for the repeat window and no longer (memory budget)', () => {
    let now = 0;
    const c = new RuleClassifier([], { repeatThreshold: 3, repeatWindowSec: 60, repeatMemory: 1000 }, () => now);
    for (let i = 0; i < 100; i++) c.classify(`distinct post number ${i}`);
    expect(c.remembered).toBe(100);
    now += 30_000;
    c.classify('still within the window'); // nothing is old enough to leave yet
    expect(c.remembered).toBe(101);
    c.classify('distinct post number 7'); // counted again within its window
    now += 31_000; // the first 100 texts' window is over; the later one's is not
    expect(c.classify('a later text')).toBeUndefined();
    expect(c.remembered).toBe(2);
    expect(c.classify('still within the window')).toBeUndefined();
    expect(c.classify('still within the window')).toMatchObject({ reason: 'repeated' });
  });

  test('loads the project lexicon when present', () => {
    const terms = loadLexicon();
    expect(terms.length).toBeGreaterThan(0);
    expect(terms.every((t) => t.id && t.text && t.category)).toBe(true);
    expect(loadLexicon('/nonexistent/lexicon.json')).toEqual([]);
  });
});

describe('review queue', () => {
  let fx: Fixture;
  beforeAll(async () => {
    fx = await openFixture();
  });
  afterAll(async () => {
    await fx?.close();
  });

  async function post(authorId: string, text: string): Promise<PostRecord> {
    return (await fx.store.createPost({ authorId, text, lang: 'en', tags: [], media: [] })).post;
  }

  test('a flagged post is removed after the review time, a clean one stays, backlog and lag are measured', async () => {
    const registry = new Registry();
    const removed: string[] = [];
    const moderation = new ReviewQueueModeration(
      fx.store,
      new RuleClassifier(TEST_LEXICON),
      registry,
      { reviewers: 1, decisionSec: 0.2 },
      (id) => removed.push(id),
    );
    const author = await newUser(fx.store);
    const bad1 = await post(author.id, 'buy fake followers here');
    const bad2 = await post(author.id, '这里刷粉丝');
    const good = await post(author.id, 'hello from Iowa');
    const started = Date.now();
    for (const p of [bad1, bad2, good]) await moderation.onPostCreated(p);
    expect(moderation.backlog()).toBe(2);

    await until(() => removed.length === 2, 5_000);
    // One reviewer, 0.2 s per decision: two decisions take at least 0.4 s.
    expect(Date.now() - started).toBeGreaterThanOrEqual(380);
    expect(removed.sort()).toEqual([bad1.id, bad2.id].sort());
    expect((await fx.store.getPost(bad1.id))?.removed).toBe(true);
    expect((await fx.store.getPost(good.id))?.removed).toBe(false);
    expect(moderation.backlog()).toBe(0);
    const lag = await registry.getSingleMetric('social_moderation_decision_lag_seconds')!.get();
    expect(lag.values.find((v) => (v as { metricName?: string }).metricName?.endsWith('_count'))?.value).toBe(2);
    const removals = await registry.getSingleMetric('social_moderation_removals_total')!.get();
    expect(removals.values.find((v) => v.labels.category === 'spam')?.value).toBe(2);
    await moderation.close();
  });

  test('reports remove a clean post only when enough distinct reporters agree', async () => {
    const removed: string[] = [];
    const moderation = new ReviewQueueModeration(
      fx.store,
      new RuleClassifier([]),
      new Registry(),
      { reviewers: 2, decisionSec: 0.05, reportsToRemove: 2 },
      (id) => removed.push(id),
    );
    const author = await newUser(fx.store);
    const once = await post(author.id, 'a perfectly fine post');
    const twice = await post(author.id, 'another post people dislike');
    await moderation.onReport(once.id, 'r1', 'spam');
    await moderation.onReport(twice.id, 'r1', 'spam');
    await moderation.onReport(twice.id, 'r2', 'spam');
    await until(() => moderation.backlog() === 0 && removed.length >= 1, 5_000);
    await new Promise((r) => setTimeout(r, 150));
    expect(removed).toEqual([twice.id]);
    await moderation.close();
  });

  test('nobody reviewing: the backlog only grows, and a full queue drops', async () => {
    const registry = new Registry();
    const moderation = new ReviewQueueModeration(fx.store, new RuleClassifier(TEST_LEXICON), registry, {
      reviewers: 0,
      maxBacklog: 2,
    });
    const author = await newUser(fx.store);
    for (let i = 0; i < 3; i++) await moderation.onPostCreated(await post(author.id, `buy fake followers #${i}`));
    expect(moderation.backlog()).toBe(2);
    expect((await registry.getSingleMetric('social_moderation_dropped_total')!.get()).values[0].value).toBe(1);
    await moderation.close();
  });
});
