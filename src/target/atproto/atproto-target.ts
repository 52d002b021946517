// The built-in `atproto` target (`--adapter atproto --target <PDS URL>`): flashcrowd's operations as XRPC calls to
// an AT Protocol PDS, which serves app.bsky.* reads by proxying them to its AppView. Identities: author id = DID,
// post id = AT-URI, comment = a reply post, following feed = app.bsky.feed.getTimeline. See docs/targets/atproto.md.
//
// What the AT Protocol does not have, or does differently, and what this adapter does about it:
// - handles: `<3-18 of [a-z0-9-]>.test`: declared as the identity policy; handles not shaped by it are mapped
//   deterministically (handles.ts). A handle or email already taken is the typed outcome 'exists'.
// - login: createSession is slow by design (password hashing, ~350 ms): a person logs in once and the token is
//   reused, as real clients do; later logins of the same person answer from this cache without a request.
// - follow and like are not idempotent on the server (a second follow record is a second record): the adapter
//   remembers what it created and answers with the typed outcome 'already' (no request sent).
// - likes, replies and reports need the subject's CID: it is remembered from acks and reads (bounded), and looked
//   up with getPosts when missing (or, for a post the AppView has not indexed yet, com.atproto.repo.getRecord).
// - get post: the AppView's view (getPosts), else the PDS repository, the store of record: a post acknowledged a
//   moment ago is present before it is indexed; the lost-write audit checks posts against both.
// - discover: without a feed generator the best the stack offers is searchPosts q=' ' (recent posts, newest first),
//   a language-blind discover. Translation: the stack has none; a translate call returns the post untranslated.
// - media are not uploaded (no blobs): posts carry text, langs and tags.
import type { Account, CallContext, Capabilities, IdentityPolicy, NewAccount, OpResult, Target, TargetFactory, TargetOptions } from '../target.ts';
import type { CommentAck, CommentView, FeedItem, FeedKind, FeedPage, NewPost, Page, PostAck, PostLookup, PostView, UserProfile } from '../target.ts';
import { protocolError } from '../errors.ts';
import { XrpcClient, type XrpcResult } from './xrpc.ts';
import { atprotoEmail, atprotoHandle } from './handles.ts';
import { BoundedMap } from './bounded-map.ts';

type Json = Record<string, unknown>;
interface StrongRef {
  uri: string;
  cid: string;
}
/** What a reply to a post needs: the post's own strong ref and its thread root. */
interface PostRef extends StrongRef {
  root: StrongRef;
}

const POST = 'app.bsky.feed.post';
const LIKE = 'app.bsky.feed.like';
const FOLLOW = 'app.bsky.graph.follow';
/** app.bsky.feed.post: text is at most 300 graphemes (and 3000 bytes); at most 3 langs, 8 tags of 64 graphemes. */
const MAX_POST_GRAPHEMES = 300;
const MAX_TAGS = 8;
/** Remembered CIDs, follows, likes: enough for a sampled surge; older entries are looked up again when needed. */
const CACHE_ENTRIES = 200_000;

/** What this target serves beyond the core (contract v2); docs/targets/atproto.md has the table. */
export const ATPROTO_CAPABILITIES: Capabilities = {
  supports: ['discover', 'report', 'list_following', 'list_comments', 'unfollow', 'get_user'],
  reasons: {
    translate: 'the AT Protocol stack has no translation service (Bluesky clients hand the text to an outside translator)',
    delete: 'not implemented by this adapter (com.atproto.repo.deleteRecord would do it; no action uses it yet)',
  },
  notes: {
    discover: "app.bsky.feed.searchPosts q=' ': recent posts newest first, language-blind (no feed generator in the stack)",
    report: 'com.atproto.moderation.createReport, forwarded by the PDS to Ozone',
    list_following: 'app.bsky.graph.getFollows: the AppView\'s indexed view of the follow records',
    list_comments: 'app.bsky.feed.getPostThread depth 1: the direct replies, one page without cursor',
    unfollow: 'com.atproto.repo.deleteRecord of the follow record',
  },
};

/**
 * Identity policy (contract v2): a PDS takes `<label>.test` with a label of 3-18 of [a-z0-9-] and one account per
 * email. Handles that do not follow it are still mapped deterministically by the adapter (handles.ts).
 */
