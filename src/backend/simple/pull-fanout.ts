// Simplest following feed: no fan-out at all. A read pulls the newest posts of everyone the reader follows
// (one keyset query); writes cost nothing extra. Correct and fresh, but reads get slower with follow count.
import { decodeCursor, encodeCursor } from '../cursor.ts';
import type { FanoutService, FeedResult, PostRecord, Reader } from '../services.ts';
import type { Store } from '../store/store.ts';
import { toFeedItem } from './feed-item.ts';

/** Followees considered per read; a reader following more sees posts of the most recently followed. */
const MAX_FOLLOWEES = 5000;

export class PullFanout implements FanoutService {
  private readonly store: Store;
  constructor(store: Store) {
    this.store = store;
  }

  async onPostCreated(_post: PostRecord): Promise<void> {}
  async onFollow(_followerId: string, _followeeId: string): Promise<void> {}
  async onUnfollow(_followerId: string, _followeeId: string): Promise<void> {}

  async following(reader: Reader, limit: number, cursor: string | undefined): Promise<FeedResult> {
    const beforeSeq = decodeCursor(cursor);
    const followees = await this.store.listFollowing(reader.id, MAX_FOLLOWEES);
    const page = await this.store.postsByAuthors(followees.items, limit, beforeSeq);
    return { items: page.items.map(toFeedItem), nextCursor: encodeCursor(page.next) };
  }

  async close(): Promise<void> {}
}
