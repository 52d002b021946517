// A small real HTTP server speaking the reference API subset the feed-quality observers use (signup, login,
// follow, following list, post, get post, comments, following and discover feeds), with faults injected at known
// rates so tests can check that the measured SLIs recover them:
// - a known share of posts never appears in following feeds (exact-share pattern over eligible posts);
// - following-feed visibility is delayed by a known time;
// - discover pages carry a known share of items in a language other than the reader's primary language;
// - posts containing the moderation marker are removed (410, gone from feeds) a known time after creation;
// - a known set of writes is acknowledged but never stored (lost);
// - every Nth discover response is degraded ('ranker-fallback': recency only, all foreign);
// - every Nth following page of two or more items repeats its newest item at the end (a duplicate and an order inversion);
// - following pages can be answered a fixed time after they were built (a read slower than recall's grace period).
// 127.0.0.1 only; close() ends it.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FaultConfig {
  visibilityDelayMs: number;
  /** Share of (not lost, not marked) posts never shown in following feeds. */
  followingDropShare: number;
  /** Share of each discover page in languages other than the reader's primary language. */
  discoverForeignShare: number;
  /** Every Nth discover response is degraded and entirely foreign (0: never). */
  degradeDiscoverEvery: number;
  moderationMarker: string;
  moderationDelayMs: number;
  /** Primary languages whose posts get a translation on ?translate=; others get none. */
  translateLangs: string[];
  translationDelayMs: number;
  /** Every Nth following page of 2+ items repeats its first (newest) item at the end (0 or absent: never). */
  duplicateFollowingEvery?: number;
  /** A following page is built when the request arrives and answered this much later (a slow read; 0 or absent: at once). */
  followingReadDelayMs?: number;
  losePost: (text: string) => boolean;
  loseFollow: (followerHandle: string, n: number) => boolean;
  loseComment: (n: number) => boolean;
}

interface User {
  id: string;
  handle: string;
  password: string;
  languages: string[];
  following: string[];
}
interface Post {
  id: string;
  authorId: string;
  text: string;
  lang: string;
  createdAt: number;
  marked: boolean;
  dropped: boolean;
}
interface Comment {
  id: string;
  authorId: string;
  text: string;
  createdAt: number;
}

export interface FaultyTarget {
  url: string;
  /** Ids of acknowledged writes that were not stored (posts, `follower->followee`, comments). */
  lost: { posts: string[]; follows: string[]; comments: string[] };
  /** Ids of posts never shown in following feeds. */
  droppedPostIds: string[];
  discoverResponses: { total: number; degraded: number };
  /** Following pages served with an injected duplicate. */
  followingDuplicates: { pages: number };
  close(): Promise<void>;
}

const primary = (lang: string) => lang.split(/[-_]/)[0].toLowerCase();

