import { describe, expect, it } from 'vitest';
import { ArrivalStream, integrateRate } from '../../src/engine/arrivals.ts';
import { Rng } from '../../src/random/index.ts';
import { Scheduler } from '../../src/engine/scheduler.ts';

function collect(stream: ArrivalStream): number[] {
  const out: number[] = [];
  for (let t = stream.nextMs(); t !== Infinity; t = stream.nextMs()) out.push(t);
  return out;
}

describe('ArrivalStream (thinned non-homogeneous Poisson)', () => {
  // A flash crowd: ramp to a peak at 20 s, then power-law decay.
  const rate = (t: number) => (t < 20 ? 5 + 9.75 * t : 200 * Math.pow(1 + (t - 20) / 5, -1.5));
  const end = 60;

  it('produces counts matching the integral of the rate within Poisson tolerance, for several seeds', () => {
    const expected = integrateRate(rate, 0, end);
    for (const seed of [1, 2, 3, 42, 1234]) {
      const times = collect(new ArrivalStream(rate, 200, end, Rng.derive(seed, 'test')));
      expect(Math.abs(times.length - expected)).toBeLessThan(4 * Math.sqrt(expected));
    }
  });

  it('follows the shape of the curve: counts per window match the window integrals', () => {
    const times = collect(new ArrivalStream(rate, 200, end, Rng.derive(7, 'shape')));
    for (const [a, b] of [
      [0, 10],
      [15, 25],
      [40, 60],
    ]) {
      const n = times.filter((t) => t >= a * 1000 && t < b * 1000).length;
      const want = integrateRate(rate, a, b);
      expect(Math.abs(n - want)).toBeLessThan(4 * Math.sqrt(want) + 1);
    }
  });

  it('is deterministic for a seed, sorted, and within the run', () => {
    const a = collect(new ArrivalStream(rate, 200, end, Rng.derive(9, 'x')));
    const b = collect(new ArrivalStream(rate, 200, end, Rng.derive(9, 'x')));
    expect(a).toEqual(b);
    for (let i = 1; i < a.length; i++) expect(a[i]).toBeGreaterThanOrEqual(a[i - 1]);
    expect(a[a.length - 1]).toBeLessThan(end * 1000);
  });

  it('splits into disjoint shards whose union is the whole stream', () => {
    const whole = collect(new ArrivalStream(rate, 200, end, Rng.derive(5, 's')));
    const shards = [0, 1, 2].map((index) => collect(new ArrivalStream(rate, 200, end, Rng.derive(5, 's'), { index, count: 3 })));
    expect(shards.flat().sort((x, y) => x - y)).toEqual(whole);
    expect(Math.abs(shards[0].length - shards[1].length)).toBeLessThanOrEqual(1);
  });

  it('counts candidates where the declared peak is below the rate', () => {
    const s = new ArrivalStream(() => 50, 10, 5, Rng.derive(1, 'bound'));
    const times = collect(s);
    expect(s.boundExceeded).toBeGreaterThan(0);
    expect(times.length).toBeLessThan(100); // capped by the wrong bound, and reported
  });

  it('yields nothing for a zero peak', () => {
    expect(collect(new ArrivalStream(() => 0, 0, 10, Rng.derive(1, 'z')))).toEqual([]);
  });
});

describe('Scheduler', () => {
  function fakeClock() {
    let now = 0;
    return { now: () => now, advance: (ms: number) => (now += ms) };
  }

  it('drops arrivals beyond the in-flight cap instead of queueing them, and never delays silently', async () => {
    const clock = { t0: performance.now() };
    const now = () => performance.now() - clock.t0;
    const outcomes: { started: boolean; lag: number }[] = [];
    const releases: (() => void)[] = [];
    const s = new Scheduler(
      { cohorts: [{ name: 'c', rate: () => 400, peakRate: 400, inFlightCap: 5 }], durationSec: 0.3, seed: 3 },
      {
        now,
        startSession: () => new Promise<void>((resolve) => releases.push(resolve)), // sessions never end by themselves
        onArrival: (_c, intended, started) => outcomes.push({ started: started !== undefined, lag: started === undefined ? 0 : started - intended }),
      },
    );
    s.start();
    await s.arrivalsFinished;
    expect(s.intended).toBe(outcomes.length);
    expect(s.started).toBe(5);
    expect(s.dropped).toBe(s.intended - 5);
    expect(s.intended).toBeGreaterThan(60); // ~120 expected
    expect(s.inFlightOf(0)).toBe(5);
    for (const o of outcomes) expect(o.lag).toBeGreaterThanOrEqual(0);
    releases.forEach((r) => r());
    await s.drained();
    expect(s.inFlightOf(0)).toBe(0);
    s.close();
  });

  it('starts every arrival when under the cap and frees slots as sessions end', async () => {
    const t0 = performance.now();
    let maxActive = 0;
    const s = new Scheduler(
      { cohorts: [{ name: 'a', rate: () => 200, peakRate: 200, inFlightCap: 1000 }, { name: 'b', rate: (t) => (t < 0.1 ? 0 : 100), peakRate: 100, inFlightCap: 1000 }], durationSec: 0.4, seed: 11 },
      {
        now: () => performance.now() - t0,
        startSession: async () => {
          maxActive = Math.max(maxActive, s.activeSessions);
          await s.sleepUntil(performance.now() - t0 + 5);
        },
        onArrival: () => {},
      },
    );
    s.start();
    await s.arrivalsFinished;
    await s.drained();
    expect(s.dropped).toBe(0);
    expect(s.started).toBe(s.intended);
    expect(s.intended).toBeGreaterThan(60);
    expect(s.activeSessions).toBe(0);
    s.close();
  });

  it('wakes sleepers in time order and cancels them with false', async () => {
    const c = fakeClock();
    const s = new Scheduler({ cohorts: [], durationSec: 1, seed: 1 }, { now: c.now, startSession: async () => {}, onArrival: () => {} });
    s.start();
    const order: number[] = [];
    const a = s.sleepUntil(30).then((w) => order.push(30) && w);
    const b = s.sleepUntil(10).then((w) => order.push(10) && w);
    const late = s.sleepUntil(10_000);
    c.advance(40);
    await new Promise((r) => setTimeout(r, 120)); // the idle tick (<= 100 ms) notices the clock moved
    expect(await a).toBe(true);
    expect(await b).toBe(true);
    expect(order).toEqual([10, 30]);
    s.cancelSleepers();
    expect(await late).toBe(false);
    expect(await s.sleepUntil(1)).toBe(false);
    s.close();
  });
});
