// Hand-made Plan, population and content for engine tests (test-only; the real ones live in src/scenario,
// src/population and src/content).
import type { Plan, PlanCohort } from '../../../src/scenario/plan.ts';
import type { Person } from '../../../src/population/person.ts';
import type { PopulationView } from '../../../src/run/plugin.ts';
import type { ContentSource } from '../../../src/engine/session.ts';

export function cohort(overrides: Partial<PlanCohort> & { name: string }): PlanCohort {
  const rate = overrides.rate ?? (() => 20);
  return {
    description: '',
    preexisting: false,
    people: 50,
    rate,
    peakRate: 20,
    expectedArrivals: 0,
    returningShare: 0.2,
    personas: { newcomer: 1 },
    locales: { en_US: 1 },
    timeZones: { 'America/Chicago': 1 },
    behaviour: {
      actionsPerSession: 3,
      thinkTimeMs: 20,
      introPosts: 1,
      weights: { readFollowing: 3, readDiscover: 3, like: 2, comment: 2, post: 2, translate: 1, report: 0.5, follow: 1 },
    },
    follow: { count: 3, popularShare: 0.5, sameLanguageShare: 0.8 },
    content: { kinds: { intro: 1 }, languages: { en: 1 }, mediaShare: 0, markerShare: 0.1, commentAlpha: 1.2 },
    inFlightCap: 1000,
    ...overrides,
  };
}

export function plan(cohorts: PlanCohort[], overrides: Partial<Plan> = {}): Plan {
  return {
    name: 'engine-test',
    description: 'hand-made plan',
    seed: 7,
    scenarioStart: '2025-01-13T00:00:00Z',
    scenarioDurationSec: 2,
    wallDurationSec: 2,
    compression: 1,
    sample: 1,
    cohorts,
    events: [],
    thresholds: [],
    observers: { probeReaders: {}, pollIntervalSec: 1, recallK: 20, recallGraceSec: 5, languageBands: {} },
    faults: [],
    target: { timeoutMs: 2000, connections: 16 },
    gracefulStopSec: 2,
    ...overrides,
  };
}

/** People laid out cohort after cohort; incumbents speak zh, everyone else en. */
export function population(p: Plan): PopulationView {
  const ranges = new Map<string, { start: number; count: number }>();
  let start = 0;
  for (const c of p.cohorts) {
    ranges.set(c.name, { start, count: c.people });
    start += c.people;
  }
  const size = start;
  const cohortOf = (i: number) => p.cohorts.find((c) => i >= ranges.get(c.name)!.start && i < ranges.get(c.name)!.start + c.people)!;
  return {
    size,
    cohortRange: (name) => ranges.get(name) ?? { start: 0, count: 0 },
    person(index): Person {
      const c = cohortOf(index);
      const zh = c.preexisting;
      return {
        index,
        cohort: c.name,
        handle: `p${index}_${c.name}`.slice(0, 30),
        email: `p${index}@example.test`,
        displayName: `Person ${index}`,
        password: `pw-${index}`,
        locale: zh ? 'zh_CN' : 'en_US',
        languages: zh ? ['zh'] : ['en'],
        primaryLanguage: zh ? 'zh' : 'en',
        country: zh ? 'CN' : 'US',
        tz: zh ? 'Asia/Shanghai' : 'America/Chicago',
        persona: zh ? 'incumbent' : 'newcomer',
        activity: 1,
      };
    },
  };
}

export const content: ContentSource = {
  post: (person, _mix, seq) => ({
    text: person.primaryLanguage === 'zh' ? `你好 ${seq}` : `hello from Iowa ${seq}`,
    tags: ['tiktokrefugee'],
    media: [],
    lang: person.primaryLanguage,
    kind: 'intro',
    marker: seq % 10 === 0 ? 'spam-1' : null,
  }),
  comment: (person, parent, seq) => ({ text: `re ${parent.id} ${seq}`, lang: person.primaryLanguage, marker: null }),
};
