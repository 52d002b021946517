// Post reads through the Cache (Redis, or in process): what a timeline or discover page hydrates is a few cached
// posts in one MGET instead of a database query per page. The Store stays the truth; the cache holds, per post, its
// immutable fields (`p:<id>`, JSON) and its like and comment counts (`pl:<id>`, `pc:<id>`), for `ttlSec`.
// - A miss is read from the Store and written back only if absent (NX), so it never overwrites newer state.
// - Counts are set from the value the Store returned in the same statement as the like or comment, and only ever
//   raised (setMaxMany), so concurrent writers answering out of order never lower them.
// - A removal writes a tombstone over the post: readers then go to the Store for it (and see it removed), in every
//   process sharing the cache. Nothing is filled from a read over a tombstone.
// Every other Store method passes straight through.
import type { Cache } from '../cache/cache.ts';
import type { CommentRecord, CreatedPost, LikeResult, NewPost, Store, StoredPost } from './store.ts';

const TOMBSTONE = '-';
const postKey = (id: string) => `p:${id}`;
const likesKey = (id: string) => `pl:${id}`;
const commentsKey = (id: string) => `pc:${id}`;

type CachedFields = Omit<StoredPost, 'likeCount' | 'commentCount'>;

export function withPostCache(store: Store, cache: Cache, ttlSec = 600): Store {
  function fill(posts: StoredPost[]): void {
    const live = posts.filter((p) => !p.removed);
    if (live.length === 0) return;
    const entries: Array<[string, string]> = live.map((p) => {
      const { likeCount: _l, commentCount: _c, ...fields } = p;
      return [postKey(p.id), JSON.stringify(fields)];
    });
    // Not awaited: the answer does not wait for the cache; a failed fill is only a later miss.
    void cache.setMany(entries, ttlSec, true).catch(() => undefined);
    void cache
      .setMaxMany(live.flatMap((p): Array<[string, number]> => [[likesKey(p.id), p.likeCount], [commentsKey(p.id), p.commentCount]]), ttlSec)
      .catch(() => undefined);
  }

  async function getPosts(given: string[]): Promise<StoredPost[]> {
    if (given.length === 0) return [];
    // Keys by the canonical (lower-case) id, so a tombstone covers every spelling of the id a client may send.
    const ids = given.map((id) => id.toLowerCase());
    let values: (string | null)[];
    try {
      values = await cache.getMany(ids.flatMap((id) => [postKey(id), likesKey(id), commentsKey(id)]));
    } catch {
      return store.getPosts(ids); // cache unreachable: the store answers alone
    }
    const found = new Map<string, StoredPost>();
    const missing: string[] = [];
    const gone = new Set<string>();
    for (let i = 0; i < ids.length; i++) {
      const raw = values[3 * i];
      const likes = values[3 * i + 1];
      const comments = values[3 * i + 2];
      if (raw === TOMBSTONE) gone.add(ids[i]);
      if (raw === null || raw === TOMBSTONE || likes === null || comments === null) {
        missing.push(ids[i]);
        continue;
      }
      const fields = JSON.parse(raw) as CachedFields;
      found.set(ids[i], { ...fields, likeCount: Number(likes), commentCount: Number(comments) });
    }
    if (missing.length) {
      const read = await store.getPosts(missing);
      for (const p of read) found.set(p.id, p);
      fill(read.filter((p) => !gone.has(p.id)));
    }
    const out: StoredPost[] = [];
    for (const id of ids) {
      const p = found.get(id);
      if (p) out.push(p);
    }
    return out;
  }

  const cached: Partial<Store> = {
    getPosts,
    async getPost(id: string): Promise<StoredPost | undefined> {
      return (await getPosts([id]))[0];
    },
    async createPost(post: NewPost): Promise<CreatedPost> {
      const created = await store.createPost(post);
      if (created.created) fill([created.post]);
      return created;
    },
    async removePost(id: string, reason: string): Promise<boolean> {
      const removed = await store.removePost(id, reason);
      // Written whether or not this call removed it: the tombstone must win over any fill in flight.
      await cache.setMany([[postKey(id.toLowerCase()), TOMBSTONE]], ttlSec).catch(() => undefined);
      return removed;
    },
    async like(postId: string, userId: string): Promise<LikeResult> {
      const r = await store.like(postId, userId);
      void cache.setMaxMany([[likesKey(postId.toLowerCase()), r.likeCount]], ttlSec).catch(() => undefined);
      return r;
    },
    async addComment(postId: string, authorId: string, text: string): Promise<CommentRecord> {
      const c = await store.addComment(postId, authorId, text);
      if (c.postCommentCount !== undefined) void cache.setMaxMany([[commentsKey(c.postId), c.postCommentCount]], ttlSec).catch(() => undefined);
      return c;
    },
  };
  // Everything else is the store's own method, bound to it once (so methods added to Store later pass through too).
  const bound = new Map<PropertyKey, unknown>();
  return new Proxy(store, {
    get(target, prop, receiver) {
      if (typeof prop === 'string' && prop in cached) return cached[prop as keyof Store];
      const v = Reflect.get(target, prop, receiver);
      if (typeof v !== 'function') return v;
      let b = bound.get(prop);
      if (!b) bound.set(prop, (b = v.bind(target)));
      return b;
    },
  });
}
