import type { FeedItemRecord } from '../services.ts';
import type { StoredPost } from '../store/store.ts';

/** The feed item view of a stored post (drops media and moderation state). */
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
