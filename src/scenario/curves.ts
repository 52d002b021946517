// Arrival curves as DATA: plain JSON objects, so worker threads, shards and the k6 exporter can recompile them.
// `rate(curve, t)` evaluates one at scenario time t (seconds from scenario start); the unit is whatever the author
// chose for the leaves (arrivals per scenario second, or a dimensionless shape when a cohort gives `size`).
import { parseDuration, type DurationInput } from './clock.ts';

export interface ConstantCurve {
  kind: 'constant';
  rate: number;
}
/** Linear from `from` at `start` to `to` at `end`; holds `from` before and `to` after. */
export interface RampCurve {
  kind: 'ramp';
  from: number;
  to: number;
  start: number;
  end: number;
}
/**
 * Flash crowd: exponential rise to `peak` at `at` with e-folding time `ramp`, then power-law decay
 * peak * (1 + (t - at) / tau) ^ -alpha. `base` is added everywhere; before `onset` (if set) the wave is 0.
 */
export interface FlashCurve {
  kind: 'flash';
  peak: number;
  at: number;
  ramp: number;
  tau: number;
  alpha: number;
  base?: number;
  onset?: number;
}
/** An added spike: exponential rise (`rise`) to `peak` at `at`, exponential fall (`decay`). Area = peak*(rise+decay). */
export interface ShockCurve {
  kind: 'shock';
  peak: number;
  at: number;
  rise: number;
  decay: number;
}
/** A step: `from` before `at`, `to` after `at + over` (linear in between). As a factor in a product: from 1 to 0.5. */
export interface CliffCurve {
  kind: 'cliff';
  at: number;
  from: number;
  to: number;
  over: number;
}
/**
 * Daily cycle of one time zone: mean * (1 + amplitude * cos(2π (localHour - peakHour) / 24)), where localHour is
 * the hour of day at UTC offset `tzOffsetHours` at the real moment epochSec + t. `epochSec` (Unix seconds of scenario
 * time 0) is filled by the compiler from `timeline.start`.
 */
export interface DiurnalCurve {
  kind: 'diurnal';
  tzOffsetHours: number;
  amplitude: number;
  peakHour: number;
  mean: number;
  epochSec?: number;
}
/**
 * Piecewise linear through points [t, value] read from a CSV file in fixtures/curves/; holds the end values outside.
 * With `period` the file is a repeating profile (e.g. 24h of a day): value(t) = profile((t + offset) mod period).
 */
export interface CsvCurve {
  kind: 'csv';
  path: string;
  /** Filled by the loader/compiler from the file; a curve with points needs no file any more. */
  points?: Array<[number, number]>;
  scale?: number;
  period?: number;
  /** CSV time at scenario time 0 (with `period`). */
  offset?: number;
}
export interface SumCurve {
  kind: 'sum';
  of: Curve[];
}
export interface ProductCurve {
  kind: 'product';
  of: Curve[];
}
/** `factor` times another curve. */
export interface ScaleCurve {
  kind: 'scale';
  factor: number;
  of: Curve;
}

export type Curve =
  | ConstantCurve
  | RampCurve
  | FlashCurve
  | ShockCurve
  | CliffCurve
  | DiurnalCurve
  | CsvCurve
  | SumCurve
  | ProductCurve
  | ScaleCurve;

export const CURVE_KINDS = ['constant', 'ramp', 'flash', 'shock', 'cliff', 'diurnal', 'csv', 'sum', 'product', 'scale'] as const;

// ---------------------------------------------------------------------------------------------------------------
// Builders for scenario authors. They accept durations as strings ("12h") and return plain data in seconds.

const d = (x: DurationInput): number => parseDuration(x);

export function constant(rate: number): ConstantCurve {
  return { kind: 'constant', rate };
}

export function ramp(opts: { from?: number; to: number; start?: DurationInput; end: DurationInput }): RampCurve {
  return { kind: 'ramp', from: opts.from ?? 0, to: opts.to, start: d(opts.start ?? 0), end: d(opts.end) };
}

