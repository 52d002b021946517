// Post reads through the Cache (Redis, or in process): what a timeline or discover page hydrates is a few cached
// posts instead of a database query per page. The Store stays the truth; the cache holds, per post, its immutable
// fields (`p:<id>`, JSON) and its like and comment counts (`pl:<id>`, `pc:<id>`), for `ttlSec`.
// - A read asks the cache for the counts only (one MGET of two keys per post): the fields of posts this process has
//   parsed before come from its own bounded copy (they never change); only posts it has no copy of are fetched whole.
// - A miss is read from the Store and written back only if absent (NX), so it never overwrites newer state.
// - A like or comment sets the count the Store returned in the same statement, only ever raising it (setMaxMany), so
//   concurrent writers answering out of order never lower it.
// - A removal writes a tombstone over all three keys (and drops this process's copy): readers then go to the Store for
//   it (and see it removed), in every process sharing the cache. Nothing is filled from a read over a tombstone, and
//   a count write never replaces one (Redis's setMaxMany keeps it).
// - A like, a comment or a removal is reported to `onPostsChanged` (rendered following pages hold counts) with the
//   cache write still in flight (`landed`): pages are voided once it has landed, and with Redis the message rides in
//   the same pipeline, behind the write; the write is acknowledged only after both.
// Every other Store method passes straight through.
import type { Cache } from '../cache/cache.ts';
import { withOverrides } from './store-overrides.ts';
import type { CommentRecord, CreatedPost, LikeResult, NewPost, Store, StoredPost } from './store.ts';

const TOMBSTONE = '-';
/**
 * Parsed posts kept per process (see parse in withPostCache): at most this many, at most PARSED_BYTES of text, and
 * none longer than the post cache's ttl (so a long run settles once the ttl has passed, instead of growing until
 * 20,000 posts have been read).
 */
const PARSED_CAPACITY = 20_000;
const PARSED_BYTES = 32 * 2 ** 20;
/** In resolve's values: the post's fields are the given parsed copy (not read from the cache). */
const KNOWN = '+';

const postKey = (id: string) => `p:${id}`;
const likesKey = (id: string) => `pl:${id}`;
const commentsKey = (id: string) => `pc:${id}`;

type CachedFields = Omit<StoredPost, 'likeCount' | 'commentCount'>;

/** A post from its cached fields and counts, built with one fixed shape (a spread of parsed JSON is far slower). */
function withCounts(f: CachedFields, likeCount: number, commentCount: number): StoredPost {
  return {
    id: f.id,
    seq: f.seq,
    authorId: f.authorId,
    text: f.text,
    lang: f.lang,
    tags: f.tags,
    media: f.media,
    createdAt: f.createdAt,
    likeCount,
    commentCount,
    removed: f.removed,
    removedReason: f.removedReason,
  };
}

/**
 * The same posts are read over and over (every follower's page holds them): the parsed fields of recent ones, per
 * process. A post's cached fields never change (a removal tombstones its counts too, which are read on every use),
 * so a copy is reused by id. Bounded by count and by text size (oldest first out), so the heap stays flat.
 */
export class ParsedPosts {
  /** In insertion order, which is age order (an entry is never rewritten, only forgotten). */
  private readonly byId = new Map<string, { fields: CachedFields; bytes: number; at: number }>();
  private bytes = 0;

  constructor(private readonly maxAgeMs: number) {}

  get size(): number {
    return this.byId.size;
  }

  get(id: string): CachedFields | undefined {
    return this.byId.get(id)?.fields;
  }

  parse(id: string, raw: string): CachedFields {
    return this.get(id) ?? this.remember(id, JSON.parse(raw) as CachedFields, 2 * raw.length + 64);
  }

  forget(id: string): void {
    const old = this.byId.get(id);
    if (!old) return;
    this.bytes -= old.bytes;
    this.byId.delete(id);
  }

