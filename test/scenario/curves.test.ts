import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  bindEpoch,
  cliff,
  constant,
  diurnal,
  diurnalMix,
  flashCrowd,
  integrate,
  parseCurveCsv,
  peakRate,
  product,
  ramp,
  rate,
  resolveCsvCurves,
  scale,
  shock,
  sum,
  type Curve,
} from '../../src/scenario/curves.ts';

const H = 3600;

describe('curve evaluation', () => {
  it('constant and ramp', () => {
    expect(rate(constant(3), 123)).toBe(3);
    const r = ramp({ from: 2, to: 10, start: '1h', end: '3h' });
    expect(rate(r, 0)).toBe(2);
    expect(rate(r, 2 * H)).toBeCloseTo(6, 12);
    expect(rate(r, 5 * H)).toBe(10);
  });

  it('flash crowd rises exponentially to the peak, then decays as a power law', () => {
    const f = flashCrowd({ peak: 100, at: '10h', ramp: '2h', tau: '5h', alpha: 1.5 });
    expect(rate(f, 10 * H)).toBeCloseTo(100, 9);
    expect(rate(f, 8 * H)).toBeCloseTo(100 * Math.exp(-1), 9);
    expect(rate(f, 15 * H)).toBeCloseTo(100 * Math.pow(2, -1.5), 9);
    const withOnset = flashCrowd({ peak: 100, at: '10h', ramp: '2h', tau: '5h', alpha: 1.5, onset: '6h', base: 1 });
    expect(rate(withOnset, 5 * H)).toBe(1);
    expect(rate(withOnset, 7 * H)).toBeCloseTo(1 + 100 * Math.exp(-1.5), 9);
  });

  it('shock, cliff, scale, sum and product', () => {
    const s = shock({ peak: 50, at: '2h', rise: '30m', decay: '1h' });
    expect(rate(s, 2 * H)).toBe(50);
    expect(rate(s, 3 * H)).toBeCloseTo(50 * Math.exp(-1), 9);
    const c = cliff({ at: '4h', to: 0.5, over: '2h' });
    expect(rate(c, 3 * H)).toBe(1);
    expect(rate(c, 5 * H)).toBeCloseTo(0.75, 12);
    expect(rate(c, 7 * H)).toBe(0.5);
    expect(rate(sum(constant(1), constant(2)), 0)).toBe(3);
    expect(rate(product(constant(4), c), 7 * H)).toBe(2);
    expect(rate(scale(3, constant(2)), 0)).toBe(6);
  });

  it('diurnal peaks at the local peak hour of its time zone', () => {
    const epoch = Date.parse('2025-01-13T00:00:00Z') / 1000;
    const beijing = bindEpoch(diurnal({ tzOffsetHours: 8, amplitude: 0.5, peakHour: 20 }), epoch);
    // 20:00 in UTC+8 is 12:00 UTC
    expect(rate(beijing, 12 * H)).toBeCloseTo(1.5, 9);
    expect(rate(beijing, 0)).toBeCloseTo(0.5, 9); // 08:00 local, the trough
    expect(integrate(beijing, 0, 24 * H) / (24 * H)).toBeCloseTo(1, 9);
  });

  it('diurnalMix has mean 1', () => {
    const mix = bindEpoch(diurnalMix({ '-5': 3, '-8': 1 }, { amplitude: 0.8 }), 0);
    expect(integrate(mix, 0, 86400) / 86400).toBeCloseTo(1, 9);
  });

  it('csv: piecewise linear through the points, holding the ends', () => {
    const points = parseCurveCsv('# comment\ntime,rate\n0,0\n1h,10\n3h,10\n4h,0\n', 'test.csv');
    expect(points).toEqual([[0, 0], [3600, 10], [10800, 10], [14400, 0]]);
    const c = resolveCsvCurves({ kind: 'csv', path: 'x.csv', scale: 2 }, () => points);
    expect(rate(c, 1800)).toBeCloseTo(10, 12);
    expect(rate(c, 20000)).toBe(0);
    // trapezoids: 0.5h*10 + 2h*10 + 0.5h*10 = 30 h*rate, doubled
    expect(integrate(c, 0, 4 * H)).toBeCloseTo(2 * 10 * 3 * H, 6);
    expect(() => rate({ kind: 'csv', path: 'y.csv' }, 0)).toThrow(/resolveCsvCurves/);
    expect(() => parseCurveCsv('0,1\n10,-1\n', 'bad.csv')).toThrow(/bad.csv:2/);
    expect(() => parseCurveCsv('10,1\n0,1\n', 'bad.csv')).toThrow(/increase/);
  });
});

