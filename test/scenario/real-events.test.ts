// The real-event scenarios reproduce the public figures they cite. Every check reads the compiled plan (at full
// scale, sample 1): signups are integrals of the cohorts' arrival curves times (1 - returningShare); posts, likes,
// follows and requests are arrivals times what a session does, computed the way the engine plays sessions
// (src/engine/session.ts: persona-weighted actions, onboarding follows and intro posts for new people). No run:
// plan only, so the file takes about a second.
//
// Tolerances: ±15 % on every cited count unless a line says otherwise; where sources disagree, the check is the
// range between them (and the scenario file says so).
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { loadScenario } from '../../src/scenario/load.ts';
import { compilePlan } from '../../src/scenario/compile.ts';
import { describePlan } from '../../src/scenario/describe.ts';
import { integrate, rate } from '../../src/scenario/curves.ts';
import type { Plan, PlanCohort } from '../../src/scenario/plan.ts';
import { ACTIONS, PERSONA_PROFILES, actionWeights, type Action } from '../../src/engine/behaviours.ts';
import { createPopulation } from '../../src/population/store.ts';
import { followTargets } from '../../src/population/follow.ts';
import { main } from '../../src/cli/index.ts';

const root = resolve(import.meta.dirname, '../..');
const file = (name: string) => join(root, 'scenarios', name);
const FILES = ['bluesky-nov-2024.ts', 'bluesky-brazil-2024.ts', 'threads-launch-2023.ts', 'mastodon-nov-2022.ts'];

/** Follows a new person makes on arrival are capped by the engine (MAX_ONBOARDING_FOLLOWS in src/engine/session.ts). */
const ENGINE_ONBOARDING_CAP = 50;
/** A feed read is one page plus, a quarter of the time, more (session.ts readFeed): 1 + 0.25 + 0.0625 pages. */
const PAGES_PER_READ = 1.3125;

const fullScale = async (name: string) => (await loadScenario(file(name), { sample: 1 })).plan;
const at = (plan: Plan, iso: string) => (Date.parse(iso) - Date.parse(plan.scenarioStart)) / 1000;
const hours = (h: number) => h * 3600;

/** What one session of a cohort does, on average, by persona mix (engine: session.ts onboard + loop). */
function perSession(c: PlanCohort) {
  const out = { posts: 0, likes: 0, follows: 0, reads: 0, other: 0, onboardingFollows: 0, introPosts: 0 };
  for (const [persona, share] of Object.entries(c.personas) as Array<[keyof typeof PERSONA_PROFILES, number]>) {
    const w = actionWeights(c.behaviour, persona);
    const sum = w.reduce((a, b) => a + b, 0);
    const n = (a: Action) => (sum > 0 ? (w[ACTIONS.indexOf(a)]! / sum) * c.behaviour.actionsPerSession * share : 0);
    out.posts += n('post') + n('comment'); // a reply is a post record on Bluesky, Threads and Mastodon
    out.likes += n('like');
    out.follows += n('follow');
    out.reads += n('readFollowing') + n('readDiscover');
    out.other += n('translate') + n('report');
    if (PERSONA_PROFILES[persona].onboarding) {
      out.onboardingFollows += Math.min(c.follow.count, ENGINE_ONBOARDING_CAP) * share;
      out.introPosts += c.behaviour.introPosts * share;
    }
  }
  return out;
}

interface Totals {
  arrivals: number;
  signups: number;
  posts: number;
  likes: number;
  follows: number;
  requests: number;
  postsByLanguage: Record<string, number>;
}

