// The scenario as its author writes it (TypeScript via defineScenario, or JSON), validated with zod. Output is
// normalised: durations become seconds and curves plain numeric data. Defaults are NOT filled here but in
// compile.ts from defaults.ts, so that one place holds them.
import type { z as Z } from 'zod';
import { z } from './zod.ts';
import { parseCompression, parseDuration, parseInstant } from './clock.ts';
import type { Curve } from './curves.ts';
import { PERSONAS, POST_KINDS } from './vocabulary.ts';
import { SAMPLE, SEED, zodInRange } from './limits.ts';
import { resolveIdentityPolicy } from '../target/identity-policy.ts';

// ---- primitives ------------------------------------------------------------------------------------------------

/** "90s", "10m", "48h", "10d", "1h30m" or a number of seconds -> seconds. */
export const Duration = z.union([z.number(), z.string()], { error: 'expected a duration: seconds, or a string like "90s", "10m", "48h", "10d"' }).transform((value, ctx) => {
  try {
    return parseDuration(value);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
    return z.NEVER;
  }
});

const PositiveDuration = Duration.refine((s) => s > 0, { message: 'expected a duration greater than zero' });

const Compression = z.union([z.number(), z.string()], { error: 'expected a compression like "10d->10m" or a factor like 1440' }).transform((value, ctx) => {
  try {
    return parseCompression(value);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
    return z.NEVER;
  }
});

const Instant = z.string().refine(
  (s) => {
    try {
      parseInstant(s);
      return true;
    } catch {
      return false;
    }
  },
  { message: 'expected an ISO 8601 date-time with a zone, like "2025-01-13T01:00:00Z"' },
);

const nonNeg = () => z.number().min(0, { message: 'expected a number >= 0' });
const positive = () => z.number().positive({ message: 'expected a positive number' });
const share = () => z.number().min(0, { message: 'expected a share between 0 and 1' }).max(1, { message: 'expected a share between 0 and 1' });
const count = () => z.number().int({ message: 'expected a whole number' }).min(0, { message: 'expected a whole number >= 0' });

/** A mix: name -> non-negative weight, with at least one positive weight. Weights are normalised by the compiler. */
function mix<K extends Z.ZodType<string, string>>(key: K) {
  return z
    .partialRecord(key, nonNeg())
    .refine((m) => Object.values(m).some((w) => (w as number) > 0), { message: 'expected at least one positive weight' });
}

const TimeZone = z.string().refine(
  (tz) => {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: tz });
      return tz.length > 0;
    } catch {
      return false;
    }
  },
  { message: 'expected an IANA time zone like "Asia/Shanghai" or "America/New_York"' },
);

/** ll or ll_CC, as faker names locales (en_US, zh_CN, de). */
const Locale = z.string().regex(/^[a-z]{2,3}(?:[_-][A-Z]{2})?$/, { message: 'expected a locale like "en_US", "zh_CN" or "de"' });
const Language = z.string().regex(/^[a-z]{2,3}$/, { message: 'expected an ISO 639-1 language code like "en" or "zh"' });

// ---- curves ----------------------------------------------------------------------------------------------------

/** A curve as written: like `Curve` but with durations allowed as strings. */
export type CurveInput =
  | { kind: 'constant'; rate: number }
  | { kind: 'ramp'; from?: number; to: number; start?: number | string; end: number | string }
  | {
      kind: 'flash';
      peak: number;
      at: number | string;
      ramp: number | string;
      tau: number | string;
      alpha: number;
      base?: number;
      onset?: number | string;
    }
  | { kind: 'shock'; peak: number; at: number | string; rise: number | string; decay?: number | string }
  | { kind: 'cliff'; at: number | string; from?: number; to: number; over?: number | string }
  | { kind: 'diurnal'; tzOffsetHours: number; amplitude?: number; peakHour?: number; mean?: number; epochSec?: number }
  | { kind: 'csv'; path: string; points?: Array<[number, number]>; scale?: number; period?: number | string; offset?: number | string }
  | { kind: 'sum'; of: CurveInput[] }
  | { kind: 'product'; of: CurveInput[] }
  | { kind: 'scale'; factor: number; of: CurveInput };

