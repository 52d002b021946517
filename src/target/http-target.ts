// The built-in adapter for the reference API (DESIGN.md §4). It speaks through the HttpClient of contract v2
// (TargetOptions.http, or its own Node client on an undici Pool: keep-alive connections with an explicit limit,
// header/body timeouts, a hard deadline, a response-size cap), like any user adapter. One request path; per-call
// work is a header object and the JSON body. It serves every optional operation and maps the reference API's
// status conventions to typed outcomes: 409 on signup = 'exists', 200 on follow/like = 'already'.
import type {
  Account,
  CallContext,
  CommentAck,
  CommentView,
  FeedKind,
  FeedPage,
  HttpClient,
  HttpMethod,
  HttpResponse,
  IdentityPolicy,
  NewAccount,
  NewPost,
  OpResult,
  Page,
  PostAck,
  PostLookup,
  PostView,
  Target,
  TargetFactory,
  TargetOptions,
  UserProfile,
  Capabilities,
} from './target.ts';
import { CAPABILITIES } from './target.ts';
import { httpError, protocolError } from './errors.ts';
import { transportError } from './http-helpers.ts';
import { NodeHttpClient, MAX_RESPONSE_BYTES } from './node-http-client.ts';

export { MAX_RESPONSE_BYTES };

/** The reference API serves every optional operation. */
export const REFERENCE_CAPABILITIES: Capabilities = { supports: CAPABILITIES };

type Json = Record<string, unknown>;

type Raw = { ok: true; status: number; body: unknown } | { ok: false; error: import('./target.ts').OpError };

export class HttpTarget implements Target {
  readonly name = 'reference-http';
  readonly capabilities = REFERENCE_CAPABILITIES;
  /** None declared: the generator's default identities (handles of [a-z0-9_], at most 30) fit the reference API. */
  readonly identity: IdentityPolicy | undefined = undefined;
  private readonly http: HttpClient;
  /** A client this target created is closed with it; one handed in belongs to whoever made it. */
  private readonly ownsClient: boolean;

  constructor(readonly options: TargetOptions) {
    this.ownsClient = !options.http;
    this.http = options.http ?? new NodeHttpClient({ url: options.url, connections: options.connections, timeoutMs: options.timeoutMs });
  }

  async signup(ctx: CallContext, a: NewAccount): Promise<OpResult<Account>> {
    const r = await this.call(ctx, 'POST', '/v1/users', {
      handle: a.handle,
      password: a.password,
      displayName: a.displayName,
      locale: a.locale,
      languages: a.languages,
      country: a.country,
      tz: a.tz,
    });
    // 409: the handle is taken; for the harness that means an earlier attempt of ours got through.
    if (!r.ok) return r.error.status === 409 ? { ...r, outcome: 'exists' } : r;
    const b = r.body as Json;
    if (typeof b?.id !== 'string' || typeof b.token !== 'string') return bad('signup response lacks id/token', r.status);
    return { ok: true, status: r.status, value: { userId: b.id, token: b.token, handle: typeof b.handle === 'string' ? b.handle : a.handle } };
  }

  async login(ctx: CallContext, handle: string, password: string): Promise<OpResult<Account>> {
    const r = await this.call(ctx, 'POST', '/v1/sessions', { handle, password });
    if (!r.ok) return r;
    const b = r.body as Json;
    if (typeof b?.userId !== 'string' || typeof b.token !== 'string') return bad('login response lacks userId/token', r.status);
    return { ok: true, status: r.status, value: { userId: b.userId, token: b.token, handle } };
  }

  async getUser(ctx: CallContext, userId: string): Promise<OpResult<UserProfile>> {
    const r = await this.call(ctx, 'GET', `/v1/users/${encodeURIComponent(userId)}`);
    if (!r.ok) return r;
    const b = r.body as Json;
    if (typeof b?.id !== 'string') return bad('user response lacks id', r.status);
    return {
      ok: true,
      status: r.status,
      value: {
        id: b.id,
        handle: String(b.handle ?? ''),
        displayName: String(b.displayName ?? ''),
        languages: Array.isArray(b.languages) ? (b.languages as string[]) : [],
        followers: Number(b.followers ?? b.followerCount ?? b.followersCount ?? 0),
        following: Number(b.following ?? b.followingCount ?? 0),
      },
    };
  }

  async listFollowing(ctx: CallContext, userId: string, limit: number, cursor?: string): Promise<OpResult<Page<string>>> {
    const r = await this.call(ctx, 'GET', `/v1/users/${encodeURIComponent(userId)}/following${query(limit, cursor)}`);
    if (!r.ok) return r;
    const b = r.body as Json;
    if (!Array.isArray(b?.items)) return bad('following response lacks items', r.status);
    return { ok: true, status: r.status, value: { items: b.items.map(String), nextCursor: (b.nextCursor as string | null) ?? null } };
  }

  async follow(ctx: CallContext, userId: string): Promise<OpResult<void>> {
    return this.idempotent(await this.call(ctx, 'POST', '/v1/follows', { userId }));
  }

  async unfollow(ctx: CallContext, userId: string): Promise<OpResult<void>> {
    return this.empty(await this.call(ctx, 'DELETE', `/v1/follows/${encodeURIComponent(userId)}`));
  }

