// Persona behaviours as data: how each persona bends its cohort's action weights, and which posts it engages with.
// The session state machine (session.ts) is the same for everyone; personas only change these numbers.
import type { ActionWeights, BehaviourPlan } from '../scenario/plan.ts';
import type { Persona } from '../scenario/vocabulary.ts';
import type { Capability, Target } from '../target/target.ts';
import { supports, unsupportedReason } from '../target/capabilities.ts';

export const ACTIONS = ['readFollowing', 'readDiscover', 'like', 'comment', 'post', 'translate', 'report', 'follow'] as const;
export type Action = (typeof ACTIONS)[number];

export interface PersonaProfile {
  /** Multipliers on the cohort's weights. */
  multipliers: Partial<ActionWeights>;
  /** Share of comments/likes aimed at newcomers' posts (welcoming, answering intros). */
  newcomerFocus: number;
  /** Whether a first-time session makes the cohort's intro posts and follows (newcomers do; accounts in setup do not). */
  onboarding: boolean;
}

export const PERSONA_PROFILES: Record<Persona, PersonaProfile> = {
  newcomer: { multipliers: {}, newcomerFocus: 0.3, onboarding: true },
  // Long-time users: read, welcome and answer newcomers, post now and then.
  incumbent: { multipliers: { comment: 1.5, post: 0.8 }, newcomerFocus: 0.6, onboarding: true },
  // Helpers explain the app, translate, answer "Li Hua" letters: comment-heavy, aimed at newcomers.
  helper: { multipliers: { comment: 3, translate: 1.5, post: 0.7 }, newcomerFocus: 0.85, onboarding: true },
  // Lurkers read and occasionally like; they never write.
  lurker: { multipliers: { like: 0.3, comment: 0, post: 0, report: 0, follow: 0.3, translate: 0.5 }, newcomerFocus: 0, onboarding: false },
  // Creators post much more and draw the storms.
  creator: { multipliers: { post: 4, comment: 0.7 }, newcomerFocus: 0.2, onboarding: true },
};

/** Cumulative-free weight vector for a persona, in ACTIONS order (allocated once per cohort x persona). */
export function actionWeights(behaviour: BehaviourPlan, persona: Persona): Float64Array {
  const profile = PERSONA_PROFILES[persona] ?? PERSONA_PROFILES.newcomer;
  const out = new Float64Array(ACTIONS.length);
  ACTIONS.forEach((a, i) => {
    out[i] = Math.max(0, (behaviour.weights[a] ?? 0) * (profile.multipliers[a] ?? 1));
  });
  return out;
}

/** Languages a reader understands: 'en-mixed' counts as English, and so on. */
export function baseLanguage(lang: string): string {
  const dash = lang.indexOf('-');
  return dash < 0 ? lang : lang.slice(0, dash);
}

/** The optional capability an action needs; actions not listed use only the core of the contract. */
export const ACTION_CAPABILITY: Partial<Record<Action, Capability>> = {
  readDiscover: 'discover',
  translate: 'translate',
  report: 'report',
};

/** Per action, whether the target can serve it (ACTIONS order). */
export function servedActions(target: Pick<Target, 'capabilities'>): boolean[] {
  return ACTIONS.map((a) => {
    const cap = ACTION_CAPABILITY[a];
    return cap === undefined || supports(target, cap);
  });
}

/** The weights with unserved actions set to 0: choosing from them is the renormalised distribution. */
export function servedWeights(weights: Float64Array, served: readonly boolean[]): Float64Array {
  return weights.map((w, i) => (served[i] ? w : 0));
}

/** summary.json `skipped`: one row per optional operation the target lacks. */
export interface SkippedOperation {
  /** The capability (report, translate, discover, list_following, ...). */
  operation: Capability;
  reason: string;
  /** Session actions that were drawn for it and not attempted (another action was drawn instead). */
  actions: number;
}

/** Stats key of an action skipped for lack of a capability (flat, so worker stats merge by addition). */
export const skippedKey = (action: Action): `skipped.${Action}` => `skipped.${action}`;

export function skippedOperations(target: Pick<Target, 'capabilities' | 'name'>, stats: Readonly<Record<string, number>>): SkippedOperation[] {
  const caps = target.capabilities;
  if (!caps) return [];
  const out: SkippedOperation[] = [];
  for (const operation of (['discover', 'translate', 'report', 'list_following', 'list_comments', 'unfollow', 'get_user', 'delete'] as const)) {
    if (supports(target, operation)) continue;
    let actions = 0;
    for (const a of ACTIONS) if (ACTION_CAPABILITY[a] === operation) actions += stats[skippedKey(a)] ?? 0;
    out.push({ operation, reason: unsupportedReason(target, operation), actions });
  }
  return out;
}
