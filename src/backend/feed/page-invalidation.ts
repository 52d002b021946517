// Telling every backend process's rendered following pages (following-pages.ts) what changed. A change is applied to
// this process's pages at once (or, told with the write still in flight, once it has landed); with Redis, it is also
// published on one channel that every process subscribes to, and the returned promise resolves once Redis has taken
// the message (PUBLISH answered: it sits in every subscriber's connection), so a writer that awaits it before
// acknowledging leaves no process serving the old page beyond the moment that process reads its subscription. Changes
// made in one event-loop turn go out as one message, published through the cache's connection: it is the last command
// of that turn's pipeline, behind the writes it announces.
// A process whose subscription is down may have missed messages: it serves no cached page until it is subscribed
// again (and starts empty). A publish that fails leaves other processes' copies to their age bound (maxAgeMs).
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { RedisCache } from '../cache/redis-cache.ts';
import type { FollowingPages } from './following-pages.ts';

export interface PageInvalidation {
  /**
   * Their home timelines or follow lists changed. `landed`: the cache write that changes them, issued in this turn and
   * still in flight; pages are voided once it has landed (and, with Redis, the message may ride with it).
   */
  readers(ids: Iterable<string>, landed?: Promise<unknown>): Promise<void>;
  /** Their counts changed, or they were removed (`landed` as for readers). */
  posts(ids: Iterable<string>, landed?: Promise<unknown>): Promise<void>;
  /** Anything may have changed (e.g. which authors are merged at read time). */
  all(): Promise<void>;
  close(): Promise<void>;
}

/** One process: the pages are told directly. */
export function localPageInvalidation(pages: FollowingPages): PageInvalidation {
  return {
    async readers(ids, landed) {
      await landed?.catch(() => undefined);
      pages.invalidateReaders(ids);
    },
    async posts(ids, landed) {
      await landed?.catch(() => undefined);
      pages.invalidatePosts(ids);
    },
    async all() {
      pages.clear();
    },
    async close() {},
  };
}

// Message: origin, then '*' or '', then reader ids, then post ids, one field per line, ids comma-separated.
const SEP = '\n';

interface Pending {
  readers: Set<string>;
  posts: Set<string>;
  all: boolean;
  done: Array<() => void>;
}

const empty = (): Pending => ({ readers: new Set(), posts: new Set(), all: false, done: [] });

export class RedisPageInvalidation implements PageInvalidation {
  private readonly origin = randomUUID().slice(0, 8);
  private readonly ownPrefix = `${this.origin}${SEP}`;
  private pending = empty();
  private closed = false;
  /**
   * `cache`: where messages are published, on the Redis the subscription is on. A turn's message rides the cache's
   * per-turn pipeline, after the writes it announces (one socket write for both), and Redis runs it after them.
   */
  private constructor(
    private readonly pages: FollowingPages,
    private readonly cache: Pick<RedisCache, 'publish' | 'atFlush'>,
    private readonly sub: Redis,
    private readonly channel: string,
  ) {}

  static async connect(
    cache: Pick<RedisCache, 'publish' | 'atFlush'>,
    url: string,
    keyPrefix: string,
    pages: FollowingPages,
  ): Promise<RedisPageInvalidation> {
    // Named after the key prefix, so an operator (or a test) can tell the deployment's subscriptions apart.
    // autoResubscribe off: the 'ready' handler below resubscribes (and says when pages may be served again). ioredis's
    // own resubscription after a reconnect is a promise nobody holds, rejected unhandled ("Connection is closed.") when
    // the connection closes before Redis answers it (seen in CI: a subscription killed, then the backend closed).
    const sub = new Redis(url, {
      lazyConnect: true,
      autoResubscribe: false,
      connectionName: `pages:${keyPrefix}`.replace(/[^\w:.-]/g, '_'),
    });
    sub.on('error', () => undefined); // reconnects by itself; pages are not served meanwhile (see 'close')
    const bus = new RedisPageInvalidation(pages, cache, sub, `${keyPrefix}feed:pages`);
    pages.setServing(false);
    sub.on('message', (channel: string, message: string) => {
      if (channel === bus.channel) bus.apply(message);
    });
    // Lost connection: messages may be lost with it. Serve nothing cached until subscribed again.
    sub.on('close', () => pages.setServing(false));
    sub.on('ready', () => {
      if (!bus.closed) void bus.resubscribe();
    });
    try {
      await sub.connect();
      await bus.resubscribe();
    } catch (err) {
      sub.disconnect();
      throw new Error(`cannot connect to Redis at ${url}: ${(err as Error).message}`, { cause: err });
    }
    return bus;
  }

  private async resubscribe(): Promise<void> {
    try {
      await this.sub.subscribe(this.channel);
      if (!this.closed && this.sub.status === 'ready') this.pages.setServing(true);
    } catch {
      // the next 'ready' tries again
    }
  }

  readers(ids: Iterable<string>, landed?: Promise<unknown>): Promise<void> {
    const list = [...ids];
    return this.change(
      () => this.pages.invalidateReaders(list),
      (p) => {
        for (const id of list) p.readers.add(id);
      },
      landed,
    );
  }

  posts(ids: Iterable<string>, landed?: Promise<unknown>): Promise<void> {
    const list = [...ids];
    return this.change(
      () => this.pages.invalidatePosts(list),
      (p) => {
        for (const id of list) p.posts.add(id);
      },
      landed,
    );
  }

  /**
   * This process's pages are voided once the write has landed (a page built from before it, started earlier, is then
   * void). Other processes must not hear of it before it has landed either: the message is queued now, behind the
   * write in the same pipeline (Redis runs it after the write, and the writer waits one round trip instead of two).
   */
  private change(local: () => void, add: (p: Pending) => void, landed: Promise<unknown> | undefined): Promise<void> {
    if (!landed) {
      local();
      return this.enqueue(add);
    }
    return Promise.all([this.enqueue(add), landed.then(local, local)]).then(() => undefined);
  }

  all(): Promise<void> {
    this.pages.clear();
    return this.enqueue((p) => (p.all = true));
  }

  private enqueue(add: (p: Pending) => void): Promise<void> {
    if (this.closed) return Promise.resolve();
    const first = this.pending.done.length === 0;
    add(this.pending);
    const done = new Promise<void>((resolve) => this.pending.done.push(resolve));
    if (first) this.cache.atFlush(() => this.flush(), true); // last: after the writes it announces
    return done;
  }

  private flush(): void {
    const p = this.pending;
    this.pending = empty();
    const message = [this.origin, p.all ? '*' : '', [...p.readers].join(','), [...p.posts].join(',')].join(SEP);
    const settle = () => {
      for (const d of p.done) d();
    };
    this.cache.publish(this.channel, message).then(settle, settle);
  }

  /** A message from any process (this one's own are skipped: they were applied when made). */
  private apply(message: string): void {
    if (message.startsWith(this.ownPrefix)) return; // this process's own, applied when made
    const parts = message.split(SEP);
    if (parts.length !== 4 || parts[0] === this.origin) return;
    if (parts[1] === '*') this.pages.clear();
    if (parts[2]) this.pages.invalidateReaders(parts[2].split(','));
    if (parts[3]) this.pages.invalidatePosts(parts[3].split(','));
  }

  async close(): Promise<void> {
    this.closed = true;
    this.pages.setServing(false);
    await this.sub.quit().catch(() => this.sub.disconnect());
  }
}