export function flashCrowd(opts: {
  peak: number;
  at: DurationInput;
  ramp: DurationInput;
  tau: DurationInput;
  alpha: number;
  base?: number;
  onset?: DurationInput;
}): FlashCurve {
  const c: FlashCurve = { kind: 'flash', peak: opts.peak, at: d(opts.at), ramp: d(opts.ramp), tau: d(opts.tau), alpha: opts.alpha };
  if (opts.base !== undefined) c.base = opts.base;
  if (opts.onset !== undefined) c.onset = d(opts.onset);
  return c;
}

export function shock(opts: { peak: number; at: DurationInput; rise: DurationInput; decay?: DurationInput }): ShockCurve {
  return { kind: 'shock', peak: opts.peak, at: d(opts.at), rise: d(opts.rise), decay: d(opts.decay ?? opts.rise) };
}

export function cliff(opts: { at: DurationInput; to: number; from?: number; over?: DurationInput }): CliffCurve {
  return { kind: 'cliff', at: d(opts.at), from: opts.from ?? 1, to: opts.to, over: d(opts.over ?? 0) };
}

export function diurnal(opts: { tzOffsetHours: number; amplitude?: number; peakHour?: number; mean?: number }): DiurnalCurve {
  return {
    kind: 'diurnal',
    tzOffsetHours: opts.tzOffsetHours,
    amplitude: opts.amplitude ?? 0.5,
    peakHour: opts.peakHour ?? 20,
    mean: opts.mean ?? 1,
  };
}

/** A weighted mix of daily cycles, one per UTC offset: diurnalMix({'-5': 0.6, '-8': 0.4}, {amplitude: 0.6}). Mean 1. */
export function diurnalMix(
  offsets: Record<string, number>,
  opts: { amplitude?: number; peakHour?: number } = {},
): Curve {
  const total = Object.values(offsets).reduce((a, b) => a + b, 0);
  const parts = Object.entries(offsets).map(([offset, weight]) =>
    diurnal({ tzOffsetHours: Number(offset), amplitude: opts.amplitude, peakHour: opts.peakHour, mean: weight / total }),
  );
  return parts.length === 1 ? parts[0]! : sum(...parts);
}

export function csv(path: string, opts: { scale?: number; period?: DurationInput; offset?: DurationInput } = {}): CsvCurve {
  const c: CsvCurve = { kind: 'csv', path };
  if (opts.scale !== undefined) c.scale = opts.scale;
  if (opts.period !== undefined) c.period = d(opts.period);
  if (opts.offset !== undefined) c.offset = d(opts.offset);
  return c;
}

export function sum(...of: Curve[]): SumCurve {
  return { kind: 'sum', of };
}

export function product(...of: Curve[]): ProductCurve {
  return { kind: 'product', of };
}

export function scale(factor: number, of: Curve): ScaleCurve {
  return { kind: 'scale', factor, of };
}

// ---------------------------------------------------------------------------------------------------------------
// Evaluation.

const TWO_PI = 2 * Math.PI;

