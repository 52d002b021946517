// Shaping stored posts into feed items, with a translation attached only when one is already cached.
import type { StoredPost } from '../store/store.ts';
import type { FeedItemRecord, Reader, Translator } from '../services.ts';

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

/** Feeds never wait for the provider: an item in a language the reader does not read gets a cached translation or none. */
export function attachCachedTranslations(items: FeedItemRecord[], reader: Reader, translator?: Translator): void {
  if (!translator?.enabled()) return;
  const target = reader.languages[0];
  if (!target) return;
  for (const item of items) {
    if (item.lang === 'und' || reader.languages.includes(item.lang)) continue;
    const cached = translator.cached(item.id, target);
    if (cached) item.translation = cached;
  }
}
