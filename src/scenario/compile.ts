// Scenario -> Plan. The plan speaks wall time: what the engine schedules. Size semantics (docs/scenarios.md):
//   newcomers (preexisting: false): `size` people sign up over the WHOLE timeline; each arrival is a signup with
//     probability 1 - returningShare, so the curve is scaled to integrate to size / (1 - returningShare) arrivals.
//   incumbents (preexisting: true): `size` accounts exist before the run; the curve is scaled to integrate to
//     size * sessionsPerPerson arrivals, all of them logins unless returningShare says otherwise.
//   a curve without size (or with curveIs: 'rate') is absolute: arrivals per scenario second.
// Normalisation always uses the scenario's full timeline, so playing only a window (--duration 48h) keeps rates.
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { parseCompression, parseDuration, parseInstant, type DurationInput } from './clock.ts';
import { bindEpoch, compileCurve, constant, integrate, parseCurveCsv, peakRate, resolveCsvCurves, scale, type Curve } from './curves.ts';
import * as D from './defaults.ts';
import { ScenarioError, describeProblems, problemsFromZod, type FieldProblem } from './errors.ts';
import type { FaultPlan, Plan, PlanCohort, PlanEvent, RateFn } from './plan.ts';
import { ScenarioSchema, type Cohort, type Scenario, type ScenarioInput } from './schema.ts';
import { SAMPLE, SEED, rangeProblem } from './limits.ts';

export interface CompileOverrides {
  seed?: number;
  /** Scenario time to play (from scenario time 0): seconds or "48h". */
  durationSec?: DurationInput;
  /** "48h->90s" or a factor. */
  compress?: number | string;
  sample?: number;
}

export interface CompileOptions {
  /** Source file of the scenario, recorded in the plan. */
  source?: string;
  /** Directories to resolve csv curve paths against, in order (default: cwd). */
  searchDirs?: string[];
}

/** Validate (if needed) and compile a scenario into a Plan. Throws ScenarioError listing every problem. */
export function compilePlan(scenario: ScenarioInput | Scenario, overrides: CompileOverrides = {}, options: CompileOptions = {}): Plan {
  const parsed = ScenarioSchema.safeParse(scenario, { reportInput: true });
  if (!parsed.success) {
    const problems = problemsFromZod(parsed.error);
    throw new ScenarioError(describeProblems(options.source, problems), problems, options.source);
  }
  const s = parsed.data;
  const { durationSec, compression, sample, seed } = resolveOverrides(s, overrides, options.source);
  const epochSec = parseInstant(s.timeline.start);
  const timelineSec = s.timeline.duration;
  const wallDurationSec = durationSec / compression;
  const searchDirs = options.searchDirs ?? [process.cwd()];

  const cohorts = s.cohorts.map((c, i) =>
    compileCohort(c, i, { epochSec, timelineSec, durationSec, wallDurationSec, compression, sample, searchDirs, source: options.source }),
  );

  const events: PlanEvent[] = (s.events ?? [])
    .filter((e) => e.at >= 0 && e.at <= durationSec)
    .map((e) => ({
      name: e.name,
      kind: e.kind,
      atScenarioSec: e.at,
      atWallSec: e.at / compression,
      description: e.description ?? e.name,
    }))
    .sort((a, b) => a.atScenarioSec - b.atScenarioSec);

  const faults: FaultPlan[] = (s.faults ?? [])
    .map((f): FaultPlan => {
      const fault: FaultPlan = {
        kind: f.kind,
        atWallSec: f.atWall ?? (f.at ?? 0) / compression,
        durationSec: f.duration ?? D.DEFAULT_FAULT_DURATION_SEC,
      };
      if (f.params) fault.params = f.params;
      return fault;
    })
    .filter((f) => f.atWallSec <= wallDurationSec)
    .sort((a, b) => a.atWallSec - b.atWallSec);

  const o = s.observers ?? {};
  const target: Plan['target'] = {
    timeoutMs: s.target?.timeout !== undefined ? s.target.timeout * 1000 : D.DEFAULT_TARGET.timeoutMs,
    connections: s.target?.connections ?? D.DEFAULT_TARGET.connections,
  };
  if (s.target?.url) target.url = s.target.url;

  const plan: Plan = {
    name: s.name,
    description: s.description ?? '',
    seed,
    scenarioStart: new Date(epochSec * 1000).toISOString(),
    scenarioDurationSec: durationSec,
    wallDurationSec,
    compression,
    sample,
    cohorts,
    events,
    thresholds: [...(s.thresholds ?? [])],
    observers: {
      probeReaders: { ...D.DEFAULT_OBSERVERS.probeReaders, ...(o.probeReaders ?? {}) },
      pollIntervalSec: o.pollInterval ?? D.DEFAULT_OBSERVERS.pollIntervalSec,
      recallK: o.recallK ?? D.DEFAULT_OBSERVERS.recallK,
      recallGraceSec: o.recallGrace ?? D.DEFAULT_OBSERVERS.recallGraceSec,
      languageBands: { ...D.DEFAULT_OBSERVERS.languageBands, ...(o.languageBands ?? {}) },
    },
    faults,
    target,
    gracefulStopSec: s.timeline.gracefulStop ?? D.DEFAULT_GRACEFUL_STOP_SEC,
    timelineDurationSec: timelineSec,
  };
  if (s.identity) plan.identity = s.identity;
  if (options.source) plan.source = options.source;
  return plan;
}

