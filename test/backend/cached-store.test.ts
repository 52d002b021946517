// Post reads through the cache: pages hydrate from it, counts follow likes and comments, removals win over fills.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countingStore, openFixture, newUser, type Fixture } from '../backend-surge/store-fixture.ts';
import { withPostCache } from '../../src/backend/store/cached-store.ts';
import type { Store } from '../../src/backend/store/store.ts';

let fx: Fixture;
let store: Store;
let queries: string[];
beforeAll(async () => {
  fx = await openFixture();
  queries = [];
  // Count what reaches the SQL store underneath the cache.
  const counting = countingStore(fx.store, queries);
  store = withPostCache(counting, fx.cache);
});
afterAll(async () => {
  await fx?.close();
});

const settle = () => new Promise((r) => setTimeout(r, 50)); // fills are not awaited by the reader

describe(`post cache (${process.env.REDIS_URL ? 'redis' : 'memory'} when configured)`, () => {
  it('serves repeated reads from the cache, with counts that follow likes and comments', async () => {
    const author = await newUser(fx.store);
    const fan = await newUser(fx.store);
    const { post } = await store.createPost({ authorId: author.id, text: `cached ${randomBytes(3).toString('hex')}`, lang: 'en', tags: ['t'], media: [] });
    await settle();
    queries.length = 0;
    const [first] = await store.getPosts([post.id]);
    expect(first).toMatchObject({ id: post.id, text: post.text, tags: ['t'], likeCount: 0, commentCount: 0, removed: false });
    expect(queries).not.toContain('getPosts');

    await store.like(post.id, fan.id);
    await store.addComment(post.id, fan.id, 'nice');
    await settle();
    queries.length = 0;
    expect(await store.getPost(post.id.toUpperCase())).toMatchObject({ id: post.id, likeCount: 1, commentCount: 1 });
    expect(queries).toEqual([]);
    // The SQL store agrees.
    expect(await fx.store.getPost(post.id)).toMatchObject({ likeCount: 1, commentCount: 1 });
  });

  it('a removal reaches every reader at once, whatever the cache held', async () => {
    const author = await newUser(fx.store);
    const { post } = await store.createPost({ authorId: author.id, text: 'soon gone', lang: 'en', tags: [], media: [] });
    await store.getPosts([post.id]);
    await settle();
    expect(await store.removePost(post.id, 'test')).toBe(true);
    const [after] = await store.getPosts([post.id]);
    expect(after.removed).toBe(true);
    await settle();
    expect((await store.getPost(post.id.toUpperCase()))?.removed).toBe(true); // no fill over the tombstone
  });

  it('a removal by another process reaches a reader holding its own copy, even with a like still in flight', async () => {
    // Two processes sharing the cache: each its own post cache (and parsed copies) over the same store and cache.
    const other = withPostCache(fx.store, fx.cache);
    const author = await newUser(fx.store);
    const fan = await newUser(fx.store);
    const { post } = await store.createPost({ authorId: author.id, text: 'read everywhere, then removed', lang: 'en', tags: [], media: [] });
    await settle();
    expect((await other.getPosts([post.id]))[0]).toMatchObject({ removed: false }); // `other` now holds a parsed copy
    const like = await fx.store.like(post.id, fan.id); // answered before the removal...
    expect(await store.removePost(post.id, 'test')).toBe(true);
    // ...its count written after it (and a comment's too: processes share only a Redis cache, whose tombstones stay).
    await fx.cache.setMaxMany([[`pl:${post.id}`, like.likeCount]], 600);
    if (fx.cache.kind === 'redis') await fx.cache.setMaxMany([[`pc:${post.id}`, 1]], 600);
    await settle();
    expect((await other.getPosts([post.id]))[0]?.removed).toBe(true);
    expect((await other.getPost(post.id))?.removed).toBe(true);
  });

  it('a miss is read from the store, in the order asked, unknown ids left out', async () => {
    const author = await newUser(fx.store);
    const a = (await fx.store.createPost({ authorId: author.id, text: 'a', lang: 'en', tags: [], media: [] })).post;
    const b = (await fx.store.createPost({ authorId: author.id, text: 'b', lang: 'en', tags: [], media: [] })).post;
    queries.length = 0;
    const got = await store.getPosts([b.id, '00000000-0000-4000-8000-000000000000', a.id]);
    expect(got.map((p) => p.text)).toEqual(['b', 'a']);
    expect(queries).toEqual(['getPosts']);
    await settle();
    queries.length = 0;
    expect((await store.getPosts([a.id, b.id])).map((p) => p.text)).toEqual(['a', 'b']);
    expect(queries).toEqual([]);
  });
});
