// Rendered following pages (src/backend/feed/following-pages.ts): a page is served again only while nothing on it
// changed, in this process or, through Redis, in another one sharing the data.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { FollowingPages } from '../../src/backend/feed/following-pages.ts';
import type { RunningBackend } from '../../src/backend/launch.ts';
import { client, signup, startTestBackend, stopTestBackend, variants, type Call } from './helpers.ts';

describe('FollowingPages', () => {
  const body = (s: string) => Buffer.from(s);
  function put(pages: FollowingPages, key: string, reader: string, postIds: string[], text = key) {
    pages.put(pages.ticket(key), reader, 'en', false, postIds, body(text));
  }

  test('serves a page until its reader or one of its posts is marked, and only for the languages and translation it was built with', () => {
    const pages = new FollowingPages();
    put(pages, 'a|20|', 'a', ['p1', 'p2']);
    put(pages, 'b|20|', 'b', ['p3']);
    expect(pages.get('a|20|', 'en', false)?.toString()).toBe('a|20|');
    expect(pages.get('a|20|', 'zh,en', false)).toBeUndefined(); // another language set: not this page (and it is dropped)
    put(pages, 'a|20|', 'a', ['p1', 'p2']);
    expect(pages.get('a|20|', 'en', true)).toBeUndefined(); // translation switched on since
    put(pages, 'a|20|', 'a', ['p1', 'p2']);
    pages.invalidatePosts(['p2']);
    expect(pages.get('a|20|', 'en', false)).toBeUndefined();
    expect(pages.get('b|20|', 'en', false)?.toString()).toBe('b|20|'); // p3 untouched
    pages.invalidateReaders(['b']);
    expect(pages.get('b|20|', 'en', false)).toBeUndefined();
    put(pages, 'b|20|', 'b', ['p3']); // built after the mark: served
    expect(pages.get('b|20|', 'en', false)?.toString()).toBe('b|20|');
  });

  test('a change that lands while a page is being built voids that page', () => {
    const pages = new FollowingPages();
    const during = pages.ticket('a|20|');
    pages.invalidateReaders(['a']);
    pages.put(during, 'a', 'en', false, ['p1'], body('old'));
    expect(pages.get('a|20|', 'en', false)).toBeUndefined();
    const during2 = pages.ticket('a|20|');
    pages.invalidatePosts(['p1']);
    pages.put(during2, 'a', 'en', false, ['p1'], body('old'));
    expect(pages.get('a|20|', 'en', false)).toBeUndefined();
    const during3 = pages.ticket('a|20|');
    pages.clear();
    pages.put(during3, 'a', 'en', false, ['p9'], body('old'));
    expect(pages.get('a|20|', 'en', false)).toBeUndefined();
  });

  test('bounded: pages by count, bytes and age; marks by count (dropping one early voids what it covered) and age', () => {
    let now = 0;
    const pages = new FollowingPages({ maxPages: 3, maxBytes: 100, maxAgeMs: 1_000, maxMarks: 2 }, () => now);
    for (let i = 0; i < 5; i++) put(pages, `r${i}|20|`, `r${i}`, [`p${i}`], 'x'.repeat(10));
    expect(pages.stats().pages).toBe(3);
    expect(pages.get('r0|20|', 'en', false)).toBeUndefined();
    expect(pages.get('r4|20|', 'en', false)).toBeDefined();
    put(pages, 'big|20|', 'big', [], 'y'.repeat(95)); // over the byte budget with the others: they go, oldest first
    expect(pages.stats().bytes).toBeLessThanOrEqual(100);
    expect(pages.get('big|20|', 'en', false)).toBeDefined();
    now += 1_000;
    expect(pages.get('big|20|', 'en', false)).toBeUndefined(); // too old: a bound on staleness whatever happens

    put(pages, 'k|20|', 'k', ['q1']);
    pages.invalidatePosts(['x1']);
    pages.invalidatePosts(['x2']);
    expect(pages.get('k|20|', 'en', false)).toBeDefined(); // unrelated marks
    pages.invalidatePosts(['x3']); // a third mark drops the first: pages built before it are void
    expect(pages.stats().postMarks).toBe(2);
    expect(pages.get('k|20|', 'en', false)).toBeUndefined();
    now += 5_000;
    pages.invalidateReaders(['z']);
    expect(pages.stats().readerMarks).toBe(1);
  });

  test('maxPages 0 keeps nothing (surge.followingPages.maxPages: every read is built)', () => {
    const pages = new FollowingPages({ maxPages: 0 });
    expect(pages.enabled).toBe(false);
    put(pages, 'a|20|', 'a', []);
    expect(pages.get('a|20|', 'en', false)).toBeUndefined();
    expect(new FollowingPages().enabled).toBe(true);
  });

  test('serves nothing while off (a lost subscription), and starts empty when back on', () => {
    const pages = new FollowingPages();
    put(pages, 'a|20|', 'a', []);
    pages.setServing(false);
    expect(pages.get('a|20|', 'en', false)).toBeUndefined();
    put(pages, 'a|20|', 'a', []);
    pages.setServing(true);
    expect(pages.get('a|20|', 'en', false)).toBeUndefined();
    put(pages, 'a|20|', 'a', []);
    expect(pages.get('a|20|', 'en', false)).toBeDefined();
  });
});