  async post(ctx: CallContext, p: NewPost): Promise<OpResult<PostAck>> {
    const body: Json = { text: p.text, tags: p.tags, media: p.media };
    if (p.langHint) body.lang = p.langHint;
    const r = await this.call(ctx, 'POST', '/v1/posts', body, p.idempotencyKey);
    if (!r.ok) return r;
    const b = r.body as Json;
    if (typeof b?.id !== 'string') return bad('post response lacks id', r.status);
    return { ok: true, status: r.status, value: { id: b.id, createdAt: String(b.createdAt ?? ''), lang: String(b.lang ?? '') } };
  }

  async getPost(ctx: CallContext, postId: string, translateTo?: string): Promise<OpResult<PostLookup>> {
    const qs = translateTo ? `?translate=${encodeURIComponent(translateTo)}` : '';
    const r = await this.call(ctx, 'GET', `/v1/posts/${encodeURIComponent(postId)}${qs}`);
    if (!r.ok) {
      if (r.error.status === 404) return { ok: true, status: 404, value: { state: 'missing' } };
      if (r.error.status === 410) return { ok: true, status: 410, value: { state: 'removed' } };
      return r;
    }
    const b = r.body as Json;
    if (typeof b?.id !== 'string') return bad('post view lacks id', r.status);
    return { ok: true, status: r.status, value: { state: 'present', post: b as unknown as PostView } };
  }

  async comment(ctx: CallContext, postId: string, text: string): Promise<OpResult<CommentAck>> {
    const r = await this.call(ctx, 'POST', `/v1/posts/${encodeURIComponent(postId)}/comments`, { text });
    if (!r.ok) return r;
    const b = r.body as Json;
    if (typeof b?.id !== 'string') return bad('comment response lacks id', r.status);
    return { ok: true, status: r.status, value: { id: b.id, createdAt: String(b.createdAt ?? '') } };
  }

  async listComments(ctx: CallContext, postId: string, limit: number, cursor?: string): Promise<OpResult<Page<CommentView>>> {
    const r = await this.call(ctx, 'GET', `/v1/posts/${encodeURIComponent(postId)}/comments${query(limit, cursor)}`);
    if (!r.ok) return r;
    const b = r.body as Json;
    if (!Array.isArray(b?.items)) return bad('comments response lacks items', r.status);
    return { ok: true, status: r.status, value: { items: b.items as CommentView[], nextCursor: (b.nextCursor as string | null) ?? null } };
  }

  async like(ctx: CallContext, postId: string): Promise<OpResult<void>> {
    return this.idempotent(await this.call(ctx, 'POST', `/v1/posts/${encodeURIComponent(postId)}/likes`));
  }

  async feed(ctx: CallContext, kind: FeedKind, limit: number, cursor?: string): Promise<OpResult<FeedPage>> {
    const r = await this.call(ctx, 'GET', `/v1/feed/${kind}${query(limit, cursor)}`);
    if (!r.ok) return r;
    const b = r.body as Json;
    if (!Array.isArray(b?.items)) return bad('feed response lacks items', r.status);
    const page: FeedPage = { items: b.items as FeedPage['items'], nextCursor: (b.nextCursor as string | null) ?? null };
    if (typeof b.degraded === 'string') page.degraded = b.degraded;
    return { ok: true, status: r.status, value: page };
  }

  async report(ctx: CallContext, postId: string, reason: string): Promise<OpResult<void>> {
    return this.empty(await this.call(ctx, 'POST', '/v1/reports', { postId, reason }));
  }

  async close(): Promise<void> {
    if (this.ownsClient) await this.http.close();
  }

  private empty(r: Raw): OpResult<void> {
    return r.ok ? { ok: true, status: r.status, value: undefined } : r;
  }

  /** Follow and like: 201 created, 200 already held (the reference API's convention). */
  private idempotent(r: Raw): OpResult<void> {
    if (!r.ok) return r;
    return r.status === 200 ? { ok: true, status: 200, value: undefined, outcome: 'already' } : { ok: true, status: r.status, value: undefined };
  }

  private async call(ctx: CallContext, method: HttpMethod, path: string, body?: unknown, idempotencyKey?: string): Promise<Raw> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (ctx.token) headers.authorization = `Bearer ${ctx.token}`;
    if (ctx.clientIp) headers['x-forwarded-for'] = ctx.clientIp;
    if (idempotencyKey) headers['idempotency-key'] = idempotencyKey;
    let res: HttpResponse;
    try {
      res = await this.http.request({ method, path, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: ctx.signal });
    } catch (err) {
      return transportError(err);
    }
    const text = res.body;
    let parsed: unknown;
    if (text.length) {
      try {
        parsed = JSON.parse(text);
      } catch {
        if (res.status < 400) return { ok: false, error: protocolError(`unparseable JSON from ${method} ${path}`, res.status) };
      }
    }
    if (res.status >= 400) return { ok: false, error: httpError(res.status, parsed, res.headers['retry-after']) };
    return { ok: true, status: res.status, body: parsed };
  }
}

function query(limit: number, cursor?: string): string {
  return cursor ? `?limit=${limit}&cursor=${encodeURIComponent(cursor)}` : `?limit=${limit}`;
}

function bad<T>(message: string, status: number): OpResult<T> {
  return { ok: false, error: protocolError(message, status) };
}

export const createHttpTarget: TargetFactory = (options) => new HttpTarget(options);
export default createHttpTarget;