export const CurveSchema: Z.ZodType<Curve, CurveInput> = z.lazy(() =>
  z.discriminatedUnion(
    'kind',
    [
      z.strictObject({ kind: z.literal('constant'), rate: nonNeg() }),
      z.strictObject({
        kind: z.literal('ramp'),
        from: nonNeg().default(0),
        to: nonNeg(),
        start: Duration.default(0),
        end: Duration,
      }),
      z.strictObject({
        kind: z.literal('flash'),
        peak: positive(),
        at: Duration,
        ramp: PositiveDuration,
        tau: PositiveDuration,
        alpha: positive(),
        base: nonNeg().optional(),
        onset: Duration.optional(),
      }),
      z.strictObject({
        kind: z.literal('shock'),
        peak: nonNeg(),
        at: Duration,
        rise: PositiveDuration,
        decay: PositiveDuration.optional(),
      }),
      z.strictObject({ kind: z.literal('cliff'), at: Duration, from: nonNeg().default(1), to: nonNeg(), over: Duration.default(0) }),
      z.strictObject({
        kind: z.literal('diurnal'),
        tzOffsetHours: z.number().min(-14).max(14),
        amplitude: share().default(0.5),
        peakHour: z.number().min(0).max(24).default(20),
        mean: nonNeg().default(1),
        epochSec: z.number().optional(),
      }),
      z.strictObject({
        kind: z.literal('csv'),
        path: z.string().min(1),
        points: z.array(z.tuple([z.number(), nonNeg()])).min(1).optional(),
        scale: nonNeg().optional(),
        period: PositiveDuration.optional(),
        offset: Duration.optional(),
      }),
      z.strictObject({ kind: z.literal('sum'), of: z.array(CurveSchema).min(1) }),
      z.strictObject({ kind: z.literal('product'), of: z.array(CurveSchema).min(1) }),
      z.strictObject({ kind: z.literal('scale'), factor: nonNeg(), of: CurveSchema }),
    ],
    { error: 'expected a curve with kind one of constant, ramp, flash, shock, cliff, diurnal, csv, sum, product, scale' },
  ),
).transform((c) => {
  // shock: decay defaults to rise; done here because it depends on a sibling field
  if (c.kind === 'shock' && c.decay === undefined) return { ...c, decay: c.rise };
  return c;
}) as unknown as Z.ZodType<Curve, CurveInput>;

// ---- cohorts ---------------------------------------------------------------------------------------------------

const PersonaSchema = z.enum(PERSONAS);
const PostKindSchema = z.enum(POST_KINDS);

export const WeightsSchema = z.strictObject({
  readFollowing: nonNeg().optional(),
  readDiscover: nonNeg().optional(),
  like: nonNeg().optional(),
  comment: nonNeg().optional(),
  post: nonNeg().optional(),
  translate: nonNeg().optional(),
  report: nonNeg().optional(),
  follow: nonNeg().optional(),
});

export const BehaviourSchema = z.strictObject({
  /** Mean actions per session (geometric). */
  actionsPerSession: positive().optional(),
  /** Mean think time between actions, WALL time ("2s", 1.5). */
  thinkTime: Duration.optional(),
  weights: WeightsSchema.optional(),
  /** Posts made right after signup. */
  introPosts: count().optional(),
});

export const FollowSchema = z.strictObject({
  count: nonNeg().optional(),
  popularShare: share().optional(),
  sameLanguageShare: share().optional(),
});

export const ContentSchema = z.strictObject({
  kinds: mix(PostKindSchema).optional(),
  languages: mix(z.string().regex(/^[a-z]{2,3}(-mixed)?$/, { message: 'expected a language code like "en", "zh" or "en-mixed"' })).optional(),
  mediaShare: share().optional(),
  markerShare: share().optional(),
  commentAlpha: z.number().gt(1, { message: 'expected a power-law exponent > 1' }).optional(),
  /**
   * Share of posts sent with the author's declared language as a hint (`langHint`: the reference API's `lang`,
   * Bluesky's `langs`, Mastodon's `language`). Real clients send it on most posts; default 0 (no hint: the target
   * detects). The ground truth stays the generator's language either way.
   */
  langHintShare: share().optional(),
});

