// The stale-cache policy: remember the last page served for (feed, reader, cursor); when building a fresh page takes
// longer than the store timeout (a slow or saturated store), answer with the remembered page, marked `stale-cache`.
// The fresh build keeps running and refreshes the remembered page when it completes.
import type { FeedResult } from '../services.ts';

export class StalePages {
  private readonly pages = new Map<string, FeedResult>();

  constructor(
    private readonly capacity: number,
    private readonly timeoutMs: number,
  ) {}

  async serve(key: string, build: () => Promise<FeedResult>): Promise<FeedResult> {
    const work = build().then((page) => {
      this.remember(key, page);
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

  private remember(key: string, page: FeedResult): void {
    if (page.degraded === 'stale-cache') return;
    this.pages.delete(key);
    this.pages.set(key, page);
    if (this.pages.size > this.capacity) {
      const oldest = this.pages.keys().next().value;
      if (oldest !== undefined) this.pages.delete(oldest);
    }
  }
}
