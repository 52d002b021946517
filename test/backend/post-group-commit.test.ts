// Group commit of posts (SqlStore.createPost): while inserts are in flight, posts arriving one per event-loop turn
// wait and go out together, and each is answered with exactly the row the database holds.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SqlDriver } from '../../src/backend/store/driver.ts';
import { createPgliteDriver } from '../../src/backend/store/pglite-driver.ts';
import { SqlStore } from '../../src/backend/store/sql-store.ts';

/** The real embedded database, with post inserts held back so that a batch stays in flight for a while. */
function slowInserts(driver: SqlDriver, delayMs: number, inserts: number[]): SqlDriver {
  return {
    kind: driver.kind,
    poolStats: () => driver.poolStats(),
    close: () => driver.close(),
    async query<R>(text: string, params?: unknown[]): Promise<R[]> {
      if (/^\s*INSERT INTO posts/.test(text)) {
        // A batch is one jsonb parameter holding its rows; a lone insert has the post's id first.
        const first = params?.[0];
        inserts.push(typeof first === 'string' && first.startsWith('[') ? (JSON.parse(first) as unknown[]).length : 1);
        await new Promise((r) => setTimeout(r, delayMs));
      }
      return driver.query<R>(text, params);
    },
  };
}

const newAuthor = (store: SqlStore) =>
  store.createUser({
    handle: `gc_${randomBytes(3).toString('hex')}`,
    passwordHash: 'scrypt$2$8$1$x$y',
    displayName: 'x',
    locale: 'en-US',
    languages: ['en'],
    country: 'US',
    tz: 'UTC',
  });

