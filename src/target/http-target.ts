// The built-in adapter for the reference API (DESIGN.md §4) on an undici Pool: keep-alive connections with an
// explicit limit, header/body timeouts, and close(). One request path; per-call work is a header object and
// the JSON body.
import { Pool } from 'undici';
import type { Dispatcher } from 'undici';
import type {
  Account,
  CallContext,
  CommentAck,
  CommentView,
  FeedKind,
  FeedPage,
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
} from './target.ts';
import { classifyThrown, httpError, protocolError } from './errors.ts';

type Json = Record<string, unknown>;

/** Larger answers fail as 'protocol' errors (undici's UND_ERR_RES_EXCEEDED_MAX_SIZE). */
export const MAX_RESPONSE_BYTES = 8 * 1024 * 1024;
type Raw = { ok: true; status: number; body: unknown } | { ok: false; error: import('./target.ts').OpError };

export class HttpTarget implements Target {
  readonly name = 'reference-http';
  private readonly pool: Pool;
  private readonly basePath: string;
  private readonly deadlineMs: number;

  constructor(readonly options: TargetOptions) {
    const url = new URL(options.url);
    const timeout = options.timeoutMs ?? 10_000;
    // headersTimeout and bodyTimeout bound waits between bytes; a body dripping a byte a second would pass both
    // forever (and hang a run's final audit). No request outlives twice the timeout.
    this.deadlineMs = 2 * timeout;
    this.basePath = url.pathname.replace(/\/+$/, '');
    this.pool = new Pool(url.origin, {
      connections: options.connections ?? 512,
      pipelining: 1,
      keepAliveTimeout: 30_000,
      headersTimeout: timeout,
      bodyTimeout: timeout,
      connectTimeout: Math.min(timeout, 10_000),
      // bodyTimeout is an idle timeout: a target streaming a body without end would never trip it and the
      // harness would buffer it all. No reference API answer comes near this size.
      maxResponseSize: MAX_RESPONSE_BYTES,
    });
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
    if (!r.ok) return r;
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
    return this.empty(await this.call(ctx, 'POST', '/v1/follows', { userId }));
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
    return this.empty(await this.call(ctx, 'POST', `/v1/posts/${encodeURIComponent(postId)}/likes`));
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
    await this.pool.close();
  }

  private empty(r: Raw): OpResult<void> {
    return r.ok ? { ok: true, status: r.status, value: undefined } : r;
  }

  private async call(ctx: CallContext, method: Dispatcher.HttpMethod, path: string, body?: unknown, idempotencyKey?: string): Promise<Raw> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (ctx.token) headers.authorization = `Bearer ${ctx.token}`;
    if (ctx.clientIp) headers['x-forwarded-for'] = ctx.clientIp;
    if (idempotencyKey) headers['idempotency-key'] = idempotencyKey;
    const deadline = new AbortController();
    const onAbort = () => deadline.abort(ctx.signal!.reason);
    if (ctx.signal?.aborted) onAbort();
    else ctx.signal?.addEventListener('abort', onAbort, { once: true });
    let expired = false;
    const timer = setTimeout(() => ((expired = true), deadline.abort()), this.deadlineMs);
    let res: Dispatcher.ResponseData;
    let text: string;
    try {
      res = await this.pool.request({
        method,
        path: this.basePath + path,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: deadline.signal,
      });
      text = await res.body.text();
    } catch (err) {
      if (expired) return { ok: false, error: { kind: 'timeout', code: 'DEADLINE_EXCEEDED', message: `${method} ${path}: no complete answer in ${this.deadlineMs} ms` } };
      return { ok: false, error: classifyThrown(err) };
    } finally {
      clearTimeout(timer);
      ctx.signal?.removeEventListener('abort', onAbort);
    }
    let parsed: unknown;
    if (text.length) {
      try {
        parsed = JSON.parse(text);
      } catch {
        if (res.statusCode < 400) return { ok: false, error: protocolError(`unparseable JSON from ${method} ${path}`, res.statusCode) };
      }
    }
    if (res.statusCode >= 400) return { ok: false, error: httpError(res.statusCode, parsed, res.headers['retry-after']) };
    return { ok: true, status: res.statusCode, body: parsed };
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
