// A tiny in-memory server speaking enough of the reference API (DESIGN.md §4) to drive the engine in tests.
// Test-only stand-in; the real backend is src/backend. Knobs make it misbehave on purpose.
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';

export interface MiniBackendOptions {
  /** Answer this share of requests with 429 + Retry-After (seconds). */
  throttleShare?: number;
  retryAfterSec?: number;
  /** Added service delay per request, ms. */
  delayMs?: number;
}

export interface MiniBackend {
  url: string;
  port: number;
  app: FastifyInstance;
  stats: { requests: number; signups: number; posts: number; idempotentReplays: number; xff: Set<string> };
  close(): Promise<void>;
}

export async function startMiniBackend(options: MiniBackendOptions = {}): Promise<MiniBackend> {
  const app = Fastify({ logger: false, forceCloseConnections: true });
  const users = new Map<string, { id: string; handle: string; password: string; token: string }>();
  const tokens = new Map<string, string>();
  const posts = new Map<string, { id: string; authorId: string; text: string; lang: string; tags: string[]; createdAt: string }>();
  const byKey = new Map<string, string>();
  const follows = new Map<string, Set<string>>();
  const stats = { requests: 0, signups: 0, posts: 0, idempotentReplays: 0, xff: new Set<string>() };
  let seq = 0;
  let throttleCounter = 0;

  app.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
    stats.requests++;
    const xff = req.headers['x-forwarded-for'];
    if (typeof xff === 'string') stats.xff.add(xff);
    if (options.delayMs) await new Promise((r) => setTimeout(r, options.delayMs));
    if (options.throttleShare && (throttleCounter++ % Math.round(1 / options.throttleShare)) === 0) {
      reply.code(429).header('retry-after', String(options.retryAfterSec ?? 0)).send({ error: { code: 'rate_limited', message: 'slow down' } });
      return reply;
    }
    if (req.url.startsWith('/v1/users') && req.method === 'POST') return;
    if (req.url.startsWith('/v1/sessions')) return;
    const auth = req.headers.authorization;
    const userId = auth?.startsWith('Bearer ') ? tokens.get(auth.slice(7)) : undefined;
    if (!userId) {
      reply.code(401).send({ error: { code: 'unauthorized', message: 'no token' } });
      return reply;
    }
    (req as FastifyRequest & { userId: string }).userId = userId;
  });
  const uid = (req: FastifyRequest) => (req as FastifyRequest & { userId: string }).userId;

  app.post('/v1/users', async (req, reply) => {
    const b = req.body as { handle: string; password: string };
    if (!b?.handle || !b.password) return reply.code(400).send({ error: { code: 'invalid', message: 'handle', field: 'handle' } });
    if ([...users.values()].some((u) => u.handle === b.handle)) return reply.code(409).send({ error: { code: 'handle_taken', message: 'taken' } });
    const id = `u${++seq}`;
    const token = `t-${id}`;
    users.set(id, { id, handle: b.handle, password: b.password, token });
    tokens.set(token, id);
    stats.signups++;
    return reply.code(201).send({ id, handle: b.handle, token });
  });
  app.post('/v1/sessions', async (req, reply) => {
    const b = req.body as { handle: string; password: string };
    const u = [...users.values()].find((x) => x.handle === b.handle && x.password === b.password);
    if (!u) return reply.code(401).send({ error: { code: 'bad_credentials', message: 'no' } });
    return { userId: u.id, token: u.token };
  });
  app.post('/v1/follows', async (req, reply) => {
    const { userId } = req.body as { userId: string };
    let set = follows.get(uid(req));
    if (!set) follows.set(uid(req), (set = new Set()));
    const had = set.has(userId);
    set.add(userId);
    return reply.code(had ? 200 : 201).send({});
  });
  app.post('/v1/posts', async (req, reply) => {
    const key = req.headers['idempotency-key'];
    if (typeof key === 'string' && byKey.has(key)) {
      stats.idempotentReplays++;
      const p = posts.get(byKey.get(key)!)!;
      return reply.code(201).send({ id: p.id, createdAt: p.createdAt, lang: p.lang });
    }
    const b = req.body as { text: string; tags: string[] };
    const id = `p${++seq}`;
    const lang = /[\u4e00-\u9fff]/.test(b.text) ? 'zh' : 'en';
    const p = { id, authorId: uid(req), text: b.text, lang, tags: b.tags ?? [], createdAt: new Date().toISOString() };
    posts.set(id, p);
    if (typeof key === 'string') byKey.set(key, id);
    stats.posts++;
    return reply.code(201).send({ id, createdAt: p.createdAt, lang });
  });
  app.get('/v1/posts/:id', async (req, reply) => {
    const p = posts.get((req.params as { id: string }).id);
    if (!p) return reply.code(404).send({ error: { code: 'not_found', message: 'no post' } });
    const to = (req.query as { translate?: string }).translate;
    return to ? { ...p, translation: { lang: to, text: `[${to}] ${p.text}`, provider: 'mini' } } : p;
  });
  app.post('/v1/posts/:id/comments', async (_req, reply) => reply.code(201).send({ id: `c${++seq}`, createdAt: new Date().toISOString() }));
  app.post('/v1/posts/:id/likes', async (_req, reply) => reply.code(201).send({}));
  app.post('/v1/reports', async (_req, reply) => reply.code(202).send({}));
  const feed = (items: unknown[]) => ({ items, nextCursor: items.length ? 'next' : null });
  app.get('/v1/feed/following', async (req) => {
    const f = follows.get(uid(req)) ?? new Set();
    return feed([...posts.values()].filter((p) => f.has(p.authorId)).slice(-20).reverse());
  });
  app.get('/v1/feed/discover', async () => ({ ...feed([...posts.values()].slice(-20).reverse()), degraded: posts.size > 50 ? 'ranker-fallback' : undefined }));

  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { url: `http://127.0.0.1:${port}`, port, app, stats, close: () => app.close() };
}
