// flashcrowd adapter for your backend, scaffolded by `flashcrowd init`.
//
// As scaffolded it speaks flashcrowd's reference API (`npx flashcrowd backend --port 8080`), so it works before you
// change anything. Make it yours method by method: change the paths, request bodies and response fields to your
// API's, run `npx flashcrowd check --adapter load/adapter.ts --target <your URL>` after each step, and declare what
// your API does not have in `capabilities`. Contract reference: node_modules/flashcrowd/docs/target-contract.md.
//
// The rules, in short:
//  - Do every request through `options.http`, the HTTP client flashcrowd hands the factory (undici under Node; k6's
//    http module after `flashcrowd export k6 --adapter`), with paths relative to --target. No other HTTP library and
//    no Node built-ins: then the same file also drives k6 and k6-operator.
//  - Return failures as values, never throw. `send()` (from 'flashcrowd/target') does one request and maps it: a
//    status >= 400 becomes { ok: false, error } with the real status, Retry-After and the body's error code; a
//    dropped connection or a timeout becomes an error of its kind; your `parse` turns a 2xx body into the value (a
//    missing field -> `field()` throws -> a 'protocol' error naming it).
//  - Typed outcomes: a signup whose account already exists is outcome 'exists' (flashcrowd logs in instead); a follow
//    or like that already held is outcome 'already' (a success). The real status stays in the result.
//  - Feed items need id, authorId, createdAt (ISO 8601) and lang: that is all feed-quality measurement reads.
//  - getPost: an unknown post is { state: 'missing' }, one removed by moderation { state: 'removed' } (values).
//  - ctx.token is what your signup/login returned; ctx.signal must reach the request (runs end on time);
//    ctx.clientIp is a per-person address you may send as X-Forwarded-For if your API rate-limits per client.
import { field, send } from 'flashcrowd/target';
import type {
  Account,
  CallContext,
  Capabilities,
  CommentAck,
  CommentView,
  FeedItem,
  FeedKind,
  FeedPage,
  HttpClient,
  HttpRequest,
  IdentityPolicy,
  NewAccount,
  NewPost,
  OpResult,
  Page,
  PostAck,
  PostLookup,
  Target,
  TargetFactory,
  UserProfile,
} from 'flashcrowd/target';

class MyBackend implements Target {
  readonly name = 'my-backend';

  // The optional operations your API serves. Remove what it lacks and say why: flashcrowd then never calls it,
  // renormalises the scenario's weights without it, lists it as skipped in the report, and the lost-write audit
  // says what it could not check (it needs list_following for follows and list_comments for comments).
  readonly capabilities: Capabilities = {
    supports: ['discover', 'report', 'translate', 'list_following', 'list_comments', 'unfollow', 'get_user'],
    // reasons: { report: 'the API has no report endpoint' },
    // notes: { discover: 'search by recency, language-blind' },
  };

  // What your API accepts as handles and passwords; generated people follow it (same seed, same people).
  readonly identity: IdentityPolicy = {
    handle: { charset: 'a-z0-9_', minLength: 3, maxLength: 30 },
    password: { minLength: 8 },
    // email: { domain: 'example.test' },
  };

  constructor(private readonly http: HttpClient) {}

  /** One request with the caller's token, client address and abort signal. */
  private request(ctx: CallContext, req: HttpRequest): HttpRequest {
    const headers: Record<string, string> = { accept: 'application/json', ...req.headers };
    if (ctx.token) headers.authorization = `Bearer ${ctx.token}`;
    if (ctx.clientIp) headers['x-forwarded-for'] = ctx.clientIp;
    return { ...req, headers, signal: ctx.signal };
  }

  async signup(ctx: CallContext, a: NewAccount): Promise<OpResult<Account>> {
    const r = await send(
      this.http,
      this.request(ctx, {
        method: 'POST',
        path: '/v1/users',
        name: 'signup',
        json: { handle: a.handle, password: a.password, displayName: a.displayName, locale: a.locale, languages: a.languages, country: a.country, tz: a.tz },
      }),
      (b) => ({ userId: field(b, 'id'), token: field(b, 'token'), handle: a.handle }),
    );
    // The reference API answers 409 when the handle is taken: an earlier attempt of ours got through.
    if (!r.ok && r.error.status === 409) return { ...r, outcome: 'exists' };
    return r;
  }

  login(ctx: CallContext, handle: string, password: string): Promise<OpResult<Account>> {
    return send(this.http, this.request(ctx, { method: 'POST', path: '/v1/sessions', name: 'login', json: { handle, password } }), (b) => ({
      userId: field(b, 'userId'),
      token: field(b, 'token'),
      handle,
    }));
  }

  getUser(ctx: CallContext, userId: string): Promise<OpResult<UserProfile>> {
    return send(this.http, this.request(ctx, { method: 'GET', path: `/v1/users/${encodeURIComponent(userId)}`, name: 'get_user' }), (b) => ({
      id: field(b, 'id'),
      handle: String(b.handle ?? ''),
      displayName: String(b.displayName ?? ''),
      languages: Array.isArray(b.languages) ? b.languages.map(String) : [],
      followers: Number(b.followers ?? 0),
      following: Number(b.following ?? 0),
    }));
  }

  listFollowing(ctx: CallContext, userId: string, limit: number, cursor?: string): Promise<OpResult<Page<string>>> {
    return send(
      this.http,
      this.request(ctx, { method: 'GET', path: `/v1/users/${encodeURIComponent(userId)}/following`, query: { limit, cursor }, name: 'list_following' }),
      (b) => ({ items: list(b, 'items').map(String), nextCursor: b.nextCursor ?? null }),
    );
  }

