// The ONE place where the backend's surge mechanisms are chosen (DESIGN.md §5). Routes see only the interfaces
// in services.ts: fan-out (feed/), discover ranking (feed/), language detection (lang/), translation
// (translation/), moderation (moderation/), admission and rate limits (admission/).
import { createHash } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { Registry } from 'prom-client';
import type { Cache } from './cache/cache.ts';
import { RedisCache } from './cache/redis-cache.ts';
import type { ServingConfig } from './config.ts';
import type {
  AdmissionController,
  DiscoverService,
  FanoutService,
  LanguageDetector,
  ModerationService,
  RateLimiter,
  Translator,
} from './services.ts';
import { admissionMetrics, PriorityAdmissionController } from './admission/admission.ts';
import { startLoopDelayMonitor } from './admission/loop-delay.ts';
import { CacheRateLimiter } from './admission/rate-limiter.ts';
import { RankedDiscover } from './feed/discover.ts';
import { TimelineFanout } from './feed/fanout.ts';
import { MemoryFanoutQueue, RedisFanoutQueue } from './feed/fanout-queue.ts';
import { FollowingPages } from './feed/following-pages.ts';
import { localPageInvalidation, type PageInvalidation } from './feed/page-invalidation.ts';
import { watchTimelines } from './feed/timeline-watch.ts';
import { OverloadSignal } from './feed/overload.ts';
import { createLanguageDetector } from './lang/detector.ts';
import { loadLexicon, RuleClassifier } from './moderation/classifier.ts';
import { ReviewQueueModeration } from './moderation/review-queue.ts';
import { resolveSurgeConfig } from './surge-config.ts';
import { Glossary } from './translation/glossary.ts';
import { shareTranslationSwitch } from './translation/shared-switch.ts';
import { SimulatedMtProvider } from './translation/simulated-mt.ts';
import { CachingTranslator } from './translation/translator.ts';
import type { Store } from './store/store.ts';

export interface BackendServices {
  fanout: FanoutService;
  discover: DiscoverService;
  language: LanguageDetector;
  translator: Translator;
  moderation: ModerationService;
  admission: AdmissionController;
  rateLimiter: RateLimiter;
  /** Rendered following pages of this process, and how changes reach every process's (feed/following-pages.ts). */
  followingPages: FollowingPagesService;
  /** Stops every service's workers, queues and timers (called once, before the store and cache close). */
  close(): Promise<void>;
}

export interface FollowingPagesService {
  pages: FollowingPages;
  invalidation: PageInvalidation;
  /** Fan-out is behind (following reads say `partial`): pages are built, not served from here. */
  behind(): boolean;
}

export interface ServiceDeps {
  config: ServingConfig;
  store: Store;
  cache: Cache;
  /** The backend's metrics registry: register service metrics (social_*) here. */
  registry: Registry;
  log: FastifyBaseLogger;
  /** Rendered following pages and their invalidation (server.ts); in-process ones when not given. */
  pages?: { pages: FollowingPages; invalidation: PageInvalidation };
}

/** Home-timeline expiry in the in-process cache (see createServices). */
export const IN_PROCESS_TIMELINE_TTL_SEC = 600;

export async function createServices(deps: ServiceDeps): Promise<BackendServices> {
  const { config, store, cache, registry } = deps;
  const surge = resolveSurgeConfig(config.surge);
  const loopDelay = startLoopDelayMonitor();

  const admission = new PriorityAdmissionController(surge.admission, admissionMetrics(registry), loopDelay);
  const useRedisQueue = surge.fanout.queue === 'redis' || (surge.fanout.queue === 'auto' && config.redis !== 'memory');
  if (useRedisQueue && config.redis === 'memory') throw new Error("surge.fanout.queue 'redis' needs --redis redis://…");
  if (useRedisQueue && !(cache instanceof RedisCache)) throw new Error("surge.fanout.queue 'redis' needs the Redis cache");
  // On Redis, the queue shares the cache's connection and per-turn pipeline (fanout-queue.ts).
  const queue =
    useRedisQueue && cache instanceof RedisCache
      ? new RedisFanoutQueue(cache, surge.fanout.queueCapacity, { jobsPerWake: surge.fanout.batchSize })
      : new MemoryFanoutQueue(surge.fanout.queueCapacity);
  // The in-process cache's memory is the heap: there, home timelines are kept IN_PROCESS_TIMELINE_TTL_SEC after their
  // owner's last read unless surge.fanout.timelineTtlSec says otherwise (Redis keeps them a day). A timeline that expired is
  // cold, and a cold timeline is served by read-time merge from the store (fanout.ts), so this costs CPU, not posts.
  const timelineTtlSet = (config.surge as { fanout?: { timelineTtlSec?: number } } | undefined)?.fanout?.timelineTtlSec !== undefined;
  const fanoutOptions = config.redis === 'memory' && !timelineTtlSet ? { ...surge.fanout, timelineTtlSec: IN_PROCESS_TIMELINE_TTL_SEC } : surge.fanout;
  const pages = deps.pages?.pages ?? new FollowingPages();
  const invalidation = deps.pages?.invalidation ?? localPageInvalidation(pages);
  // Fan-out's writes to home timelines (and to the list of pull authors) void the rendered pages they change.
  const fanout = new TimelineFanout(store, watchTimelines(cache, invalidation, () => pages.clear()), queue, registry, fanoutOptions);
  const overload = new OverloadSignal(
    { fanoutBacklog: () => queue.depth(), loopDelay, inFlight: () => admission.current() },
    surge.overload,
  );
  const discover = new RankedDiscover(store, overload, registry, surge.discover, cache);

  const t = surge.translation;
  const translator = new CachingTranslator(new SimulatedMtProvider(Glossary.load(t.glossaryPath), t), registry, t);
  const sharedSwitch =
    config.redis !== 'memory'
      ? shareTranslationSwitch(translator, config.redis, `${config.redisKeyPrefix}translation:enabled:${deploymentId(config.tokenSecret)}`)
      : undefined;

  const m = surge.moderation;
  const moderation = new ReviewQueueModeration(store, new RuleClassifier(loadLexicon(m.lexiconPath), m), registry, m, (id) =>
    discover.forget(id),
  );
  return {
    fanout,
    discover,
    language: createLanguageDetector(surge.language),
    translator,
    moderation,
    admission,
    rateLimiter: new CacheRateLimiter(cache, registry),
    followingPages: { pages, invalidation, behind: () => queue.depth() > surge.fanout.partialBacklog },
    async close() {
      loopDelay.close();
      await sharedSwitch?.close();
      await Promise.allSettled([fanout.close(), discover.close(), translator.close(), moderation.close()]);
    },
  };
}

/**
 * Processes of one deployment share the token secret (cluster workers always do; replicas must), so a digest of it
 * names the shared translation switch: a new deployment does not inherit an old one's switch.
 */
function deploymentId(tokenSecret: string): string {
  return createHash('sha256').update(tokenSecret).digest('hex').slice(0, 12);
}