async function pageCache(backend: RunningBackend, result: string): Promise<number> {
  const m = await backend.app.metrics.registry.getSingleMetric('social_feed_page_cache_total')!.get();
  return m.values.find((v) => v.labels.result === result)?.value ?? 0;
}

async function until(check: () => Promise<boolean>, timeoutMs: number): Promise<number> {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > timeoutMs) throw new Error(`not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
  return Date.now() - start;
}

interface Item {
  id: string;
  likeCount: number;
  commentCount: number;
}

/** Reads the first following page twice; the second read must come from the page cache. */
async function readCached(backend: RunningBackend, call: Call, token: string): Promise<Item[]> {
  // A page built, then served again from the cache, byte for byte. Work still in flight from the test's earlier
  // writes (a fan-out push landing after the post was already merged at read time) may void the page between the two
  // reads; that is correct, so the pair is tried again a bounded number of times.
  for (let attempt = 1; ; attempt++) {
    const first = await call('GET', '/v1/feed/following?limit=20', { token });
    expect(first.status).toBe(200);
    const hits = await pageCache(backend, 'hit');
    const second = await call('GET', '/v1/feed/following?limit=20', { token });
    expect(second.status).toBe(200);
    const hit = (await pageCache(backend, 'hit')) === hits + 1;
    if (attempt < 20 && !hit) {
      await new Promise((r) => setTimeout(r, 25));
      continue;
    }
    expect(hit).toBe(true);
    expect(second.raw).toBe(first.raw);
    return second.body.items as Item[];
  }
}

const vs = await variants();

describe.each(vs)('rendered following pages ($name)', (variant) => {
  let a: RunningBackend;
  let b: RunningBackend | undefined;
  let callA: Call;
  beforeAll(async () => {
    a = await startTestBackend(variant);
    callA = client(a);
    // A second process on the same data (only where the data is shared: Postgres and Redis).
    if (variant.options.redis !== 'memory' && variant.options.db !== 'embedded') b = await startTestBackend(variant);
  });
  afterAll(async () => {
    await b?.close();
    await stopTestBackend(a);
  });

  test('a cached page shows posts, counts, removals and follows as soon as they are acknowledged', async () => {
    const reader = await signup(callA);
    const author = await signup(callA);
    const other = await signup(callA);
    expect((await callA('POST', '/v1/follows', { token: reader.token, body: { userId: author.id } })).status).toBe(201);
    const p1 = (await callA('POST', '/v1/posts', { token: author.token, body: { text: 'first post of the author' } })).body.id;
    await until(async () => (await callA('GET', '/v1/feed/following?limit=20', { token: reader.token })).body.items.some((i: Item) => i.id === p1), 5_000);

    // A new post reaches the cached page with fan-out.
    await readCached(a, callA, reader.token);
    const p2 = (await callA('POST', '/v1/posts', { token: author.token, body: { text: 'second post of the author' } })).body.id;
    await until(async () => (await callA('GET', '/v1/feed/following?limit=20', { token: reader.token })).body.items.some((i: Item) => i.id === p2), 5_000);

    // Likes and comments are acknowledged after the page is voided: the next read shows them.
    await readCached(a, callA, reader.token);
    expect((await callA('POST', `/v1/posts/${p1}/likes`, { token: other.token })).status).toBe(201);
    let items = (await callA('GET', '/v1/feed/following?limit=20', { token: reader.token })).body.items as Item[];
    expect(items.find((i) => i.id === p1)?.likeCount).toBe(1);
    await readCached(a, callA, reader.token);
    expect((await callA('POST', `/v1/posts/${p1}/comments`, { token: other.token, body: { text: 'nice' } })).status).toBe(201);
    items = (await callA('GET', '/v1/feed/following?limit=20', { token: reader.token })).body.items as Item[];
    expect(items.find((i) => i.id === p1)?.commentCount).toBe(1);

    // A removal, a follow and an unfollow likewise.
    await readCached(a, callA, reader.token);
    expect((await callA('DELETE', `/v1/posts/${p2}`, { token: author.token })).status).toBe(204);
    items = (await callA('GET', '/v1/feed/following?limit=20', { token: reader.token })).body.items as Item[];
    expect(items.map((i) => i.id)).not.toContain(p2);
    const p3 = (await callA('POST', '/v1/posts', { token: other.token, body: { text: 'a post before anyone followed' } })).body.id;
    await readCached(a, callA, reader.token);
    expect((await callA('POST', '/v1/follows', { token: reader.token, body: { userId: other.id } })).status).toBe(201);
    items = (await callA('GET', '/v1/feed/following?limit=20', { token: reader.token })).body.items as Item[];
    expect(items.map((i) => i.id)).toContain(p3);
    await readCached(a, callA, reader.token);
    expect((await callA('DELETE', `/v1/follows/${author.id}`, { token: reader.token })).status).toBe(204);
    items = (await callA('GET', '/v1/feed/following?limit=20', { token: reader.token })).body.items as Item[];
    expect(items.map((i) => i.id)).not.toContain(p1);
  });

  test('a write through one process voids the page another process cached (Redis pub/sub), well before the age bound', async (ctx) => {
    if (!b) return ctx.skip();
    const callB = client(b);
    const reader = await signup(callA);
    const author = await signup(callA);
    const other = await signup(callA);
    await callA('POST', '/v1/follows', { token: reader.token, body: { userId: author.id } });
    const p1 = (await callA('POST', '/v1/posts', { token: author.token, body: { text: 'seen by both processes' } })).body.id;
    await until(async () => (await callB('GET', '/v1/feed/following?limit=20', { token: reader.token })).body.items.some((i: Item) => i.id === p1), 5_000);

    // Process B has the page; a new post through A reaches it (fan-out runs in either process).
    await readCached(b, callB, reader.token);
    const p2 = (await callA('POST', '/v1/posts', { token: author.token, body: { text: 'posted through A' } })).body.id;
    const seenMs = await until(async () => (await callB('GET', '/v1/feed/following?limit=20', { token: reader.token })).body.items.some((i: Item) => i.id === p2), 5_000);
    expect(seenMs).toBeLessThan(5_000); // pages live 10 s: this was the invalidation, not the age bound

    // A like through A: B's next reads show the count (at once, give or take B reading its subscription).
    await readCached(b, callB, reader.token);
    expect((await callA('POST', `/v1/posts/${p1}/likes`, { token: other.token })).status).toBe(201);
    await until(async () => (await callB('GET', '/v1/feed/following?limit=20', { token: reader.token })).body.items.find((i: Item) => i.id === p1)?.likeCount === 1, 1_000);

    // A removal through A.
    await readCached(b, callB, reader.token);
    expect((await callA('DELETE', `/v1/posts/${p1}`, { token: author.token })).status).toBe(204);
    await until(async () => !(await callB('GET', '/v1/feed/following?limit=20', { token: reader.token })).body.items.some((i: Item) => i.id === p1), 1_000);
  });

  test('a process whose subscription drops serves nothing cached until it is back, then caches again', async (ctx) => {
    if (!b) return ctx.skip();
    const callB = client(b);
    const reader = await signup(callA);
    const author = await signup(callA);
    await callA('POST', '/v1/follows', { token: reader.token, body: { userId: author.id } });
    const p1 = (await callA('POST', '/v1/posts', { token: author.token, body: { text: 'before the drop' } })).body.id;
    await until(async () => (await callB('GET', '/v1/feed/following?limit=20', { token: reader.token })).body.items.some((i: Item) => i.id === p1), 5_000);
    await readCached(b, callB, reader.token);
    // Drop both processes' subscriptions (and only theirs: connections are named after the deployment's key prefix).
    const admin = new Redis(b.config.redis);
    try {
      const list = (await admin.call('CLIENT', 'LIST', 'TYPE', 'pubsub')) as string;
      const name = `pages:${b.config.redisKeyPrefix}`.replace(/[^\w:.-]/g, '_');
      const ids = list.split('\n').filter((l) => l.includes(` name=${name} `)).map((l) => /id=(\d+)/.exec(l)![1]);
      expect(ids.length).toBe(2); // A's and B's
      for (const id of ids) await admin.call('CLIENT', 'KILL', 'ID', id);
    } finally {
      admin.disconnect();
    }
    // A write while the subscriptions may be down is still seen well before the age bound, and hits come back.
    const p2 = (await callA('POST', '/v1/posts', { token: author.token, body: { text: 'during the drop' } })).body.id;
    await until(async () => (await callB('GET', '/v1/feed/following?limit=20', { token: reader.token })).body.items.some((i: Item) => i.id === p2), 5_000);
    await until(async () => {
      const hits = await pageCache(b!, 'hit');
      await callB('GET', '/v1/feed/following?limit=20', { token: reader.token });
      return (await pageCache(b!, 'hit')) > hits;
    }, 5_000);
  });
});
