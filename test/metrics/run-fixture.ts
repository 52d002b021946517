// A small compiled Plan and RunContext for driving the metrics plugin without the engine.
import type { RunContext } from '../../src/run/plugin.ts';
import type { Plan, PlanCohort } from '../../src/scenario/plan.ts';
import type { Target } from '../../src/target/target.ts';

function cohort(name: string, rate: number): PlanCohort {
  return {
    name,
    description: name,
    preexisting: false,
    people: 100,
    rate: () => rate,
    peakRate: rate,
    expectedArrivals: rate * 60,
    returningShare: 0,
    personas: { newcomer: 1 },
    locales: { en_US: 1 },
    timeZones: { UTC: 1 },
    behaviour: {
      actionsPerSession: 3,
      thinkTimeMs: 100,
      weights: { readFollowing: 1, readDiscover: 1, like: 0, comment: 0, post: 1, translate: 0, report: 0, follow: 0 },
      introPosts: 0,
    },
    follow: { count: 1, popularShare: 0.5, sameLanguageShare: 0.5 },
    content: { kinds: { intro: 1 }, languages: { en: 1 }, mediaShare: 0, markerShare: 0, commentAlpha: 2 },
    inFlightCap: 10,
  };
}

export function testPlan(): Plan {
  return {
    name: 'metrics-fixture',
    description: 'two cohorts and two events',
    seed: 7,
    scenarioStart: '2025-01-13T00:00:00Z',
    scenarioDurationSec: 600,
    wallDurationSec: 60,
    compression: 10,
    sample: 1,
    cohorts: [cohort('refugees', 5), cohort('locals', 2)],
    events: [
      { name: 'translation-launch', kind: 'translation', atWallSec: 10, atScenarioSec: 100, description: 'MT switched on' },
      { name: 'second-shock', kind: 'shock', atWallSec: 20, atScenarioSec: 200, description: 'a second wave' },
    ],
    thresholds: [],
    observers: { probeReaders: { en: 1, zh: 1 }, pollIntervalSec: 1, recallK: 20, recallGraceSec: 2, languageBands: {} },
    faults: [],
    target: { timeoutMs: 5000, connections: 10 },
    gracefulStopSec: 1,
  };
}

/** A context whose clock starts now; the plugin under test only reads plan and now(). */
export function testContext(plan: Plan = testPlan()): RunContext {
  const t0 = performance.now();
  return {
    plan,
    target: undefined as unknown as Target,
    population: { size: 0, person: () => { throw new Error('no population in this fixture'); }, cohortRange: () => ({ start: 0, count: 0 }) },
    accounts: { get: () => undefined, randomSignedUp: () => undefined, size: 0 },
    observer: {},
    now: () => performance.now() - t0,
    signal: new AbortController().signal,
    log: () => {},
  };
}
