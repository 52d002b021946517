// The Target contract (DESIGN.md §4): what the engine, the observers and the audit need from a social backend.
// The built-in HTTP adapter (http-target.ts) speaks the reference API; users plug their own in with --adapter.

/** One named endpoint per operation; these are the `endpoint` label values in metrics and summary.json. */
export const ENDPOINTS = [
  'signup',
  'login',
  'get_user',
  'list_following',
  'follow',
  'unfollow',
  'post',
  'get_post',
  'translate',
  'comment',
  'list_comments',
  'like',
  'feed_following',
  'feed_discover',
  'report',
] as const;
export type Endpoint = (typeof ENDPOINTS)[number];

/** Failure classes; every failed operation gets exactly one. */
export type ErrorKind =
  | 'connect_refused'
  | 'reset'
  | 'timeout'
  | 'http_4xx'
  | 'http_5xx'
  | 'protocol' // unparseable or contract-violating response
  | 'aborted' // cancelled by the harness (run ended)
  | 'other';

export interface OpError {
  kind: ErrorKind;
  status?: number; // HTTP status when there was one
  code?: string; // error.code from the body, or the socket error code
  message: string;
  retryAfterMs?: number; // from Retry-After on 429/503
}

export type OpResult<T> = { ok: true; status: number; value: T } | { ok: false; error: OpError };

/** Per-call context: who acts, and how the call may be cancelled. */
export interface CallContext {
  token?: string;
  /** Synthetic per-person client address, sent as X-Forwarded-For so a loopback run is not throttled as one client. */
  clientIp?: string;
  signal?: AbortSignal;
}

export interface NewAccount {
  handle: string;
  password: string;
  displayName: string;
  locale: string;
  languages: string[];
  country: string;
  tz: string;
}
export interface Account {
  userId: string;
  token: string;
  handle: string;
}
export interface UserProfile {
  id: string;
  handle: string;
  displayName: string;
  languages: string[];
  followers: number;
  following: number;
}

export interface MediaRef {
  kind: 'image' | 'video';
  bytes: number;
}
export interface NewPost {
  text: string;
  tags: string[];
  media: MediaRef[];
  langHint?: string;
  /** Sent as Idempotency-Key: a retried post must not be duplicated. */
  idempotencyKey: string;
}
export interface PostAck {
  id: string;
  createdAt: string;
  lang: string;
}
export interface Translation {
  lang: string;
  text: string;
  provider?: string;
}
export interface PostView {
  id: string;
  authorId: string;
  text: string;
  lang: string;
  tags: string[];
  createdAt: string;
  translation?: Translation;
}

/** The minimum feed-quality measurement needs is id, authorId, createdAt, lang. */
export interface FeedItem {
  id: string;
  authorId: string;
  createdAt: string;
  lang: string;
  text?: string;
  tags?: string[];
  likeCount?: number;
  commentCount?: number;
  translation?: Translation;
}
export type FeedKind = 'following' | 'discover';
export interface FeedPage {
  items: FeedItem[];
  nextCursor: string | null;
  /** Names the policy that shaped the response: 'stale-cache' | 'ranker-fallback' | 'partial' | a target's own. */
  degraded?: string;
}
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}
export interface CommentAck {
  id: string;
  createdAt: string;
}
export interface CommentView {
  id: string;
  postId?: string;
  authorId: string;
  text: string;
  createdAt: string;
}

/** `get_post` outcome that is not an error for the harness: the post is gone (410) or unknown (404). */
export type PostLookup = { state: 'present'; post: PostView } | { state: 'removed' } | { state: 'missing' };

export interface Target {
  readonly name: string;
  signup(ctx: CallContext, account: NewAccount): Promise<OpResult<Account>>;
  login(ctx: CallContext, handle: string, password: string): Promise<OpResult<Account>>;
  getUser(ctx: CallContext, userId: string): Promise<OpResult<UserProfile>>;
  listFollowing(ctx: CallContext, userId: string, limit: number, cursor?: string): Promise<OpResult<Page<string>>>;
  follow(ctx: CallContext, userId: string): Promise<OpResult<void>>;
  unfollow(ctx: CallContext, userId: string): Promise<OpResult<void>>;
  post(ctx: CallContext, post: NewPost): Promise<OpResult<PostAck>>;
  /** With `translateTo`, this is the `translate` endpoint. 404 and 410 are values, not errors. */
  getPost(ctx: CallContext, postId: string, translateTo?: string): Promise<OpResult<PostLookup>>;
  comment(ctx: CallContext, postId: string, text: string): Promise<OpResult<CommentAck>>;
  listComments(ctx: CallContext, postId: string, limit: number, cursor?: string): Promise<OpResult<Page<CommentView>>>;
  like(ctx: CallContext, postId: string): Promise<OpResult<void>>;
  feed(ctx: CallContext, kind: FeedKind, limit: number, cursor?: string): Promise<OpResult<FeedPage>>;
  report(ctx: CallContext, postId: string, reason: string): Promise<OpResult<void>>;
  close(): Promise<void>;
}

export interface TargetOptions {
  url: string;
  /** Max connections per origin. */
  connections?: number;
  /** Per-request timeout (headers and body). */
  timeoutMs?: number;
}

/** A user adapter module (`--adapter ./my-adapter.ts`) default-exports one of these. */
export type TargetFactory = (options: TargetOptions) => Target | Promise<Target>;