/** Full-scale expected totals between scenario seconds a and b over the cohorts that pass `which`. */
function totals(plan: Plan, a: number, b: number, which: (c: PlanCohort) => boolean = () => true): Totals {
  const t: Totals = { arrivals: 0, signups: 0, posts: 0, likes: 0, follows: 0, requests: 0, postsByLanguage: {} };
  for (const c of plan.cohorts.filter(which)) {
    const arrivals = integrate(c.curve!, a, b);
    const s = perSession(c);
    const fresh = c.preexisting ? 0 : 1 - c.returningShare; // share of arrivals that sign up
    const posts = arrivals * (s.posts + fresh * s.introPosts);
    t.arrivals += arrivals;
    t.signups += arrivals * fresh;
    t.posts += posts;
    t.likes += arrivals * s.likes;
    t.follows += arrivals * (s.follows + fresh * s.onboardingFollows);
    // one request for the signup or login, one per action (reads: a page or more), onboarding follows, intro posts
    t.requests += arrivals * (1 + s.posts + s.likes + s.follows + s.other + PAGES_PER_READ * s.reads + fresh * (s.onboardingFollows + s.introPosts));
    for (const [lang, w] of Object.entries(c.content.languages)) {
      const base = lang.replace(/-mixed$/, '');
      t.postsByLanguage[base] = (t.postsByLanguage[base] ?? 0) + posts * w;
    }
  }
  return t;
}

const newcomers = (c: PlanCohort) => !c.preexisting;

/** |observed / cited - 1| <= tolerance, with a message that names both. */
function within(observed: number, cited: number, tolerance: number, what: string): void {
  const ratio = observed / cited;
  expect(Math.abs(ratio - 1), `${what}: plan ${Math.round(observed).toLocaleString('en-US')} vs cited ${cited.toLocaleString('en-US')} (±${tolerance * 100} %)`).toBeLessThanOrEqual(tolerance);
}

describe('every real-event scenario', () => {
  it.each(FILES)('%s plans through the CLI (exit 0) and names its sources', async (name) => {
    let out = '';
    const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
    const e = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(await main(['plan', file(name), '--buckets', '6'])).toBe(0);
    } finally {
      o.mockRestore();
      e.mockRestore();
    }
    expect(out).toContain(`${name.replace(/\.ts$/, '')}:`);
    expect(out).toMatch(/Up to [\d.,]+ arrivals\/s/);
    const text = readFileSync(file(name), 'utf8');
    expect(text).toMatch(/Public figures used/);
    expect(text).toMatch(/ASSUMPTIONS/);
    expect(text.match(/^\/\/ +\[\d+\] /gm)?.length ?? 0).toBeGreaterThanOrEqual(5); // numbered sources
  });

  it.each(FILES)('%s compiles again from its validated form, at the default sample, laptop-sized', async (name) => {
    const { scenario, plan } = await loadScenario(file(name));
    const again = compilePlan(scenario, {}, { source: file(name) });
    expect(again.cohorts.map((c) => [c.name, c.people, Math.round(c.expectedArrivals)])).toEqual(
      plan.cohorts.map((c) => [c.name, c.people, Math.round(c.expectedArrivals)]),
    );
    expect(describePlan(plan)).toContain(`${plan.name}:`);
    for (const c of plan.cohorts) {
      expect(c.expectedArrivals, c.name).toBeGreaterThan(0);
      expect(Number.isFinite(c.rate(plan.wallDurationSec / 2)), c.name).toBe(true);
      // the engine caps onboarding follows; a scenario asking for more would be silently cut
      expect(c.follow.count, `${c.name}.follow.count`).toBeLessThanOrEqual(ENGINE_ONBOARDING_CAP);
    }
    // the default playback is laptop-sized: accounts set up before the run and arrivals stay small
    const setupAccounts = plan.cohorts.filter((c) => c.preexisting).reduce((a, c) => a + c.people, 0);
    const arrivals = plan.cohorts.reduce((a, c) => a + c.expectedArrivals, 0);
    expect(setupAccounts).toBeLessThanOrEqual(1000);
    expect(arrivals).toBeLessThan(5000);
    expect(plan.wallDurationSec).toBeLessThanOrEqual(600);
  });
});

