import { describe, expect, test } from 'vitest';
import { StalePages } from '../../src/backend/feed/stale-pages.ts';
import type { FeedResult } from '../../src/backend/services.ts';

const page = (id: string): FeedResult => ({
  items: [{ id, authorId: 'a', text: id, lang: 'en', tags: [], createdAt: new Date(0).toISOString(), seq: 1, likeCount: 0, commentCount: 0 }],
  nextCursor: null,
});
const after = <T>(ms: number, value: T) => new Promise<T>((r) => setTimeout(() => r(value), ms));

describe('stale-cache policy', () => {
  test('a slow build is answered with the last page served, marked stale-cache; the fresh page replaces it', async () => {
    const stale = new StalePages(10, 30);
    // No remembered page yet: the request waits for the slow build.
    expect(await stale.serve('r1|', () => after(60, page('first')))).toEqual(page('first'));
    // Remembered page, slow build: the old page, marked.
    const served = await stale.serve('r1|', () => after(80, page('second')));
    expect(served.degraded).toBe('stale-cache');
    expect(served.items[0].id).toBe('first');
    // The background build finished and is what the next slow request gets.
    await after(100, null);
    const next = await stale.serve('r1|', () => after(80, page('third')));
    expect(next.items[0].id).toBe('second');
    // A fast build is served fresh; other keys are not affected.
    expect(await stale.serve('r1|', async () => page('fast'))).toEqual(page('fast'));
    expect(await stale.serve('r2|', () => after(50, page('other')))).toEqual(page('other'));
  });

  test('a failing background build does not fail the stale answer, and 0 disables the policy', async () => {
    const stale = new StalePages(10, 20);
    await stale.serve('k', async () => page('ok'));
    const served = await stale.serve('k', () => after(40, null).then(() => Promise.reject(new Error('store down'))));
    expect(served.degraded).toBe('stale-cache');
    const off = new StalePages(10, 0);
    await off.serve('k', async () => page('a'));
    expect(await off.serve('k', () => after(40, page('b')))).toEqual(page('b'));
  });

  test('keeps at most `capacity` pages', async () => {
    const stale = new StalePages(2, 10);
    for (const k of ['a', 'b', 'c']) await stale.serve(k, async () => page(k));
    // 'a' was evicted: a slow build for it waits instead of answering stale.
    expect((await stale.serve('a', () => after(30, page('a2')))).degraded).toBeUndefined();
    expect((await stale.serve('c', () => after(30, page('c2')))).degraded).toBe('stale-cache');
  });

  test('pages older than the max age are neither served nor kept (the memory budget of a long run)', async () => {
    let now = 0;
    const stale = new StalePages(100, 10, 1_000, () => now);
    await stale.serve('old', async () => page('old'));
    now = 600;
    await stale.serve('mid', async () => page('mid'));
    now = 1_200;
    // 'old' is 1.2 s old: a slow build waits for the fresh page instead of answering a page beyond the bound...
    expect((await stale.serve('old', () => after(30, page('old2')))).items[0].id).toBe('old2');
    // ...'mid' (0.6 s) is still served stale,
    expect((await stale.serve('mid', () => after(30, page('mid2')))).degraded).toBe('stale-cache');
    await after(40, null);
    // and a write drops every expired page from the front: only pages of the last second stay.
    now = 2_500;
    await stale.serve('new', async () => page('new'));
    expect(stale.size).toBe(1);
  });
});
