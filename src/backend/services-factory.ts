// The ONE place where the backend's surge mechanisms are chosen (DESIGN.md §5). Routes see only the interfaces
// in services.ts. This file ships the simple synchronous versions from ./simple; the surge mechanisms
// (feed/, lang/, translation/, moderation/, admission/) replace them here and nowhere else.
import type { FastifyBaseLogger } from 'fastify';
import type { Registry } from 'prom-client';
import type { Cache } from './cache/cache.ts';
import type { BackendConfig } from './config.ts';
import type {
  AdmissionController,
  DiscoverService,
  FanoutService,
  LanguageDetector,
  ModerationService,
  RateLimiter,
  Translator,
} from './services.ts';
import { DisabledTranslator } from './simple/disabled-translator.ts';
import { NoopModeration } from './simple/noop-moderation.ts';
import { OpenAdmission } from './simple/open-admission.ts';
import { PullFanout } from './simple/pull-fanout.ts';
import { RecentDiscover } from './simple/recent-discover.ts';
import { ScriptLanguageDetector } from './simple/script-language.ts';
import { WindowRateLimiter } from './simple/window-rate-limiter.ts';
import type { Store } from './store/store.ts';

export interface BackendServices {
  fanout: FanoutService;
  discover: DiscoverService;
  language: LanguageDetector;
  translator: Translator;
  moderation: ModerationService;
  admission: AdmissionController;
  rateLimiter: RateLimiter;
  /** Stops every service's workers, queues and timers (called once, before the store and cache close). */
  close(): Promise<void>;
}

export interface ServiceDeps {
  config: BackendConfig;
  store: Store;
  cache: Cache;
  /** The backend's metrics registry: register service metrics (social_*) here. */
  registry: Registry;
  log: FastifyBaseLogger;
}

export async function createServices(deps: ServiceDeps): Promise<BackendServices> {
  const fanout = new PullFanout(deps.store);
  const discover = new RecentDiscover(deps.store);
  const translator = new DisabledTranslator();
  const moderation = new NoopModeration();
  return {
    fanout,
    discover,
    language: new ScriptLanguageDetector(),
    translator,
    moderation,
    admission: new OpenAdmission(),
    rateLimiter: new WindowRateLimiter(deps.cache),
    async close() {
      await Promise.allSettled([fanout.close(), discover.close(), translator.close(), moderation.close()]);
    },
  };
}
