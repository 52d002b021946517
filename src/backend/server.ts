// Assembles the backend: metrics, store, cache and services are created here, decorated onto one Fastify
// instance, and closed by its onClose hook (so `app.close()` ends everything). Routes live in ./api.
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { Ajv } from 'ajv';
import { verifyToken, type TokenClaims } from './auth/tokens.ts';
import { resolveTokenSecret } from './auth/token-secret.ts';
import { openCache, RedisCache } from './cache/index.ts';
import type { Cache } from './cache/cache.ts';
import type { BackendConfig, ServingConfig } from './config.ts';
import { ApiError } from './errors.ts';
import { createBackendMetrics } from './metrics.ts';
import { createServices } from './services-factory.ts';
import { resolveSurgeConfig } from './surge-config.ts';
import { openStore } from './store/index.ts';
import type { Store } from './store/store.ts';
import { withPostCache } from './store/cached-store.ts';
import { withFollowerCache } from './store/cached-followers.ts';
import './api/context.ts';
import { installErrorHandling, mapError, sendError } from './api/errors.ts';
import { feedsApi } from './api/feeds.ts';
import { followsApi } from './api/follows.ts';
import { healthApi } from './api/health.ts';
import { postsApi } from './api/posts.ts';
import { reportsApi } from './api/reports.ts';
import { usersApi } from './api/users.ts';
import { translationAdminApi } from './translation/admin-api.ts';
import { RecentMap } from './cache/recent-map.ts';
import { FollowingPages } from './feed/following-pages.ts';
import { localPageInvalidation, RedisPageInvalidation, type PageInvalidation } from './feed/page-invalidation.ts';

/** Fields never written to logs. */
const REDACT = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["idempotency-key"]',
  'req.body.password',
  'body.password',
  'password',
  'token',
  '*.password',
  '*.token',
];

/**
 * Bodies are validated without type coercion (a number is not a string); query strings, params and headers
 * are text on the wire, so they are coerced ("20" -> 20). Unknown properties are dropped, defaults applied.
 */
function validators() {
  const common = { useDefaults: true, removeAdditional: true, allErrors: false, strict: false } as const;
  const body = new Ajv({ ...common, coerceTypes: false });
  const text = new Ajv({ ...common, coerceTypes: 'array' });
  return ({ schema, httpPart }: { schema: object; httpPart?: string }) =>
    (httpPart === 'body' ? body : text).compile(schema) as (data: unknown) => boolean;
}

/**
 * Bearer tokens this process has verified, so a client's every request does not recompute the HMAC: a bounded map
 * from the Authorization header to its claims (RecentMap: at most 20,000, none kept longer than 5 minutes, so a long
 * run holds the tokens of its recently active clients, not of everyone who ever logged in). Expiry is checked on
 * every use; failures are never remembered.
 */
class VerifiedTokens {
  private readonly claims: RecentMap<string, TokenClaims>;

  constructor(
    private readonly secret: string,
    capacity = 20_000,
    maxAgeMs = 5 * 60_000,
  ) {
    this.claims = new RecentMap(capacity, maxAgeMs);
  }

  verify(header: string | undefined): TokenClaims {
    const hit = header === undefined ? undefined : this.claims.get(header);
    if (hit && hit.exp * 1000 > Date.now()) return hit;
    const claims = verifyToken(this.secret, header); // throws 401 for a missing, forged or expired token
    this.claims.set(header!, claims);
    return claims;
  }
}

type LogArgs = [unknown, ...unknown[]];
type Bindings = Parameters<FastifyBaseLogger['child']>[0];
type ChildOptions = Parameters<FastifyBaseLogger['child']>[1];

/**
 * A request's logger, made on first use: Fastify makes a pino child per request (its bindings serialised at once, a
 * new logger object), and nearly every request logs nothing. The child is made, with the same bindings and options,
 * when the request first logs, asks for a child or changes its level.
 */
class LazyRequestLogger {
  private made: FastifyBaseLogger | undefined;

  constructor(
    private readonly parent: FastifyBaseLogger,
    private readonly bindings: Bindings,
    private readonly options: ChildOptions,
  ) {}

  private get log(): FastifyBaseLogger {
    return (this.made ??= this.parent.child(this.bindings, this.options));
  }

  get level(): string {
    return this.made?.level ?? this.options?.level ?? this.parent.level;
  }

  set level(level: string) {
    this.log.level = level;
  }

  fatal(...args: LogArgs): void {
    (this.log.fatal as (...a: LogArgs) => void)(...args);
  }

  error(...args: LogArgs): void {
    (this.log.error as (...a: LogArgs) => void)(...args);
  }

  warn(...args: LogArgs): void {
    (this.log.warn as (...a: LogArgs) => void)(...args);
  }

  info(...args: LogArgs): void {
    (this.log.info as (...a: LogArgs) => void)(...args);
  }

  debug(...args: LogArgs): void {
    (this.log.debug as (...a: LogArgs) => void)(...args);
  }

  trace(...args: LogArgs): void {
    (this.log.trace as (...a: LogArgs) => void)(...args);
  }

  silent(...args: LogArgs): void {
    (this.log.silent as (...a: LogArgs) => void)(...args);
  }

  child(bindings: Bindings, options?: ChildOptions): FastifyBaseLogger {
    return this.log.child(bindings, options);
  }
}

export interface BuildOptions {
  /** Where logs go (default stderr); tests capture them here. */
  logStream?: NodeJS.WritableStream;
}