describe('post group commit', () => {
  const inserts: number[] = [];
  let store: SqlStore;
  beforeAll(async () => {
    const driver = await createPgliteDriver({ schema: `fc_gc_${randomBytes(3).toString('hex')}` });
    store = new SqlStore(slowInserts(driver, 40, inserts));
  });
  afterAll(async () => {
    await store?.close();
  });

  it('sends posts that arrive while inserts are in flight as a few statements, each answered with its stored row', async () => {
    const author = await newAuthor(store);
    const asked: ReturnType<SqlStore['createPost']>[] = [];
    for (let i = 0; i < 30; i++) {
      asked.push(store.createPost({ authorId: author.id, text: `post ${i} 第${i}`, lang: 'en', tags: [`t${i}`], media: [{ kind: 'image', bytes: i }] }));
      await new Promise((r) => setImmediate(r)); // one post per event-loop turn, as requests arrive
    }
    const created = await Promise.all(asked);
    // Unbounded, every turn sent its own insert (30 statements); one in flight at most, the rest wait together.
    expect(inserts.reduce((a, b) => a + b, 0)).toBe(30);
    expect(inserts.length).toBeLessThanOrEqual(6);
    expect(new Set(created.map((c) => c.post.id)).size).toBe(30);
    for (const [i, c] of created.entries()) {
      expect(c.created).toBe(true);
      expect(c.post.text).toBe(`post ${i} 第${i}`);
      expect(await store.getPost(c.post.id)).toEqual(c.post);
    }
    expect(created.map((c) => c.post.seq)).toEqual(created.map((c) => c.post.seq).sort((a, b) => a - b));
  });

  it('fails every caller of a batch whose answer cannot be read, instead of leaving them waiting', async () => {
    const driver = await createPgliteDriver({ schema: `fc_gc_${randomBytes(3).toString('hex')}` });
    // The real database, but the batched insert's rows come back with a created_at that is not a time.
    const garbled: SqlDriver = {
      kind: driver.kind,
      poolStats: () => driver.poolStats(),
      close: () => driver.close(),
      async query<R>(text: string, params?: unknown[]): Promise<R[]> {
        const rows = await driver.query<R>(text, params);
        return text.includes('jsonb_to_recordset(') ? rows.map((r) => ({ ...r, created_at: 'not a time' })) : rows;
      },
    };
    const broken = new SqlStore(garbled);
    try {
      const author = await newAuthor(broken);
      const settled = await Promise.allSettled(
        [1, 2, 3].map((i) => broken.createPost({ authorId: author.id, text: `p${i}`, lang: 'en', tags: [], media: [] })),
      );
      expect(settled.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    } finally {
      await broken.close();
    }
  });
});

/**
 * The real embedded database, with each INSERT INTO `table` held back 30 ms so that one statement stays in flight
 * while more arrive; `statements` records each as `batch:<rows>` or `alone`.
 */
async function heldBackInserts(table: 'likes' | 'comments'): Promise<{ slow: SqlDriver; statements: string[] }> {
  const driver = await createPgliteDriver({ schema: `fc_gc_${randomBytes(3).toString('hex')}` });
  const statements: string[] = [];
  const insert = new RegExp(`INSERT INTO ${table}`);
  const slow: SqlDriver = {
    kind: driver.kind,
    poolStats: () => driver.poolStats(),
    close: () => driver.close(),
    async query<R>(text: string, params?: unknown[]): Promise<R[]> {
      if (insert.test(text)) {
        statements.push(text.includes('jsonb_to_recordset(') ? `batch:${(JSON.parse(params![0] as string) as unknown[]).length}` : 'alone');
        await new Promise((r) => setTimeout(r, 30));
      }
      return driver.query<R>(text, params);
    },
  };
  return { slow, statements };
}

describe('like batches', () => {
  it('likes arriving while one like statement runs go out together, each answered as a lone like would be', async () => {
    // The real embedded database, with like statements held back so that one stays in flight for a while.
    const { slow, statements } = await heldBackInserts('likes');
    const store = new SqlStore(slow);
    try {
      const author = await newAuthor(store);
      const fans = await Promise.all(Array.from({ length: 12 }, () => newAuthor(store)));
      const { post } = await store.createPost({ authorId: author.id, text: 'hot', lang: 'en', tags: [], media: [] });
      const { post: other } = await store.createPost({ authorId: author.id, text: 'other', lang: 'en', tags: [], media: [] });
      const { post: removed } = await store.createPost({ authorId: author.id, text: 'gone', lang: 'en', tags: [], media: [] });
      await store.removePost(removed.id, 'test');
      await store.like(other.id, fans[0].id); // liked before: a repeat is not created
      const missing = '00000000-0000-4000-8000-000000000000';
      const asked: Array<Promise<unknown>> = [];
      for (const [i, fan] of fans.entries()) {
        asked.push(store.like(post.id, fan.id));
        if (i === 3) {
          asked.push(store.like(post.id.toUpperCase(), fan.id)); // the same pair again (another spelling of the id)
          asked.push(store.like(other.id, fans[0].id));
          asked.push(store.like(missing, fan.id));
          asked.push(store.like(removed.id, fan.id));
        }
        await new Promise((r) => setImmediate(r)); // one like per event-loop turn, as requests arrive
      }
      const settled = await Promise.allSettled(asked);
      const value = (i: number) => (settled[i] as PromiseFulfilledResult<{ created: boolean; likeCount: number }>).value;
      const reason = (i: number) => (settled[i] as PromiseRejectedResult).reason as { kind?: string };
      // Indexes: fans 0..3 at 0..3, then the repeat (4), the old like (5), missing (6), removed (7), fans 4..11 at 8..15.
      const fanResults = [0, 1, 2, 3, ...Array.from({ length: 8 }, (_, k) => 8 + k)].map(value);
      expect(fanResults.every((r) => r.created)).toBe(true);
      expect(value(4)).toMatchObject({ created: false });
      expect(value(5)).toEqual({ created: false, likeCount: 1 });
      expect(reason(6).kind).toBe('not_found');
      expect(reason(7).kind).toBe('gone');
      // Counts only grow along the batches, and the last answer is the post's count.
      const counts = fanResults.map((r) => r.likeCount);
      expect(counts).toEqual([...counts].sort((a, b) => a - b));
      expect(Math.max(...counts)).toBe(12);
      expect((await store.getPost(post.id))?.likeCount).toBe(12);
      expect(value(4).likeCount).toBeGreaterThanOrEqual(4);
      // Batched: far fewer statements than likes.
      expect(statements.length).toBeLessThanOrEqual(8);
      expect(statements.some((s) => s.startsWith('batch:'))).toBe(true);
    } finally {
      await store.close();
    }
  });
});

describe('comment batches', () => {
  it('comments arriving while one comment statement runs go out together, each answered with its stored row', async () => {
    const { slow, statements } = await heldBackInserts('comments');
    const store = new SqlStore(slow);
    try {
      const author = await newAuthor(store);
      const { post: a } = await store.createPost({ authorId: author.id, text: 'a', lang: 'en', tags: [], media: [] });
      const { post: b } = await store.createPost({ authorId: author.id, text: 'b', lang: 'en', tags: [], media: [] });
      const { post: removed } = await store.createPost({ authorId: author.id, text: 'gone', lang: 'en', tags: [], media: [] });
      await store.removePost(removed.id, 'test');
      const missing = '00000000-0000-4000-8000-000000000000';
      const asked: Array<Promise<unknown>> = [];
      const targets: string[] = [];
      for (let i = 0; i < 16; i++) {
        const target = i === 5 ? missing : i === 9 ? removed.id : i % 3 === 0 ? b.id : a.id;
        targets.push(target);
        asked.push(store.addComment(target, author.id, `comment ${i} 第${i}`));
        await new Promise((r) => setImmediate(r)); // one comment per event-loop turn, as requests arrive
      }
      const settled = await Promise.allSettled(asked);
      expect((settled[5] as PromiseRejectedResult).reason.kind).toBe('not_found');
      expect((settled[9] as PromiseRejectedResult).reason.kind).toBe('gone');
      const made = settled
        .map((r, i) => ({ r, i }))
        .filter(({ i }) => i !== 5 && i !== 9)
        .map(({ r, i }) => ({ i, c: (r as PromiseFulfilledResult<Awaited<ReturnType<SqlStore['addComment']>>>).value }));
      for (const { i, c } of made) {
        expect(c.text).toBe(`comment ${i} 第${i}`);
        expect(c.postId).toBe(targets[i]);
        expect(c.authorId).toBe(author.id);
      }
      // Stored in arrival order, each answer its stored row; counts per post only grow and end at the post's count.
      for (const post of [a, b]) {
        const mine = made.filter(({ i }) => targets[i] === post.id);
        const listed = await store.listComments(post.id, 100);
        expect(listed.items.map((c) => c.text)).toEqual(mine.map(({ i }) => `comment ${i} 第${i}`));
        for (const { c } of mine) {
          const { postCommentCount, ...stored } = c;
          expect(listed.items.find((x) => x.id === c.id)).toEqual(stored);
        }
        const counts = mine.map(({ c }) => c.postCommentCount!);
        expect(counts).toEqual([...counts].sort((x, y) => x - y));
        expect(Math.max(...counts)).toBe(mine.length);
        expect((await store.getPost(post.id))?.commentCount).toBe(mine.length);
      }
      expect(statements.length).toBeLessThanOrEqual(8);
      expect(statements.some((s) => s.startsWith('batch:'))).toBe(true);
    } finally {
      await store.close();
    }
  });
});