describe('bluesky-nov-2024 (the post-election wave)', () => {
  it('signups: >700 K in the week after the election [2], >1 M in a day [4], 15 M -> 20 M [3][5], 20 M -> 24 M [6]', async () => {
    const plan = await fullScale('bluesky-nov-2024.ts');
    const signups = (a: string, b: string) => totals(plan, at(plan, a), at(plan, b), newcomers).signups;
    within(signups('2024-11-05T00:00:00Z', '2024-11-12T00:00:00Z'), 700_000, 0.15, 'week after the election [2]');
    // "over 1 million in the past 24 hours", Thu Nov 14 evening US Eastern
    within(signups('2024-11-14T02:00:00Z', '2024-11-15T02:00:00Z'), 1_000_000, 0.15, '24 h to Nov 14 21:00 ET [4]');
    within(signups('2024-11-13T00:00:00Z', '2024-11-20T00:00:00Z'), 5_000_000, 0.15, '15 M on Nov 13 -> 20 M on Nov 19-20 [3][5]');
    within(signups('2024-11-20T00:00:00Z', '2024-12-03T00:00:00Z'), 4_000_000, 0.15, '20 M -> 24 M on Dec 3 [5][6]');
  });

  it('posting, liking and following rates: Jaz, Nov 10 [1] (~3 M posts, ~18 M likes, ~10 M follows a day) and the day before the election (+30 %, +46 %, +400 % before them)', async () => {
    const plan = await fullScale('bluesky-nov-2024.ts');
    const day = totals(plan, at(plan, '2024-11-09T15:00:00Z'), at(plan, '2024-11-10T15:00:00Z'));
    within(day.posts, 3_000_000, 0.15, 'posts a day, Nov 9-10');
    within(day.likes, 18_000_000, 0.15, 'likes a day, Nov 9-10');
    within(day.follows, 10_000_000, 0.15, 'follows a day, Nov 9-10');
    const before = totals(plan, at(plan, '2024-11-04T00:00:00Z'), at(plan, '2024-11-05T00:00:00Z'));
    within(before.posts, 3_000_000 / 1.3, 0.15, 'posts a day before the election');
    within(before.likes, 18_000_000 / 1.46, 0.15, 'likes a day before the election');
    within(before.follows, 10_000_000 / 5, 0.15, 'follows a day before the election');
    // the signups behind [1]'s figures: "more than 100,000 a day"
    expect(totals(plan, at(plan, '2024-11-09T15:00:00Z'), at(plan, '2024-11-10T15:00:00Z'), newcomers).signups).toBeGreaterThan(100_000);
  });

  it('cross-check C2 (unverified [10], 5 K/s -> 50 K/s): the busiest hour carries several times the requests of Nov 4\'s', async () => {
    const plan = await fullScale('bluesky-nov-2024.ts');
    const busiest = (a: string, b: string) => {
      let max = 0;
      for (let t = at(plan, a); t < at(plan, b); t += 3600) max = Math.max(max, totals(plan, t, t + 3600).requests);
      return max;
    };
    const ratio = busiest('2024-11-05T00:00:00Z', '2024-12-03T00:00:00Z') / busiest('2024-11-04T00:00:00Z', '2024-11-05T00:00:00Z');
    // The file explains why the plan (~5x) sits below the reported 10x; this only guards the order of magnitude.
    expect(ratio).toBeGreaterThan(4);
    expect(ratio).toBeLessThan(20);
  });

  it('a few accounts gain huge follower counts: newcomers\' follows concentrate on the top creators', async () => {
    const { plan } = await loadScenario(file('bluesky-nov-2024.ts')); // the default sample, as a run plays it
    const population = createPopulation(plan);
    const gained = new Map<number, number>();
    plan.cohorts.forEach((c, ci) => {
      if (c.preexisting) return;
      const { start, count } = population.cohorts[ci]!;
      for (let i = start; i < start + count; i++) {
        for (const t of followTargets(population, i, c.follow, 0, (j) => j < i)) gained.set(t, (gained.get(t) ?? 0) + 1);
      }
    });
    const ranked = [...gained.entries()].sort((a, b) => b[1] - a[1]);
    const counts = ranked.map(([, n]) => n);
    const median = counts[Math.floor(counts.length / 2)]!;
    const followers = counts.reduce((a, b) => a + b, 0) / counts.length;
    expect(counts[0]!).toBeGreaterThanOrEqual(10 * median);
    expect(counts[0]!).toBeGreaterThanOrEqual(5 * followers);
    for (const [index] of ranked.slice(0, 5)) expect(population.person(index).persona).toBe('creator');
  });
});

