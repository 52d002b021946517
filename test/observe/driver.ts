// A minimal run driver for feed-quality tests: a Plan, a RunContext over a real HTTP Target, a fan-out observer,
// and helpers that perform writes and report their acknowledgements the way the engine does.
import { performance } from 'node:perf_hooks';
import type { Plan, PlanCohort, ObserverPlan } from '../../src/scenario/plan.ts';
import type { AccountDirectory, PopulationView, RunContext } from '../../src/run/plugin.ts';
import type { RunObserver } from '../../src/run/events.ts';
import type { Account, Target } from '../../src/target/target.ts';
import type { ContentLanguage } from '../../src/content/types.ts';

export function cohort(name: string, people: number, preexisting: boolean): PlanCohort {
  return {
    name,
    description: name,
    preexisting,
    people,
    rate: () => 0,
    peakRate: 0,
    expectedArrivals: 0,
    returningShare: 0,
    personas: {},
    locales: { en_US: 1 },
    timeZones: { UTC: 1 },
    behaviour: { actionsPerSession: 1, thinkTimeMs: 0, introPosts: 0, weights: { readFollowing: 1, readDiscover: 1, like: 0, comment: 0, post: 0, translate: 0, report: 0, follow: 0 } },
    follow: { count: 0, popularShare: 0, sameLanguageShare: 0 },
    content: { kinds: { daily_life: 1 }, languages: { en: 1 }, mediaShare: 0, markerShare: 0, commentAlpha: 2 },
    inFlightCap: 10,
  };
}

export function testPlan(cohorts: PlanCohort[], observers: ObserverPlan, seed = 7): Plan {
  return {
    name: 'feed-quality-test',
    description: 'feed-quality test',
    seed,
    scenarioStart: '2025-01-13T00:00:00Z',
    scenarioDurationSec: 10,
    wallDurationSec: 10,
    compression: 1,
    sample: 1,
    cohorts,
    events: [],
    thresholds: [],
    observers,
    faults: [],
    target: { timeoutMs: 5000, connections: 16 },
    gracefulStopSec: 0,
  };
}

/** Calls every observer's handler for each event (what the engine's fan-out does). */
export function fanOut(observers: RunObserver[]): RunObserver {
  const out: RunObserver = {};
  const events = ['onArrival', 'onRequest', 'onSessionStart', 'onSessionEnd', 'onAccount', 'onFollow', 'onPost', 'onComment', 'onFeedRead', 'onPostLookup', 'onEvent'] as const;
  for (const e of events) {
    (out as Record<string, unknown>)[e] = (...args: unknown[]) => {
      for (const o of observers) (o[e] as ((...a: unknown[]) => void) | undefined)?.apply(o, args);
    };
  }
  return out;
}

export class TestRun {
  readonly accounts = new Map<number, Account>();
  readonly controller = new AbortController();
  readonly logs: string[] = [];
  readonly ctx: RunContext;
  /** postId -> author user id, for every acknowledged post. */
  readonly postAuthor = new Map<string, string>();
  writes = 0;
  private readonly t0 = performance.now();

  constructor(
    readonly plan: Plan,
    readonly target: Target,
    readonly observer: RunObserver,
  ) {
    const ranges = new Map<string, { start: number; count: number }>();
    let start = 0;
    for (const c of plan.cohorts) {
      ranges.set(c.name, { start, count: c.people });
      start += c.people;
    }
    const population: PopulationView = {
      size: start,
      person: () => {
        throw new Error('not used');
      },
      cohortRange: (name) => ranges.get(name) ?? { start: 0, count: 0 },
    };
    const accounts: AccountDirectory = {
      get: (i) => this.accounts.get(i),
      randomSignedUp: () => undefined,
      get size() {
        return 0;
      },
    };
    this.ctx = {
      plan,
      target,
      population,
      accounts,
      observer,
      now: () => performance.now() - this.t0,
      signal: this.controller.signal,
      log: (line) => this.logs.push(line),
    };
  }

  async signup(personIndex: number, cohortName: string, languages: string[]): Promise<Account> {
    const res = await this.target.signup({}, { handle: `person${personIndex}_${Date.now()}`, password: 'pw', displayName: `P${personIndex}`, locale: 'en_US', languages, country: 'US', tz: 'UTC' });
    if (!res.ok) throw new Error(res.error.message);
    this.accounts.set(personIndex, res.value);
    this.observer.onAccount?.({ userId: res.value.userId, personIndex, cohort: cohortName, primaryLanguage: languages[0], languages, at: this.ctx.now() });
    return res.value;
  }

  async follow(who: Account, userId: string): Promise<void> {
    const res = await this.target.follow({ token: who.token }, userId);
    if (!res.ok) throw new Error(res.error.message);
    this.writes++;
    this.observer.onFollow?.({ followerId: who.userId, followeeId: userId, at: this.ctx.now() });
  }

  async post(who: Account, cohortName: string, text: string, lang: ContentLanguage, marker: string | null = null): Promise<string> {
    const res = await this.target.post({ token: who.token }, { text, tags: [], media: [], langHint: lang, idempotencyKey: `${who.userId}-${text}` });
    if (!res.ok) throw new Error(res.error.message);
    this.writes++;
    this.postAuthor.set(res.value.id, who.userId);
    this.observer.onPost?.({ postId: res.value.id, authorId: who.userId, cohort: cohortName, lang, kind: 'daily_life', marker, at: this.ctx.now(), targetCreatedAt: res.value.createdAt, targetLang: res.value.lang });
    return res.value.id;
  }

  async comment(who: Account, postId: string, text: string): Promise<void> {
    const res = await this.target.comment({ token: who.token }, postId, text);
    if (!res.ok) throw new Error(res.error.message);
    this.writes++;
    this.observer.onComment?.({ commentId: res.value.id, postId, authorId: who.userId, lang: 'en', at: this.ctx.now() });
  }

  async readFeed(who: Account, cohortName: string, languages: string[], kind: 'following' | 'discover', limit: number): Promise<void> {
    const res = await this.target.feed({ token: who.token }, kind, limit);
    if (!res.ok) throw new Error(res.error.message);
    this.observer.onFeedRead?.({ readerId: who.userId, readerCohort: cohortName, readerPrimaryLanguage: languages[0], readerLanguages: languages, kind, probe: false, page: res.value, firstPage: true, at: this.ctx.now() });
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