/** Value of the curve at scenario time t (seconds). Pure. */
export function rate(curve: Curve, t: number): number {
  switch (curve.kind) {
    case 'constant':
      return curve.rate;
    case 'ramp': {
      if (t <= curve.start) return curve.from;
      if (t >= curve.end) return curve.to;
      return curve.from + ((curve.to - curve.from) * (t - curve.start)) / (curve.end - curve.start);
    }
    case 'flash': {
      const base = curve.base ?? 0;
      if (curve.onset !== undefined && t < curve.onset) return base;
      if (t < curve.at) return base + curve.peak * Math.exp((t - curve.at) / curve.ramp);
      return base + curve.peak * Math.pow(1 + (t - curve.at) / curve.tau, -curve.alpha);
    }
    case 'shock':
      return t < curve.at ? curve.peak * Math.exp((t - curve.at) / curve.rise) : curve.peak * Math.exp(-(t - curve.at) / curve.decay);
    case 'cliff': {
      if (t < curve.at) return curve.from;
      if (curve.over <= 0 || t >= curve.at + curve.over) return curve.to;
      return curve.from + ((curve.to - curve.from) * (t - curve.at)) / curve.over;
    }
    case 'diurnal': {
      const utcHours = ((curve.epochSec ?? 0) + t) / 3600;
      const local = utcHours + curve.tzOffsetHours;
      return curve.mean * (1 + curve.amplitude * Math.cos((TWO_PI * (local - curve.peakHour)) / 24));
    }
    case 'csv': {
      const pts = curve.points;
      if (!pts || pts.length === 0) throw new Error(`csv curve '${curve.path}' has no points: load it with resolveCsvCurves() first`);
      let x = t;
      if (curve.period !== undefined && curve.period > 0) {
        x = (t + (curve.offset ?? 0)) % curve.period;
        if (x < 0) x += curve.period;
      }
      return (curve.scale ?? 1) * piecewiseLinear(pts, x);
    }
    case 'sum': {
      let s = 0;
      for (const c of curve.of) s += rate(c, t);
      return s;
    }
    case 'product': {
      let p = 1;
      for (const c of curve.of) p *= rate(c, t);
      return p;
    }
    case 'scale':
      return curve.factor * rate(curve.of, t);
  }
}

/**
 * The curve as a closure: same values as rate(curve, t), without walking the data on every call. The scheduler
 * evaluates a cohort's rate once per candidate arrival, so compiled plans use this (bench/scenario.bench.ts).
 */
export function compileCurve(curve: Curve): (t: number) => number {
  switch (curve.kind) {
    case 'constant': {
      const r = curve.rate;
      return () => r;
    }
    case 'flash': {
      const { peak, at, ramp: rampS, tau, alpha } = curve;
      const base = curve.base ?? 0;
      const onset = curve.onset ?? -Infinity;
      return (t) => (t < onset ? base : t < at ? base + peak * Math.exp((t - at) / rampS) : base + peak * Math.pow(1 + (t - at) / tau, -alpha));
    }
    case 'shock': {
      const { peak, at, rise, decay } = curve;
      return (t) => (t < at ? peak * Math.exp((t - at) / rise) : peak * Math.exp(-(t - at) / decay));
    }
    case 'diurnal': {
      // cos(2π (local - peakHour) / 24) with local = (epoch + t) / 3600 + offset, folded into one phase constant
      const mean = curve.mean;
      const amp = curve.amplitude;
      const w = TWO_PI / 86400;
      const phase = w * ((curve.epochSec ?? 0) + (curve.tzOffsetHours - curve.peakHour) * 3600);
      return (t) => mean * (1 + amp * Math.cos(w * t + phase));
    }
    case 'sum': {
      const fs = curve.of.map(compileCurve);
      if (fs.length === 2) {
        const [a, b] = fs as [(t: number) => number, (t: number) => number];
        return (t) => a(t) + b(t);
      }
      return (t) => {
        let s = 0;
        for (let i = 0; i < fs.length; i++) s += fs[i]!(t);
        return s;
      };
    }
    case 'product': {
      const fs = curve.of.map(compileCurve);
      return (t) => {
        let p = 1;
        for (let i = 0; i < fs.length; i++) p *= fs[i]!(t);
        return p;
      };
    }
    case 'scale': {
      const k = curve.factor;
      const f = compileCurve(curve.of);
      return (t) => k * f(t);
    }
    default:
      return (t) => rate(curve, t);
  }
}

function piecewiseLinear(pts: Array<[number, number]>, t: number): number {
  if (t <= pts[0]![0]) return pts[0]![1];
  const last = pts[pts.length - 1]!;
  if (t >= last[0]) return last[1];
  let lo = 0;
  let hi = pts.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (pts[mid]![0] <= t) lo = mid;
    else hi = mid;
  }
  const [t0, v0] = pts[lo]!;
  const [t1, v1] = pts[hi]!;
  return t1 === t0 ? v1 : v0 + ((v1 - v0) * (t - t0)) / (t1 - t0);
}

