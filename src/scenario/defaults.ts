// Every default of a scenario, in one place. The schema validates what the author wrote; compile.ts fills the rest
// from here. docs/scenarios.md lists the same values.
import type { ActionWeights, BehaviourPlan, ContentMix, FollowPolicy, ObserverPlan } from './plan.ts';

export const DEFAULT_SEED = 1;
/** When neither `compress` nor `wall` is given the scenario plays in real time. */
export const DEFAULT_COMPRESSION = 1;
export const DEFAULT_SAMPLE = 1;
/** Wall seconds the run keeps going after the last arrival so sessions in flight can finish. */
export const DEFAULT_GRACEFUL_STOP_SEC = 10;

/**
 * Connections are opened on demand up to this cap. A crowd's users each have their own connection, so the cap is
 * high: with a small pool, requests queue inside the harness and its own queue is measured as the target's latency
 * while the target's admission control never sees the crowd.
 */
export const DEFAULT_TARGET = { timeoutMs: 10_000, connections: 512 } as const;

export const DEFAULT_WEIGHTS: ActionWeights = {
  readFollowing: 4,
  readDiscover: 3,
  like: 3,
  comment: 1.5,
  post: 0.5,
  translate: 0.3,
  report: 0.02,
  follow: 1,
};

export const DEFAULT_BEHAVIOUR: BehaviourPlan = {
  actionsPerSession: 8,
  thinkTimeMs: 2000,
  weights: DEFAULT_WEIGHTS,
  introPosts: 0,
};

/** Newcomers introduce themselves once on arrival; incumbents do not. */
export const DEFAULT_NEWCOMER_INTRO_POSTS = 1;

export const DEFAULT_FOLLOW: FollowPolicy = { count: 5, popularShare: 0.5, sameLanguageShare: 0.7 };

export const DEFAULT_CONTENT: ContentMix = {
  kinds: { daily_life: 1 },
  languages: { en: 1 },
  mediaShare: 0.3,
  markerShare: 0,
  commentAlpha: 2.2,
  langHintShare: 0,
};

/** Newcomers (signing up on arrival) come back as returning sessions this often; incumbents always log in. */
export const DEFAULT_NEWCOMER_RETURNING_SHARE = 0.2;
export const DEFAULT_INCUMBENT_RETURNING_SHARE = 1;
export const DEFAULT_SESSIONS_PER_PERSON = 1;
export const DEFAULT_IN_FLIGHT_CAP = 10_000;
export const DEFAULT_LOCALES = { en_US: 1 };
export const DEFAULT_TIME_ZONES = { UTC: 1 };

export const DEFAULT_OBSERVERS: ObserverPlan = {
  probeReaders: {},
  pollIntervalSec: 1,
  recallK: 20,
  recallGraceSec: 5,
  languageBands: {},
};

/** Fault length when the scenario gives none (wall seconds). */
export const DEFAULT_FAULT_DURATION_SEC = 5;