export const CohortSchema = z
  .strictObject({
    name: z
      .string()
      .regex(/^[a-z0-9][a-z0-9_-]*$/i, { message: 'expected a name of letters, digits, "-" and "_" (used as a metric label)' }),
    description: z.string().optional(),
    /** Accounts exist before the run (created in setup) instead of signing up on arrival. */
    preexisting: z.boolean().optional(),
    /** People in the cohort at full scale: new arrivals over the scenario (or existing accounts if preexisting). */
    size: nonNeg().optional(),
    curve: CurveSchema.optional(),
    /** With both size and curve: 'shape' (default) rescales the curve to match size; 'rate' keeps it absolute. */
    curveIs: z.enum(['shape', 'rate']).optional(),
    /** Preexisting cohorts with a shape curve: expected sessions per person over the scenario. */
    sessionsPerPerson: positive().optional(),
    returningShare: share().optional(),
    locales: mix(Locale).optional(),
    /** Share of people who also read a second language, e.g. {zh: 0.05} for English speakers who read Chinese. */
    alsoReads: z.record(Language, share()).optional(),
    /** IANA time zone -> weight. */
    timeZones: mix(TimeZone).optional(),
    personas: mix(PersonaSchema).optional(),
    behaviour: BehaviourSchema.optional(),
    follow: FollowSchema.optional(),
    content: ContentSchema.optional(),
    inFlightCap: count().optional(),
  })
  .superRefine((c, ctx) => {
    if (c.size === undefined && c.curve === undefined) {
      ctx.addIssue({ code: 'custom', path: ['size'], message: 'a cohort needs a size, an arrival curve, or both' });
    }
    if (c.preexisting && c.size === undefined) {
      ctx.addIssue({ code: 'custom', path: ['size'], message: 'a preexisting cohort needs a size (the number of accounts created before the run)' });
    }
    if (!c.preexisting && c.returningShare === 1) {
      ctx.addIssue({ code: 'custom', path: ['returningShare'], message: 'a cohort of newcomers needs returningShare < 1 (someone has to sign up)' });
    }
    if (c.curveIs && (c.size === undefined || c.curve === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['curveIs'], message: 'curveIs only applies when a cohort has both size and curve' });
    }
  });

// ---- the rest ----------------------------------------------------------------------------------------------------

export const EVENT_KINDS = ['translation', 'shock', 'cliff', 'outage', 'note'] as const;

export const EventSchema = z.strictObject({
  name: z.string().min(1),
  kind: z.enum(EVENT_KINDS),
  /** Scenario time of the event. */
  at: Duration,
  description: z.string().optional(),
});

export const FAULT_KINDS = ['kill', 'stall', 'slow-store', 'cut-redis'] as const;

export const FaultSchema = z
  .strictObject({
    kind: z.enum(FAULT_KINDS),
    /** Scenario time the fault starts (converted to wall time by the compression). */
    at: Duration.optional(),
    /** Or: wall time the fault starts. */
    atWall: Duration.optional(),
    /** How long the fault lasts, in WALL time (a stall is about the system, not the story). */
    duration: Duration.optional(),
    params: z.record(z.string(), z.union([z.number(), z.string()])).optional(),
  })
  .superRefine((f, ctx) => {
    if ((f.at === undefined) === (f.atWall === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['at'], message: 'a fault needs exactly one of at (scenario time) or atWall (wall time)' });
    }
  });

export const TimelineSchema = z
  .strictObject({
    /** Real-world moment of scenario time 0, ISO 8601 with a zone. */
    start: Instant,
    /** How much scenario (real-world) time the scenario tells. */
    duration: PositiveDuration,
    /** Scenario time per wall time: "10d->10m" or a factor. */
    compress: Compression.optional(),
    /** Or: how long the run takes in wall time (compression = duration / wall). */
    wall: PositiveDuration.optional(),
    /** Volume factor: cohort sizes and rates are multiplied by it (0.001 = one in a thousand). */
    sample: zodInRange(SAMPLE).optional(),
    /** Wall time to let sessions in flight finish after the last arrival. */
    gracefulStop: Duration.optional(),
  })
  .superRefine((t, ctx) => {
    if (t.compress !== undefined && t.wall !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['wall'], message: 'give either compress or wall, not both' });
    }
  });

