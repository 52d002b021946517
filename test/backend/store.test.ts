// The Store contract under concurrency, on PGlite and (when reachable) Postgres: counters stay exact, opposite
// follows do not deadlock, idempotency keys hold under races, hydration keeps order, removed posts drop out.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/backend/store/index.ts';
import type { Store, StoreObserver } from '../../src/backend/store/store.ts';
import { StoreError } from '../../src/backend/store/errors.ts';
import { serviceUrl } from '../helpers/services.ts';

const pgUrl = await serviceUrl('postgres');
const targets = [{ name: 'pglite', db: 'embedded' }, ...(pgUrl ? [{ name: 'pg', db: pgUrl }] : [])];

let n = 0;
const user = (store: Store, languages = ['en']) =>
  store.createUser({
    handle: `s${++n}_${randomBytes(3).toString('hex')}`,
    passwordHash: 'scrypt$2$8$1$x$y',
    displayName: 'x',
    locale: 'en-US',
    languages,
    country: 'US',
    tz: 'UTC',
  });

for (const target of targets) {
  describe(`Store on ${target.name}`, () => {
    let store: Store;
    const schema = `fc_store_${process.pid}_${randomBytes(3).toString('hex')}`;
    const observed: string[] = [];
    const observer: StoreObserver = { query: (op) => void observed.push(op) };

    beforeAll(async () => {
      store = await openStore({ db: target.db, schema, poolSize: 6, connectionTimeoutMs: 5000, statementTimeoutMs: 10_000, observer });
    });
    afterAll(async () => {
      await store?.close();
      if (target.db !== 'embedded') {
        const c = new pg.Client({ connectionString: target.db });
        await c.connect();
        await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        await c.end();
      }
    });

    it('keeps follower counts exact under concurrent, repeated and opposite follows', async () => {
      const star = await user(store);
      const fans = await Promise.all(Array.from({ length: 12 }, () => user(store)));
      // Every fan follows twice at once, and the star follows every fan back at the same moment.
      await Promise.all([
        ...fans.flatMap((f) => [store.follow(f.id, star.id), store.follow(f.id, star.id)]),
        ...fans.map((f) => store.follow(star.id, f.id)),
      ]);
      const s = await store.getUser(star.id);
      expect(s).toMatchObject({ followers: 12, following: 12 });
      expect(await store.followerCount(star.id)).toBe(12);
      await Promise.all(fans.slice(0, 5).map((f) => store.unfollow(f.id, star.id)));
      expect(await store.followerCount(star.id)).toBe(7);
      expect(await store.isFollowing(fans[0].id, star.id)).toBe(false);
      expect(await store.isFollowing(fans[6].id, star.id)).toBe(true);

      const all: string[] = [];
      let before: number | undefined;
      do {
        const page = await store.listFollowers(star.id, 3, before);
        all.push(...page.items);
        before = page.next ?? undefined;
      } while (before !== undefined);
      expect(new Set(all)).toEqual(new Set(fans.slice(5).map((f) => f.id)));
    });

    it('rejects unknown followees and self-follows with StoreErrors', async () => {
      const a = await user(store);
      await expect(store.follow(a.id, '00000000-0000-4000-8000-000000000000')).rejects.toMatchObject({ kind: 'not_found' });
      await expect(store.follow(a.id, a.id)).rejects.toBeInstanceOf(StoreError);
      await expect(user(store).then((u) => store.createUser({ ...u, handle: u.handle, passwordHash: 'x' }))).rejects.toMatchObject({
        kind: 'conflict',
        field: 'handle',
      });
    });

    it('creates one post per idempotency key even when the requests race', async () => {
      const a = await user(store);
      const results = await Promise.all(
        Array.from({ length: 10 }, () => store.createPost({ authorId: a.id, text: 'once', lang: 'en', tags: [], media: [], idempotencyKey: 'race' })),
      );
      expect(new Set(results.map((r) => r.post.id)).size).toBe(1);
      expect(results.filter((r) => r.created)).toHaveLength(1);
      expect((await store.postsByAuthors([a.id], 50)).items).toHaveLength(1);
    });

    it('answers each of many concurrent posts as a lone insert would (group commit), bad ones alone failing', async () => {
      const [a, b] = await Promise.all([user(store), user(store)]);
      const earlier = await store.createPost({ authorId: b.id, text: 'earlier', lang: 'en', tags: [], media: [], idempotencyKey: 'old' });
      const asked = [
        store.createPost({ authorId: a.id, text: 'a1', lang: 'en', tags: ['x', 'y,"z"'], media: [{ kind: 'image', bytes: 7 }] }),
        store.createPost({ authorId: b.id, text: '第二', lang: 'zh', tags: [], media: [], idempotencyKey: 'k' }),
        store.createPost({ authorId: b.id, text: '第二', lang: 'zh', tags: [], media: [], idempotencyKey: 'k' }),
        store.createPost({ authorId: b.id, text: 'again', lang: 'en', tags: [], media: [], idempotencyKey: 'old' }),
        store.createPost({ authorId: a.id, text: 'a2', lang: 'en', tags: [], media: [] }),
      ];
      const settled = await Promise.allSettled(asked);
      // A batch with one bad row: that caller alone gets the error.
      const [nobody, a3] = await Promise.allSettled([
        store.createPost({ authorId: '00000000-0000-4000-8000-000000000000', text: 'nobody', lang: 'en', tags: [], media: [] }),
        store.createPost({ authorId: a.id, text: 'a3', lang: 'en', tags: [], media: [] }),
      ]);
      expect(nobody).toMatchObject({ status: 'rejected', reason: { kind: 'not_found' } });
      expect(a3).toMatchObject({ status: 'fulfilled', value: { created: true, post: { text: 'a3' } } });
      const value = (i: number) => (settled[i] as PromiseFulfilledResult<Awaited<(typeof asked)[0]>>).value;
      expect(value(0)).toMatchObject({ created: true, post: { authorId: a.id, text: 'a1', tags: ['x', 'y,"z"'], media: [{ kind: 'image', bytes: 7 }] } });
      expect([value(1).created, value(2).created].sort()).toEqual([false, true]);
      expect(value(1).post.id).toBe(value(2).post.id);
      expect(value(3)).toMatchObject({ created: false, post: { id: earlier.post.id, text: 'earlier' } });
      expect(value(4)).toMatchObject({ created: true, post: { text: 'a2' } });
      expect(value(4).post.seq).toBeGreaterThan(value(0).post.seq);
      expect((await store.postsByAuthors([a.id, b.id], 50)).items.map((p) => p.text).sort()).toEqual(['a1', 'a2', 'a3', 'earlier', '第二']);
    });

    it('counts likes once per user and comments exactly, even concurrently', async () => {
      const a = await user(store);
      const likers = await Promise.all(Array.from({ length: 8 }, () => user(store)));
      const { post } = await store.createPost({ authorId: a.id, text: 'viral', lang: 'en', tags: ['t'], media: [{ kind: 'video', bytes: 5 }] });
      await Promise.all(likers.flatMap((l) => [store.like(post.id, l.id), store.like(post.id, l.id)]));
      await Promise.all(likers.map((l, i) => store.addComment(post.id, l.id, `c${i}`)));
      const got = await store.getPost(post.id);
      expect(got).toMatchObject({ likeCount: 8, commentCount: 8, media: [{ kind: 'video', bytes: 5 }], removed: false });
      const first = await store.listComments(post.id, 5);
      const rest = await store.listComments(post.id, 5, first.next!);
      expect(first.items).toHaveLength(5);
      expect(rest.items).toHaveLength(3);
      expect(rest.next).toBeNull();
      expect(first.items[4].seq).toBeLessThan(rest.items[0].seq);
      expect(await store.addReport(post.id, likers[0].id, 'spam')).toEqual({ reportCount: 1 });
      expect(await store.addReport(post.id, likers[1].id, 'spam')).toEqual({ reportCount: 2 });
    });

    it('hydrates ids in order, hides removed posts from timelines and reports them as gone', async () => {
      const a = await user(store);
      const b = await user(store);
      const p1 = (await store.createPost({ authorId: a.id, text: 'one', lang: 'en', tags: [], media: [] })).post;
      const p2 = (await store.createPost({ authorId: b.id, text: 'two', lang: 'zh', tags: [], media: [] })).post;
      const p3 = (await store.createPost({ authorId: a.id, text: 'three', lang: 'en', tags: [], media: [] })).post;
      expect((await store.getPosts([p3.id, '00000000-0000-4000-8000-000000000000', p1.id])).map((p) => p.text)).toEqual(['three', 'one']);
      expect((await store.postsByAuthors([a.id, b.id], 10)).items.map((p) => p.text)).toEqual(['three', 'two', 'one']);

      expect(await store.removePost(p2.id, 'spam')).toBe(true);
      expect(await store.removePost(p2.id, 'spam')).toBe(false);
      expect((await store.postsByAuthors([a.id, b.id], 10)).items.map((p) => p.text)).toEqual(['three', 'one']);
      expect((await store.recentPosts(100)).items.map((p) => p.id)).not.toContain(p2.id);
      expect(await store.getPost(p2.id)).toMatchObject({ removed: true, removedReason: 'spam' });
      expect((await store.getPosts([p2.id]))[0].removed).toBe(true);
      await expect(store.addComment(p2.id, a.id, 'x')).rejects.toMatchObject({ kind: 'gone' });
      await expect(store.like(p2.id, a.id)).rejects.toMatchObject({ kind: 'gone' });

      const future = new Date(Date.now() + 60_000);
      expect((await store.recentPosts(10, undefined, future)).items).toEqual([]);
      const recent = await store.recentPosts(1);
      expect(recent.items).toHaveLength(1);
      expect(recent.next).toBe(recent.items[0].seq);
    });

    it('reports every query to the observer and answers ping', async () => {
      await store.ping();
      expect(observed).toContain('ping');
      expect(observed).toContain('create_post');
      if (target.db === 'embedded') expect(store.poolStats()).toBeUndefined();
      else expect(store.poolStats()).toMatchObject({ max: 6 });
    });
  });
}
