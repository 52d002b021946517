// Render the k6 script: generated constants (target, adapter, cohorts, options with one ramping-arrival-rate scenario
// per cohort, thresholds) followed by k6-common.js and k6-adapter-session.js (sessions calling the adapter's Target
// methods, from adapter.js beside the script: the built-in reference adapter or the user's). Plain JavaScript with
// JSDoc types and `// @ts-check`, so k6 runs it as is and `tsc` checks it against @types/k6.
import { readFileSync } from 'node:fs';
import type { Plan, PlanCohort } from '../scenario/plan.ts';
import type { StageFit } from './stages.ts';

export interface CohortExport {
  /** k6 scenario name (and data key): the cohort name restricted to [A-Za-z0-9_-]. */
  key: string;
  cohort: PlanCohort;
  fit: StageFit;
  preAllocatedVUs: number;
  maxVUs: number;
  /** Estimated seconds per iteration (session), for VU sizing. */
  iterationSec: number;
}

/** Request latency assumed when sizing VUs (Little's law: VUs in use = arrival rate × iteration duration). */
export const ASSUMED_REQUEST_SEC = 0.25;

export function scenarioKey(name: string): string {
  return name.replace(/[^A-Za-z0-9_-]+/g, '_') || 'cohort';
}

/** Expected wall seconds of one session: requests × assumed latency + think times. */
export function expectedIterationSec(cohort: PlanCohort): number {
  const b = cohort.behaviour;
  const w = b.weights;
  const total = Object.values(w).reduce((a, x) => a + x, 0) || 1;
  // Feed reads fetch 1 + 0.25 + 0.0625 pages on average.
  const requestsPerAction = 1 + ((w.readFollowing + w.readDiscover) / total) * 0.3125;
  const actions = Math.max(1, b.actionsPerSession);
  const newShare = cohort.preexisting ? 0 : 1 - cohort.returningShare;
  const onboarding = newShare * (1 + cohort.follow.count + b.introPosts);
  const requests = 1 + onboarding + actions * requestsPerAction;
  return requests * ASSUMED_REQUEST_SEC + (actions * b.thinkTimeMs) / 1000;
}

export function sizeVUs(fit: StageFit, iterationSec: number): { preAllocatedVUs: number; maxVUs: number } {
  const busy = fit.peakRate * iterationSec;
  const preAllocatedVUs = Math.max(1, Math.ceil(busy * 1.2));
  return { preAllocatedVUs, maxVUs: Math.max(preAllocatedVUs * 2, preAllocatedVUs + 20) };
}

/** What the script knows of a bundled adapter (read from the adapter at export time). */
export interface ScriptAdapter {
  /** As the user named it: a file path or a built-in name. */
  source: string;
  /** Target.name. */
  name: string;
  /** Declared optional operations (contract v2); every capability when the adapter declares none. */
  supports: string[];
  /** Per-request timeout handed to the adapter (TargetOptions.timeoutMs). */
  timeoutMs: number;
}

/** Actions that need an optional operation; the others use the core every target serves. */
export const ACTION_NEEDS: Record<string, string> = { readDiscover: 'discover', translate: 'translate', report: 'report' };

/** The cohort's weights without the actions the adapter cannot serve (k6 picks by weight / total: renormalised). */
export function supportedWeights(weights: Record<string, number>, supports: readonly string[] | undefined): Record<string, number> {
  if (!supports) return { ...weights };
  return Object.fromEntries(Object.entries(weights).filter(([action]) => !ACTION_NEEDS[action] || supports.includes(ACTION_NEEDS[action])));
}

export interface ScriptInput {
  plan: Plan;
  cohorts: CohortExport[];
  thresholds: Record<string, string[]>;
  defaultTarget: string;
  scenarioFile: string;
  /** People setup() signs up (the preexisting cohorts' people in data/people.json): sizes setupTimeout. */
  setupPeople: number;
  adapter: ScriptAdapter;
}

/** k6's setupTimeout for signing up `people` (default 60 s; about 0.1 s per person on top, batched). */
export function setupTimeoutSec(people: number): number {
  return Math.ceil(60 + people * 0.1);
}