export const ATPROTO_IDENTITY: IdentityPolicy = {
  handle: { charset: 'a-z0-9', minLength: 3, maxLength: 18, suffix: '.test' },
  email: { domain: 'example.com' },
  password: { minLength: 8 },
};

/** Bluesky's report reasons (com.atproto.moderation.defs); anything else is reasonOther with the text kept. */
const REASONS: Record<string, string> = {
  spam: 'reasonSpam',
  sexual: 'reasonSexual',
  nsfw: 'reasonSexual',
  rude: 'reasonRude',
  harassment: 'reasonRude',
  abuse: 'reasonRude',
  misleading: 'reasonMisleading',
  misinformation: 'reasonMisleading',
  violation: 'reasonViolation',
  illegal: 'reasonViolation',
};

export class AtprotoTarget implements Target {
  readonly name = 'atproto';
  readonly capabilities = ATPROTO_CAPABILITIES;
  readonly identity = ATPROTO_IDENTITY;
  private readonly xrpc: XrpcClient;
  private readonly handleDomain: string;
  /** Sessions by mapped handle: one createSession per person. */
  private readonly sessions = new Map<string, Promise<OpResult<Account>>>();
  /** DID of an access token (its `sub`), decoded once. */
  private readonly didOfToken = new Map<string, string>();
  private readonly posts = new BoundedMap<string, PostRef>(CACHE_ENTRIES);
  /** `actorDid subjectDid` -> follow record URI. */
  private readonly follows = new BoundedMap<string, string>(CACHE_ENTRIES);
  /** `actorDid postUri` -> like record URI. */
  private readonly likes = new BoundedMap<string, string>(CACHE_ENTRIES);
  private readonly segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

  constructor(readonly options: TargetOptions & { handleDomain?: string }) {
    this.xrpc = new XrpcClient(options);
    this.handleDomain = options.handleDomain ?? '.test';
  }

  async signup(ctx: CallContext, a: NewAccount): Promise<OpResult<Account>> {
    const handle = atprotoHandle(a.handle, this.handleDomain);
    const email = a.email ?? atprotoEmail(handle);
    const r = await this.xrpc.procedure(ctx, 'com.atproto.server.createAccount', { handle, email, password: a.password });
    if (!r.ok) {
      // The PDS answers 400 InvalidRequest "Handle already taken" (or "Email already taken"): a typed outcome, so
      // the engine logs in instead, while the real status (400) stays in errorsByStatus.
      if (r.error.status === 400 && /already taken/i.test(r.error.message)) return { ...r, outcome: 'exists' };
      return r;
    }
    const b = r.body as Json;
    if (typeof b?.did !== 'string' || typeof b.accessJwt !== 'string') return bad('createAccount answer lacks did/accessJwt', r.status);
    const account: Account = { userId: b.did, token: b.accessJwt, handle: typeof b.handle === 'string' ? b.handle : handle };
    this.didOfToken.set(account.token, account.userId);
    this.sessions.set(handle, Promise.resolve({ ok: true, status: 200, value: account }));
    return { ok: true, status: r.status, value: account };
  }

  login(ctx: CallContext, handle: string, password: string): Promise<OpResult<Account>> {
    const mapped = atprotoHandle(handle, this.handleDomain);
    const cached = this.sessions.get(mapped);
    if (cached) return cached;
    const attempt = this.createSession(ctx, mapped, password);
    this.sessions.set(mapped, attempt);
    // A failed login is not remembered: the next session tries again.
    void attempt.then((r) => void (r.ok || this.sessions.delete(mapped)));
    return attempt;
  }

  private async createSession(ctx: CallContext, identifier: string, password: string): Promise<OpResult<Account>> {
    const r = await this.xrpc.procedure(ctx, 'com.atproto.server.createSession', { identifier, password });
    if (!r.ok) return r;
    const b = r.body as Json;
    if (typeof b?.did !== 'string' || typeof b.accessJwt !== 'string') return bad('createSession answer lacks did/accessJwt', r.status);
    this.didOfToken.set(b.accessJwt, b.did);
    return { ok: true, status: r.status, value: { userId: b.did, token: b.accessJwt, handle: typeof b.handle === 'string' ? b.handle : identifier } };
  }

