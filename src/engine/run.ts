// runPlan: setup -> measured phase (open-model arrivals) -> graceful drain -> plugins' stop/finish -> summary parts.
// Stopping: at the end of the plan, on `signal` (Ctrl-C) or when a plugin's shouldAbort() answers, arrivals stop,
// sessions start no new actions, and in-flight requests get plan.gracefulStopSec to finish; then (or at once on
// `hardSignal`, a second Ctrl-C) they are aborted and counted as 'aborted', not as target errors.
import { setMaxListeners } from 'node:events';
import type { Plan } from '../scenario/plan.ts';
import type { Target } from '../target/target.ts';
import type { Summary, Timeline, TimelineBucket } from '../run/summary.ts';
import type { PopulationView, RunContext, RunPlugin } from '../run/plugin.ts';
import { LatencyRecorder } from '../observe/latency.ts';
import { ScheduleRecorder } from '../observe/recorder.ts';
import { TimelineRecorder } from '../observe/timeline.ts';
import { Accounts } from './accounts.ts';
import { fanOut } from '../run/observers.ts';
import { createPlanScheduler, type Scheduler } from './scheduler.ts';
import { SessionRunner, type ContentSource, type FollowChooser, type SessionStats } from './session.ts';
import { runSetup, type SetupProgress, type SetupResult } from './setup.ts';
import type { ShardSpec } from './arrivals.ts';
import type { CompileOverrides } from '../scenario/compile.ts';
import { WorkerPool } from './workers.ts';
import { integrateRate } from './arrivals.ts';

export interface RunProgress {
  phase: 'measured' | 'draining';
  elapsedSec: number;
  plannedSec: number;
  intended: number;
  started: number;
  dropped: number;
  activeSessions: number;
  requests: number;
  errors: number;
  /** Requests per second over the last closed bucket. */
  rps: number;
  /** Worst endpoint p99 (corrected) in the last closed bucket, ms. */
  p99Ms: number;
}

export interface RunOptions {
  plan: Plan;
  target: Target;
  population: PopulationView;
  content: ContentSource;
  follows?: FollowChooser;
  plugins?: RunPlugin[];
  /** Stop arrivals and drain (Ctrl-C). */
  signal?: AbortSignal;
  /** Abort in-flight requests now (second Ctrl-C). */
  hardSignal?: AbortSignal;
  onProgress?: (p: RunProgress | SetupProgress) => void;
  log?: (line: string) => void;
  /** Run only this shard of every cohort's arrivals (sharded runs; see arrivals.ts). */
  shard?: ShardSpec;
  setupConcurrency?: number;
  /** Target name for summary.json (a URL or the adapter's name). */
  targetLabel?: string;
  /**
   * Receives, before setup, a function returning the figures so far (totals, endpoints, schedule, wallSeconds):
   * for --abort-on-fail and live displays. Cheap enough to call once a second.
   */
  exposeSnapshot?: (snapshot: () => Partial<Summary>) => void;
  /**
   * Run the measured phase in worker threads: each recompiles the plan from `scenario` + `overrides`, builds its own
   * target, and runs one shard of the arrivals; events come back to this thread's recorders and plugins.
   */
  workers?: {
    count: number;
    scenario: string;
    overrides: CompileOverrides;
    target: { url: string; adapter?: string };
  };
}

export interface RunOutcome {
  summary: Summary;
  timeline: Timeline;
  /** Why the run ended before its planned end, if it did ('interrupted', or a plugin's abort reason). */
  stoppedEarly?: string;
  setup: SetupResult;
  sessions: SessionStats;
  /** Encoded recorders, for exact merges of sharded runs (LatencyRecorder/ScheduleRecorder.mergeEncoded). */
  recorders: { latency: ReturnType<LatencyRecorder['encode']>; schedule: ReturnType<ScheduleRecorder['encode']> };
}

/** Workers are told to start this far in the future, so every thread begins on the same instant. */
const WORKER_START_LEAD_MS = 100;

/** Setup times are reported this far before t = 0, so they are negative and ordered. */
const SETUP_OFFSET_MS = 86_400_000;