/** Times where a curve has a kink or a step; integration and peak search split there. */
export function breakpoints(curve: Curve): number[] {
  switch (curve.kind) {
    case 'constant':
    case 'diurnal':
      return [];
    case 'ramp':
      return [curve.start, curve.end];
    case 'flash':
      return curve.onset === undefined ? [curve.at] : [curve.onset, curve.at];
    case 'shock':
      return [curve.at];
    case 'cliff':
      return curve.over > 0 ? [curve.at, curve.at + curve.over] : [curve.at];
    case 'csv':
      // a periodic profile has kinks every period: finestScale() makes integration fine enough instead
      return curve.period !== undefined ? [] : (curve.points ?? []).map((p) => p[0]);
    case 'sum':
    case 'product':
      return curve.of.flatMap(breakpoints);
    case 'scale':
      return breakpoints(curve.of);
  }
}

/** The shortest time scale in a curve (ramp, tau, shock widths, a day for diurnal); peak search samples finer. */
function finestScale(curve: Curve): number {
  switch (curve.kind) {
    case 'flash':
      return Math.min(curve.ramp, curve.tau);
    case 'shock':
      return Math.min(curve.rise, curve.decay);
    case 'diurnal':
      return 86400;
    case 'csv': {
      if (curve.period === undefined || !curve.points) return Infinity;
      let gap = curve.period;
      for (let i = 1; i < curve.points.length; i++) {
        const g = curve.points[i]![0] - curve.points[i - 1]![0];
        if (g > 0) gap = Math.min(gap, g);
      }
      return gap / 4;
    }
    case 'sum':
    case 'product':
      return Math.min(Infinity, ...curve.of.map(finestScale));
    case 'scale':
      return finestScale(curve.of);
    default:
      return Infinity;
  }
}

function splitPoints(curve: Curve, a: number, b: number): number[] {
  const inside = breakpoints(curve).filter((x) => x > a && x < b);
  const pts = [a, ...inside, b].sort((x, y) => x - y);
  return pts.filter((x, i) => i === 0 || x - pts[i - 1]! > 1e-9 * Math.max(1, Math.abs(x)));
}

/**
 * ∫_a^b rate(curve, t) dt by adaptive Simpson, split at the curve's breakpoints (where it is not smooth) and
 * pre-divided into pieces no wider than its finest time scale, so narrow spikes inside long windows are not missed.
 */
export function integrate(curve: Curve, a: number, b: number, relTol = 1e-9): number {
  if (b === a) return 0;
  if (b < a) return -integrate(curve, b, a, relTol);
  const f = (t: number): number => rate(curve, t);
  const pts = splitPoints(curve, a, b);
  const finest = finestScale(curve);
  let total = 0;
  for (let i = 0; i < pts.length - 1; i++) {
    const lo = pts[i]!;
    const hi = pts[i + 1]!;
    const pieces = Math.min(4096, Math.max(8, Math.ceil((hi - lo) / (finest / 2))));
    const h = (hi - lo) / pieces;
    for (let k = 0; k < pieces; k++) {
      const x0 = lo + k * h;
      const x1 = k === pieces - 1 ? hi : x0 + h;
      const m = (x0 + x1) / 2;
      const f0 = f(x0);
      const f1 = f(x1);
      const fm = f(m);
      const whole = ((x1 - x0) / 6) * (f0 + 4 * fm + f1);
      const tol = Math.max(Math.abs(whole) * relTol, 1e-15);
      total += adaptiveSimpson(f, x0, x1, f0, fm, f1, whole, tol, 40);
    }
  }
  return total;
}

