// The stale-cache policy: remember the last page served for (feed, reader, cursor); when building a fresh page takes
// longer than the store timeout (a slow or saturated store), answer with the remembered page, marked `stale-cache`.
// The fresh build keeps running and refreshes the remembered page when it completes.
//
// Memory budget: at most `capacity` pages (a page of 20 posts is 10-15 KB of heap), and none older than `maxAgeMs`
// (a stale answer must still be recent; like HTTP's stale-if-error, staleness has a bound), dropped on every write
// (RecentMap): a process serving a steady crowd holds the pages of the last `maxAgeMs` and no more (a 30-minute
// soak grew it without bound when only a capacity of 10,000 pages limited it).
import type { FeedResult } from '../services.ts';
import { RecentMap } from '../cache/recent-map.ts';

export const STALE_PAGES_CAPACITY = 2_000;
export const STALE_PAGES_MAX_AGE_MS = 120_000;

export class StalePages {
  private readonly pages: RecentMap<string, FeedResult>;

  constructor(
    capacity: number,
    private readonly timeoutMs: number,
    maxAgeMs = STALE_PAGES_MAX_AGE_MS,
    now: () => number = Date.now,
  ) {
    this.pages = new RecentMap(capacity, maxAgeMs, now);
  }

  get size(): number {
    return this.pages.size;
  }

  async serve(key: string, build: () => Promise<FeedResult>): Promise<FeedResult> {
    const work = build().then((page) => {
      if (page.degraded !== 'stale-cache') this.pages.set(key, page);
      return page;
    });
    const stale = this.pages.get(key);
    if (this.timeoutMs <= 0 || !stale) return work;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.timeoutMs);
    });
    try {
      const first = await Promise.race([work, timedOut]);
      if (first !== 'timeout') return first;
      work.catch(() => undefined); // finishes in the background; its failure is not this request's
      return { ...stale, degraded: 'stale-cache' };
    } finally {
      clearTimeout(timer);
    }
  }
}