export function renderScript({ plan, cohorts, thresholds, defaultTarget, scenarioFile, setupPeople, adapter }: ScriptInput): string {
  const cohortConfig: Record<string, unknown> = {};
  const scenarios: Record<string, unknown> = {};
  for (const c of cohorts) {
    const b = c.cohort.behaviour;
    cohortConfig[c.key] = {
      cohort: c.cohort.name,
      preexisting: c.cohort.preexisting,
      returningShare: c.cohort.returningShare,
      actionsPerSession: b.actionsPerSession,
      thinkTimeMs: b.thinkTimeMs,
      introPosts: b.introPosts,
      followCount: c.cohort.follow.count,
      weights: supportedWeights({ ...b.weights }, adapter.supports),
    };
    scenarios[c.key] = {
      executor: 'ramping-arrival-rate',
      exec: 'session',
      startRate: c.fit.startRate,
      timeUnit: c.fit.timeUnit,
      preAllocatedVUs: c.preAllocatedVUs,
      maxVUs: c.maxVUs,
      stages: c.fit.stages,
      gracefulStop: `${Math.max(0, Math.round(plan.gracefulStopSec))}s`,
      tags: { cohort: c.cohort.name },
    };
  }
  const options = {
    scenarios,
    setupTimeout: `${setupTimeoutSec(setupPeople)}s`,
    thresholds,
    summaryTrendStats: ['med', 'p(90)', 'p(95)', 'p(99)', 'p(99.9)', 'max'],
    tags: { flashcrowd_scenario: plan.name },
  };
  const header = `// @ts-check
// Generated by \`flashcrowd export k6 ${scenarioFile}\`: scenario "${plan.name}", seed ${plan.seed}, ${plan.wallDurationSec}s wall
// (compression ${plan.compression}, sample ${plan.sample}). Re-export rather than edit; see README.md beside this file.
import http from 'k6/http';
import { check, sleep } from 'k6';
import { SharedArray } from 'k6/data';
import exec from 'k6/execution';
import { createTarget } from './adapter.js';

/** Used when FLASHCROWD_TARGET is not set at k6 run time. */
const DEFAULT_TARGET = ${JSON.stringify(defaultTarget)};
${adapterConstants(adapter)}
/**
 * @typedef {{ cohort: string, preexisting: boolean, returningShare: number, actionsPerSession: number,
 *   thinkTimeMs: number, introPosts: number, followCount: number, weights: Record<string, number> }} CohortConfig
 */
/** @type {Record<string, CohortConfig>} */
const COHORTS = ${JSON.stringify(cohortConfig, null, 2)};

/** One ramping-arrival-rate scenario per cohort; stages fit the cohort's rate curve (README.md: fit error). */
/** @type {import('k6/options').Options} */
export const options = ${JSON.stringify(options, null, 2)};
`;
  return header + '\n' + part('k6-common.js') + '\n' + part('k6-adapter-session.js');
}

function adapterConstants(a: ScriptAdapter): string {
  return `
/** The adapter bundled in adapter.js (\`--adapter ${a.source}\`; the default is reference) and its declared capabilities. */
const ADAPTER = ${JSON.stringify({ source: a.source, name: a.name, supports: a.supports })};
/** Per-request timeout handed to the adapter (TargetOptions.timeoutMs; k6's own default is 60 s). */
const REQUEST_TIMEOUT_MS = ${Math.round(a.timeoutMs)};
`;
}

const parts = new Map<string, string>();
function part(file: string): string {
  let text = parts.get(file);
  if (text === undefined) parts.set(file, (text = readFileSync(new URL(`./${file}`, import.meta.url), 'utf8')));
  return text;
}

/**
 * adapter.d.ts beside adapter.js: the types the script (and tsc) sees of the bundle. The Target methods return the
 * contract's OpResult; values stay loosely typed (they are the adapter's).
 */
export function renderAdapterTypes(): string {
  return `// Types of adapter.js (generated by flashcrowd export k6 --adapter): the adapter's Target on k6/http.
export type OpResult =
  | { ok: true; status: number; value: any; outcome?: 'already' }
  | { ok: false; error: { kind: string; status?: number; code?: string; message: string; retryAfterMs?: number }; outcome?: 'exists' };
export interface CallContext { token?: string }
export interface AdapterTarget {
  readonly name: string;
  readonly capabilities?: { supports: readonly string[] };
  signup(ctx: CallContext, account: { handle: string; password: string; displayName: string; locale: string; languages: string[]; country: string; tz: string; email?: string }): Promise<OpResult>;
  login(ctx: CallContext, handle: string, password: string): Promise<OpResult>;
  follow(ctx: CallContext, userId: string): Promise<OpResult>;
  post(ctx: CallContext, post: { text: string; tags: string[]; media: { kind: string; bytes: number }[]; langHint?: string; idempotencyKey: string }): Promise<OpResult>;
  getPost(ctx: CallContext, postId: string, translateTo?: string): Promise<OpResult>;
  comment(ctx: CallContext, postId: string, text: string): Promise<OpResult>;
  like(ctx: CallContext, postId: string): Promise<OpResult>;
  feed(ctx: CallContext, kind: 'following' | 'discover', limit: number, cursor?: string): Promise<OpResult>;
  /** Optional: called only when the adapter declares 'report'. */
  report?(ctx: CallContext, postId: string, reason: string): Promise<OpResult>;
  close(): Promise<void>;
}
export interface AdapterClient {
  /** The flashcrowd endpoint the next requests belong to (their endpoint tag). */
  endpoint: string;
  /** k6 responseCallback for the next requests (undefined: k6's default). */
  expected: ReturnType<typeof import('k6/http').expectedStatuses> | undefined;
  readonly sent: number;
}
export function createTarget(http: object, options: { url: string; timeoutMs?: number }): Promise<{ target: AdapterTarget; client: AdapterClient }>;
`;
}

/** tsconfig.json for `npx tsc -p .` beside the script (needs `npm i -D typescript @types/k6` there or above). */
export function renderTsconfig(): string {
  return (
    JSON.stringify(
      {
        compilerOptions: {
          target: 'ES2020',
          module: 'ES2020',
          moduleResolution: 'node',
          lib: ['ES2020'],
          types: ['k6'],
          allowJs: true,
          checkJs: true,
          noEmit: true,
          strict: true,
          skipLibCheck: true,
        },
        files: ['script.js'],
      },
      null,
      2,
    ) + '\n'
  );
}
