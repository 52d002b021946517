// Shared population specs and a minimal Plan for population/graph tests.
import type { Plan, PlanCohort } from '../../src/scenario/plan.ts';
import type { PopulationSpec } from '../../src/population/store.ts';

export const SURGE_SPEC: PopulationSpec = {
  seed: 2025,
  cohorts: [
    {
      name: 'incumbents',
      people: 6000,
      preexisting: true,
      locales: { zh_CN: 0.9, zh_TW: 0.05, en_US: 0.05 },
      timeZones: { 'Asia/Shanghai': 0.9, 'Asia/Taipei': 0.1 },
      personas: { incumbent: 0.6, helper: 0.15, creator: 0.1, lurker: 0.15 },
    },
    {
      name: 'newcomers',
      people: 14000,
      locales: { en_US: 0.7, en_GB: 0.1, es_MX: 0.05, pt_BR: 0.05, fr: 0.05, de_DE: 0.05 },
      timeZones: { 'America/New_York': 0.4, 'America/Chicago': 0.25, 'America/Los_Angeles': 0.25, 'Europe/London': 0.1 },
      personas: { newcomer: 0.85, creator: 0.05, lurker: 0.1 },
    },
  ],
};

function cohort(c: PopulationSpec['cohorts'][number], follow: PlanCohort['follow']): PlanCohort {
  return {
    name: c.name,
    description: c.name,
    preexisting: c.preexisting ?? false,
    people: c.people,
    rate: () => 1,
    peakRate: 1,
    expectedArrivals: c.people,
    returningShare: 0,
    personas: c.personas ?? {},
    locales: c.locales,
    timeZones: c.timeZones,
    behaviour: {
      actionsPerSession: 5,
      thinkTimeMs: 1000,
      weights: { readFollowing: 1, readDiscover: 1, like: 1, comment: 1, post: 1, translate: 0, report: 0, follow: 1 },
      introPosts: 1,
    },
    follow,
    content: { kinds: { intro: 1 }, languages: { en: 1 }, mediaShare: 0.3, markerShare: 0.01, commentAlpha: 2 },
    inFlightCap: 100,
  };
}

export function planOf(spec: PopulationSpec): Plan {
  return {
    name: 'test',
    description: 'test plan',
    seed: spec.seed,
    scenarioStart: '2025-01-13T01:00:00Z',
    scenarioDurationSec: 3600,
    wallDurationSec: 60,
    compression: 60,
    sample: 1,
    cohorts: [
      cohort(spec.cohorts[0], { count: 12, popularShare: 0.3, sameLanguageShare: 0.9 }),
      cohort(spec.cohorts[1], { count: 8, popularShare: 0.6, sameLanguageShare: 0.5 }),
    ],
    events: [],
    thresholds: [],
    observers: { probeReaders: {}, pollIntervalSec: 1, recallK: 20, recallGraceSec: 5, languageBands: {} },
    faults: [],
    target: { timeoutMs: 1000, connections: 10 },
    gracefulStopSec: 1,
  };
}
