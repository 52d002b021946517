import { describe, expect, it } from 'vitest';
import { compilePlan, cohortRateFn } from '../../src/scenario/compile.ts';
import { constant, flashCrowd, integrate, shock, sum } from '../../src/scenario/curves.ts';
import { defineScenario } from '../../src/scenario/define.ts';
import { planBuckets, planToJson } from '../../src/scenario/describe.ts';
import { ScenarioError } from '../../src/scenario/errors.ts';
import * as D from '../../src/scenario/defaults.ts';

const base = defineScenario({
  name: 'unit',
  seed: 3,
  timeline: { start: '2025-01-13T01:00:00Z', duration: '10d', compress: '10d->10m', sample: 0.01 },
  cohorts: [
    {
      name: 'newcomers',
      size: 100_000,
      returningShare: 0.2,
      curve: sum(flashCrowd({ peak: 1, at: '1d', ramp: '3h', tau: '1d', alpha: 1.2 }), shock({ peak: 0.3, at: '6d', rise: '2h' })),
    },
    { name: 'incumbents', preexisting: true, size: 5_000, sessionsPerPerson: 4, locales: { zh_CN: 1 } },
    { name: 'absolute', curve: constant(0.5) },
  ],
  events: [
    { name: 'translation-launch', kind: 'translation', at: '6d' },
    { name: 'after-the-end', kind: 'note', at: '11d' },
  ],
  faults: [{ kind: 'stall', at: '5d', duration: '3s' }, { kind: 'kill', atWall: '30s' }],
});

/** Integral of a wall-time rate function by composite Simpson: independent of the curve code path. */
function simpson(f: (t: number) => number, a: number, b: number, n = 20_000): number {
  const h = (b - a) / n;
  let s = f(a) + f(b);
  for (let i = 1; i < n; i++) s += (i % 2 ? 4 : 2) * f(a + i * h);
  return (s * h) / 3;
}

describe('compilePlan', () => {
  const plan = compilePlan(base);
  const cohort = (name: string) => plan.cohorts.find((c) => c.name === name)!;

  it('maps the timeline to wall time', () => {
    expect(plan.compression).toBe(1440);
    expect(plan.wallDurationSec).toBeCloseTo(600, 9);
    expect(plan.scenarioDurationSec).toBe(864000);
    expect(plan.sample).toBe(0.01);
    expect(plan.seed).toBe(3);
    expect(plan.scenarioStart).toBe('2025-01-13T01:00:00.000Z');
  });

  it('scales a newcomer curve so that size people sign up: arrivals = size / (1 - returningShare)', () => {
    const c = cohort('newcomers');
    expect(c.expectedArrivals).toBeCloseTo((100_000 / 0.8) * 0.01, 6);
    expect(c.people).toBe(1000);
    // the wall rate function integrates to the expected arrivals
    expect(simpson(c.rate, 0, plan.wallDurationSec) / c.expectedArrivals).toBeCloseTo(1, 4);
  });

  it('scales a preexisting cohort to size * sessionsPerPerson sessions, all logins', () => {
    const c = cohort('incumbents');
    expect(c.preexisting).toBe(true);
    expect(c.people).toBe(50);
    expect(c.returningShare).toBe(1);
    expect(c.expectedArrivals).toBeCloseTo(5000 * 4 * 0.01, 6);
    expect(c.personas).toEqual({ incumbent: 1 });
    expect(c.behaviour.introPosts).toBe(0);
  });

  it('keeps a curve without size absolute (arrivals per scenario second)', () => {
    const c = cohort('absolute');
    expect(c.expectedArrivals).toBeCloseTo(0.5 * 864000 * 0.01, 6);
    expect(c.rate(100)).toBeCloseTo(0.5 * 1440 * 0.01, 9);
    expect(c.people).toBe(Math.round(c.expectedArrivals * (1 - D.DEFAULT_NEWCOMER_RETURNING_SHARE)));
  });

  it('gives a peak rate that bounds the rate function', () => {
    for (const c of plan.cohorts) {
      let max = 0;
      for (let w = 0; w <= plan.wallDurationSec; w += 0.05) max = Math.max(max, c.rate(w));
      expect(c.peakRate).toBeGreaterThanOrEqual(max);
      expect(c.peakRate).toBeLessThan(max * 1.1 + 1e-12);
    }
    expect(cohort('newcomers').rate(-1)).toBe(0);
    expect(cohort('newcomers').rate(plan.wallDurationSec + 1)).toBe(0);
  });

  it('fills every default from defaults.ts', () => {
    const c = cohort('newcomers');
    expect(c.behaviour.weights).toEqual(D.DEFAULT_WEIGHTS);
    expect(c.behaviour.thinkTimeMs).toBe(D.DEFAULT_BEHAVIOUR.thinkTimeMs);
    expect(c.behaviour.introPosts).toBe(D.DEFAULT_NEWCOMER_INTRO_POSTS);
    expect(c.follow).toEqual(D.DEFAULT_FOLLOW);
    expect(c.content).toEqual(D.DEFAULT_CONTENT);
    expect(c.inFlightCap).toBe(D.DEFAULT_IN_FLIGHT_CAP);
    expect(c.timeZones).toEqual(D.DEFAULT_TIME_ZONES);
    expect(plan.observers).toEqual(D.DEFAULT_OBSERVERS);
    expect(plan.target).toEqual({ timeoutMs: D.DEFAULT_TARGET.timeoutMs, connections: D.DEFAULT_TARGET.connections });
    expect(plan.gracefulStopSec).toBe(D.DEFAULT_GRACEFUL_STOP_SEC);
    expect(plan.thresholds).toEqual([]);
  });

  it('maps events and faults to wall time and drops what falls outside the window', () => {
    expect(plan.events).toEqual([
      { name: 'translation-launch', kind: 'translation', atScenarioSec: 6 * 86400, atWallSec: 360, description: 'translation-launch' },
    ]);
    expect(plan.faults).toEqual([
      { kind: 'kill', atWallSec: 30, durationSec: D.DEFAULT_FAULT_DURATION_SEC },
      { kind: 'stall', atWallSec: 300, durationSec: 3 },
    ]);
  });

  it('is deterministic', () => {
    const again = compilePlan(base);
    expect(JSON.stringify(planToJson(again, 30))).toBe(JSON.stringify(planToJson(plan, 30)));
  });

  it('buckets add up to the expected arrivals', () => {
    const b = planBuckets(plan, 37);
    plan.cohorts.forEach((c, i) => expect(b.cohorts[i]!.total / c.expectedArrivals).toBeCloseTo(1, 9));
  });

  it('rebuilds rate functions from the plan data alone (after a thread boundary)', () => {
    const cloned = structuredClone(planToJson(plan)) as unknown as typeof plan;
    cloned.cohorts.forEach((c, i) => {
      const rebuilt = cohortRateFn(cloned, c);
      for (const w of [0, 17.3, 120, 359.9, 599]) expect(rebuilt(w)).toBe(plan.cohorts[i]!.rate(w));
    });
  });
});

