// The compiled Plan: what the engine executes. Produced by scenario/compile.ts from a validated scenario.
// Times are wall-clock seconds from the start of the measured phase unless named otherwise.
import type { Persona, PostKind } from './vocabulary.ts';
import type { Curve } from './curves.ts';
import type { IdentityPolicy } from '../target/target.ts';

/** Rate function: arrivals per wall second at wall time t (seconds). Pure; compiled from the scenario's curves. */
export type RateFn = (wallSec: number) => number;

export interface ActionWeights {
  readFollowing: number;
  readDiscover: number;
  like: number;
  comment: number;
  post: number;
  translate: number;
  report: number;
  follow: number;
}

export interface BehaviourPlan {
  /** Actions in one session after arrival (mean of a geometric distribution). */
  actionsPerSession: number;
  /** Think time between actions, wall milliseconds (mean of an exponential distribution). */
  thinkTimeMs: number;
  weights: ActionWeights;
  /** Posts made right after signup (e.g. a newcomer's self-introduction). */
  introPosts: number;
}

export interface FollowPolicy {
  /** Follows made after arrival (mean). */
  count: number;
  /** Share of follows that go to popular incumbents (rest: peers of the same cohort). */
  popularShare: number;
  /** Share of follows that go to people sharing the follower's primary language. */
  sameLanguageShare: number;
}

export interface ContentMix {
  kinds: Partial<Record<PostKind, number>>;
  /** Share of posts in each ground-truth language (e.g. {en: 0.85, zh: 0.05, 'en-mixed': 0.1}). */
  languages: Record<string, number>;
  mediaShare: number;
  /** Share of posts carrying a moderation marker. */
  markerShare: number;
  /** Comment-storm shape: comments per post follow a power law with this exponent; hot posts draw storms. */
  commentAlpha: number;
  /** Share of posts sent with the author's declared (primary) language as `langHint`; absent = 0. */
  langHintShare?: number;
}

export interface PlanCohort {
  name: string;
  description: string;
  /** Accounts exist before the measured phase (created in setup) instead of signing up on arrival. */
  preexisting: boolean;
  /** Number of distinct people in this cohort (after sampling). */
  people: number;
  /** Arrival (session start) rate over wall time. Arrivals beyond `people` are returning sessions of known people. */
  rate: RateFn;
  /** An upper bound of rate over the run, for thinning in the Poisson scheduler. */
  peakRate: number;
  /** Expected arrivals over the run (integral of rate). */
  expectedArrivals: number;
  /** Share of arrivals that are returning people (login) rather than new signups. */
  returningShare: number;
  personas: Partial<Record<Persona, number>>;
  locales: Record<string, number>;
  /** Time-zone mix, IANA name -> weight. */
  timeZones: Record<string, number>;
  behaviour: BehaviourPlan;
  follow: FollowPolicy;
  content: ContentMix;
  /** Max sessions of this cohort in flight; arrivals beyond it are dropped and counted. */
  inFlightCap: number;
  /**
   * The arrival curve as data, in arrivals per SCENARIO second at full scale (size normalisation applied, csv points
   * inlined, diurnal bound to the scenario start). rate(w) = rateScale * curves.rate(curve, w * compression) for
   * 0 <= w <= wallDurationSec. Lets worker threads, shards and the k6 exporter rebuild `rate` without the source.
   */
  curve?: Curve;
  /** compression * sample: converts the curve's arrivals per scenario second into sampled arrivals per wall second. */
  rateScale?: number;
  /** Share of people who also read another language, e.g. {zh: 0.05}. */
  alsoReads?: Record<string, number>;
}

export interface PlanEvent {
  name: string; // e.g. 'translation-launch', 'second-shock', 'exodus'
  kind: 'translation' | 'shock' | 'cliff' | 'outage' | 'note';
  atWallSec: number;
  atScenarioSec: number;
  description: string;
}

export interface ObserverPlan {
  /** Probe readers per reader language (accounts that poll their feeds at a fixed interval). */
  probeReaders: Record<string, number>;
  pollIntervalSec: number;
  recallK: number;
  /** A followed post must be acknowledged this long before a read to count for recall. */
  recallGraceSec: number;
  /** Intended discover-feed bands per reader language. */
  languageBands: Record<string, { foreignShareMax?: number; languageMatchMin?: number }>;
}

export interface FaultPlan {
  kind: 'kill' | 'stall' | 'slow-store' | 'cut-redis';
  atWallSec: number;
  durationSec: number;
  params?: Record<string, number | string>;
}

export interface Plan {
  name: string;
  description: string;
  seed: number;
  /** Source file, so worker threads and shards can recompile the same plan. */
  source?: string;
  /** Real-world moment of scenario time 0 (ISO 8601, UTC). */
  scenarioStart: string;
  scenarioDurationSec: number;
  wallDurationSec: number;
  /** Scenario seconds per wall second. */
  compression: number;
  /** Volume sample factor applied to cohort sizes and rates (1 = full scale). */
  sample: number;
  cohorts: PlanCohort[];
  events: PlanEvent[];
  thresholds: string[];
  observers: ObserverPlan;
  faults: FaultPlan[];
  target: { url?: string; timeoutMs: number; connections: number };
  /** The scenario's identity policy; merged over the adapter's (field by field) when the population is built. */
  identity?: IdentityPolicy;
  /** Drain time after the last arrival before the run ends (wall seconds). */
  gracefulStopSec: number;
  /** The full story's scenario duration (seconds); differs from scenarioDurationSec when a run plays only a window. */
  timelineDurationSec?: number;
}

/** Map wall time to scenario time and to a real-world date. */
export function wallToScenarioSec(plan: Plan, wallSec: number): number {
  return wallSec * plan.compression;
}
