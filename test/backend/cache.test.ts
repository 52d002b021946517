// One behaviour for both caches: the in-process one must mean what Redis means.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryCache, RedisCache, type Cache } from '../../src/backend/cache/index.ts';
import { serviceUrl } from '../helpers/services.ts';
import { deleteRedisPrefix } from './helpers.ts';

const redisUrl = await serviceUrl('redis');
const prefix = `fc_test:cache_${process.pid}_${randomBytes(3).toString('hex')}:`;
const makers: Array<[string, () => Promise<Cache>]> = [['memory', async () => new MemoryCache()]];
if (redisUrl) makers.push(['redis', () => RedisCache.connect({ url: redisUrl, keyPrefix: prefix })]);

for (const [name, make] of makers) {
  describe(`${name} cache`, () => {
    let cache: Cache;
    beforeAll(async () => {
      cache = await make();
    });
    afterAll(async () => {
      await cache.close();
      if (name === 'redis') await deleteRedisPrefix(redisUrl!, prefix);
    });

    it('keeps capped lists newest first', async () => {
      await cache.pushCapped('tl:a', ['p1', 'p2', 'p3'], 4);
      await cache.pushCapped('tl:a', ['p4', 'p5'], 4);
      expect(await cache.range('tl:a', 0, -1)).toEqual(['p5', 'p4', 'p3', 'p2']);
      expect(await cache.range('tl:a', 1, 2)).toEqual(['p4', 'p3']);
      expect(await cache.range('tl:a', 10, 20)).toEqual([]);
      expect(await cache.listLength('tl:a')).toBe(4);
      expect(await cache.removeFromList('tl:a', 'p4')).toBe(1);
      expect(await cache.range('tl:a', 0, -1)).toEqual(['p5', 'p3', 'p2']);
      // Fan-out writes only onto lists that exist: a missing one stays missing.
      expect(await cache.touchList('tl:b', '~', 60)).toBe(false);
      expect(await cache.touchList('tl:c', '~', 60)).toBe(false);
      expect(await cache.pushCappedExisting(['tl:b', 'tl:c', 'tl:never'], ['p9'], 2)).toBe(2);
      expect(await cache.pushCappedExisting(['tl:b', 'tl:c'], ['p10'], 2)).toBe(2);
      expect(await cache.pushCappedExisting(['tl:b'], ['p11'], 2)).toBe(1);
      expect(await cache.range('tl:b', 0, -1)).toEqual(['p11', 'p10']);
      expect(await cache.range('tl:c', 0, -1)).toEqual(['p10', 'p9']);
      expect(await cache.range('tl:never', 0, -1)).toEqual([]);
      expect(await cache.range('tl:missing', 0, -1)).toEqual([]);
      // Touching an existing list keeps what it holds.
      expect(await cache.touchList('tl:b', '~', 60)).toBe(true);
      expect(await cache.range('tl:b', 0, -1)).toEqual(['p11', 'p10']);
    });

    it('keeps a timeline alive while it is read: pushes neither create it nor renew its expiry', async () => {
      await cache.touchList('tl:life', '~', 1);
      await new Promise((r) => setTimeout(r, 600));
      expect(await cache.pushCappedExisting(['tl:life'], ['a', 'b'], 10)).toBe(1);
      await new Promise((r) => setTimeout(r, 600));
      // 1.2 s after the only touch: gone, although a push came in between.
      expect(await cache.range('tl:life', 0, -1)).toEqual([]);
      expect(await cache.pushCappedExisting(['tl:life'], ['c'], 10)).toBe(0);
      await cache.touchList('tl:life', '~', 1);
      await new Promise((r) => setTimeout(r, 600));
      await cache.touchList('tl:life', '~', 1); // a read renews
      await cache.pushCappedExisting(['tl:life'], ['d'], 10);
      await new Promise((r) => setTimeout(r, 600));
      expect(await cache.range('tl:life', 0, -1)).toEqual(['d', '~']);
    });

    it('gets, sets, expires and deletes values', async () => {
      await cache.set('k', 'v');
      expect(await cache.get('k')).toBe('v');
      await cache.del('k');
      expect(await cache.get('k')).toBeNull();
      await cache.set('short', 'v', 1);
      expect(await cache.get('short')).toBe('v');
      await new Promise((r) => setTimeout(r, 1100));
      expect(await cache.get('short')).toBeNull();
    });

    it('counts, and counts hits in a fixed window', async () => {
      expect(await cache.incr('n')).toBe(1);
      expect(await cache.incr('n', 5)).toBe(6);
      const hits = [];
      for (let i = 0; i < 3; i++) hits.push(await cache.windowHit('w', 30));
      expect(hits.map((h) => h.count)).toEqual([1, 2, 3]);
      expect(hits[2].ttlSec).toBeGreaterThan(0);
      expect(hits[2].ttlSec).toBeLessThanOrEqual(30);
      await cache.ping();
    });

    it('reads and writes many keys at once; NX keeps what is there; counters only rise', async () => {
      await cache.setMany([['m:a', 'A'], ['m:b', 'B']], 60);
      await cache.setMany([['m:a', 'A2'], ['m:c', 'C']], 60, true);
      expect(await cache.getMany(['m:a', 'm:b', 'm:c', 'm:missing'])).toEqual(['A', 'B', 'C', null]);
      await cache.setMaxMany([['m:n', 5]], 60);
      await cache.setMaxMany([['m:n', 3], ['m:o', 1]], 60); // an out-of-order writer answering late
      await cache.setMaxMany([['m:o', 2]], 60);
      expect(await cache.getMany(['m:n', 'm:o'])).toEqual(['5', '2']);
      // A tombstone ('-', a removed post's counts) stays whatever late counter write comes, on both caches.
      await cache.setMany([['m:gone', '-']], 60);
      await cache.setMaxMany([['m:gone', 7]], 60);
      expect(await cache.getMany(['m:gone'])).toEqual(['-']);
      // Raised together in one turn (Redis: one script call for the lot), in call order, each settled.
      await Promise.all([
        cache.setMaxMany([['m:t', 4]], 60),
        cache.setMaxMany([['m:t', 9], ['m:u', 2]], 60),
        cache.setMaxMany([['m:t', 6], ['m:gone', 8]], 60),
        cache.setMaxMany([['m:u', 1]], 60),
      ]);
      expect(await cache.getMany(['m:t', 'm:u', 'm:gone'])).toEqual(['9', '2', '-']);
      if (name === 'redis') await expect(cache.setMaxMany([['m:a\0m:b', 1]], 60)).rejects.toThrow(/NUL/);
      await cache.pushCapped('tl:look', ['1|a|u', '2|b|u', '3|zz|u'], 10);
      await cache.setMany([['va:a', 'A'], ['vb:a', 'a2'], ['va:b', 'B']], 60);
      // Issued together (Redis: one pipeline): each answer reaches its own caller, a failing command fails only its own.
      await cache.set('m:str', 'text');
      const together = await Promise.allSettled([cache.getMany(['m:a', 'm:zz']), cache.range('tl:look', 0, 0), cache.get('m:b'), cache.range('m:str', 0, 1), cache.get('m:c')]);
      expect(together.slice(0, 3)).toEqual([
        { status: 'fulfilled', value: ['A', null] },
        { status: 'fulfilled', value: ['3|zz|u'] },
        { status: 'fulfilled', value: 'B' },
      ]);
      expect(together[4]).toEqual({ status: 'fulfilled', value: 'C' });
      if (name === 'redis') expect(together[3].status).toBe('rejected'); // WRONGTYPE
      await cache.pushCapped('tl:m1', ['old'], 5);
      await cache.pushCapped('tl:m2', ['old'], 5);
      await cache.pushCappedExisting(['tl:m1', 'tl:m2'], ['x1', 'x2', 'x3'], 2);
      expect(await cache.range('tl:m1', 0, -1)).toEqual(['x3', 'x2']);
      expect(await cache.range('tl:m2', 0, -1)).toEqual(['x3', 'x2']);
    });

    it('fan-out pushes keep a list at its cap, Redis trimming in steps of cap/16', async () => {
      await cache.touchList('tl:cap', '~', 60);
      const lengths: number[] = [];
      for (let i = 0; i < 40; i++) {
        await cache.pushCappedExisting(['tl:cap'], [`e${i}`], 32);
        lengths.push(await cache.listLength('tl:cap'));
      }
      // Memory trims at once; Redis lets a list reach 32 + 2 and then trims it back to 32.
      if (name === 'redis') expect(lengths.slice(29, 37)).toEqual([31, 32, 33, 34, 32, 33, 34, 32]);
      else expect(Math.max(...lengths)).toBe(32);
      const list = await cache.range('tl:cap', 0, -1);
      expect(list[0]).toBe('e39');
      expect(list.slice(0, 32)).toEqual(Array.from({ length: 32 }, (_, i) => `e${39 - i}`)); // the newest, in order
    });

    it('calls made in one turn (Redis: one command per kind) each get their own answer', async () => {
      await cache.touchList('tl:t1', '~', 60);
      await cache.touchList('tl:t2', '~', 60);
      await cache.set('t:v1', 'one');
      await cache.setMany([['t:nx', 'kept']], 60);
      const [p1, p2, p3, g1, g2, g3] = await Promise.all([
        cache.pushCappedExisting(['tl:t1', 'tl:t2', 'tl:tnone'], ['a1', 'a2'], 2),
        cache.pushCappedExisting(['tl:tnone'], ['b1'], 5),
        cache.pushCappedExisting(['tl:t2'], ['c1'], 5),
        cache.get('t:v1'),
        cache.get('t:none'),
        cache.get('t:v1'),
        cache.setMany([['t:nx', 'lost'], ['t:f1', 'F1']], 60, true),
        cache.setMany([['t:f2', 'F2']], 1, true),
      ]);
      expect([p1, p2, p3]).toEqual([2, 0, 1]);
      expect([g1, g2, g3]).toEqual(['one', null, 'one']);
      expect(await cache.range('tl:t1', 0, -1)).toEqual(['a2', 'a1']); // its own cap (2)
      expect(await cache.range('tl:t2', 0, -1)).toEqual(['c1', 'a2', 'a1']);
      expect(await cache.getMany(['t:nx', 't:f1', 't:f2'])).toEqual(['kept', 'F1', 'F2']);
      await new Promise((r) => setTimeout(r, 1100));
      expect(await cache.getMany(['t:f1', 't:f2'])).toEqual(['F1', null]); // each call's own expiry
      // Pushes in one turn with guards: each group is pushed only if its guard's key holds the value ('' = missing).
      await cache.set('t:ver', 'v1');
      const [q1, q2, q3, q4] = await Promise.all([
        cache.pushCappedExisting(['tl:t1'], ['g1'], 5, { key: 't:ver', value: 'v1' }),
        cache.pushCappedExisting(['tl:t1'], ['g2'], 5, { key: 't:ver', value: 'v0' }),
        cache.pushCappedExisting(['tl:t2'], ['g3'], 5, { key: 't:never-set', value: '' }),
        cache.pushCappedExisting(['tl:t2'], ['g4'], 5, { key: 't:never-set', value: 'v1' }),
      ]);
      expect([q1, q2, q3, q4]).toEqual([1, -1, 1, -1]);
      expect(await cache.range('tl:t1', 0, 0)).toEqual(['g1']);
      expect(await cache.range('tl:t2', 0, 0)).toEqual(['g3']);
      // A frozen array of keys (fan-out's keys of a follower page, used for every post of its author) answers the same.
      const frozen = Object.freeze(['tl:t1', 'tl:tnone', 'tl:t2']) as string[];
      expect(await cache.pushCappedExisting(frozen, ['f1'], 5)).toBe(2);
      expect(await cache.pushCappedExisting(frozen, ['f2'], 5)).toBe(2);
      expect(await cache.range('tl:t1', 0, 1)).toEqual(['f2', 'f1']);
      expect(await cache.range('tl:t2', 0, 1)).toEqual(['f2', 'f1']);
      if (name === 'redis') {
        const bad = Object.freeze(['tl:t1\0tl:t2']) as string[];
        await expect(cache.pushCappedExisting(bad, ['z'], 5)).rejects.toThrow(/NUL/);
        await expect(cache.pushCappedExisting(bad, ['z'], 5)).rejects.toThrow(/NUL/);
      }
      // Redis sends a call's keys joined by NUL: a key holding one is refused, not split.
      if (name === 'redis') {
        await expect(cache.pushCappedExisting(['tl:t1\0tl:t2'], ['z'], 5)).rejects.toThrow(/NUL/);
        await expect(cache.setMany([['t:a\0t:b', 'v']], 60, true)).rejects.toThrow(/NUL/);
      }
    });
  });
}