function resolveOverrides(s: Scenario, o: CompileOverrides, source: string | undefined) {
  const problems: FieldProblem[] = [];
  const attempt = <T>(path: string, fn: () => T, fallback: T): T => {
    try {
      return fn();
    } catch (err) {
      problems.push({ path, message: (err as Error).message });
      return fallback;
    }
  };
  const durationSec =
    o.durationSec === undefined
      ? s.timeline.duration
      : attempt(
          '--duration',
          () => {
            const d = parseDuration(o.durationSec!);
            if (d <= 0) throw new Error('expected a duration greater than zero');
            return d;
          },
          s.timeline.duration,
        );
  const scenarioCompression =
    s.timeline.compress ?? (s.timeline.wall !== undefined ? s.timeline.duration / s.timeline.wall : D.DEFAULT_COMPRESSION);
  const compression = o.compress === undefined ? scenarioCompression : attempt('--compress', () => parseCompression(o.compress!), 1);
  const sample =
    o.sample === undefined
      ? (s.timeline.sample ?? D.DEFAULT_SAMPLE)
      : attempt(
          '--sample',
          () => {
            const problem = rangeProblem(o.sample!, SAMPLE);
            if (problem) throw new Error(problem);
            return o.sample!;
          },
          1,
        );
  const seed =
    o.seed === undefined
      ? (s.seed ?? D.DEFAULT_SEED)
      : attempt(
          '--seed',
          () => {
            const problem = rangeProblem(o.seed!, SEED);
            if (problem) throw new Error(problem);
            return o.seed!;
          },
          1,
        );
  if (problems.length > 0) throw new ScenarioError(describeProblems(source, problems), problems, source);
  return { durationSec, compression, sample, seed };
}

interface CohortContext {
  epochSec: number;
  timelineSec: number;
  durationSec: number;
  wallDurationSec: number;
  compression: number;
  sample: number;
  searchDirs: string[];
  source?: string;
}

