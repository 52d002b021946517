// Page invalidation through the cache's connection (src/backend/feed/page-invalidation.ts): the
// message announcing a timeline write rides in the same pipeline as the write, so it must reach other processes only
// after the write has run, and this process's pages are voided only once the write has landed.
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisCache } from '../../src/backend/cache/redis-cache.ts';
import { FollowingPages } from '../../src/backend/feed/following-pages.ts';
import { RedisPageInvalidation } from '../../src/backend/feed/page-invalidation.ts';
import { watchTimelines } from '../../src/backend/feed/timeline-watch.ts';
import { serviceUrl } from '../helpers/services.ts';

const url = await serviceUrl('redis');
const prefix = `fc-test-pi-${randomUUID().slice(0, 8)}:`;
let cache: RedisCache;
let bus: RedisPageInvalidation;
let pages: FollowingPages;
let observer: Redis;
let reader: Redis;

describe.skipIf(!url)('page invalidation through the cache connection', () => {
  beforeAll(async () => {
    cache = await RedisCache.connect({ url: url!, keyPrefix: prefix });
    pages = new FollowingPages();
    bus = await RedisPageInvalidation.connect(cache, url!, prefix, pages);
    observer = new Redis(url!);
    reader = new Redis(url!);
  });
  afterAll(async () => {
    const keys = await reader.keys(`${prefix}*`);
    if (keys.length) await reader.del(...keys);
    await Promise.allSettled([bus.close(), cache.close(), observer.quit(), reader.quit()]);
  });

  it('another process hears of a write only once the write has run, and this one voids its pages once it landed', async () => {
    const watched = watchTimelines(cache, bus, () => undefined);
    const readers = Array.from({ length: 20 }, (_, i) => `r${i}`);
    for (const r of readers) await cache.touchList(`tl:${r}`, '~', 60);
    // Another process: on each message, reads the timelines it names (its next page build would read them so).
    const seen: Array<Promise<boolean>> = [];
    await observer.subscribe(`${prefix}feed:pages`);
    observer.on('message', (_channel: string, message: string) => {
      const ids = message.split('\n')[2]?.split(',').filter(Boolean) ?? [];
      for (const id of ids) seen.push(reader.lrange(`${prefix}tl:${id}`, 0, 0).then((head) => head[0] === (id === 'first' ? 'x' : `post-of-${id}`)));
    });
    const key = FollowingPages.key('r0', 20, undefined);
    const ticket = pages.ticket(key);
    // Writes of one turn, each announced as it is issued; the turn's first is a plain command, so the message is
    // asked for before the turn's grouped pushes (one script call at the flush) are.
    const first = watched.pushCapped('tl:first', ['x'], 5);
    const writes = readers.map((r, i) => {
      const w = watched.pushCappedExisting([`tl:${r}`], [`post-of-${r}`], 10);
      if (i === 0) {
        // Issued, not landed: a page of r0 built now would still be valid to this process.
        pages.put(ticket, 'r0', 'en', false, [], Buffer.from('old'));
        expect(pages.get(key, 'en', false)?.toString()).toBe('old');
      }
      return w;
    });
    await Promise.all([first, ...writes]);
    expect(pages.get(key, 'en', false)).toBeUndefined(); // voided once landed
    const deadline = Date.now() + 5_000;
    while (seen.length < readers.length + 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(seen.length).toBe(readers.length + 1);
    expect(await Promise.all(seen)).toEqual([...readers, 'first'].map(() => true));
  });
});