export async function runPlan(options: RunOptions): Promise<RunOutcome> {
  const { plan, target, population } = options;
  const plugins = options.plugins ?? [];
  const log = options.log ?? (() => {});
  let t0 = performance.now() + SETUP_OFFSET_MS;
  const now = () => performance.now() - t0;

  const arrivalsStop = new AbortController();
  const hardStop = new AbortController();
  setMaxListeners(0, hardStop.signal, arrivalsStop.signal); // every in-flight request listens for the hard stop
  const onHard = () => hardStop.abort();
  options.hardSignal?.addEventListener('abort', onHard, { once: true });
  let stoppedEarly: string | undefined;
  const stop = (reason?: string) => {
    if (arrivalsStop.signal.aborted) return;
    if (reason && !stoppedEarly) stoppedEarly = reason;
    arrivalsStop.abort();
  };
  const onSignal = () => stop('interrupted');
  if (options.signal?.aborted) stop('interrupted');
  options.signal?.addEventListener('abort', onSignal, { once: true });

  const latency = new LatencyRecorder();
  const schedule = new ScheduleRecorder();
  const timeline = new TimelineRecorder((bucket) => onBucket(bucket));
  const observerErrors = new Set<string>();
  const sessionsOpen = { n: 0, onSessionStart: () => void sessionsOpen.n++, onSessionEnd: () => void sessionsOpen.n-- };
  const observer = fanOut([latency, schedule, timeline, sessionsOpen, ...plugins.map((p) => p.observer)], (event, err) => {
    if (observerErrors.has(event)) return;
    observerErrors.add(event);
    log(`observer error in ${event}: ${(err as Error)?.message ?? err}`);
  });
  const accounts = new Accounts(population, options.shard);
  let measuring = false;
  let startedAt = '';
  const expected: Record<string, number> = {};
  for (const c of plan.cohorts) {
    const share = options.shard ? 1 / options.shard.count : 1;
    expected[c.name] = (c.expectedArrivals ?? integrateRate(c.rate, 0, plan.wallDurationSec)) * share;
  }
  const figures = (endMs: number, setup?: SetupResult): Partial<Summary> & Pick<Summary, 'totals' | 'endpoints' | 'schedule' | 'wallSeconds'> => {
    const wallSeconds = Math.max(0.001, endMs / 1000);
    const stats = sessionStats();
    return {
      scenario: plan.name,
      seed: plan.seed,
      startedAt,
      wallSeconds: Math.round(wallSeconds * 1000) / 1000,
      target: options.targetLabel ?? target.name,
      totals: {
        requests: latency.requests,
        errors: latency.errors,
        sessionsStarted: schedule.achieved,
        sessionsDropped: schedule.dropped,
        signups: latency.okCountOf('signup'),
        posts: latency.okCountOf('post'),
        aborted: latency.aborted,
        retries: stats.retries,
        authFailures: stats.authFailures,
        sessionErrors: stats.sessionErrors,
        setupAccounts: setup?.accounts ?? 0,
        setupFailedAccounts: setup?.failedAccounts ?? 0,
        setupRequests: latency.setupRequests,
      },
      endpoints: latency.summarize(wallSeconds),
      schedule: schedule.summarize(expected),
      errorsByKind: latency.errorsByKind(),
    };
  };
  options.exposeSnapshot?.(() => (measuring ? figures(now()) : {}));
  const ctx: RunContext = { plan, target, population, accounts, observer, now, signal: arrivalsStop.signal, log };

  let scheduler: Scheduler | undefined;
  let pool: WorkerPool | undefined;
  const sessionStats = (): SessionStats => (pool ? { ...runner.stats, ...(pool.stats as unknown as SessionStats) } : runner.stats);
  const runner = new SessionRunner({
    plan,
    target,
    population,
    accounts,
    observer,
    content: options.content,
    follows: options.follows,
    now,
    // Before the scheduler runs (setup), back-off sleeps use a plain timer that a stop cuts short.
    sleepUntil: (at) => (scheduler ? scheduler.sleepUntil(at) : sleepOrStop(at - now(), arrivalsStop.signal)),
    stopping: () => arrivalsStop.signal.aborted,
    requestSignal: hardStop.signal,
  });

  let lastBucket: TimelineBucket | undefined;
  function onBucket(bucket: TimelineBucket): void {
    lastBucket = bucket;
    for (const p of plugins) {
      try {
        p.onBucket?.(bucket);
      } catch (err) {
        log(`plugin ${p.name} onBucket failed: ${(err as Error).message}`);
      }
    }
  }

  try {
    // Setup: preexisting accounts, then plugins (probe readers etc.).
    const setup = await runSetup(plan, population, runner, {
      concurrency: options.setupConcurrency ?? Math.max(4, Math.min(64, plan.target.connections)),
      shard: options.shard,
      signal: arrivalsStop.signal,
      onProgress: options.onProgress,
    });
    if (setup.failedAccounts) log(`setup: ${setup.failedAccounts} of ${setup.accounts + setup.failedAccounts} preexisting accounts failed`);
    for (const p of plugins) if (p.setup && !arrivalsStop.signal.aborted) await p.setup(ctx);

    // Workers (if any) load the plan and connect before t = 0, and start on a shared clock a moment from now.
    const useWorkers = Boolean(options.workers && options.workers.count > 1);
    if (useWorkers) pool = await startPool();

    // Measured phase.
    t0 = performance.now() + (useWorkers ? WORKER_START_LEAD_MS : 0);
    startedAt = new Date(Date.now() + (useWorkers ? WORKER_START_LEAD_MS : 0)).toISOString();
    measuring = true;
    for (const p of plugins) p.start?.(ctx);
    const pendingEvents = [...plan.events].sort((a, b) => a.atWallSec - b.atWallSec);
    let nextAbortCheck = 1000;
    let nextProgress = 1000;
    let draining = false;
    const progress = (t: number): RunProgress => ({
      phase: draining ? 'draining' : 'measured',
      elapsedSec: t / 1000,
      plannedSec: plan.wallDurationSec,
      intended: schedule.intended,
      started: schedule.achieved,
      dropped: schedule.dropped,
      activeSessions: sessionsOpen.n,
      requests: latency.requests,
      errors: latency.errors,
      rps: lastBucket?.requests ?? 0,
      p99Ms: lastBucket ? Math.max(0, ...Object.values(lastBucket.correctedLatencyMs).map((v) => v.p99)) : 0,
    });

    const onTick = (t: number, rollLagMs = 0): void => {
      timeline.roll(t - rollLagMs, sessionsOpen.n);
      while (pendingEvents.length && pendingEvents[0].atWallSec * 1000 <= t) {
        const e = pendingEvents.shift()!;
        observer.onEvent({ at: e.atWallSec * 1000, name: e.name, kind: e.kind, description: e.description });
      }
      if (t >= nextAbortCheck) {
        nextAbortCheck = t + 1000;
        for (const p of plugins) {
          const reason = p.shouldAbort?.();
          if (reason) {
            log(`stopping early: ${reason} (${p.name})`);
            stop(reason);
            break;
          }
        }
      }
      if (t >= nextProgress) {
        nextProgress = t + 1000;
        options.onProgress?.(progress(t));
      }
    };

    if (pool) {
      pool.begin(performance.timeOrigin + t0);
      return await finish(await runWithWorkers(pool));
    }

    scheduler = createPlanScheduler(
      plan,
      { shard: options.shard },
      { now, startSession: (cohort, intended, _started, ordinal) => runner.run(cohort, intended, ordinal), onTick },
      observer,
    );
    scheduler.start();
    await Promise.race([scheduler.arrivalsFinished, abortPromise(arrivalsStop.signal)]);
    stop();
    scheduler.stopArrivals();
    scheduler.cancelSleepers();
    draining = true;

    // Drain: in-flight requests get gracefulStopSec, then are aborted.
    const drained = scheduler.drained();
    const graceMs = Math.max(0, plan.gracefulStopSec * 1000);
    let graceTimer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      drained.then(() => false),
      new Promise<boolean>((resolve) => (graceTimer = setTimeout(() => resolve(true), graceMs))),
      abortPromise(hardStop.signal).then(() => true),
    ]);
    clearTimeout(graceTimer);
    if (timedOut) {
      log(`drain: aborting ${scheduler.activeSessions} session(s) still in flight`);
      hardStop.abort();
      // An adapter that ignores its abort signal must not hang the run: give it a moment, then move on.
      let lastTimer: NodeJS.Timeout | undefined;
      const settled = await Promise.race([drained.then(() => true), new Promise<boolean>((r) => (lastTimer = setTimeout(() => r(false), 2000)))]);
      clearTimeout(lastTimer);
      if (!settled) log(`drain: ${scheduler.activeSessions} session(s) ignored the abort; summarising without them`);
    }
    const endMs = now();
    scheduler.close();
    return await finish(endMs);

    async function finish(endMs: number): Promise<RunOutcome> {
      timeline.finish(endMs, sessionsOpen.n);
      for (const p of plugins) await p.stop?.();

      // Encoded at the same moment as the figures, so histograms.json agrees with summary.json (plugins' finish,
      // e.g. the auditor's signup, comes after both).
      const recorders = { latency: latency.encode(), schedule: schedule.encode() };
      const summary: Summary = {
        ...figures(endMs, setup),
        feedQuality: {
          freshnessSec: null,
          recallAtK: null,
          languageMatch: {},
          foreignShare: {},
          translationCoverage: null,
          moderationLagSec: null,
          degradedShare: null,
        },
        audit: { checkedWrites: 0, lostWrites: 0 },
        thresholds: [],
        pass: true,
      } as Summary;
      const boundExceeded = pool ? pool.boundExceeded : (scheduler?.boundExceeded ?? 0);
      if (boundExceeded) summary.schedule.peakRateExceeded = boundExceeded;
      if (stoppedEarly) summary.stoppedEarly = stoppedEarly;
      summary.setup = {
        accounts: setup.accounts,
        failedAccounts: setup.failedAccounts,
        requests: latency.setupRequests,
        errorsByKind: { ...latency.setupErrorsByKind },
        elapsedSec: Math.round(setup.elapsedMs) / 1000,
      };

      for (const p of plugins) {
        if (!p.finish) continue;
        try {
          mergeSummary(summary, await p.finish(ctx));
        } catch (err) {
          log(`plugin ${p.name} finish failed: ${(err as Error).message}`);
        }
      }
      if (options.shard) summary.shard = { index: options.shard.index, count: options.shard.count };
      return {
        summary,
        timeline: timeline.toTimeline(plan.name, startedAt),
        stoppedEarly,
        setup,
        sessions: sessionStats(),
        recorders,
      };
    }

    async function startPool(): Promise<WorkerPool> {
      const w = options.workers!;
      const started = await WorkerPool.start({
        count: w.count,
        scenario: w.scenario,
        overrides: w.overrides,
        target: { url: w.target.url, adapter: w.target.adapter, connections: Math.max(1, Math.ceil(plan.target.connections / w.count)), timeoutMs: plan.target.timeoutMs },
        accounts: accounts.entries(),
        batchMs: 50,
        observer,
        onAccount: (i, account) => accounts.set(i, account),
      });
      if (started.failures.length) throw new Error(started.failures.join('\n'));
      return started;
    }

    /** The measured phase in worker threads; returns the end time (ms). */
    async function runWithWorkers(pool: WorkerPool): Promise<number> {
      const w = options.workers!;
      // Events arrive in batches (<= 50 ms late): buckets close 250 ms after their second ends.
      const ticker = setInterval(() => onTick(now(), 250), 50);
      try {
        await Promise.race([pool.allDone(), abortPromise(arrivalsStop.signal)]);
        stop();
        pool.stop();
        draining = true;
        let graceTimer: NodeJS.Timeout | undefined;
        const timedOut = await Promise.race([
          pool.allDone().then(() => false),
          new Promise<boolean>((resolve) => (graceTimer = setTimeout(() => resolve(true), Math.max(0, plan.gracefulStopSec * 1000)))),
          abortPromise(hardStop.signal).then(() => true),
        ]);
        clearTimeout(graceTimer);
        if (timedOut) {
          log(`drain: aborting in-flight requests in ${w.count} worker(s)`);
          pool.abort();
          let lastTimer: NodeJS.Timeout | undefined;
          await Promise.race([pool.allDone(), new Promise<void>((r) => (lastTimer = setTimeout(r, 3000)))]);
          clearTimeout(lastTimer);
        }
      } finally {
        clearInterval(ticker);
        await pool.close();
      }
      if (pool.failures.length) log(`workers reported failures:\n${pool.failures.join('\n')}`);
      return now();
    }
  } finally {
    scheduler?.close();
    hardStop.abort();
    options.signal?.removeEventListener('abort', onSignal);
    options.hardSignal?.removeEventListener('abort', onHard);
  }
}

/** Plugin parts are merged one level deep: objects (totals, schedule, feedQuality, audit) extend, others replace. */
export function mergeSummary(summary: Summary, part: Partial<Summary>): void {
  const s = summary as Record<string, unknown>;
  for (const [key, value] of Object.entries(part)) {
    const current = s[key];
    if (isPlainObject(current) && isPlainObject(value)) s[key] = { ...current, ...value };
    else s[key] = value;
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function sleepOrStop(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = () => (clearTimeout(timer), resolve(false));
    const timer = setTimeout(() => (signal.removeEventListener('abort', onAbort), resolve(true)), Math.max(0, ms));
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

function abortPromise(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}