describe('bluesky-brazil-2024 (the Portuguese-speaking wave)', () => {
  it('signups: 1 M in three days [3], 2 M in a week [4], 2.6 M in the week after the ban, 85 % Brazilian [5]', async () => {
    const plan = await fullScale('bluesky-brazil-2024.ts');
    const signups = (a: string, b: string, which = newcomers) => totals(plan, at(plan, a), at(plan, b), which).signups;
    within(signups('2024-08-28T21:00:00Z', '2024-08-31T21:00:00Z'), 1_000_000, 0.15, '72 h to Aug 31 21:21Z [3]');
    within(signups('2024-08-26T18:00:00Z', '2024-09-02T18:00:00Z'), 2_000_000, 0.15, 'week to Sep 2 [4]');
    const week = signups('2024-08-30T00:00:00Z', '2024-09-06T00:00:00Z');
    within(week, 2_600_000, 0.15, 'week after the ban [5]');
    const brazil = signups('2024-08-30T00:00:00Z', '2024-09-06T00:00:00Z', (c) => c.name === 'newcomers-br');
    expect(brazil / week).toBeGreaterThan(0.8);
    expect(brazil / week).toBeLessThan(0.9);
  });

  it('the language flood: Portuguese ~74 % of posts on Aug 30-31 [6] (±10 points), under 10 % before the ultimatum', async () => {
    const plan = await fullScale('bluesky-brazil-2024.ts');
    const ptShare = (a: string, b: string) => {
      const t = totals(plan, at(plan, a), at(plan, b));
      return (t.postsByLanguage.pt ?? 0) / Object.values(t.postsByLanguage).reduce((x, y) => x + y, 0);
    };
    expect(Math.abs(ptShare('2024-08-30T00:00:00Z', '2024-09-01T00:00:00Z') - 0.737)).toBeLessThanOrEqual(0.1);
    expect(ptShare('2024-08-26T00:00:00Z', '2024-08-27T00:00:00Z')).toBeLessThan(0.1);
    // English readers' discover feeds are what the scenario watches
    const { plan: played } = await loadScenario(file('bluesky-brazil-2024.ts'));
    expect(played.observers.probeReaders).toMatchObject({ en: expect.any(Number), pt: expect.any(Number) });
    expect(played.thresholds.some((t) => t.startsWith('foreignShare.en'))).toBe(true);
  });
});

describe('threads-launch-2023 (10 M signups in 7 hours)', () => {
  it('cumulative signups: 2 M at 2 h, 5 M at 4 h, 10 M at 7 h [2], 30 M at 16 h [3], 70 M at 39 h [4], 100 M at 113 h [5]', async () => {
    const plan = await fullScale('threads-launch-2023.ts');
    for (const [h, cited] of [
      [2, 2_000_000],
      [4, 5_000_000],
      [7, 10_000_000],
      [16, 30_000_000],
      [39, 70_000_000],
      [113, 100_000_000],
    ] as const) {
      within(totals(plan, 0, hours(h), newcomers).signups, cited, 0.15, `signups in the first ${h} h`);
    }
  });

  it('every signup imports its follow graph: a burst of ~50 follow writes per signup, ~0.5 billion in the first 7 h', async () => {
    const plan = await fullScale('threads-launch-2023.ts');
    const first7h = totals(plan, 0, hours(7), newcomers);
    expect(first7h.follows / first7h.signups).toBeGreaterThanOrEqual(45);
    expect(first7h.follows).toBeGreaterThan(450_000_000);
    for (const c of plan.cohorts.filter(newcomers)) {
      expect(c.follow.count).toBe(ENGINE_ONBOARDING_CAP);
      expect(c.follow.popularShare).toBeGreaterThanOrEqual(0.8);
    }
  });
});

