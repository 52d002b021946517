// Rendered following pages, per process: the bytes of a page served before (keyed by reader, limit and cursor), so a
// reader who asks again before anything on that page changed is answered without Redis, the store or serialisation,
// as production timeline services answer hot reads. Correctness comes from invalidation, checked lazily:
// - Every change that can alter a page marks what changed with the next value of a local clock: a reader (their home
//   timeline was pushed to or trimmed, they followed or unfollowed), a post (its like or comment count changed, it was
//   removed), or everything (the set of pull authors changed, the subscription to other processes was lost).
// - A page remembers the clock when its build started; it is served only while no mark on its reader or on any of
//   its posts is newer, so a change that lands while a page is being built voids that page too.
// - Other processes learn of changes through page-invalidation.ts (Redis pub/sub, published before the write is
//   acknowledged); while that subscription is down nothing is served from here.
// Memory budget: at most `maxPages` pages and `maxBytes` of bytes, none older than `maxAgeMs` (a bound on staleness
// should a mark ever be missed); marks are kept `maxAgeMs` and at most `maxMarks` of each kind (dropping one early
// voids every page built before it). Everything is dropped on writes, oldest first; no timers.

export interface FollowingPagesOptions {
  maxPages: number;
  maxBytes: number;
  maxAgeMs: number;
  maxMarks: number;
}

export const DEFAULT_FOLLOWING_PAGES_OPTIONS: FollowingPagesOptions = {
  maxPages: 20_000,
  maxBytes: 32 * 2 ** 20,
  maxAgeMs: 10_000,
  maxMarks: 100_000,
};

interface Page {
  body: Buffer;
  readerId: string;
  /** The reader's languages, joined: translations decorate items by them. */
  langs: string;
  /** Whether translation was on when built (a switch flips which items get one). */
  translated: boolean;
  postIds: string[];
  /** The clock when the build started. */
  seq: number;
  /** When the build started. */
  at: number;
}

interface Mark {
  seq: number;
  at: number;
}

/** A page that may be stored once built: where its build started. */
export interface PageTicket {
  key: string;
  seq: number;
  at: number;
}

export interface PageStats {
  pages: number;
  bytes: number;
  readerMarks: number;
  postMarks: number;
}

export class FollowingPages {
  private readonly opts: FollowingPagesOptions;
  private clock = 0;
  /** Pages whose build started before this are void (a clear, or a mark dropped before its time). */
  private floor = 0;
  private readonly pages = new Map<string, Page>();
  private bytes = 0;
  private readonly readerMarks = new Map<string, Mark>();
  private readonly postMarks = new Map<string, Mark>();
  private serving = true;

  constructor(
    options: Partial<FollowingPagesOptions> = {},
    private readonly now: () => number = Date.now,
  ) {
    this.opts = { ...DEFAULT_FOLLOWING_PAGES_OPTIONS, ...options };
  }

  /** False when configured to keep no page (maxPages 0). */
  get enabled(): boolean {
    return this.opts.maxPages > 0;
  }

  static key(readerId: string, limit: number, cursor: string | undefined): string {
    return `${readerId}|${limit}|${cursor ?? ''}`;
  }

  /** The bytes of a page still valid, or undefined. */
  get(key: string, langs: string, translated: boolean): Buffer | undefined {
    if (!this.serving) return undefined;
    const page = this.pages.get(key);
    if (!page) return undefined;
    if (page.langs !== langs || page.translated !== translated || !this.valid(page)) {
      this.drop(key, page);
      return undefined;
    }
    return page.body;
  }

  /** Call before building a page; pass the ticket to put() once built. */
  ticket(key: string): PageTicket {
    return { key, seq: this.clock, at: this.now() };
  }

  put(ticket: PageTicket, readerId: string, langs: string, translated: boolean, postIds: string[], body: Buffer): void {
    if (!this.serving || body.length > this.opts.maxBytes) return;
    const page: Page = { body, readerId, langs, translated, postIds, seq: ticket.seq, at: ticket.at };
    if (!this.valid(page)) return; // something on it changed while it was built
    const old = this.pages.get(ticket.key);
    if (old) this.drop(ticket.key, old);
    this.pages.set(ticket.key, page);
    this.bytes += body.length;
    const now = this.now();
    for (const [k, p] of this.pages) {
      if (this.pages.size <= this.opts.maxPages && this.bytes <= this.opts.maxBytes && now - p.at < this.opts.maxAgeMs) break;
      this.drop(k, p);
    }
  }

  invalidateReaders(ids: Iterable<string>): void {
    this.mark(this.readerMarks, ids);
  }

  invalidatePosts(ids: Iterable<string>): void {
    this.mark(this.postMarks, ids);
  }

  /** Voids every page. */
  clear(): void {
    this.floor = ++this.clock;
    this.pages.clear();
    this.bytes = 0;
  }

  /** While false (other processes' changes may be missed), nothing is served or stored; turning it on starts empty. */
  setServing(on: boolean): void {
    this.clear();
    this.serving = on;
  }

  stats(): PageStats {
    return { pages: this.pages.size, bytes: this.bytes, readerMarks: this.readerMarks.size, postMarks: this.postMarks.size };
  }

  private valid(page: Page): boolean {
    if (page.seq < this.floor || this.now() - page.at >= this.opts.maxAgeMs) return false;
    const r = this.readerMarks.get(page.readerId);
    if (r !== undefined && r.seq > page.seq) return false;
    if (this.postMarks.size > 0) {
      for (const id of page.postIds) {
        const m = this.postMarks.get(id);
        if (m !== undefined && m.seq > page.seq) return false;
      }
    }
    return true;
  }

  private drop(key: string, page: Page): void {
    this.pages.delete(key);
    this.bytes -= page.body.length;
  }

  private mark(marks: Map<string, Mark>, ids: Iterable<string>): void {
    const now = this.now();
    const mark: Mark = { seq: ++this.clock, at: now }; // one (never changed) for every id of this change
    for (const id of ids) {
      marks.delete(id); // re-inserted at the end: the map stays in clock order
      marks.set(id, mark);
    }
    for (const [id, m] of marks) {
      if (now - m.at >= this.opts.maxAgeMs) {
        // Every page built before this mark is older than maxAgeMs by now: forgetting it voids nothing.
        marks.delete(id);
        continue;
      }
      if (marks.size <= this.opts.maxMarks) break;
      // Dropped while pages it voids may still be kept: void every page built before it.
      this.floor = Math.max(this.floor, m.seq);
      marks.delete(id);
    }
  }
}
