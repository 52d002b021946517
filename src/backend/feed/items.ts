// Shaping stored posts into feed items (the API adds cached translations, see api/feeds.ts).
import type { StoredPost } from '../store/store.ts';
import type { FeedItemRecord } from '../services.ts';

export function toFeedItem(p: StoredPost): FeedItemRecord {
  return {
    id: p.id,
    authorId: p.authorId,
    text: p.text,
    lang: p.lang,
    tags: p.tags,
    createdAt: p.createdAt,
    seq: p.seq,
    likeCount: p.likeCount,
    commentCount: p.commentCount,
  };
}