  async getUser(ctx: CallContext, userId: string): Promise<OpResult<UserProfile>> {
    const r = await this.xrpc.query(ctx, 'app.bsky.actor.getProfile', { actor: userId });
    if (!r.ok) return r;
    const b = r.body as Json;
    if (typeof b?.did !== 'string') return bad('getProfile answer lacks did', r.status);
    // A profile carries no languages in the AT Protocol; counts are the AppView's.
    const [followers, following] = [Number(b.followersCount ?? 0), Number(b.followsCount ?? 0)];
    return { ok: true, status: r.status, value: { id: b.did, handle: String(b.handle ?? ''), displayName: String(b.displayName ?? ''), languages: [], followers, following } };
  }

  async listFollowing(ctx: CallContext, userId: string, limit: number, cursor?: string): Promise<OpResult<Page<string>>> {
    const r = await this.xrpc.query(ctx, 'app.bsky.graph.getFollows', { actor: userId, limit: clampLimit(limit), cursor });
    if (!r.ok) return r;
    const b = r.body as Json;
    if (!Array.isArray(b?.follows)) return bad('getFollows answer lacks follows', r.status);
    const items = (b.follows as Json[]).map((f) => String(f.did));
    return { ok: true, status: r.status, value: { items, nextCursor: typeof b.cursor === 'string' && items.length ? b.cursor : null } };
  }

  async follow(ctx: CallContext, userId: string): Promise<OpResult<void>> {
    const actor = this.actorOf(ctx);
    if (!actor) return noSession();
    const key = `${actor} ${userId}`;
    if (this.follows.get(key)) return { ok: true, status: 200, value: undefined, outcome: 'already' };
    const r = await this.createRecord(ctx, actor, FOLLOW, { $type: FOLLOW, subject: userId, createdAt: new Date().toISOString() });
    if (!r.ok) return r;
    this.follows.set(key, r.value.uri);
    return { ok: true, status: r.status, value: undefined };
  }

  async unfollow(ctx: CallContext, userId: string): Promise<OpResult<void>> {
    const actor = this.actorOf(ctx);
    if (!actor) return noSession();
    const key = `${actor} ${userId}`;
    let uri = this.follows.get(key);
    if (!uri) {
      // Not created in this run (or forgotten): the AppView knows the viewer's follow record.
      const p = await this.xrpc.query(ctx, 'app.bsky.actor.getProfile', { actor: userId });
      if (!p.ok) return p;
      const following = ((p.body as Json)?.viewer as Json | undefined)?.following;
      if (typeof following !== 'string') return { ok: true, status: 204, value: undefined }; // not following: nothing to undo
      uri = following;
    }
    const rkey = uri.slice(uri.lastIndexOf('/') + 1);
    const r = await this.xrpc.procedure(ctx, 'com.atproto.repo.deleteRecord', { repo: actor, collection: FOLLOW, rkey });
    if (!r.ok) return r;
    this.follows.delete(key);
    return { ok: true, status: 204, value: undefined };
  }