describe('memory cache expiry', () => {
  it('keeps list values exactly as pushed (they are stored as flat copies)', async () => {
    const cache = new MemoryCache();
    const id = 'f42252c9-01a7-4f82-b327-aa818223b16c';
    const values = [`${41}|${id}|${id}`, 'short', `naïve 😀 ${id}`, `lone \ud800 surrogate ${id}`, `quote " and \\ ${id}`];
    await cache.pushCapped('l', values, 10, 60);
    await cache.touchList('t', 'marker', 60);
    expect(await cache.pushCappedExisting(['t', 'missing'], values, 10)).toBe(1);
    const expected = [...values].reverse();
    expect(await cache.range('l', 0, -1)).toEqual(expected);
    expect(await cache.range('t', 0, -1)).toEqual([...expected, 'marker']);
    expect(await cache.removeFromList('l', values[3]!)).toBe(1);
  });

  it('expires windows by the clock it is given', async () => {
    let now = 1_000_000;
    const cache = new MemoryCache(() => now);
    expect((await cache.windowHit('w', 10)).count).toBe(1);
    now += 9_000;
    expect(await cache.windowHit('w', 10)).toEqual({ count: 2, ttlSec: 1 });
    now += 1_000;
    expect((await cache.windowHit('w', 10)).count).toBe(1);
  });

  it('sweeps keys that are written once and never read again, and keeps a key budget (least recently written out)', async () => {
    let now = 1_000_000;
    const cache = new MemoryCache(() => now, { maxKeys: 5_000 });
    for (let i = 0; i < 3_000; i++) await cache.set(`p:${i}`, 'x', 60);
    await cache.set('forever', 'y');
    expect(cache.size).toBe(3_001);
    // A minute later nobody has read the posts again: writes alone sweep them out (a few thousand keys per 100 ms).
    now += 61_000;
    for (let i = 0; i < 5; i++) {
      await cache.set(`w:${i}`, 'z', 60);
      now += 200;
    }
    expect(cache.size).toBe(1 + 5);
    expect(await cache.get('forever')).toBe('y');
    // Beyond the budget, the least recently written keys go first; a rewritten key counts as recent.
    for (let i = 0; i < 6_000; i++) {
      await cache.set(`k:${i}`, 'v');
      if (i === 4_000) await cache.set('forever', 'y2');
    }
    expect(cache.size).toBe(5_000);
    expect(await cache.get('k:0')).toBeNull();
    expect(await cache.get('k:5999')).toBe('v');
    expect(await cache.get('forever')).toBe('y2');
  });
});
