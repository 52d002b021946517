// A cohort's wall-time rate curve as k6 `ramping-arrival-rate` stages: a piecewise-linear fit with a fixed number of
// segments, and the error of that fit written down.
//
// Fit. Sample r(t) on a dense grid (GRID points over [0, T]). Start from the two knots {0, T} and repeatedly add
// the grid point where the current interpolant deviates most from r (Douglas–Peucker, greedy), until the stage
// budget is spent. Knot values are r at the knot, rounded to whole iterations per timeUnit (k6 stage targets are
// integers); timeUnit is chosen per cohort so that the peak is >= 1000 per unit (rounding <= 0.05 % of the peak).
//
// Error, measured on the same grid against the rounded stages k6 will actually play:
//   integralError  = |∫ŕ - ∫r| / ∫r           expected arrivals over the run (relative)
//   l1Error        = ∫|ŕ - r| / ∫r            share of arrivals placed at the wrong time
//   maxRateError   = max |ŕ(t) - r(t)| / max r  worst instantaneous rate error, relative to the peak
// (Pointwise relative error |ŕ-r|/r is unbounded where r → 0, so the peak is the reference.)
import type { RateFn } from '../scenario/plan.ts';

export interface K6Stage {
  /** k6 duration string, whole milliseconds. */
  duration: string;
  /** Iterations per timeUnit at the end of the stage. */
  target: number;
}

export interface StageFit {
  timeUnit: '1s' | '1m' | '1h';
  /** Seconds per timeUnit. */
  unitSec: number;
  startRate: number;
  stages: K6Stage[];
  /** Knot times (wall seconds) and rates (per second, after rounding), for charts and tests. */
  knots: { t: number; rate: number }[];
  error: { integralError: number; l1Error: number; maxRateError: number };
  /** ∫r over [0, T] (expected arrivals) and ∫ŕ. */
  expectedArrivals: number;
  stagedArrivals: number;
  peakRate: number;
}

const GRID = 4000;
const UNITS: { unit: StageFit['timeUnit']; sec: number }[] = [
  { unit: '1s', sec: 1 },
  { unit: '1m', sec: 60 },
  { unit: '1h', sec: 3600 },
];

export function fitStages(rate: RateFn, durationSec: number, stageCount: number): StageFit {
  if (!(durationSec > 0)) throw new RangeError(`durationSec must be > 0 (got ${durationSec})`);
  const count = Math.max(1, Math.floor(stageCount));
  const n = Math.max(GRID, count * 8);
  const dt = durationSec / n;
  const ts = new Float64Array(n + 1);
  const rs = new Float64Array(n + 1);
  let peak = 0;
  for (let i = 0; i <= n; i++) {
    ts[i] = i * dt;
    // Sample just inside the ends: curves may be defined on [0, T) only.
    rs[i] = Math.max(0, rate(Math.min(durationSec * (1 - 1e-9), Math.max(0, ts[i]))));
    if (rs[i] > peak) peak = rs[i];
  }

  // Greedy knot insertion on the grid.
  const knots = [0, n];
  while (knots.length - 1 < count) {
    let worst = -1;
    let worstErr = 0;
    let k = 0;
    for (let i = 1; i < n; i++) {
      while (knots[k + 1] <= i) k++;
      if (knots[k] === i) continue;
      const a = knots[k];
      const b = knots[k + 1];
      const e = Math.abs(rs[a] + ((rs[b] - rs[a]) * (i - a)) / (b - a) - rs[i]);
      if (e > worstErr) {
        worstErr = e;
        worst = i;
      }
    }
    if (worst < 0 || worstErr <= peak * 1e-9) break;
    knots.push(worst);
    knots.sort((x, y) => x - y);
  }

  const { unit, sec: unitSec } = UNITS.find((u) => peak * u.sec >= 1000) ?? UNITS[UNITS.length - 1];
  const rounded = (r: number) => Math.round(r * unitSec);
  // Whole milliseconds per stage; the last stage absorbs the rounding so the stages sum to the run exactly.
  const totalMs = Math.round(durationSec * 1000);
  const knotMs = knots.map((i) => Math.round((i / n) * totalMs));
  const stages: K6Stage[] = [];
  const kn: StageFit['knots'] = [{ t: 0, rate: rounded(rs[0]) / unitSec }];
  for (let k = 1; k < knots.length; k++) {
    const ms = knotMs[k] - knotMs[k - 1];
    if (ms <= 0) continue;
    stages.push({ duration: `${ms}ms`, target: rounded(rs[knots[k]]) });
    kn.push({ t: knotMs[k] / 1000, rate: rounded(rs[knots[k]]) / unitSec });
  }

  // Error of the played (rounded) stages against r, trapezoid rule on the grid.
  const played = (t: number): number => {
    let k = 0;
    while (k + 1 < kn.length - 1 && kn[k + 1].t < t) k++;
    const a = kn[k];
    const b = kn[k + 1] ?? a;
    return b.t === a.t ? a.rate : a.rate + ((b.rate - a.rate) * (t - a.t)) / (b.t - a.t);
  };
  let area = 0;
  let staged = 0;
  let l1 = 0;
  let maxErr = 0;
  let prev = { r: rs[0], p: played(0) };
  for (let i = 1; i <= n; i++) {
    const cur = { r: rs[i], p: played(ts[i]) };
    area += ((prev.r + cur.r) / 2) * dt;
    staged += ((prev.p + cur.p) / 2) * dt;
    l1 += ((Math.abs(prev.p - prev.r) + Math.abs(cur.p - cur.r)) / 2) * dt;
    maxErr = Math.max(maxErr, Math.abs(cur.p - cur.r));
    prev = cur;
  }
  return {
    timeUnit: unit,
    unitSec,
    startRate: rounded(rs[0]),
    stages,
    knots: kn,
    error: {
      integralError: area > 0 ? Math.abs(staged - area) / area : 0,
      l1Error: area > 0 ? l1 / area : 0,
      maxRateError: peak > 0 ? maxErr / peak : 0,
    },
    expectedArrivals: area,
    stagedArrivals: staged,
    peakRate: peak,
  };
}
