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

/**
 * Typed outcomes (contract v2): what a result means for the harness, independent of the status code the server used.
 * - 'already': a follow or like that already held; a success (the state the harness wanted holds).
 * - 'exists': a signup whose account already exists (e.g. an earlier attempt of ours succeeded but its answer was
 *   lost); not an error: the engine logs in instead.
 * The request's real status stays in `status` / `error.status`, so errorsByStatus never lies.
 */
export type Outcome = 'already' | 'exists';

export type OpResult<T> =
  | { ok: true; status: number; value: T; outcome?: 'already' }
  | { ok: false; error: OpError; outcome?: 'exists' };

/** Per-call context: who acts, and how the call may be cancelled. */
export interface CallContext {
  token?: string;
  /** Synthetic per-person client address, sent as X-Forwarded-For so a loopback run is not throttled as one client. */
  clientIp?: string;
  signal?: AbortSignal;
}

export interface NewAccount {
  handle: string;
  /**
   * Deterministic and unique per person, shaped by the identity policy (domain). The harness always sets it; optional
   * in the type so hand-written calls (tests) may leave it out.
   */
  email?: string;
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

/**
 * Optional operations (contract v2). The core (signup, login, follow, post, getPost, comment, like, following feed)
 * every target must serve; these it declares. An operation not declared is never called: the engine renormalises the
 * scenario's weights without it, the summary lists it as skipped with the reason, and the audit reports what it
 * could not check because of it.
 */
export const CAPABILITIES = [
  'discover', // feed(kind 'discover')
  'report', // report()
  'translate', // getPost(..., translateTo)
  'list_following', // listFollowing(): the audit checks follows with it
  'list_comments', // listComments(): the audit checks comments with it
  'delete', // deletion of own posts (reserved: no action uses it yet)
  'unfollow', // unfollow()
  'get_user', // getUser()
] as const;
export type Capability = (typeof CAPABILITIES)[number];

export interface Capabilities {
  /** The optional operations this target serves. */
  supports: readonly Capability[];
  /** Why an operation is not supported, shown in the summary and report (e.g. "the API has no report endpoint"). */
  reasons?: Partial<Record<Capability, string>>;
  /** How a supported operation differs from the reference semantics (e.g. discover: "search, language-blind"). */
  notes?: Partial<Record<Capability, string>>;
}

/**
 * Identity policy (contract v2): what the target accepts as handles, emails and passwords. The population generator
 * applies it deterministically (same seed, same people) and keeps handles unique.
 */
export interface IdentityPolicy {
  handle?: {
    /** Characters allowed, as the inside of a RegExp character class, e.g. 'a-z0-9' (default 'a-z0-9_'). */
    charset?: string;
    minLength?: number;
    /** Maximum length of the part before `suffix`. */
    maxLength?: number;
    /** Appended to every handle, e.g. '.test' for a PDS whose handle domain is .test. */
    suffix?: string;
  };
  email?: {
    /** Domain of generated emails (default 'example.test'). */
    domain?: string;
  };
  password?: {
    minLength?: number;
    /** Classes every password must contain. */
    require?: readonly ('lower' | 'upper' | 'digit' | 'symbol')[];
  };
}

export interface Target {
  readonly name: string;
  /** What this target serves beyond the core; the loader refuses an adapter without a valid declaration. */
  readonly capabilities: Capabilities;
  /** Constraints on generated identities; absent = the reference API's (handles [a-z0-9_]{3,30}). */
  readonly identity?: IdentityPolicy;
  signup(ctx: CallContext, account: NewAccount): Promise<OpResult<Account>>;
  login(ctx: CallContext, handle: string, password: string): Promise<OpResult<Account>>;
  /** Capability get_user. */
  getUser?(ctx: CallContext, userId: string): Promise<OpResult<UserProfile>>;
  /** Capability list_following: the audit checks acknowledged follows with it. */
  listFollowing?(ctx: CallContext, userId: string, limit: number, cursor?: string): Promise<OpResult<Page<string>>>;
  /** 'already' when the follow held before (a success). */
  follow(ctx: CallContext, userId: string): Promise<OpResult<void>>;
  /** Capability unfollow. */
  unfollow?(ctx: CallContext, userId: string): Promise<OpResult<void>>;
  post(ctx: CallContext, post: NewPost): Promise<OpResult<PostAck>>;
  /**
   * With `translateTo` (only when the target declares translate), this is the `translate` endpoint. 404 and 410 are
   * values, not errors.
   */
  getPost(ctx: CallContext, postId: string, translateTo?: string): Promise<OpResult<PostLookup>>;
  comment(ctx: CallContext, postId: string, text: string): Promise<OpResult<CommentAck>>;
  /** Capability list_comments: the audit checks acknowledged comments with it. */
  listComments?(ctx: CallContext, postId: string, limit: number, cursor?: string): Promise<OpResult<Page<CommentView>>>;
  /** 'already' when the like held before (a success). */
  like(ctx: CallContext, postId: string): Promise<OpResult<void>>;
  /** kind 'discover' only when the target declares the discover capability. */
  feed(ctx: CallContext, kind: FeedKind, limit: number, cursor?: string): Promise<OpResult<FeedPage>>;
  /** Capability report. */
  report?(ctx: CallContext, postId: string, reason: string): Promise<OpResult<void>>;
  close(): Promise<void>;
}

export interface TargetOptions {
  url: string;
  /** Max connections per origin. */
  connections?: number;
  /** Per-request timeout (headers and body). */
  timeoutMs?: number;
  /**
   * The HTTP client flashcrowd hands the adapter (contract v2): undici under Node, k6/http under k6. An adapter
   * that does all its HTTP through it is portable: `export k6 --adapter` bundles it into the k6 script.
   */
  http?: HttpClient;
}

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface HttpRequest {
  method: HttpMethod;
  /** Absolute URL, or a path resolved against TargetOptions.url (its path prefix kept). */
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  headers?: Record<string, string>;
  /** Sent as JSON with content-type application/json. */
  json?: unknown;
  /** Sent as is (set content-type yourself); ignored when `json` is given. */
  body?: string;
  signal?: AbortSignal;
  /** Endpoint name for the k6 `name` tag (defaults to the path). */
  name?: string;
}

export interface HttpResponse {
  status: number;
  /** Lower-case header names. */
  headers: Record<string, string>;
  /** The body as text ('' when empty). */
  body: string;
}

/**
 * Resolves for every HTTP status; rejects with a TransportError (target/errors.ts: kind connect_refused | reset |
 * timeout | aborted | protocol | other) when no HTTP answer came.
 */
export interface HttpClient {
  request(req: HttpRequest): Promise<HttpResponse>;
  close(): Promise<void>;
}

/** A user adapter module (`--adapter ./my-adapter.ts`) default-exports one of these. */
export type TargetFactory = (options: TargetOptions) => Target | Promise<Target>;
