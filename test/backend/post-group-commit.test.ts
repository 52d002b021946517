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