export const TargetSchema = z.strictObject({
  url: z.url({ message: 'expected a URL like http://127.0.0.1:8080' }).optional(),
  timeout: Duration.optional(),
  connections: z.number().int().positive().optional(),
});

/**
 * What the target accepts as handles, emails and passwords (contract v2 IdentityPolicy). Merged over the adapter's
 * declaration field by field; the population generator applies it deterministically, handles stay unique.
 */
export const IdentitySchema = z
  .strictObject({
    handle: z
      .strictObject({
        /** Allowed characters as the inside of a RegExp character class, e.g. "a-z0-9". */
        charset: z.string().min(1).optional(),
        minLength: z.number().int().min(1).optional(),
        maxLength: z.number().int().min(6).max(253).optional(),
        /** Appended to every handle, e.g. ".test". */
        suffix: z.string().optional(),
      })
      .optional(),
    email: z.strictObject({ domain: z.string().min(3).optional() }).optional(),
    password: z
      .strictObject({
        minLength: z.number().int().min(1).max(128).optional(),
        require: z.array(z.enum(['lower', 'upper', 'digit', 'symbol'])).optional(),
      })
      .optional(),
  })
  .superRefine((policy, ctx) => {
    try {
      resolveIdentityPolicy(policy, 'identity');
    } catch (err) {
      // "identity.handle.charset: ..." -> path handle.charset under identity
      const m = /^identity\.([\w.[\]]+): (.*)$/s.exec((err as Error).message);
      ctx.addIssue({ code: 'custom', path: m ? m[1].split('.') : [], message: m ? m[2] : (err as Error).message });
    }
  });

export const ObserversSchema = z.strictObject({
  /** Probe readers per reader language, e.g. {en: 3, zh: 3}. */
  probeReaders: z.record(Language, count()).optional(),
  /** Wall time between probe polls. */
  pollInterval: PositiveDuration.optional(),
  recallK: z.number().int().positive().optional(),
  /** Wall time a followed post must be acknowledged before a read for it to count for recall. */
  recallGrace: Duration.optional(),
  languageBands: z
    .record(Language, z.strictObject({ foreignShareMax: share().optional(), languageMatchMin: share().optional() }))
    .optional(),
});

export const ScenarioSchema = z
  .strictObject({
    /** Editor hint for JSON scenarios; ignored. */
    $schema: z.string().optional(),
    name: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/i, { message: 'expected a name of letters, digits, ".", "-" and "_" (used in run folder names)' }),
    description: z.string().optional(),
    seed: zodInRange(SEED).optional(),
    timeline: TimelineSchema,
    cohorts: z.array(CohortSchema).min(1, { message: 'expected at least one cohort' }),
    events: z.array(EventSchema).optional(),
    target: TargetSchema.optional(),
    /** Constraints on generated handles, emails and passwords (see IdentitySchema). */
    identity: IdentitySchema.optional(),
    observers: ObserversSchema.optional(),
    /** Threshold expressions, e.g. "p99(signup) < 800ms"; evaluated by the report. */
    thresholds: z.array(z.string().min(1)).optional(),
    faults: z.array(FaultSchema).optional(),
  })
  .superRefine((s, ctx) => {
    const seen = new Map<string, number>();
    s.cohorts.forEach((c, i) => {
      const first = seen.get(c.name);
      if (first !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['cohorts', i, 'name'], message: `duplicate cohort name '${c.name}' (also cohorts[${first}])` });
      } else seen.set(c.name, i);
    });
  });

/** What an author writes (durations as strings allowed, everything optional that has a default). */
export type ScenarioInput = Z.input<typeof ScenarioSchema>;
/** A validated scenario, durations in seconds, defaults not yet filled. */
export type Scenario = Z.output<typeof ScenarioSchema>;
export type CohortInput = Z.input<typeof CohortSchema>;
export type Cohort = Z.output<typeof CohortSchema>;