  async post(ctx: CallContext, p: NewPost): Promise<OpResult<PostAck>> {
    const actor = this.actorOf(ctx);
    if (!actor) return noSession();
    const createdAt = new Date().toISOString();
    const record: Json = { $type: POST, text: this.clip(p.text), createdAt };
    const lang = langTag(p.langHint);
    if (lang) record.langs = [lang];
    const tags = p.tags.map((t) => t.replace(/^#+/, '')).filter((t) => t.length > 0 && t.length <= 64).slice(0, MAX_TAGS);
    if (tags.length) record.tags = tags;
    const r = await this.createRecord(ctx, actor, POST, record);
    if (!r.ok) return r;
    this.posts.set(r.value.uri, { ...r.value, root: r.value });
    return { ok: true, status: r.status, value: { id: r.value.uri, createdAt, lang: lang ?? '' } };
  }

  async getPost(ctx: CallContext, postId: string, _translateTo?: string): Promise<OpResult<PostLookup>> {
    // No translation on this stack (not declared): a translate call would get the post as it is.
    const r = await this.xrpc.query(ctx, 'app.bsky.feed.getPosts', { uris: [postId] });
    if (!r.ok) {
      // A malformed or unknown AT-URI is refused as a bad request rather than answered with an empty list.
      if (r.error.status === 400 && r.error.code === 'InvalidRequest') return { ok: true, status: 404, value: { state: 'missing' } };
      return r;
    }
    const posts = (r.body as Json)?.posts;
    if (!Array.isArray(posts)) return bad('getPosts answer lacks posts', r.status);
    const view = (posts as Json[]).find((x) => x.uri === postId);
    if (view) {
      this.remember(view);
      return { ok: true, status: r.status, value: { state: 'present', post: toPostView(view) } };
    }
    // Not (yet) in the AppView: the PDS's repository is the store of record. A post acknowledged a moment ago is
    // there before the AppView has indexed it; a post that is in neither is missing.
    const record = await this.getRecord(ctx, postId);
    if (!record.ok) return record;
    if (!record.value) return { ok: true, status: 404, value: { state: 'missing' } };
    return { ok: true, status: 200, value: { state: 'present', post: toPostView(record.value) } };
  }

  /** com.atproto.repo.getRecord of an AT-URI, as a post view (author = the repo's DID); undefined when absent. */
  private async getRecord(ctx: CallContext, uri: string): Promise<OpResult<Json | undefined>> {
    const m = /^at:\/\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(uri);
    if (!m) return { ok: true, status: 404, value: undefined };
    const r = await this.xrpc.query(ctx, 'com.atproto.repo.getRecord', { repo: m[1], collection: m[2], rkey: m[3] });
    if (!r.ok) {
      if (r.error.status === 400 || r.error.status === 404) return { ok: true, status: r.error.status, value: undefined }; // RecordNotFound
      return r;
    }
    const b = r.body as Json;
    if (typeof b?.cid !== 'string') return bad('getRecord answer lacks cid', r.status);
    const view: Json = { uri, cid: b.cid, author: { did: m[1] }, record: b.value ?? {} };
    this.remember(view);
    return { ok: true, status: r.status, value: view };
  }

  async comment(ctx: CallContext, postId: string, text: string): Promise<OpResult<CommentAck>> {
    const actor = this.actorOf(ctx);
    if (!actor) return noSession();
    const parent = await this.refOf(ctx, postId);
    if (!parent.ok) return parent;
    const createdAt = new Date().toISOString();
    const reply = { root: { uri: parent.value.root.uri, cid: parent.value.root.cid }, parent: { uri: parent.value.uri, cid: parent.value.cid } };
    const r = await this.createRecord(ctx, actor, POST, { $type: POST, text: this.clip(text), reply, createdAt });
    if (!r.ok) return r;
    this.posts.set(r.value.uri, { ...r.value, root: reply.root });
    return { ok: true, status: r.status, value: { id: r.value.uri, createdAt } };
  }

  async listComments(ctx: CallContext, postId: string, limit: number, _cursor?: string): Promise<OpResult<Page<CommentView>>> {
    // getPostThread has no cursor: one page with the direct replies the AppView holds.
    const r = await this.xrpc.query(ctx, 'app.bsky.feed.getPostThread', { uri: postId, depth: 1, parentHeight: 0 });
    if (!r.ok) return r;
    const thread = (r.body as Json)?.thread as Json | undefined;
    if (!thread || typeof thread !== 'object') return bad('getPostThread answer lacks thread', r.status);
    const replies = Array.isArray(thread.replies) ? (thread.replies as Json[]) : [];
    const items: CommentView[] = [];
    for (const reply of replies) {
      const post = reply.post as Json | undefined;
      if (!post || typeof post.uri !== 'string') continue;
      this.remember(post);
      const record = (post.record ?? {}) as Json;
      items.push({
        id: post.uri,
        postId,
        authorId: String((post.author as Json | undefined)?.did ?? ''),
        text: String(record.text ?? ''),
        createdAt: String(record.createdAt ?? post.indexedAt ?? ''),
      });
    }
    items.sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0));
    return { ok: true, status: r.status, value: { items: items.slice(0, Math.max(1, limit)), nextCursor: null } };
  }

