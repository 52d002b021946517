// Post reads through the Cache (Redis, or in process): what a timeline or discover page hydrates is a few cached
// posts in one MGET instead of a database query per page. The Store stays the truth; the cache holds, per post, its
// immutable fields (`p:<id>`, JSON) and its like and comment counts (`pl:<id>`, `pc:<id>`), for `ttlSec`.
// - A miss is read from the Store and written back only if absent (NX), so it never overwrites newer state.
// - A like or comment sets the count the Store returned in the same statement, only ever raising it (setMaxMany), so
//   concurrent writers answering out of order never lower it.
// - A removal writes a tombstone over the post: readers then go to the Store for it (and see it removed), in every
//   process sharing the cache. Nothing is filled from a read over a tombstone.
// Every other Store method passes straight through.
import type { Cache } from '../cache/cache.ts';
import type { CommentRecord, CreatedPost, LikeResult, NewPost, Store, StoredPost } from './store.ts';

const TOMBSTONE = '-';
/** Parsed posts kept per process (see parse in withPostCache). */
const PARSED_CAPACITY = 20_000;
const postKey = (id: string) => `p:${id}`;
const likesKey = (id: string) => `pl:${id}`;
const commentsKey = (id: string) => `pc:${id}`;

type CachedFields = Omit<StoredPost, 'likeCount' | 'commentCount'>;

/** The key prefixes of one cached post, in the order `resolve` reads their values. */
const PREFIXES = ['p:', 'pl:', 'pc:'];

/**
 * For readers that fetch the cached values themselves in a round trip they make anyway (a timeline page: the list
 * and its posts in one exchange, Cache.rangeWithLookups): the key prefixes per post id, and how to turn the values
 * into posts (misses read from the store).
 */
export interface PostLookup {
  prefixes: string[];
  resolve(ids: string[], values: (string | null)[]): Promise<StoredPost[]>;
}

const LOOKUPS = new WeakMap<object, PostLookup>();

/** The PostLookup of a store made by withPostCache, else undefined. */
export function postLookupOf(store: object): PostLookup | undefined {
  return LOOKUPS.get(store);
}

export function withPostCache(store: Store, cache: Cache, ttlSec = 600): Store {
  function fill(posts: StoredPost[]): void {
    const live = posts.filter((p) => !p.removed);
    if (live.length === 0) return;
    const entries: Array<[string, string]> = [];
    for (const p of live) {
      const { likeCount, commentCount, ...fields } = p;
      entries.push([postKey(p.id), JSON.stringify(fields)], [likesKey(p.id), String(likeCount)], [commentsKey(p.id), String(commentCount)]);
    }
    // All NX, in one pipeline: whatever is there is as new or newer (a tombstone, or a count a like or comment raised).
    // Not awaited: the answer does not wait for the cache; a failed fill is only a later miss.
    void cache.setMany(entries, ttlSec, true).catch(() => undefined);
  }

  // The same posts are read over and over (every follower's page holds them): keep the parsed fields of recent ones,
  // reused while the cached text is unchanged, so a page costs string compares instead of JSON.parse and garbage.
  const parsed = new Map<string, { raw: string; fields: CachedFields }>();
  function parse(id: string, raw: string): CachedFields {
    const hit = parsed.get(id);
    if (hit && hit.raw === raw) return hit.fields;
    const fields = JSON.parse(raw) as CachedFields;
    if (parsed.size >= PARSED_CAPACITY) parsed.delete(parsed.keys().next().value!);
    parsed.set(id, { raw, fields });
    return fields;
  }

  /** Posts for ids from the cached values of their three keys (PREFIXES order, per id); misses from the store. */
  async function resolve(ids: string[], values: (string | null)[]): Promise<StoredPost[]> {
    const found = new Map<string, StoredPost>();
    const missing: string[] = [];
    const gone = new Set<string>();
    for (let i = 0; i < ids.length; i++) {
      const raw = values[3 * i];
      const likes = values[3 * i + 1];
      const comments = values[3 * i + 2];
      if (raw === TOMBSTONE) gone.add(ids[i]);
      if (raw == null || raw === TOMBSTONE || likes == null || comments == null) {
        missing.push(ids[i]);
        continue;
      }
      const fields = parse(ids[i], raw);
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
    return resolve(ids, values);
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
  const proxy = new Proxy(store, {
    get(target, prop, receiver) {
      if (typeof prop === 'string' && prop in cached) return cached[prop as keyof Store];
      const v = Reflect.get(target, prop, receiver);
      if (typeof v !== 'function') return v;
      let b = bound.get(prop);
      if (!b) bound.set(prop, (b = v.bind(target)));
      return b;
    },
  });
  LOOKUPS.set(proxy, { prefixes: PREFIXES, resolve: (ids, values) => resolve(ids.map((id) => id.toLowerCase()), values) });
  return proxy;
}