export async function startFaultyTarget(config: FaultConfig): Promise<FaultyTarget> {
  const users = new Map<string, User>();
  const byHandle = new Map<string, User>();
  const tokens = new Map<string, User>();
  const posts: Post[] = [];
  const postById = new Map<string, Post>();
  const comments = new Map<string, Comment[]>();
  const lost = { posts: [] as string[], follows: [] as string[], comments: [] as string[] };
  const droppedPostIds: string[] = [];
  const discoverResponses = { total: 0, degraded: 0 };
  const followingDuplicates = { pages: 0 };
  let followingPages = 0;
  let droppable = 0;
  let follows = 0;
  let commentCount = 0;
  let seq = 0;

  const removed = (p: Post, now: number) => p.marked && now >= p.createdAt + config.moderationDelayMs;
  const view = (p: Post) => ({ id: p.id, authorId: p.authorId, text: p.text, lang: primary(p.lang), tags: [], createdAt: new Date(p.createdAt).toISOString(), likeCount: 0, commentCount: comments.get(p.id)?.length ?? 0 });

  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const send = (status: number, payload?: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(payload === undefined ? '' : JSON.stringify(payload));
      };
      const fail = (status: number, code: string) => send(status, { error: { code, message: code } });
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const path = url.pathname;
      const json = body ? (JSON.parse(body) as Record<string, unknown>) : {};
      const now = Date.now();
      const limit = Math.min(100, Math.max(1, Number(url.searchParams.get('limit') ?? 20)));
      const offset = Number(url.searchParams.get('cursor') ?? 0);
      const paged = <T>(items: T[]) => ({ items: items.slice(offset, offset + limit), nextCursor: offset + limit < items.length ? String(offset + limit) : null });

      if (req.method === 'POST' && path === '/v1/users') {
        const id = `u${users.size + 1}`;
        const user: User = { id, handle: String(json.handle), password: String(json.password), languages: json.languages as string[], following: [] };
        if (byHandle.has(user.handle)) return fail(409, 'handle_taken');
        users.set(id, user);
        byHandle.set(user.handle, user);
        const token = `t-${id}`;
        tokens.set(token, user);
        return send(201, { id, handle: user.handle, token });
      }
      if (req.method === 'POST' && path === '/v1/sessions') {
        const user = byHandle.get(String(json.handle));
        if (!user || user.password !== json.password) return fail(401, 'bad_credentials');
        return send(200, { userId: user.id, token: `t-${user.id}` });
      }
      const me = tokens.get((req.headers.authorization ?? '').replace(/^Bearer /, ''));
      if (!me) return fail(401, 'unauthorized');

      let m: RegExpMatchArray | null;
      if ((m = path.match(/^\/v1\/users\/([^/]+)\/following$/)) && req.method === 'GET') {
        const user = users.get(m[1]);
        if (!user) return fail(404, 'not_found');
        return send(200, paged(user.following));
      }
      if (req.method === 'POST' && path === '/v1/follows') {
        const followee = String(json.userId);
        if (!users.has(followee)) return fail(404, 'not_found');
        if (config.loseFollow(me.handle, ++follows)) lost.follows.push(`${me.id}->${followee}`);
        else if (!me.following.includes(followee)) me.following.push(followee);
        return send(201, {});
      }
      if (req.method === 'POST' && path === '/v1/posts') {
        const text = String(json.text);
        const post: Post = { id: `p${++seq}`, authorId: me.id, text, lang: String(json.lang ?? 'und'), createdAt: now, marked: text.includes(config.moderationMarker), dropped: false };
        if (config.losePost(text)) lost.posts.push(post.id);
        else {
          if (!post.marked) {
            // Exact share: post n (0-based) is dropped when floor((n+1)s) > floor(ns).
            const n = droppable++;
            post.dropped = Math.floor((n + 1) * config.followingDropShare) > Math.floor(n * config.followingDropShare);
            if (post.dropped) droppedPostIds.push(post.id);
          }
          posts.push(post);
          postById.set(post.id, post);
        }
        return send(201, { id: post.id, createdAt: new Date(post.createdAt).toISOString(), lang: primary(post.lang) });
      }
      if ((m = path.match(/^\/v1\/posts\/([^/]+)$/)) && req.method === 'GET') {
        const post = postById.get(m[1]);
        if (!post) return fail(404, 'not_found');
        if (removed(post, now)) return fail(410, 'removed');
        const to = url.searchParams.get('translate');
        if (!to) return send(200, view(post));
        const translated = config.translateLangs.includes(primary(post.lang)) && primary(post.lang) !== primary(to);
        setTimeout(() => send(200, translated ? { ...view(post), translation: { lang: to, text: `[${to}] ${post.text}`, provider: 'faulty' } } : view(post)), config.translationDelayMs);
        return;
      }
      if ((m = path.match(/^\/v1\/posts\/([^/]+)\/comments$/))) {
        const post = postById.get(m[1]);
        if (!post) return fail(404, 'not_found');
        if (removed(post, now)) return fail(410, 'removed');
        const list = comments.get(post.id) ?? [];
        comments.set(post.id, list);
        if (req.method === 'GET') return send(200, paged(list.map((c) => ({ ...c, postId: post.id, createdAt: new Date(c.createdAt).toISOString() }))));
        const comment: Comment = { id: `c${++commentCount}`, authorId: me.id, text: String(json.text), createdAt: now };
        if (config.loseComment(commentCount)) lost.comments.push(comment.id);
        else list.push(comment);
        return send(201, { id: comment.id, createdAt: new Date(now).toISOString() });
      }
      if (req.method === 'GET' && path === '/v1/feed/following') {
        const items = posts
          .filter((p) => me.following.includes(p.authorId) && !p.dropped && !removed(p, now) && now >= p.createdAt + config.visibilityDelayMs)
          .sort((a, b) => b.createdAt - a.createdAt || b.id.localeCompare(a.id, 'en', { numeric: true }))
          .map(view);
        const page = paged(items);
        if (page.items.length >= 2 && config.duplicateFollowingEvery && ++followingPages % config.duplicateFollowingEvery === 0) {
          page.items.push(page.items[0]);
          followingDuplicates.pages++;
        }
        if (config.followingReadDelayMs) {
          setTimeout(() => send(200, page), config.followingReadDelayMs);
          return;
        }
        return send(200, page);
      }
      if (req.method === 'GET' && path === '/v1/feed/discover') {
        discoverResponses.total++;
        const degraded = config.degradeDiscoverEvery > 0 && discoverResponses.total % config.degradeDiscoverEvery === 0;
        if (degraded) discoverResponses.degraded++;
        const readerLang = primary(me.languages[0] ?? 'en');
        const newest = posts.filter((p) => !removed(p, now)).sort((a, b) => b.createdAt - a.createdAt);
        const foreignCount = degraded ? limit : Math.round(limit * config.discoverForeignShare);
        const foreign = newest.filter((p) => primary(p.lang) !== readerLang).slice(0, foreignCount);
        const own = newest.filter((p) => primary(p.lang) === readerLang).slice(0, limit - foreignCount);
        const items = [...foreign, ...own].sort((a, b) => b.createdAt - a.createdAt).map(view);
        const page: Record<string, unknown> = { items, nextCursor: null };
        if (degraded) page.degraded = 'ranker-fallback';
        return send(200, page);
      }
      fail(404, 'no_route');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    lost,
    droppedPostIds,
    discoverResponses,
    followingDuplicates,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
