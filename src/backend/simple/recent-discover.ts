// Simplest discover: everyone's newest posts, no ranking (language-blind, which is what a surge exposes).
import { decodeCursor, encodeCursor } from '../cursor.ts';
import type { DiscoverService, FeedResult, Reader } from '../services.ts';
import type { Store } from '../store/store.ts';
import { toFeedItem } from './feed-item.ts';

export class RecentDiscover implements DiscoverService {
  private readonly store: Store;
  constructor(store: Store) {
    this.store = store;
  }

  async discover(_reader: Reader, limit: number, cursor: string | undefined): Promise<FeedResult> {
    const page = await this.store.recentPosts(limit, decodeCursor(cursor));
    return { items: page.items.map(toFeedItem), nextCursor: encodeCursor(page.next) };
  }

  async close(): Promise<void> {}
}
