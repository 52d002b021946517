// The Cache as fan-out sees it, with every write to a home timeline (`tl:<reader>`) reported to the rendered following
// pages (following-pages.ts) as it is issued, voiding them once it has landed (page-invalidation.ts): pushes by fan-out (whatever the method: own posts, backfill on
// follow, the fan-out of a page of followers, a warm-up), removals on unfollow, a timeline created by a read. A
// change to the shared list of pull authors voids every page (their posts are merged at read time, not pushed), and
// so does a refresh that finds that list changed (a change made by another process).
import type { Cache } from '../cache/cache.ts';
import type { PageInvalidation } from './page-invalidation.ts';

const TIMELINE = 'tl:';
/** The shared list of pull authors (feed/pull-authors.ts). */
export const PULL_AUTHORS_KEY = 'fanout:pull-authors';

/** Writes whose first argument is the key (or keys) written. */
const WRITES = new Set(['pushCapped', 'pushCappedMany', 'pushCappedExisting', 'removeFromList', 'del', 'set', 'setMany']);

/** Readers named by a frozen array of keys (fan-out's keys of a follower page, reused for every post of its author). */
const frozenReaders = new WeakMap<readonly unknown[], string[]>();

function readersOf(arg: unknown): string[] {
  if (Array.isArray(arg) && Object.isFrozen(arg)) {
    let readers = frozenReaders.get(arg);
    if (!readers) frozenReaders.set(arg, (readers = readersIn(arg)));
    return readers;
  }
  return readersIn(arg);
}

function readersIn(arg: unknown): string[] {
  const keys = typeof arg === 'string' ? [arg] : Array.isArray(arg) ? arg : [];
  const out: string[] = [];
  for (const k of keys) {
    const key = Array.isArray(k) ? k[0] : k; // setMany: [key, value] pairs
    if (typeof key === 'string' && key.startsWith(TIMELINE)) out.push(key.slice(TIMELINE.length));
  }
  return out;
}

const touchesPullAuthors = (arg: unknown) => arg === PULL_AUTHORS_KEY || (Array.isArray(arg) && arg.includes(PULL_AUTHORS_KEY));

export function watchTimelines(cache: Cache, invalidation: PageInvalidation, onLocalPullChange: () => void): Cache {
  let lastPullAuthors: string | undefined;
  const bound = new Map<PropertyKey, unknown>();
  const wrap = (name: string, fn: (...args: unknown[]) => Promise<unknown>) => {
    if (name === 'touchList') {
      // Renewing a timeline changes nothing on it; creating one (a cold read) does.
      return async (...args: unknown[]) => {
        const existed = await fn(...args);
        if (existed === false) await invalidation.readers(readersOf(args[0]));
        return existed;
      };
    }
    if (name === 'range') {
      return async (...args: unknown[]) => {
        const values = (await fn(...args)) as string[];
        if (args[0] === PULL_AUTHORS_KEY) {
          const now = values.join('\n');
          if (now !== (lastPullAuthors ?? '')) onLocalPullChange();
          lastPullAuthors = now;
        }
        return values;
      };
    }
    if (!WRITES.has(name)) return fn;
    return (...args: unknown[]) => {
      const result = fn(...args);
      if (touchesPullAuthors(args[0])) return result.then(async (r) => (await invalidation.all(), r));
      const readers = readersOf(args[0]);
      if (!readers.length) return result;
      // Told while the write is in flight: pages are voided once it has landed (page-invalidation.ts), and with
      // Redis the message to other processes follows it in the same pipeline.
      const told = invalidation.readers(readers, result);
      return Promise.all([result, told]).then(([r]) => r);
    };
  };
  return new Proxy(cache, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver);
      if (typeof v !== 'function' || typeof prop !== 'string') return v;
      let b = bound.get(prop);
      if (!b) bound.set(prop, (b = wrap(prop, (v as (...args: unknown[]) => Promise<unknown>).bind(target))));
      return b;
    },
  });
}