  async like(ctx: CallContext, postId: string): Promise<OpResult<void>> {
    const actor = this.actorOf(ctx);
    if (!actor) return noSession();
    const key = `${actor} ${postId}`;
    if (this.likes.get(key)) return { ok: true, status: 200, value: undefined, outcome: 'already' };
    const subject = await this.refOf(ctx, postId);
    if (!subject.ok) return subject;
    const r = await this.createRecord(ctx, actor, LIKE, { $type: LIKE, subject: { uri: subject.value.uri, cid: subject.value.cid }, createdAt: new Date().toISOString() });
    if (!r.ok) return r;
    this.likes.set(key, r.value.uri);
    return { ok: true, status: r.status, value: undefined };
  }

  async feed(ctx: CallContext, kind: FeedKind, limit: number, cursor?: string): Promise<OpResult<FeedPage>> {
    const r =
      kind === 'following'
        ? await this.xrpc.query(ctx, 'app.bsky.feed.getTimeline', { limit: clampLimit(limit), cursor })
        : // Language-blind discover: recent posts, newest first. A real Bluesky discover is a feed generator.
          await this.xrpc.query(ctx, 'app.bsky.feed.searchPosts', { q: ' ', limit: clampLimit(limit), cursor });
    if (!r.ok) return r;
    const b = r.body as Json;
    const raw = kind === 'following' ? b?.feed : b?.posts;
    if (!Array.isArray(raw)) return bad(`${kind === 'following' ? 'getTimeline' : 'searchPosts'} answer lacks ${kind === 'following' ? 'feed' : 'posts'}`, r.status);
    const items: FeedItem[] = [];
    for (const entry of raw as Json[]) {
      const view = (kind === 'following' ? entry.post : entry) as Json | undefined;
      if (!view || typeof view.uri !== 'string') continue;
      this.remember(view);
      // Reposts and replies are not posts in flashcrowd's model (replies are comments): they are left out, so a
      // page may hold fewer than `limit` items; the cursor still continues the AppView's page.
      if (kind === 'following' && entry.reason) continue;
      if ((view.record as Json | undefined)?.reply) continue;
      items.push(toFeedItem(view));
    }
    return { ok: true, status: r.status, value: { items, nextCursor: typeof b.cursor === 'string' && raw.length ? b.cursor : null } };
  }

  async report(ctx: CallContext, postId: string, reason: string): Promise<OpResult<void>> {
    const subject = await this.refOf(ctx, postId);
    if (!subject.ok) return subject;
    // The PDS forwards the report to its moderation service (Ozone here).
    const r = await this.xrpc.procedure(ctx, 'com.atproto.moderation.createReport', {
      reasonType: `com.atproto.moderation.defs#${REASONS[reason.toLowerCase()] ?? 'reasonOther'}`,
      reason,
      subject: { $type: 'com.atproto.repo.strongRef', uri: subject.value.uri, cid: subject.value.cid },
    });
    if (!r.ok) return r;
    return { ok: true, status: r.status, value: undefined };
  }

  async close(): Promise<void> {
    await this.xrpc.close();
  }

  private async createRecord(ctx: CallContext, repo: string, collection: string, record: Json): Promise<OpResult<StrongRef>> {
    const r: XrpcResult = await this.xrpc.procedure(ctx, 'com.atproto.repo.createRecord', { repo, collection, record });
    if (!r.ok) return r;
    const b = r.body as Json;
    if (typeof b?.uri !== 'string' || typeof b.cid !== 'string') return bad('createRecord answer lacks uri/cid', r.status);
    return { ok: true, status: r.status, value: { uri: b.uri, cid: b.cid } };
  }

  /** The strong ref and thread root of a post: remembered, or read with getPosts. */
  private async refOf(ctx: CallContext, uri: string): Promise<OpResult<PostRef>> {
    const known = this.posts.get(uri);
    if (known) return { ok: true, status: 200, value: known };
    const r = await this.xrpc.query(ctx, 'app.bsky.feed.getPosts', { uris: [uri] });
    if (!r.ok) return r;
    const view = ((r.body as Json)?.posts as Json[] | undefined)?.find((x) => x.uri === uri);
    if (view) return { ok: true, status: r.status, value: this.remember(view) };
    // Not indexed yet: the CID is in the PDS's repository.
    const record = await this.getRecord(ctx, uri);
    if (!record.ok) return record;
    if (!record.value) return { ok: false, error: { kind: 'http_4xx', status: 404, code: 'NotFound', message: `post ${uri} is neither in the AppView nor in the repository` } };
    return { ok: true, status: 200, value: this.remember(record.value) };
  }

