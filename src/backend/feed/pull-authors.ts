// Authors whose posts followers get by read-time merge instead of fan-out: celebrities (follower count at or above
// the threshold; permanent) and authors whose post could not be queued because the fan-out queue was full
// (temporary, until their timeline entries would have been written anyway). Shared through the Cache as one capped
// list so every process merges the same authors; each process keeps a local copy refreshed every refreshMs.
import type { Cache } from '../cache/cache.ts';

const KEY = 'fanout:pull-authors';
const CAP = 10_000;

export class PullAuthors {
  /** authorId -> epoch ms until which it is pulled (Infinity for celebrities). */
  private readonly local = new Map<string, number>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly cache: Cache,
    refreshMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.timer = setInterval(() => void this.refresh().catch(() => undefined), refreshMs);
    this.timer.unref();
  }

  async add(authorId: string, untilMs = Infinity): Promise<void> {
    const current = this.local.get(authorId) ?? 0;
    if (current >= untilMs) return;
    this.local.set(authorId, untilMs);
    await this.cache.pushCapped(KEY, [`${authorId}|${Number.isFinite(untilMs) ? untilMs : 0}`], CAP);
  }

  /** The given authors that are pulled right now. */
  pulled(authorIds: Iterable<string>): string[] {
    const now = this.now();
    const out: string[] = [];
    for (const id of authorIds) if ((this.local.get(id) ?? 0) > now) out.push(id);
    return out;
  }

  size(): number {
    return this.local.size;
  }

  async refresh(): Promise<void> {
    const entries = await this.cache.range(KEY, 0, -1);
    const now = this.now();
    for (const e of entries) {
      const [id, until] = e.split('|');
      const u = until === '0' ? Infinity : Number(until);
      if (u > now && (this.local.get(id) ?? 0) < u) this.local.set(id, u);
    }
    for (const [id, u] of this.local) if (u <= now) this.local.delete(id);
  }

  close(): void {
    clearInterval(this.timer);
  }
}
