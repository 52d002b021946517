// A fast in-memory server speaking the reference API (DESIGN.md §4) for the session-mode engine benchmark
// (bench/engine-sessions.bench.ts). Plain node:http, no framework and no validation, so that nearly all the CPU the
// benchmark measures is the harness's: home timelines are filled on write (capped), discover is the newest posts,
// feed items carry every field the reference API returns (text, tags, counts), so the client parses real pages.
// Run: `node bench/helpers/memory-api.mjs` prints the port on stdout; GET /__stats answers {requests}.
import http from 'node:http';

const HOME_CAP = 200;
const users = new Map(); // id -> {id, handle, password, token, languages, following:Set, followers:Set, home:[], posts:[]}
const byHandle = new Map();
const byToken = new Map();
const posts = new Map(); // id -> post (the API's fields only: it is served as is)
const likers = new Map(); // post id -> Set of user ids
const comments = new Map(); // post id -> comments
const byKey = new Map();
const recent = []; // newest last, capped
let seq = 0;
let requests = 0;

const CJK = /[\u4e00-\u9fff]/;

function send(res, status, body, extra) {
  const text = body === undefined ? '' : JSON.stringify(body);
  const headers = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) };
  if (extra) Object.assign(headers, extra);
  res.writeHead(status, headers);
  res.end(text);
}

const fail = (res, status, code) => send(res, status, { error: { code, message: code } });

/** Newest first; the cursor is the sequence number of the last item served (older ones follow). */
function page(list, limit, cursor) {
  const before = cursor ? Number(cursor) : Infinity;
  const items = [];
  let last = 0;
  for (let i = list.length - 1; i >= 0 && items.length < limit; i--) {
    const n = Number(list[i].slice(1));
    if (n >= before) continue;
    const p = posts.get(list[i]);
    if (p) (items.push(p), (last = n));
  }
  return { items, nextCursor: items.length === limit ? String(last) : null };
}

function addToHome(u, postId) {
  u.home.push(postId);
  if (u.home.length > HOME_CAP * 2) u.home.splice(0, u.home.length - HOME_CAP);
}

