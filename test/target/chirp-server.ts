// "Chirp", a differently shaped social API for adapter tests (fixtures/adapters/example-adapter.ts documents it).
// It lacks what many real APIs lack: no flagging, no translation, no listing of whom an account follows (those
// routes answer 404 and are counted, so a test sees whether anything unsupported was sent). A taken username, a
// follow that already holds and a second favourite answer 422; usernames must be 3-20 of [a-z0-9].
import http from 'node:http';

export interface ChirpServer {
  url: string;
  /** Requests per route (`METHOD /path/:id`). */
  hits: Record<string, number>;
  /** Statuses answer 410 from now on (removed by moderation). */
  remove(sid: string): void;
  /** Drop a stored status silently (a lost write) or stop showing new statuses in home timelines. */
  sabotage: { loseStatus?: string; hideFromHome?: boolean; omitLanguage?: boolean };
  close(): Promise<void>;
}

interface Status {
  sid: string;
  uid: string;
  body: string;
  language: string;
  hashtags: string[];
  published_at: string;
  favourites: number;
  replies: number;
}

export const CHIRP_UNSUPPORTED_ROUTES = ['POST /api/flags', 'GET /api/accounts/:id/following', 'GET /api/statuses/:id?lang'];

export function startChirpServer(): Promise<ChirpServer> {
  const accounts = new Map<string, { uid: string; username: string; secret: string; jwt: string; name: string; langs: string[] }>();
  const byUid = new Map<string, string>();
  const byJwt = new Map<string, string>();
  const statuses = new Map<string, Status>();
  const removed = new Set<string>();
  const replies = new Map<string, { rid: string; uid: string; body: string; published_at: string }[]>();
  const following = new Map<string, Set<string>>();
  const favourites = new Set<string>();
  const requestIds = new Map<string, string>();
  const hits: Record<string, number> = {};
  const sabotage: ChirpServer['sabotage'] = {};
  let seq = 0;
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      const url = new URL(req.url!, 'http://x');
      let body: Record<string, any> = {};
      try {
        body = raw ? JSON.parse(raw) : {};
      } catch {
        return send(400, { kind: 'bad_json', message: 'body is not JSON' });
      }
      function send(status: number, json?: unknown) {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(json === undefined ? '' : JSON.stringify(json));
      }
      const parts = url.pathname.split('/');
      const route = `${req.method} ${url.pathname.replace(/\/(a|s|r)\d+/g, '/:id')}${url.searchParams.has('lang') ? '?lang' : ''}`;
      hits[route] = (hits[route] ?? 0) + 1;
      const count = Math.min(100, Number(url.searchParams.get('count') ?? 20));
      const page = Number(url.searchParams.get('page') ?? 0);
      const paged = <T>(list: T[]) => ({ items: list.slice(page, page + count), next: page + count < list.length ? String(page + count) : null });
      if (route === 'POST /api/accounts') {
        if (typeof body.username !== 'string' || !/^[a-z0-9]{3,20}$/.test(body.username)) return send(422, { kind: 'invalid_username', message: 'username: 3-20 of [a-z0-9]' });
        if (accounts.has(body.username)) return send(422, { kind: 'taken', message: 'username taken' });
        const uid = `a${++seq}`;
        const a = { uid, username: body.username, secret: body.secret, jwt: `jwt-${uid}`, name: body.name, langs: body.langs ?? [] };
        accounts.set(body.username, a);
        byUid.set(uid, body.username);
        byJwt.set(a.jwt, uid);
        return send(200, { account: { uid, username: a.username }, session: { jwt: a.jwt } });
      }
      if (route === 'POST /api/auth/login') {
        const a = accounts.get(body.username);
        return a && a.secret === body.secret ? send(200, { uid: a.uid, jwt: a.jwt }) : send(401, { kind: 'auth', message: 'bad secret' });
      }
      const me = byJwt.get(String(req.headers['x-auth-token']));
      if (!me) return send(401, { kind: 'auth', message: 'missing X-Auth-Token' });
      if (route === 'GET /api/accounts/:id') {
        const a = accounts.get(byUid.get(parts[3]) ?? '');
        if (!a) return send(404, { kind: 'not_found', message: 'no such account' });
        const followers = [...following.values()].filter((s) => s.has(a.uid)).length;
        return send(200, { uid: a.uid, username: a.username, name: a.name, langs: a.langs, followers_count: followers, following_count: following.get(a.uid)?.size ?? 0 });
      }
      if (route === 'PUT /api/accounts/me/following/:id' || route === 'DELETE /api/accounts/me/following/:id') {
        const who = parts.at(-1)!;
        if (!byUid.has(who)) return send(404, { kind: 'not_found', message: 'no such account' });
        if (!following.has(me)) following.set(me, new Set());
        const set = following.get(me)!;
        if (req.method === 'DELETE') return set.delete(who), send(204);
        if (set.has(who)) return send(422, { kind: 'already_following', message: 'already following' });
        set.add(who);
        return send(204);
      }
      if (route === 'POST /api/statuses') {
        if (typeof body.body !== 'string' || !body.body) return send(422, { kind: 'invalid', message: 'body required' });
        const rid = String(req.headers['x-request-id']);
        const known = requestIds.get(rid);
        const sid = known ?? `s${++seq}`;
        if (!known) {
          const language = typeof body.language === 'string' ? body.language : /[\u4e00-\u9fff]/.test(body.body) ? 'zh' : 'en';
          statuses.set(sid, { sid, uid: me, body: body.body, language, hashtags: body.hashtags ?? [], published_at: new Date().toISOString(), favourites: 0, replies: 0 });
          requestIds.set(rid, sid);
        }
        return send(201, { status: statuses.get(sid) });
      }
      if (route === 'GET /api/statuses/:id') {
        const sid = parts[3];
        if (removed.has(sid)) return send(410, { kind: 'gone', message: 'removed' });
        const s = statuses.get(sid);
        return s ? send(200, { status: s }) : send(404, { kind: 'not_found', message: 'no such status' });
      }
      if (route === 'POST /api/statuses/:id/replies' || route === 'GET /api/statuses/:id/replies') {
        const sid = parts[3];
        if (removed.has(sid)) return send(410, { kind: 'gone', message: 'removed' });
        const s = statuses.get(sid);
        if (!s) return send(404, { kind: 'not_found', message: 'no such status' });
        const list = replies.get(sid) ?? [];
        replies.set(sid, list);
        if (req.method === 'GET') {
          const p = paged(list);
          return send(200, { replies: p.items, next_page: p.next });
        }
        const reply = { rid: `r${++seq}`, uid: me, body: String(body.body ?? ''), published_at: new Date().toISOString() };
        list.push(reply);
        s.replies++;
        return send(201, { reply: { rid: reply.rid, published_at: reply.published_at } });
      }
      if (route === 'POST /api/statuses/:id/favourite') {
        const s = statuses.get(parts[3]);
        if (!s) return send(404, { kind: 'not_found', message: 'no such status' });
        const key = `${me} ${s.sid}`;
        if (favourites.has(key)) return send(422, { kind: 'already_favourited', message: 'already favourited' });
        favourites.add(key);
        s.favourites++;
        return send(204);
      }
      if (route === 'GET /api/timelines/home' || route === 'GET /api/timelines/explore') {
        const f = following.get(me) ?? new Set();
        const home = route.endsWith('home');
        const list = [...statuses.values()]
          .filter((s) => !removed.has(s.sid) && s.sid !== sabotage.loseStatus && (!home || (f.has(s.uid) && !sabotage.hideFromHome)))
          .reverse();
        const p = paged(list);
        const items = sabotage.omitLanguage ? p.items.map(({ language: _, ...rest }) => rest) : p.items;
        return send(200, { statuses: items, next_page: p.next, mode: home ? undefined : 'fallback' });
      }
      // Flags, translations (?lang) and the following listing: Chirp lacks them.
      send(404, { kind: 'no_route', message: route });
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      resolve({
        url: `http://127.0.0.1:${port}`,
        hits,
        sabotage,
        remove: (sid) => void removed.add(sid),
        close: () => new Promise((r) => (server.closeAllConnections(), server.close(() => r()))),
      });
    }),
  );
}