describe('integrate', () => {
  it('matches closed forms for constant and ramp', () => {
    expect(integrate(constant(2.5), 0, 1000)).toBeCloseTo(2500, 9);
    const r = ramp({ from: 0, to: 10, start: 100, end: 200 });
    // 0 until 100, triangle of 500 to 200, then 10/s for 100 s
    expect(integrate(r, 0, 300)).toBeCloseTo(500 + 1000, 6);
  });

  it('matches the closed form of a flash crowd', () => {
    const peak = 40;
    const at = 6 * H;
    const rampS = 1.5 * H;
    const tau = 4 * H;
    for (const alpha of [0.7, 1, 1.8]) {
      const f = flashCrowd({ peak, at, ramp: rampS, tau, alpha });
      const T = 48 * H;
      const rise = peak * rampS * (1 - Math.exp(-at / rampS));
      const decay =
        alpha === 1
          ? peak * tau * Math.log(1 + (T - at) / tau)
          : ((peak * tau) / (1 - alpha)) * (Math.pow(1 + (T - at) / tau, 1 - alpha) - 1);
      expect(integrate(f, 0, T) / (rise + decay)).toBeCloseTo(1, 8);
    }
  });

  it('finds a narrow shock inside a long window', () => {
    const s = shock({ peak: 1000, at: '5d', rise: '10m', decay: '20m' });
    expect(integrate(s, 0, 10 * 86400) / (1000 * 1800)).toBeCloseTo(1, 6);
  });

  it('is additive over adjacent intervals (property)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.1, max: 100, noNaN: true }),
        fc.double({ min: 0.3, max: 2.5, noNaN: true }),
        fc.double({ min: 0, max: 50 * H, noNaN: true }),
        fc.double({ min: 0, max: 50 * H, noNaN: true }),
        (peak, alpha, x, y) => {
          const curve: Curve = sum(
            flashCrowd({ peak, at: 10 * H, ramp: 2 * H, tau: 3 * H, alpha }),
            product(constant(1), cliff({ at: 20 * H, to: 0.3 })),
          );
          const [a, b] = x < y ? [x, y] : [y, x];
          const whole = integrate(curve, 0, 50 * H);
          const parts = integrate(curve, 0, a) + integrate(curve, a, b) + integrate(curve, b, 50 * H);
          expect(parts / whole).toBeCloseTo(1, 7);
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe('peakRate', () => {
  it('bounds every sampled value with a small margin', () => {
    const epoch = Date.parse('2025-01-12T19:00:00Z') / 1000;
    const curve = bindEpoch(
      product(
        sum(flashCrowd({ peak: 10, at: '20h', ramp: '4h', tau: '24h', alpha: 1.3 }), shock({ peak: 5, at: '6d', rise: '1h' })),
        diurnal({ tzOffsetHours: -5, amplitude: 0.6 }),
      ),
      epoch,
    );
    const bound = peakRate(curve, 0, 10 * 86400);
    let max = 0;
    for (let t = 0; t <= 10 * 86400; t += 7) max = Math.max(max, rate(curve, t));
    expect(bound).toBeGreaterThanOrEqual(max);
    expect(bound).toBeLessThan(max * 1.1);
  });

  it('catches a step at a breakpoint', () => {
    const c = sum(constant(1), product(constant(100), ramp({ from: 0, to: 1, start: 500, end: 500.001 }), cliff({ at: 500.002, to: 0 })));
    expect(peakRate(c, 0, 1e6)).toBeGreaterThan(90);
  });
});

describe('periodic csv profiles', () => {
  it('repeats the profile with an offset and integrates per period', () => {
    const points: Array<[number, number]> = [[0, 0], [12 * H, 2], [24 * H, 0]];
    const c = resolveCsvCurves({ kind: 'csv', path: 'day.csv', period: 24 * H, offset: 6 * H }, () => points);
    expect(rate(c, 6 * H)).toBeCloseTo(2, 12); // csv time 12h
    expect(rate(c, 30 * H)).toBeCloseTo(2, 12); // next day
    expect(integrate(c, 0, 72 * H)).toBeCloseTo(3 * 24 * H, 4); // triangle of area 24h per day
  });
});

describe('compileCurve', () => {
  it('gives the same values as rate() for every kind (property)', async () => {
    const { compileCurve } = await import('../../src/scenario/curves.ts');
    const epoch = Date.parse('2025-01-12T19:00:00Z') / 1000;
    const curve = bindEpoch(
      sum(
        product(
          sum(flashCrowd({ peak: 3, at: '20h', ramp: '4h', tau: '1d', alpha: 1.3, onset: '6h', base: 0.1 }), ramp({ to: 1, start: '6h', end: '3d' }), shock({ peak: 2, at: '6d', rise: '6h', decay: '18h' })),
          cliff({ at: '7d', to: 0.5, over: '1d' }),
          diurnalMix({ '-5': 0.5, '-8': 0.3, '8': 0.2 }, { amplitude: 0.6, peakHour: 21 }),
        ),
        scale(0.5, constant(2)),
        resolveCsvCurves({ kind: 'csv', path: 'p.csv', period: 86400, offset: 3600 }, () => [[0, 1], [43200, 3], [86400, 1]]),
      ),
      epoch,
    );
    const f = compileCurve(curve);
    fc.assert(
      fc.property(fc.double({ min: -86400, max: 12 * 86400, noNaN: true }), (t) => {
        const a = f(t);
        const b = rate(curve, t);
        expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(b)));
      }),
      { numRuns: 2000 },
    );
  });
});