function route(req, res, body, url) {
  const path = url.pathname;
  const method = req.method;
  if (method === 'GET' && path === '/__stats') return send(res, 200, { requests, users: users.size, posts: posts.size });
  if (method === 'GET' && (path === '/healthz' || path === '/readyz')) return send(res, 200, { ok: true });
  if (method === 'POST' && path === '/v1/users') {
    if (!body?.handle || !body.password) return fail(res, 400, 'invalid');
    if (byHandle.has(body.handle)) return fail(res, 409, 'handle_taken');
    const id = `u${++seq}`;
    const u = { id, handle: body.handle, password: body.password, token: `t${id}x${seq}`, displayName: body.displayName ?? '', languages: body.languages ?? [], following: new Set(), followers: new Set(), home: [], posts: [] };
    users.set(id, u);
    byHandle.set(u.handle, u);
    byToken.set(u.token, u);
    return send(res, 201, { id, handle: u.handle, token: u.token });
  }
  if (method === 'POST' && path === '/v1/sessions') {
    const u = byHandle.get(body?.handle);
    if (!u || u.password !== body.password) return fail(res, 401, 'bad_credentials');
    return send(res, 200, { userId: u.id, token: u.token });
  }
  const auth = req.headers.authorization;
  const me = auth ? byToken.get(auth.slice(7)) : undefined;
  if (!me) return fail(res, 401, 'unauthorized');
  const parts = path.split('/'); // ['', 'v1', resource, id?, sub?]
  const resource = parts[2];
  if (resource === 'feed' && method === 'GET') {
    const limit = Math.min(100, Number(url.searchParams.get('limit') ?? 20));
    return send(res, 200, page(parts[3] === 'following' ? me.home : recent, limit, url.searchParams.get('cursor')));
  }
  if (resource === 'posts') {
    const id = parts[3];
    if (method === 'POST' && !id) {
      const key = req.headers['idempotency-key'];
      if (key && byKey.has(key)) {
        const p = posts.get(byKey.get(key));
        return send(res, 201, { id: p.id, createdAt: p.createdAt, lang: p.lang });
      }
      const pid = `p${++seq}`;
      const lang = body?.lang ?? (CJK.test(body?.text ?? '') ? 'zh' : 'en');
      const p = { id: pid, authorId: me.id, text: body?.text ?? '', lang, tags: body?.tags ?? [], createdAt: new Date().toISOString(), likeCount: 0, commentCount: 0 };
      posts.set(pid, p);
      if (key) byKey.set(key, pid);
      me.posts.push(pid);
      recent.push(pid);
      if (recent.length > 2 * HOME_CAP) recent.splice(0, recent.length - HOME_CAP);
      for (const f of me.followers) addToHome(users.get(f), pid);
      return send(res, 201, { id: pid, createdAt: p.createdAt, lang });
    }
    const p = posts.get(id);
    if (!p) return fail(res, 404, 'not_found');
    const sub = parts[4];
    if (!sub && method === 'GET') {
      const to = url.searchParams.get('translate');
      return send(res, 200, to ? { ...p, translation: { lang: to, text: `[${to}] ${p.text}`, provider: 'memory' } } : p);
    }
    if (sub === 'likes' && method === 'POST') {
      let set = likers.get(p.id);
      if (!set) likers.set(p.id, (set = new Set()));
      if (set.has(me.id)) return send(res, 200, {});
      set.add(me.id);
      p.likeCount++;
      return send(res, 201, {});
    }
    if (sub === 'comments' && method === 'POST') {
      let list = comments.get(p.id);
      if (!list) comments.set(p.id, (list = []));
      const c = { id: `c${++seq}`, postId: p.id, authorId: me.id, text: body?.text ?? '', createdAt: new Date().toISOString() };
      list.push(c);
      p.commentCount++;
      return send(res, 201, { id: c.id, createdAt: c.createdAt });
    }
    if (sub === 'comments' && method === 'GET') {
      const list = comments.get(p.id) ?? [];
      const from = Number(url.searchParams.get('cursor') ?? 0);
      const limit = Math.min(100, Number(url.searchParams.get('limit') ?? 20));
      const items = list.slice(from, from + limit);
      return send(res, 200, { items, nextCursor: from + limit < list.length ? String(from + limit) : null });
    }
  }
  if (resource === 'follows') {
    if (method === 'POST') {
      const them = users.get(body?.userId);
      if (!them) return fail(res, 404, 'not_found');
      if (me.following.has(them.id)) return send(res, 200, {});
      me.following.add(them.id);
      them.followers.add(me.id);
      // Backfill the followee's recent posts into the home timeline, kept in post order.
      if (them.posts.length) {
        for (const pid of them.posts.slice(-20)) me.home.push(pid);
        me.home.sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)));
      }
      return send(res, 201, {});
    }
    if (method === 'DELETE') {
      const them = users.get(parts[3]);
      me.following.delete(parts[3]);
      them?.followers.delete(me.id);
      return send(res, 204);
    }
  }
  if (resource === 'users' && method === 'GET') {
    const u = users.get(parts[3]);
    if (!u) return fail(res, 404, 'not_found');
    if (parts[4] === 'following') return send(res, 200, { items: [...u.following], nextCursor: null });
    return send(res, 200, { id: u.id, handle: u.handle, displayName: u.displayName, languages: u.languages, followers: u.followers.size, following: u.following.size });
  }
  if (resource === 'reports' && method === 'POST') return send(res, 202, {});
  return fail(res, 404, 'no_route');
}

const server = http.createServer((req, res) => {
  requests++;
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    let body;
    if (chunks.length) {
      try {
        body = JSON.parse(Buffer.concat(chunks).toString());
      } catch {
        return fail(res, 400, 'bad_json');
      }
    }
    route(req, res, body, new URL(req.url, 'http://x'));
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