  private remember(view: Json): PostRef {
    const uri = String(view.uri);
    const self = { uri, cid: String(view.cid) };
    const reply = (view.record as Json | undefined)?.reply as { root?: StrongRef } | undefined;
    const ref: PostRef = { ...self, root: reply?.root?.uri && reply.root.cid ? { uri: reply.root.uri, cid: reply.root.cid } : self };
    this.posts.set(uri, ref);
    return ref;
  }

  /** The acting DID: known from signup/login, else the access token's `sub` claim. */
  private actorOf(ctx: CallContext): string | undefined {
    if (!ctx.token) return undefined;
    let did = this.didOfToken.get(ctx.token);
    if (!did) {
      did = jwtSubject(ctx.token);
      if (did) this.didOfToken.set(ctx.token, did);
    }
    return did;
  }

  private clip(text: string): string {
    if (text.length <= MAX_POST_GRAPHEMES) return text;
    let out = '';
    let n = 0;
    for (const { segment } of this.segmenter.segment(text)) {
      if (++n > MAX_POST_GRAPHEMES) break;
      out += segment;
    }
    // 3000 bytes is the other limit; 300 graphemes of CJK or emoji stay below it in practice, but make sure.
    while (Buffer.byteLength(out) > 3000) out = out.slice(0, -1);
    return out;
  }
}

function toPostView(view: Json): PostView {
  const item = toFeedItem(view);
  return { id: item.id, authorId: item.authorId, text: item.text ?? '', lang: item.lang, tags: item.tags ?? [], createdAt: item.createdAt };
}

/**
 * createdAt is the record's createdAt, not the AppView's indexedAt: it is set by the client on the same clock as
 * the post's acknowledgement (PostAck.createdAt), so the harness compares like with like, and it is what the
 * timeline is ordered by. (This AppView reports indexedAt = createdAt for records created in the past anyway.)
 */
function toFeedItem(view: Json): FeedItem {
  const record = (view.record ?? {}) as Json;
  const langs = Array.isArray(record.langs) ? (record.langs as unknown[]) : [];
  return {
    id: String(view.uri),
    authorId: String((view.author as Json | undefined)?.did ?? ''),
    createdAt: String(record.createdAt ?? view.indexedAt ?? ''),
    lang: typeof langs[0] === 'string' ? langs[0] : '',
    text: typeof record.text === 'string' ? record.text : undefined,
    tags: Array.isArray(record.tags) ? (record.tags as string[]) : [],
    likeCount: typeof view.likeCount === 'number' ? view.likeCount : undefined,
    commentCount: typeof view.replyCount === 'number' ? view.replyCount : undefined,
  };
}

/** A BCP-47-looking tag, or nothing (the PDS rejects invalid langs). */
function langTag(hint: string | undefined): string | undefined {
  if (!hint) return undefined;
  // The generator's code-switched text ('zh-mixed') is declared in its base language, as a person would.
  const tag = hint.replace(/-mixed$/, '');
  return /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(tag) ? tag : undefined;
}

function clampLimit(limit: number): number {
  return Math.min(100, Math.max(1, Math.floor(limit) || 1));
}

/** The `sub` claim of a JWT, without verifying it (the PDS does that). */
export function jwtSubject(token: string): string | undefined {
  const payload = token.split('.')[1];
  if (!payload) return undefined;
  try {
    const sub = (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { sub?: unknown }).sub;
    return typeof sub === 'string' ? sub : undefined;
  } catch {
    return undefined;
  }
}

function bad<T>(message: string, status: number): OpResult<T> {
  return { ok: false, error: protocolError(message, status) };
}

function noSession<T>(): OpResult<T> {
  return { ok: false, error: { kind: 'other', code: 'NoSession', message: 'atproto target: a write needs the token of a signed-up or logged-in person' } };
}

export const createAtprotoTarget: TargetFactory = (options) => new AtprotoTarget(options);
export default createAtprotoTarget;
