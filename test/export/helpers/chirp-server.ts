// A small "Chirp" server for the k6-export tests (the API of fixtures/adapters/example-adapter.ts): accounts,
// login, follows, statuses with X-Request-Id idempotency, replies, favourites, home/explore timelines. It keeps
// state, counts hits per route, and answers flagging and translation only if asked to (so a test sees whether
// an adapter sent what Chirp lacks). Like the API of the example adapter, it answers 422 for a taken username
// {kind: 'taken'} and for a follow or favourite that already holds ({kind: 'already_following' | 'already_favourited'}).
import http from 'node:http';

export interface ChirpServer {
  url: string;
  hits: Record<string, number>;
  state: { accounts: number; statuses: number; follows: number; replies: number; favourites: number };
  close(): Promise<void>;
}

export function startChirpServer(): Promise<ChirpServer> {
  const accounts = new Map<string, { uid: string; secret: string; jwt: string }>();
  const byJwt = new Map<string, string>();
  const statuses = new Map<string, { sid: string; uid: string; body: string; language: string; hashtags: string[]; published_at: string }>();
  const following = new Map<string, Set<string>>();
  const favourites = new Set<string>();
  const requestIds = new Map<string, string>();
  const hits: Record<string, number> = {};
  const state = { accounts: 0, statuses: 0, follows: 0, replies: 0, favourites: 0 };
  let seq = 0;
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      const url = new URL(req.url!, 'http://x');
      const body = raw ? JSON.parse(raw) : {};
      const send = (status: number, json?: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(json === undefined ? '' : JSON.stringify(json));
      };
      const route = `${req.method} ${url.pathname.replace(/\/[a-z]\d+/g, '/:id')}${url.searchParams.has('lang') ? '?lang' : ''}`;
      hits[route] = (hits[route] ?? 0) + 1;
      if (route === 'POST /api/accounts') {
        if (accounts.has(body.username)) return send(422, { kind: 'taken', message: 'username taken' });
        const uid = `a${++seq}`;
        const a = { uid, secret: body.secret, jwt: `jwt-${uid}` };
        accounts.set(body.username, a);
        byJwt.set(a.jwt, uid);
        state.accounts++;
        return send(200, { account: { uid, username: body.username }, session: { jwt: a.jwt } });
      }
      if (route === 'POST /api/auth/login') {
        const a = accounts.get(body.username);
        return a && a.secret === body.secret ? send(200, { uid: a.uid, jwt: a.jwt }) : send(401, { kind: 'auth', message: 'bad secret' });
      }
      const me = byJwt.get(String(req.headers['x-auth-token']));
      if (!me) return send(401, { kind: 'auth', message: 'missing X-Auth-Token' });
      if (route === 'PUT /api/accounts/me/following/:id') {
        if (!following.has(me)) following.set(me, new Set());
        const set = following.get(me)!;
        const who = url.pathname.split('/').pop()!;
        if (set.has(who)) return send(422, { kind: 'already_following', message: 'already following' });
        set.add(who);
        state.follows++;
        return send(204);
      }
      if (route === 'POST /api/statuses') {
        const rid = String(req.headers['x-request-id']);
        const known = requestIds.get(rid);
        const sid = known ?? `s${++seq}`;
        if (!known) {
          statuses.set(sid, { sid, uid: me, body: body.body, language: 'en', hashtags: body.hashtags, published_at: new Date().toISOString() });
          requestIds.set(rid, sid);
          state.statuses++;
        }
        return send(201, { status: statuses.get(sid) });
      }
      if (route === 'GET /api/statuses/:id') {
        const s = statuses.get(url.pathname.split('/').pop()!);
        return s ? send(200, { status: s }) : send(404, { kind: 'not_found', message: 'no such status' });
      }
      if (route === 'POST /api/statuses/:id/replies') {
        state.replies++;
        return send(201, { reply: { rid: `r${++seq}`, published_at: new Date().toISOString() } });
      }
      if (route === 'POST /api/statuses/:id/favourite') {
        const key = `${me} ${url.pathname}`;
        if (favourites.has(key)) return send(422, { kind: 'already_favourited', message: 'already favourited' });
        favourites.add(key);
        state.favourites++;
        return send(204);
      }
      if (route === 'GET /api/timelines/home' || route === 'GET /api/timelines/explore') {
        const f = following.get(me) ?? new Set();
        const list = [...statuses.values()].filter((s) => route.endsWith('explore') || f.has(s.uid)).slice(-20);
        return send(200, { statuses: list, next_page: null });
      }
      // Flags, translations (?lang) and the following listing: Chirp lacks them.
      send(404, { kind: 'no_route', message: route });
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      resolve({ url: `http://127.0.0.1:${port}`, hits, state, close: () => new Promise((r) => (server.closeAllConnections(), server.close(() => r()))) });
    }),
  );
}