  async follow(ctx: CallContext, userId: string): Promise<OpResult<void>> {
    const r = await send(this.http, this.request(ctx, { method: 'POST', path: '/v1/follows', name: 'follow', json: { userId } }), () => undefined);
    // 201 = now following, 200 = was already following.
    return r.ok && r.status === 200 ? { ...r, outcome: 'already' } : r;
  }

  unfollow(ctx: CallContext, userId: string): Promise<OpResult<void>> {
    return send(this.http, this.request(ctx, { method: 'DELETE', path: `/v1/follows/${encodeURIComponent(userId)}`, name: 'unfollow' }), () => undefined);
  }

  post(ctx: CallContext, p: NewPost): Promise<OpResult<PostAck>> {
    const json: Record<string, unknown> = { text: p.text, tags: p.tags, media: p.media };
    // The author's declared language, as real clients send it (Bluesky `langs`, Mastodon `language`).
    if (p.langHint) json.lang = p.langHint;
    return send(
      this.http,
      // The idempotency key makes a retried post land once; send it the way your API expects, if it has one.
      this.request(ctx, { method: 'POST', path: '/v1/posts', name: 'post', json, headers: { 'idempotency-key': p.idempotencyKey } }),
      (b) => ({ id: field(b, 'id'), createdAt: field(b, 'createdAt'), lang: String(b.lang ?? '') }),
    );
  }

  async getPost(ctx: CallContext, postId: string, translateTo?: string): Promise<OpResult<PostLookup>> {
    const r = await send(
      this.http,
      this.request(ctx, {
        method: 'GET',
        path: `/v1/posts/${encodeURIComponent(postId)}`,
        query: { translate: translateTo },
        name: translateTo ? 'translate' : 'get_post',
      }),
      (b): PostLookup => ({
        state: 'present',
        post: {
          id: field(b, 'id'),
          authorId: field(b, 'authorId'),
          text: String(b.text ?? ''),
          lang: String(b.lang ?? ''),
          tags: Array.isArray(b.tags) ? b.tags.map(String) : [],
          createdAt: field(b, 'createdAt'),
          translation: b.translation ? { lang: String(b.translation.lang), text: String(b.translation.text) } : undefined,
        },
      }),
    );
    // Gone is an answer, not an error: 404 unknown, 410 removed by moderation.
    if (!r.ok && r.error.status === 404) return { ok: true, status: 404, value: { state: 'missing' } };
    if (!r.ok && r.error.status === 410) return { ok: true, status: 410, value: { state: 'removed' } };
    return r;
  }

  comment(ctx: CallContext, postId: string, text: string): Promise<OpResult<CommentAck>> {
    return send(
      this.http,
      this.request(ctx, { method: 'POST', path: `/v1/posts/${encodeURIComponent(postId)}/comments`, name: 'comment', json: { text } }),
      (b) => ({ id: field(b, 'id'), createdAt: field(b, 'createdAt') }),
    );
  }

  listComments(ctx: CallContext, postId: string, limit: number, cursor?: string): Promise<OpResult<Page<CommentView>>> {
    return send(
      this.http,
      this.request(ctx, { method: 'GET', path: `/v1/posts/${encodeURIComponent(postId)}/comments`, query: { limit, cursor }, name: 'list_comments' }),
      (b) => ({
        items: list(b, 'items').map((c) => ({ id: field(c, 'id'), authorId: field(c, 'authorId'), text: String(c.text ?? ''), createdAt: field(c, 'createdAt') })),
        nextCursor: b.nextCursor ?? null,
      }),
    );
  }

  async like(ctx: CallContext, postId: string): Promise<OpResult<void>> {
    const r = await send(this.http, this.request(ctx, { method: 'POST', path: `/v1/posts/${encodeURIComponent(postId)}/likes`, name: 'like' }), () => undefined);
    return r.ok && r.status === 200 ? { ...r, outcome: 'already' } : r;
  }

  feed(ctx: CallContext, kind: FeedKind, limit: number, cursor?: string): Promise<OpResult<FeedPage>> {
    // kind 'following': the home timeline (posts of the people this user follows); 'discover': your explore feed.
    return send(
      this.http,
      this.request(ctx, { method: 'GET', path: `/v1/feed/${kind}`, query: { limit, cursor }, name: `feed_${kind}` }),
      (b): FeedPage => {
        const page: FeedPage = { items: list(b, 'items').map(feedItem), nextCursor: b.nextCursor ?? null };
        // If your API says when it served a degraded answer (stale cache, fallback ranking), pass it on.
        if (typeof b.degraded === 'string') page.degraded = b.degraded;
        return page;
      },
    );
  }

  report(ctx: CallContext, postId: string, reason: string): Promise<OpResult<void>> {
    return send(this.http, this.request(ctx, { method: 'POST', path: '/v1/reports', name: 'report', json: { postId, reason } }), () => undefined);
  }

  async close(): Promise<void> {
    // Nothing to release: flashcrowd owns and closes `options.http`.
  }
}

/** The four fields feed quality needs, from your API's item shape. */
function feedItem(i: any): FeedItem {
  return { id: field(i, 'id'), authorId: field(i, 'authorId'), createdAt: field(i, 'createdAt'), lang: String(i.lang ?? '') };
}

function list(body: any, name: string): any[] {
  if (!Array.isArray(body?.[name])) throw new Error(`response lacks ${name}[]`);
  return body[name];
}

const createTarget: TargetFactory = (options) => {
  if (!options.http) throw new Error('this adapter needs the HTTP client flashcrowd hands it (options.http)');
  return new MyBackend(options.http);
};
export default createTarget;