  private remember(id: string, fields: CachedFields, bytes: number): CachedFields {
    const now = Date.now();
    for (const [oldestId, oldest] of this.byId) {
      if (this.byId.size < PARSED_CAPACITY && this.bytes + bytes <= PARSED_BYTES && now - oldest.at < this.maxAgeMs) break;
      this.byId.delete(oldestId);
      this.bytes -= oldest.bytes;
    }
    this.byId.set(id, { fields, bytes, at: now });
    this.bytes += bytes;
    return fields;
  }
}

export function withPostCache(
  store: Store,
  cache: Cache,
  ttlSec = 600,
  onPostsChanged: (ids: string[], landed?: Promise<unknown>) => Promise<void> = async (_ids, landed) => void (await landed),
): Store {
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

  const parsed = new ParsedPosts(ttlSec * 1000);
  const parse = (id: string, raw: string) => parsed.parse(id, raw);
  const forget = (id: string) => parsed.forget(id);

  /**
   * Posts for ids from the cached values of their three keys (fields, likes, comments per id); misses from the store.
   * known[i], when given, is post i's parsed fields (its first value is then KNOWN).
   */
  async function resolve(ids: string[], values: (string | null)[], known?: (CachedFields | undefined)[]): Promise<StoredPost[]> {
    const found = new Map<string, StoredPost>();
    const missing: string[] = [];
    const gone = new Set<string>();
    for (let i = 0; i < ids.length; i++) {
      const raw = values[3 * i];
      const likes = values[3 * i + 1];
      const comments = values[3 * i + 2];
      if (raw === TOMBSTONE) gone.add(ids[i]);
      if (raw == null || raw === TOMBSTONE || likes == null || comments == null || likes === TOMBSTONE || comments === TOMBSTONE) {
        missing.push(ids[i]);
        continue;
      }
      const fields = known?.[i] ?? parse(ids[i], raw);
      found.set(ids[i], withCounts(fields, Number(likes), Number(comments)));
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
    const keys: string[] = [];
    for (const id of ids) keys.push(likesKey(id), commentsKey(id));
    const values: (string | null)[] = new Array(3 * ids.length);
    const known: (CachedFields | undefined)[] = new Array(ids.length);
    try {
      const counts = await cache.getMany(keys);
      const fetch: number[] = [];
      for (let i = 0; i < ids.length; i++) {
        const likes = (values[3 * i + 1] = counts[2 * i]);
        const comments = (values[3 * i + 2] = counts[2 * i + 1]);
        if (likes == null || comments == null || likes === TOMBSTONE || comments === TOMBSTONE) continue; // from the store
        known[i] = parsed.get(ids[i]);
        if (known[i]) values[3 * i] = KNOWN;
        else fetch.push(i);
      }
      if (fetch.length) {
        const raws = await cache.getMany(fetch.map((i) => postKey(ids[i])));
        for (let k = 0; k < fetch.length; k++) values[3 * fetch[k]] = raws[k];
      }
    } catch {
      return store.getPosts(ids); // cache unreachable: the store answers alone
    }
    return resolve(ids, values, known);
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
      const key = id.toLowerCase();
      forget(key);
      const tombstoned = cache
        .setMany(
          [
            [postKey(key), TOMBSTONE],
            [likesKey(key), TOMBSTONE],
            [commentsKey(key), TOMBSTONE],
          ],
          ttlSec,
        )
        .catch(() => undefined);
      await onPostsChanged([key], tombstoned);
      return removed;
    },
    async like(postId: string, userId: string): Promise<LikeResult> {
      const r = await store.like(postId, userId);
      const key = postId.toLowerCase();
      const written = cache.setMaxMany([[likesKey(key), r.likeCount]], ttlSec).catch(() => undefined);
      if (r.created) {
        // A new like changes the count rendered pages show: they are voided once the cache holds the new count.
        await onPostsChanged([key], written);
      }
      return r;
    },
    async addComment(postId: string, authorId: string, text: string): Promise<CommentRecord> {
      const c = await store.addComment(postId, authorId, text);
      if (c.postCommentCount !== undefined) {
        const written = cache.setMaxMany([[commentsKey(c.postId), c.postCommentCount]], ttlSec).catch(() => undefined);
        await onPostsChanged([c.postId], written);
      }
      return c;
    },
  };
  // Everything else is the store's own method.
  return withOverrides(store, cached);
}