function compileCohort(c: Cohort, index: number, ctx: CohortContext): PlanCohort {
  const preexisting = c.preexisting ?? false;
  const returningShare = c.returningShare ?? (preexisting ? D.DEFAULT_INCUMBENT_RETURNING_SHARE : D.DEFAULT_NEWCOMER_RETURNING_SHARE);
  const path = `cohorts[${index}]`;

  let authored: Curve = c.curve ?? constant(1);
  try {
    authored = resolveCsvCurves(authored, (p) => readCsv(p, ctx.searchDirs));
  } catch (err) {
    const problem = { path: `${path}.curve`, message: (err as Error).message };
    throw new ScenarioError(describeProblems(ctx.source, [problem]), [problem], ctx.source);
  }
  authored = bindEpoch(authored, ctx.epochSec);

  // Arrivals per scenario second at full scale.
  let curve: Curve = authored;
  const isShape = c.size !== undefined && (c.curve === undefined || c.curveIs !== 'rate');
  if (isShape) {
    const wanted = preexisting ? c.size! * (c.sessionsPerPerson ?? D.DEFAULT_SESSIONS_PER_PERSON) : c.size! / (1 - returningShare);
    const area = integrate(authored, 0, ctx.timelineSec);
    if (!(area > 0)) {
      if (wanted > 0) {
        const problem = { path: `${path}.curve`, message: 'the curve is zero over the whole timeline, so it cannot be scaled to the cohort size' };
        throw new ScenarioError(describeProblems(ctx.source, [problem]), [problem], ctx.source);
      }
      curve = constant(0);
    } else {
      curve = scale(wanted / area, authored);
    }
  }

  const rateScale = ctx.compression * ctx.sample;
  const fullArrivals = integrate(curve, 0, ctx.durationSec);
  const expectedArrivals = fullArrivals * ctx.sample;
  const peak = peakRate(curve, 0, ctx.durationSec) * rateScale;
  const people = preexisting
    ? c.size! > 0
      ? Math.max(1, Math.round(c.size! * ctx.sample))
      : 0
    : Math.round(expectedArrivals * (1 - returningShare));

  const newcomer = !preexisting;
  const b = c.behaviour ?? {};
  const f = c.follow ?? {};
  const content = c.content ?? {};
  const cohort: PlanCohort = {
    name: c.name,
    description: c.description ?? (preexisting ? `incumbents (${c.name})` : `newcomers (${c.name})`),
    preexisting,
    people,
    rate: wallRateFn(curve, ctx.compression, rateScale, ctx.wallDurationSec),
    peakRate: peak,
    expectedArrivals,
    returningShare,
    personas: normalise(c.personas ?? (newcomer ? { newcomer: 1 } : { incumbent: 1 })),
    locales: normalise(c.locales ?? D.DEFAULT_LOCALES),
    timeZones: normalise(c.timeZones ?? D.DEFAULT_TIME_ZONES),
    behaviour: {
      actionsPerSession: b.actionsPerSession ?? D.DEFAULT_BEHAVIOUR.actionsPerSession,
      thinkTimeMs: b.thinkTime !== undefined ? b.thinkTime * 1000 : D.DEFAULT_BEHAVIOUR.thinkTimeMs,
      weights: { ...D.DEFAULT_WEIGHTS, ...definedOnly(b.weights ?? {}) },
      introPosts: b.introPosts ?? (newcomer ? D.DEFAULT_NEWCOMER_INTRO_POSTS : D.DEFAULT_BEHAVIOUR.introPosts),
    },
    follow: {
      count: f.count ?? D.DEFAULT_FOLLOW.count,
      popularShare: f.popularShare ?? D.DEFAULT_FOLLOW.popularShare,
      sameLanguageShare: f.sameLanguageShare ?? D.DEFAULT_FOLLOW.sameLanguageShare,
    },
    content: {
      kinds: normalise(content.kinds ?? D.DEFAULT_CONTENT.kinds),
      languages: normalise(content.languages ?? D.DEFAULT_CONTENT.languages),
      mediaShare: content.mediaShare ?? D.DEFAULT_CONTENT.mediaShare,
      markerShare: content.markerShare ?? D.DEFAULT_CONTENT.markerShare,
      commentAlpha: content.commentAlpha ?? D.DEFAULT_CONTENT.commentAlpha,
      langHintShare: content.langHintShare ?? D.DEFAULT_CONTENT.langHintShare,
    },
    inFlightCap: c.inFlightCap ?? D.DEFAULT_IN_FLIGHT_CAP,
    curve,
    rateScale,
  };
  if (c.alsoReads) cohort.alsoReads = { ...c.alsoReads };
  return cohort;
}

/**
 * Arrivals per wall second at wall time w: the scenario rate at scenario time w * compression, times compression
 * (scenario seconds per wall second) times sample. Zero outside the played window.
 */
export function wallRateFn(curve: Curve, compression: number, rateScale: number, wallDurationSec: number): RateFn {
  const f = compileCurve(curve);
  return (wallSec: number) => (wallSec < 0 || wallSec > wallDurationSec ? 0 : rateScale * f(wallSec * compression));
}

/** Rebuild a cohort's rate function from its data (after the plan crossed a thread or process boundary). */
export function cohortRateFn(plan: Pick<Plan, 'compression' | 'sample' | 'wallDurationSec'>, cohort: Pick<PlanCohort, 'curve' | 'rateScale'>): RateFn {
  if (!cohort.curve) throw new Error('cohort has no curve data; compile the plan with compilePlan()');
  return wallRateFn(cohort.curve, plan.compression, cohort.rateScale ?? plan.compression * plan.sample, plan.wallDurationSec);
}

function readCsv(path: string, dirs: string[]): Array<[number, number]> {
  const candidates = isAbsolute(path) ? [path] : dirs.map((d) => resolve(d, path));
  for (const file of candidates) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    return parseCurveCsv(text, path);
  }
  throw new Error(`curve file '${path}' not found (looked in ${candidates.join(', ')})`);
}

function normalise<K extends string>(weights: Partial<Record<K, number>>): Record<K, number> {
  const entries = Object.entries(weights).filter(([, w]) => typeof w === 'number' && (w as number) > 0) as Array<[K, number]>;
  const total = entries.reduce((a, [, w]) => a + w, 0);
  const out = {} as Record<K, number>;
  for (const [k, w] of entries) out[k] = w / total;
  return out;
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