describe('overrides', () => {
  it('--duration plays a window with the same rates; sizes refer to the full timeline', () => {
    const full = compilePlan(base);
    const window = compilePlan(base, { durationSec: '48h' });
    expect(window.scenarioDurationSec).toBe(172800);
    expect(window.wallDurationSec).toBeCloseTo(120, 9);
    expect(window.timelineDurationSec).toBe(864000);
    const [f, w] = [full.cohorts[0]!, window.cohorts[0]!];
    expect(w.rate(60)).toBe(f.rate(60));
    expect(w.expectedArrivals).toBeCloseTo(0.01 * integrate(f.curve!, 0, 172800), 6);
    expect(window.events).toEqual([]);
  });

  it('--compress, --sample and --seed', () => {
    const p = compilePlan(base, { durationSec: 172800, compress: '48h->90s', sample: 0.001, seed: 9 });
    expect(p.compression).toBeCloseTo(1920, 9);
    expect(p.wallDurationSec).toBeCloseTo(90, 9);
    expect(p.sample).toBe(0.001);
    expect(p.seed).toBe(9);
    const full = compilePlan(base);
    // the same scenario moment: wall rate scales with compression * sample
    const ratio = p.cohorts[0]!.rate(86400 / 1920) / full.cohorts[0]!.rate(86400 / 1440);
    expect(ratio).toBeCloseTo((1920 * 0.001) / (1440 * 0.01), 9);
  });

  it('wall instead of compress', () => {
    const p = compilePlan({ ...base, timeline: { start: '2025-01-13T01:00:00Z', duration: '2h', wall: '1m' } });
    expect(p.compression).toBe(120);
  });

  it('reports every bad override at once', () => {
    try {
      compilePlan(base, { durationSec: '2x', compress: 'soon', sample: -1, seed: 1.5 });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ScenarioError);
      const e = err as ScenarioError;
      expect(e.exitCode).toBe(2);
      expect(e.problems.map((p) => p.path)).toEqual(['--duration', '--compress', '--sample', '--seed']);
    }
  });

  it('rejects a curve that is zero everywhere when a size is asked for', () => {
    expect(() => compilePlan({ ...base, cohorts: [{ name: 'z', size: 10, curve: constant(0) }] })).toThrow(/cohorts\[0\]\.curve: the curve is zero/);
  });
});
