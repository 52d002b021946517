// A portable adapter for the "Chirp" test API (see fixtures/adapters/example-adapter.ts for the API): all its HTTP
// goes through options.http, so `export k6 --adapter` can bundle it. Chirp here lacks report, translate and the
// following listing; it answers 422 for a taken username (outcome 'exists') and for a follow or favourite that
// already holds (outcome 'already').
import type { Capabilities, CallContext, FeedItem, FeedKind, HttpClient, HttpRequest, NewAccount, NewPost, OpResult, Target, TargetFactory } from '../../../src/target/target.ts';
import { send } from '../../../src/target/http-helpers.ts';

const CAPABILITIES: Capabilities = {
  supports: ['discover', 'list_comments', 'unfollow', 'get_user'],
  reasons: { report: 'Chirp has no flagging endpoint', translate: 'Chirp does not translate', list_following: 'Chirp does not list follows' },
};

class PortableChirp implements Target {
  readonly name = 'chirp-portable';
  readonly capabilities = CAPABILITIES;
  // Chirp usernames: lower-case letters and digits only, with a domain-like suffix.
  readonly identity = { handle: { charset: 'a-z0-9', suffix: '.chirp' } };
  constructor(private readonly http: HttpClient) {}

  private req(ctx: CallContext, method: HttpRequest['method'], path: string, name: string, json?: unknown, query?: HttpRequest['query']): HttpRequest {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (ctx.token) headers['x-auth-token'] = ctx.token;
    return { method, path, name, json, query, headers, signal: ctx.signal };
  }

  async signup(ctx: CallContext, a: NewAccount) {
    const body = { username: a.handle, secret: a.password, name: a.displayName, locale: a.locale, langs: a.languages, region: a.country, timezone: a.tz };
    const r = await send(this.http, this.req(ctx, 'POST', '/api/accounts', '/api/accounts', body), (b) => ({ userId: b.account.uid, token: b.session.jwt, handle: b.account.username }));
    if (!r.ok && r.error.status === 422 && r.error.code === 'taken') return { ...r, outcome: 'exists' as const };
    return r;
  }
  login(ctx: CallContext, handle: string, password: string) {
    return send(this.http, this.req(ctx, 'POST', '/api/auth/login', '/api/auth/login', { username: handle, secret: password }), (b) => ({ userId: b.uid, token: b.jwt, handle }));
  }
  getUser(ctx: CallContext, userId: string) {
    return send(this.http, this.req(ctx, 'GET', `/api/accounts/${userId}`, '/api/accounts/:uid'), (u) => ({ id: u.uid, handle: u.username, displayName: u.name, languages: u.langs, followers: 0, following: 0 }));
  }
  async listFollowing(): Promise<OpResult<never>> {
    return { ok: false, error: { kind: 'other', message: 'unsupported' } };
  }
  async follow(ctx: CallContext, userId: string) {
    return already(await send(this.http, this.req(ctx, 'PUT', `/api/accounts/me/following/${userId}`, '/api/accounts/me/following/:uid'), () => undefined), 'already_following');
  }
  unfollow(ctx: CallContext, userId: string) {
    return send(this.http, this.req(ctx, 'DELETE', `/api/accounts/me/following/${userId}`, '/api/accounts/me/following/:uid'), () => undefined);
  }
  post(ctx: CallContext, p: NewPost) {
    const req = this.req(ctx, 'POST', '/api/statuses', '/api/statuses', { body: p.text, hashtags: p.tags, attachments: p.media.map((m) => ({ type: m.kind, size: m.bytes })) });
    req.headers!['x-request-id'] = p.idempotencyKey;
    return send(this.http, req, (b) => ({ id: b.status.sid, createdAt: b.status.published_at, lang: b.status.language }));
  }
  async getPost(ctx: CallContext, postId: string) {
    const r = await send(this.http, this.req(ctx, 'GET', `/api/statuses/${postId}`, '/api/statuses/:sid'), (b) => b.status);
    if (!r.ok && r.error.status === 404) return { ok: true as const, status: 404, value: { state: 'missing' as const } };
    if (!r.ok && r.error.status === 410) return { ok: true as const, status: 410, value: { state: 'removed' as const } };
    if (!r.ok) return r;
    const s = r.value;
    return { ok: true as const, status: r.status, value: { state: 'present' as const, post: { id: s.sid, authorId: s.uid, text: s.body, lang: s.language, tags: s.hashtags ?? [], createdAt: s.published_at } } };
  }
  comment(ctx: CallContext, postId: string, text: string) {
    return send(this.http, this.req(ctx, 'POST', `/api/statuses/${postId}/replies`, '/api/statuses/:sid/replies', { body: text }), (b) => ({ id: b.reply.rid, createdAt: b.reply.published_at }));
  }
  listComments(ctx: CallContext, postId: string, limit: number, cursor?: string) {
    return send(this.http, this.req(ctx, 'GET', `/api/statuses/${postId}/replies`, '/api/statuses/:sid/replies', undefined, { count: limit, page: cursor }), (b) => ({
      items: (b.replies ?? []).map((c: { rid: string; uid: string; body: string; published_at: string }) => ({ id: c.rid, postId, authorId: c.uid, text: c.body, createdAt: c.published_at })),
      nextCursor: b.next_page ?? null,
    }));
  }
  async like(ctx: CallContext, postId: string) {
    return already(await send(this.http, this.req(ctx, 'POST', `/api/statuses/${postId}/favourite`, '/api/statuses/:sid/favourite'), () => undefined), 'already_favourited');
  }
  feed(ctx: CallContext, kind: FeedKind, limit: number, cursor?: string) {
    const path = `/api/timelines/${kind === 'following' ? 'home' : 'explore'}`;
    return send(this.http, this.req(ctx, 'GET', path, path, undefined, { count: limit, page: cursor }), (b) => ({
      items: (b.statuses as { sid: string; uid: string; published_at: string; language: string; body: string }[]).map(
        (s): FeedItem => ({ id: s.sid, authorId: s.uid, createdAt: s.published_at, lang: s.language, text: s.body }),
      ),
      nextCursor: b.next_page ?? null,
    }));
  }
  async report(): Promise<OpResult<void>> {
    return { ok: false, error: { kind: 'other', message: 'unsupported' } };
  }
  async close() {}
}

/** Chirp's 422 for a follow or favourite that already holds is the outcome 'already': a success, its status kept. */
function already(r: OpResult<void>, code: string): OpResult<void> {
  if (!r.ok && r.error.status === 422 && r.error.code === code) return { ok: true, status: 422, value: undefined, outcome: 'already' };
  return r;
}

const factory: TargetFactory = (options) => {
  if (!options.http) throw new Error('chirp-portable needs options.http');
  return new PortableChirp(options.http);
};
export default factory;