export async function buildServer(config: BackendConfig, options: BuildOptions = {}): Promise<FastifyInstance> {
  const metrics = createBackendMetrics();
  const app = Fastify({
    // Logs go to stderr, so stdout carries only what the CLI prints (the URL).
    logger: { level: config.logLevel, redact: { paths: REDACT, censor: '[redacted]' }, stream: options.logStream ?? process.stderr },
    logController: new LogController({ disableRequestLogging: !config.logRequests }),
    bodyLimit: config.bodyLimitBytes,
    trustProxy: config.trustProxy,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    // Errors raised before routing (a malformed %-escape in the path) get the same JSON error shape.
    frameworkErrors: (err, _req, reply) => sendError(reply, mapError(err)),
    childLoggerFactory: (logger, bindings, options) => new LazyRequestLogger(logger, bindings, options) as unknown as FastifyBaseLogger,
  });
  app.setValidatorCompiler(validators());
  installErrorHandling(app, config.bodyLimitBytes);

  let store: Store | undefined;
  let cache: Cache | undefined;
  let invalidation: PageInvalidation | undefined;
  let serving: ServingConfig;
  try {
    store = await openStore({ ...config, observer: metrics.storeObserver });
    // Without a configured token secret, the one kept in the database (so restarts and replicas share it).
    serving = { ...config, tokenSecret: await resolveTokenSecret(config.tokenSecret, store) };
    metrics.watchPool(() => store?.poolStats());
    cache = await openCache({ redis: config.redis, keyPrefix: config.redisKeyPrefix });
    // Rendered following pages, per process; every process sharing the cache hears of changes (feed/page-invalidation.ts).
    const pages = new FollowingPages(resolveSurgeConfig(config.surge).followingPages);
    invalidation =
      cache instanceof RedisCache
        ? await RedisPageInvalidation.connect(cache, config.redis, config.redisKeyPrefix, pages)
        : localPageInvalidation(pages);
    const pageInvalidation = invalidation;
    // Post reads (pages, single posts) go through the cache; the SQL store stays the truth.
    store = withPostCache(store, cache, undefined, (ids, landed) => pageInvalidation.posts(ids, landed));
    // Follower lists (fan-out reads one per post) from a per-process copy while their version in the cache is unchanged.
    store = withFollowerCache(store, cache);
    const services = await createServices({
      config: serving,
      store,
      cache,
      registry: metrics.registry,
      log: app.log,
      pages: { pages, invalidation },
    });
    app.decorate('backendConfig', serving);
    app.decorate('metrics', metrics);
    app.decorate('store', store);
    app.decorate('cache', cache);
    app.decorate('services', services);
    app.addHook('onClose', async () => {
      await services.close();
      await Promise.allSettled([store!.close(), cache!.close(), pageInvalidation.close()]);
    });
  } catch (err) {
    await Promise.allSettled([store?.close(), cache?.close(), invalidation?.close(), app.close()]);
    throw err;
  }

  const verifiedTokens = new VerifiedTokens(serving.tokenSecret);
  app.decorateRequest('user', null);
  app.decorateRequest('admissionTicket', null);

  const release = (req: { admissionTicket: { release(): void } | null }) => {
    const ticket = req.admissionTicket;
    req.admissionTicket = null;
    ticket?.release();
  };

  // Admission first (cheapest rejection), then authentication; both before the body is read.
  // Callback-style hooks (no promise per hook per request); a thrown ApiError goes to done().
  const admit = (req: FastifyRequest, reply: FastifyReply): void => {
    const routeConfig = req.routeOptions.config;
    if (routeConfig.priority) {
      const admitted = app.services.admission.tryAcquire(routeConfig.priority);
      if ('retryAfterSec' in admitted) {
        throw new ApiError(503, 'overloaded', `server over capacity for ${routeConfig.priority} requests; retry later`, {
          retryAfterSec: Math.max(1, Math.ceil(admitted.retryAfterSec)),
        });
      }
      req.admissionTicket = admitted;
      // The response's 'close' fires however the exchange ends (sent, failed, or the client hung up mid-request,
      // when Fastify runs neither onResponse nor, once the body was read, onRequestAbort): no ticket leaks.
      reply.raw.once('close', () => release(req));
    }
    if (routeConfig.auth) req.user = verifiedTokens.verify(req.headers.authorization);
  };
  app.addHook('onRequest', (req, reply, done) => {
    try {
      admit(req, reply);
    } catch (err) {
      done(err as Error);
      return;
    }
    done();
  });

  // One histogram child per (route, method, status): labels are resolved once, not hashed on every response.
  const durationByLabels = new Map<string, { observe(v: number): void }>();
  app.addHook('onResponse', (req, reply, done) => {
    release(req);
    const route = req.routeOptions.url ?? 'unmatched';
    const key = `${route} ${req.method} ${reply.statusCode}`;
    let child = durationByLabels.get(key);
    if (!child) {
      child = metrics.httpDuration.labels({ route, method: req.method, status_code: String(reply.statusCode) });
      durationByLabels.set(key, child);
    }
    child.observe(reply.elapsedTime / 1000);
    done();
  });
  app.addHook('onRequestAbort', async (req) => release(req));

  await app.register(healthApi);
  await app.register(usersApi);
  await app.register(followsApi);
  await app.register(postsApi);
  await app.register(feedsApi);
  await app.register(reportsApi);
  await app.register(translationAdminApi);
  return app;
}
