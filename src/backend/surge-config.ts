// The surge mechanisms' knobs (config key `surge`, DESIGN.md §5), validated here and defaulted in each module.
// Every field is optional; a bad one is reported with its path (e.g. `surge.fanout.workers`).
import { z } from 'zod';
import { ConfigError } from './config.ts';
import { DEFAULT_ADMISSION_OPTIONS } from './admission/admission.ts';
import { DEFAULT_DETECTOR_OPTIONS } from './lang/detector.ts';
import { DEFAULT_DISCOVER_OPTIONS } from './feed/discover.ts';
import { DEFAULT_FANOUT_OPTIONS } from './feed/fanout.ts';
import { DEFAULT_FOLLOWING_PAGES_OPTIONS } from './feed/following-pages.ts';
import { DEFAULT_OVERLOAD_OPTIONS } from './feed/overload.ts';
import { DEFAULT_CLASSIFIER_OPTIONS } from './moderation/classifier.ts';
import { DEFAULT_REVIEW_OPTIONS } from './moderation/review-queue.ts';
import { DEFAULT_SIMULATED_MT_OPTIONS } from './translation/simulated-mt.ts';
import { DEFAULT_TRANSLATOR_OPTIONS } from './translation/translator.ts';

const int = (min = 0) => z.number().int().min(min);
const num = (min = 0) => z.number().min(min);
const share = z.number().min(0).max(1);

export const SurgeConfigSchema = z.strictObject({
  fanout: z
    .strictObject({
      /** 'auto': the Redis list when --redis is a URL, else in process. */
      queue: z.enum(['auto', 'memory', 'redis']),
      workers: int(),
      queueCapacity: int(1),
      followerPageSize: int(1),
      timelineCap: int(1),
      timelineTtlSec: int(),
      celebrityThreshold: int(1),
      batchSize: int(1),
      partialBacklog: int(),
      overflowPullSec: int(1),
      backfillOnFollow: int(),
      followingScan: int(1),
      followingCacheMs: int(),
      storeTimeoutMs: int(),
      pullRefreshMs: int(10),
      pollMs: int(1),
    })
    .partial(),
  /** Rendered following pages kept per process (feed/following-pages.ts); maxPages 0 keeps none. */
  followingPages: z.strictObject({ maxPages: int(), maxBytes: int(1), maxAgeMs: int(1), maxMarks: int(1) }).partial(),
  discover: z
    .strictObject({
      candidateLimit: int(1),
      candidateWindowSec: int(1),
      candidateTtlMs: int(),
      rankBudgetMs: num(),
      storeTimeoutMs: int(),
      weightLanguage: num(),
      weightEngagement: num(),
      weightRecency: num(),
      engagementHalfLifeSec: num(1),
      recencyHalfLifeSec: num(1),
      explorationShare: share,
      snapshotTtlSec: int(1),
    })
    .partial(),
  overload: z.strictObject({ maxFanoutBacklog: int(), maxEventLoopDelayMs: num(), maxInFlight: int() }).partial(),
  language: z.strictObject({ minLetters: int() }).partial(),
  translation: z
    .strictObject({
      enabled: z.boolean(),
      cacheSize: int(1),
      latencyMedianMs: num(),
      latencySigma: num(),
      maxConcurrent: int(1),
      maxQueue: int(),
      glossaryPath: z.string().min(1),
      /** Bearer token for POST /v1/admin/translation; unset: the admin route answers 404. */
      adminToken: z.string().min(16),
    })
    .partial(),
  moderation: z
    .strictObject({
      reviewers: int(),
      decisionSec: num(),
      maxBacklog: int(1),
      reportsToRemove: int(1),
      maxLinks: int(1),
      repeatThreshold: int(2),
      repeatWindowSec: int(1),
      repeatMemory: int(1),
      lexiconPath: z.string().min(1),
    })
    .partial(),
  admission: z
    .strictObject({ maxInFlight: int(), sheddableShare: share, maxEventLoopDelayMs: num(), retryAfterSec: int(1) })
    .partial(),
  /** --workers N: where the primary serves every process's metrics, summed (0: a free port, printed at start). */
  cluster: z.strictObject({ metricsPort: int().max(65_535) }).partial(),
});

export type SurgeConfigInput = z.input<typeof SurgeConfigSchema>;

export const SURGE_DEFAULTS = {
  fanout: { queue: 'auto' as 'auto' | 'memory' | 'redis', ...DEFAULT_FANOUT_OPTIONS },
  followingPages: DEFAULT_FOLLOWING_PAGES_OPTIONS,
  discover: DEFAULT_DISCOVER_OPTIONS,
  overload: DEFAULT_OVERLOAD_OPTIONS,
  language: DEFAULT_DETECTOR_OPTIONS,
  translation: { ...DEFAULT_TRANSLATOR_OPTIONS, ...DEFAULT_SIMULATED_MT_OPTIONS, glossaryPath: undefined as string | undefined, adminToken: undefined as string | undefined },
  moderation: { ...DEFAULT_REVIEW_OPTIONS, ...DEFAULT_CLASSIFIER_OPTIONS, lexiconPath: undefined as string | undefined },
  admission: DEFAULT_ADMISSION_OPTIONS,
  cluster: { metricsPort: 0 },
};

export type SurgeConfig = typeof SURGE_DEFAULTS;


/** Validates `config.surge` (every bad field at once) and fills defaults per section. */
export function resolveSurgeConfig(raw: unknown): SurgeConfig {
  const parsed = SurgeConfigSchema.partial().safeParse(raw ?? {});
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => `backend config: surge.${i.path.join('.') || '(root)'}: ${i.message}`).join('\n'),
    );
  }
  const s = parsed.data;
  return {
    fanout: { ...SURGE_DEFAULTS.fanout, ...s.fanout },
    followingPages: { ...SURGE_DEFAULTS.followingPages, ...s.followingPages },
    discover: { ...SURGE_DEFAULTS.discover, ...s.discover },
    overload: { ...SURGE_DEFAULTS.overload, ...s.overload },
    language: { ...SURGE_DEFAULTS.language, ...s.language },
    translation: { ...SURGE_DEFAULTS.translation, ...s.translation },
    moderation: { ...SURGE_DEFAULTS.moderation, ...s.moderation },
    admission: { ...SURGE_DEFAULTS.admission, ...s.admission },
    cluster: { ...SURGE_DEFAULTS.cluster, ...s.cluster },
  };
}