describe('mastodon-nov-2022 (one instance in the Twitter migration)', () => {
  it('the network curve: ~130/h in October, 2,000/h after the takeover, >5,000/h after the layoffs, ~10,000/h at the Nov 18 peak [1][2][3]', async () => {
    const { networkSignups } = await import('../../scenarios/mastodon-nov-2022.ts');
    const plan = await fullScale('mastodon-nov-2022.ts');
    const perHour = (iso: string) => rate(networkSignups, at(plan, iso)) * 3600;
    const between = (a: string, b: string) => integrate(networkSignups, at(plan, a), at(plan, b));
    within(between('2022-10-20T00:00:00Z', '2022-10-27T00:00:00Z') / (7 * 24), 130, 0.15, 'October average per hour');
    within(perHour('2022-10-28T12:00:00Z'), 2_000, 0.15, 'after the takeover, per hour');
    expect(perHour('2022-11-05T12:00:00Z')).toBeGreaterThan(5_000);
    let peak = 0;
    for (let t = 0; t < plan.scenarioDurationSec; t += 600) peak = Math.max(peak, rate(networkSignups, t) * 3600);
    // Bloomberg's "almost 10,000 per hour" and the bot's 13,313 in one hour disagree: the peak sits between them
    expect(peak).toBeGreaterThanOrEqual(10_000 * 0.85);
    expect(peak).toBeLessThanOrEqual(13_313 * 1.15);
    within(between('2022-11-17T07:00:00Z', '2022-11-18T07:00:00Z'), 75_446, 0.15, '"+75,446 in the last day" [2]');
    within(between('2022-11-11T07:00:00Z', '2022-11-18T07:00:00Z'), 430_755, 0.15, '"+430,755 in the last week" [2]');
    // Nov 18: "almost 180k" vs "a quarter million" [3]
    const nov18 = between('2022-11-18T00:00:00Z', '2022-11-19T00:00:00Z');
    expect(nov18).toBeGreaterThanOrEqual(180_000);
    expect(nov18).toBeLessThanOrEqual(250_000);
  });

  it('the instance\'s share: 720 users on Nov 3, 6,000 on Nov 13, 25,000 on Nov 23, ~30,000 by Dec 1 [5]', async () => {
    const { networkSignups } = await import('../../scenarios/mastodon-nov-2022.ts');
    const plan = await fullScale('mastodon-nov-2022.ts');
    const signups = (a: string, b: string) => totals(plan, at(plan, a), at(plan, b), newcomers).signups;
    const members = plan.cohorts.filter((c) => c.preexisting).reduce((a, c) => a + c.people, 0);
    expect(members).toBe(250); // "October: 250 users"
    // the first step is a few hundred people and "250 in October" is loose: ±25 %
    within(members + signups('2022-10-20T00:00:00Z', '2022-11-03T00:00:00Z'), 720, 0.25, 'users on Nov 3');
    within(signups('2022-11-03T00:00:00Z', '2022-11-13T00:00:00Z'), 6_000 - 720, 0.15, 'Nov 3 -> Nov 13');
    within(signups('2022-11-13T00:00:00Z', '2022-11-23T00:00:00Z'), 25_000 - 6_000, 0.15, 'Nov 13 -> Nov 23');
    within(members + signups('2022-10-20T00:00:00Z', '2022-12-01T00:00:00Z'), 30_000, 0.15, 'users by Dec 1');
    // one instance's share of the network, never more than a few per cent of it
    const instance = plan.cohorts.find((c) => c.name === 'newcomers')!;
    for (let t = 0; t < plan.scenarioDurationSec; t += 3600) {
      const signupRate = rate(instance.curve!, t) * (1 - instance.returningShare);
      expect(signupRate).toBeLessThanOrEqual(0.03 * rate(networkSignups, t) + 1e-12);
    }
  });
});