function adaptiveSimpson(
  f: (t: number) => number,
  a: number,
  b: number,
  fa: number,
  fm: number,
  fb: number,
  whole: number,
  tol: number,
  depth: number,
): number {
  const m = (a + b) / 2;
  const lm = (a + m) / 2;
  const rm = (m + b) / 2;
  const flm = f(lm);
  const frm = f(rm);
  const left = ((m - a) / 6) * (fa + 4 * flm + fm);
  const right = ((b - m) / 6) * (fm + 4 * frm + fb);
  const delta = left + right - whole;
  if (depth <= 0 || Math.abs(delta) <= 15 * tol) return left + right + delta / 15;
  return (
    adaptiveSimpson(f, a, m, fa, flm, fm, left, tol / 2, depth - 1) + adaptiveSimpson(f, m, b, fm, frm, fb, right, tol / 2, depth - 1)
  );
}

/**
 * A safe upper bound of the curve on [a, b] for Poisson thinning: the maximum over a dense grid (no coarser than a
 * tenth of the finest time scale), every breakpoint and points just beside each, plus a relative margin.
 */
export function peakRate(curve: Curve, a: number, b: number, margin = 0.05): number {
  const finest = finestScale(curve);
  const n = Math.min(200_000, Math.max(2048, Math.ceil((b - a) / (finest / 10))));
  let max = 0;
  const probe = (t: number): void => {
    if (t < a || t > b) return;
    const v = rate(curve, t);
    if (v > max) max = v;
  };
  for (let i = 0; i <= n; i++) probe(a + ((b - a) * i) / n);
  const eps = Math.max(1e-6, (b - a) * 1e-9);
  for (const x of breakpoints(curve)) {
    probe(x);
    probe(x - eps);
    probe(x + eps);
  }
  return max * (1 + margin);
}

/** Copy of the curve with diurnal leaves bound to the real moment of scenario time 0. */
export function bindEpoch(curve: Curve, epochSec: number): Curve {
  switch (curve.kind) {
    case 'diurnal':
      return { ...curve, epochSec };
    case 'sum':
    case 'product':
      return { ...curve, of: curve.of.map((c) => bindEpoch(c, epochSec)) };
    case 'scale':
      return { ...curve, of: bindEpoch(curve.of, epochSec) };
    default:
      return curve;
  }
}

/**
 * Parse a curve CSV: optional header, then `time,value` rows. Time is seconds or a duration ("12h"); value is the
 * rate (or shape) at that time. Lines starting with # are comments. Rows must be in increasing time order.
 */
export function parseCurveCsv(text: string, name = 'csv'): Array<[number, number]> {
  const points: Array<[number, number]> = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    const cells = line.split(',').map((c) => c.trim());
    if (cells.length < 2) throw new Error(`${name}:${i + 1}: expected "time,value", got "${line}"`);
    let t: number;
    try {
      t = parseDuration(/^\d+(\.\d+)?$/.test(cells[0]!) ? Number(cells[0]) : cells[0]!);
    } catch {
      if (points.length === 0) continue; // header row
      throw new Error(`${name}:${i + 1}: time "${cells[0]}" is not seconds or a duration`);
    }
    const v = Number(cells[1]);
    if (!Number.isFinite(v) || v < 0) throw new Error(`${name}:${i + 1}: value "${cells[1]}" is not a non-negative number`);
    if (points.length > 0 && t < points[points.length - 1]![0]) throw new Error(`${name}:${i + 1}: times must increase`);
    points.push([t, v]);
  }
  if (points.length === 0) throw new Error(`${name}: no data rows`);
  return points;
}

/** Copy of the curve with every csv leaf's points filled by `read(path)`. */
export function resolveCsvCurves(curve: Curve, read: (path: string) => Array<[number, number]>): Curve {
  switch (curve.kind) {
    case 'csv':
      return curve.points ? curve : { ...curve, points: read(curve.path) };
    case 'sum':
    case 'product':
      return { ...curve, of: curve.of.map((c) => resolveCsvCurves(c, read)) };
    case 'scale':
      return { ...curve, of: resolveCsvCurves(curve.of, read) };
    default:
      return curve;
  }
}
