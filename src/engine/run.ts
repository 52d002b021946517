// runPlan: setup -> measured phase (open-model arrivals) -> graceful drain -> plugins' stop/finish -> summary parts.
// Stopping: at the end of the plan, on `signal` (Ctrl-C) or when a plugin's shouldAbort() answers, arrivals stop,
// sessions start no new actions, and in-flight requests get plan.gracefulStopSec to finish; then (or at once on
// `hardSignal`, a second Ctrl-C) they are aborted and counted as 'aborted', not as target errors.
import { setMaxListeners } from 'node:events';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Plan } from '../scenario/plan.ts';
import type { Target } from '../target/target.ts';
import type { Summary, Timeline, TimelineBucket } from '../run/summary.ts';
import type { PopulationView, RunContext, RunPlugin } from '../run/plugin.ts';
import { LatencyRecorder } from '../observe/latency.ts';
import { ScheduleRecorder } from '../observe/recorder.ts';
import { FileBucketStore, TimelineRecorder } from '../observe/timeline.ts';
import { Accounts } from './accounts.ts';
import { fanOut } from '../run/observers.ts';
import { createPlanScheduler, type Scheduler } from './scheduler.ts';
import { SessionRunner, type ContentSource, type FollowChooser, type SessionStats } from './session.ts';
import { skippedOperations } from './behaviours.ts';
import { runSetup, type SetupProgress, type SetupResult } from './setup.ts';
import type { ShardSpec } from './arrivals.ts';
import type { CompileOverrides } from '../scenario/compile.ts';
import { WorkerPool } from './workers.ts';
import { integrateRate } from './arrivals.ts';
import { aborted, drainInFlight } from './drain.ts';

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
   * Where closed timeline seconds are appended as they close (JSON lines), given the run's startedAt: a file in the
   * run folder, so the harness keeps nothing per closed second. The caller deletes it once timeline.json is written.
   * Without it they are kept in memory (one JSON line per second).
   */
  timelineFile?: (startedAt: string) => string;
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
  const run = new PlanRun(options);
  try {
    return await run.execute();
  } finally {
    run.dispose();
  }
}

type Figures = Partial<Summary> & Pick<Summary, 'totals' | 'endpoints' | 'schedule' | 'wallSeconds'>;

/** One run of a plan, in named phases: setup -> measured (this thread or workers) -> drain -> finish. */
class PlanRun {
  private readonly plan: Plan;
  private readonly plugins: RunPlugin[];
  private readonly log: (line: string) => void;
  private t0 = performance.now() + SETUP_OFFSET_MS;
  readonly now = (): number => performance.now() - this.t0;

  /** Arrivals stop (end of plan, Ctrl-C, a plugin's abort); in-flight work drains. */
  private readonly arrivalsStop = new AbortController();
  /** In-flight requests are aborted (grace period over, or a second Ctrl-C). */
  private readonly hardStop = new AbortController();
  private stoppedEarly: string | undefined;

  private readonly latency = new LatencyRecorder();
  private readonly schedule = new ScheduleRecorder();
  private readonly timeline = new TimelineRecorder((bucket) => this.onBucket(bucket));
  private readonly sessionsOpen = { n: 0, onSessionStart: () => void this.sessionsOpen.n++, onSessionEnd: () => void this.sessionsOpen.n-- };
  private readonly observer: ReturnType<typeof fanOut>;
  private readonly accounts: Accounts;
  private readonly runner: SessionRunner;
  private readonly ctx: RunContext;
  private readonly expected: Record<string, number> = {};

  private scheduler: Scheduler | undefined;
  private pool: WorkerPool | undefined;
  private measuring = false;
  private draining = false;
  private startedAt = '';
  private lastBucket: TimelineBucket | undefined;
  private pendingEvents: Plan['events'] = [];
  private nextAbortCheck = 1000;
  private nextProgress = 1000;

  private readonly onSignal = () => this.stop('interrupted');
  private readonly onHard = () => this.hardStop.abort();

  constructor(private readonly options: RunOptions) {
    const { plan, target, population } = options;
    this.plan = plan;
    this.plugins = options.plugins ?? [];
    this.log = options.log ?? (() => {});
    setMaxListeners(0, this.hardStop.signal, this.arrivalsStop.signal); // every in-flight request listens for the hard stop
    options.hardSignal?.addEventListener('abort', this.onHard, { once: true });
    if (options.signal?.aborted) this.stop('interrupted');
    options.signal?.addEventListener('abort', this.onSignal, { once: true });

    const observerErrors = new Set<string>();
    this.observer = fanOut([this.latency, this.schedule, this.timeline, this.sessionsOpen, ...this.plugins.map((p) => p.observer)], (event, err) => {
      if (observerErrors.has(event)) return;
      observerErrors.add(event);
      this.log(`observer error in ${event}: ${(err as Error)?.message ?? err}`);
    });
    this.accounts = new Accounts(population, options.shard);
    for (const c of plan.cohorts) {
      const share = options.shard ? 1 / options.shard.count : 1;
      this.expected[c.name] = (c.expectedArrivals ?? integrateRate(c.rate, 0, plan.wallDurationSec)) * share;
    }
    options.exposeSnapshot?.(() => (this.measuring ? this.figures(this.now()) : {}));
    this.ctx = { plan, target, population, accounts: this.accounts, observer: this.observer, now: this.now, signal: this.arrivalsStop.signal, log: this.log };
    this.runner = new SessionRunner({
      plan,
      target,
      population,
      accounts: this.accounts,
      observer: this.observer,
      content: options.content,
      follows: options.follows,
      now: this.now,
      // Before the scheduler runs (setup), back-off sleeps use a plain timer that a stop cuts short.
      sleepUntil: (at) => (this.scheduler ? this.scheduler.sleepUntil(at) : sleepOrStop(at - this.now(), this.arrivalsStop.signal)),
      stopping: () => this.arrivalsStop.signal.aborted,
      requestSignal: this.hardStop.signal,
    });
  }

  async execute(): Promise<RunOutcome> {
    const setup = await this.setupPhase();
    // Workers (if any) load the plan and connect before t = 0, and start on a shared clock a moment from now.
    const useWorkers = Boolean(this.options.workers && this.options.workers.count > 1);
    if (useWorkers) this.pool = await this.startPool();
    this.beginMeasured(useWorkers ? WORKER_START_LEAD_MS : 0);
    const endMs = this.pool ? await this.measureInWorkers(this.pool) : await this.measureInThread();
    return this.finish(endMs, setup);
  }

  dispose(): void {
    this.timeline.closeStore();
    this.scheduler?.close();
    this.hardStop.abort();
    this.options.signal?.removeEventListener('abort', this.onSignal);
    this.options.hardSignal?.removeEventListener('abort', this.onHard);
  }

  private stop(reason?: string): void {
    if (this.arrivalsStop.signal.aborted) return;
    if (reason && !this.stoppedEarly) this.stoppedEarly = reason;
    this.arrivalsStop.abort();
  }

  /** Preexisting accounts, then plugins' setup (probe readers etc.). */
  private async setupPhase(): Promise<SetupResult> {
    const { plan, options } = this;
    const setup = await runSetup(plan, options.population, this.runner, {
      concurrency: options.setupConcurrency ?? Math.max(4, Math.min(64, plan.target.connections)),
      shard: options.shard,
      signal: this.arrivalsStop.signal,
      onProgress: options.onProgress,
    });
    if (setup.failedAccounts) this.log(`setup: ${setup.failedAccounts} of ${setup.accounts + setup.failedAccounts} preexisting accounts failed`);
    for (const p of this.plugins) if (p.setup && !this.arrivalsStop.signal.aborted) await p.setup(this.ctx);
    return setup;
  }

  /** t = 0 of the measured phase, `leadMs` from now. */
  private beginMeasured(leadMs: number): void {
    this.t0 = performance.now() + leadMs;
    this.startedAt = new Date(Date.now() + leadMs).toISOString();
    this.measuring = true;
    if (this.options.timelineFile) {
      const file = this.options.timelineFile(this.startedAt);
      mkdirSync(path.dirname(file), { recursive: true });
      this.timeline.spillTo(new FileBucketStore(file));
    }
    for (const p of this.plugins) p.start?.(this.ctx);
    this.pendingEvents = [...this.plan.events].sort((a, b) => a.atWallSec - b.atWallSec);
  }

  /** Once per scheduler tick: close timeline buckets, fire scenario events, ask plugins whether to stop, report progress. */
  private readonly onTick = (t: number, rollLagMs = 0): void => {
    this.timeline.roll(t - rollLagMs, this.sessionsOpen.n);
    while (this.pendingEvents.length && this.pendingEvents[0].atWallSec * 1000 <= t) {
      const e = this.pendingEvents.shift()!;
      this.observer.onEvent({ at: e.atWallSec * 1000, name: e.name, kind: e.kind, description: e.description });
    }
    if (t >= this.nextAbortCheck) {
      this.nextAbortCheck = t + 1000;
      for (const p of this.plugins) {
        const reason = p.shouldAbort?.();
        if (reason) {
          this.log(`stopping early: ${reason} (${p.name})`);
          this.stop(reason);
          break;
        }
      }
    }
    if (t >= this.nextProgress) {
      this.nextProgress = t + 1000;
      this.options.onProgress?.(this.progress(t));
    }
  };

  private progress(t: number): RunProgress {
    const last = this.lastBucket;
    return {
      phase: this.draining ? 'draining' : 'measured',
      elapsedSec: t / 1000,
      plannedSec: this.plan.wallDurationSec,
      intended: this.schedule.intended,
      started: this.schedule.achieved,
      dropped: this.schedule.dropped,
      activeSessions: this.sessionsOpen.n,
      requests: this.latency.requests,
      errors: this.latency.errors,
      rps: last?.requests ?? 0,
      p99Ms: last ? Math.max(0, ...Object.values(last.correctedLatencyMs).map((v) => v.p99)) : 0,
    };
  }

  private onBucket(bucket: TimelineBucket): void {
    this.lastBucket = bucket;
    for (const p of this.plugins) {
      try {
        p.onBucket?.(bucket);
      } catch (err) {
        this.log(`plugin ${p.name} onBucket failed: ${(err as Error).message}`);
      }
    }
  }

  /** The measured phase in this thread; returns the end time (ms). */
  private async measureInThread(): Promise<number> {
    const scheduler = createPlanScheduler(
      this.plan,
      { shard: this.options.shard },
      { now: this.now, startSession: (cohort, intended, _started, ordinal) => this.runner.run(cohort, intended, ordinal), onTick: this.onTick },
      this.observer,
    );
    this.scheduler = scheduler;
    scheduler.start();
    await Promise.race([scheduler.arrivalsFinished, aborted(this.arrivalsStop.signal)]);
    this.stop();
    scheduler.stopArrivals();
    scheduler.cancelSleepers();
    this.draining = true;
    await drainInFlight({
      drained: scheduler.drained(),
      graceMs: Math.max(0, this.plan.gracefulStopSec * 1000),
      hardSignal: this.hardStop.signal,
      abortInFlight: () => this.hardStop.abort(),
      // An adapter that ignores its abort signal must not hang the run: give it a moment, then move on.
      settleMs: 2000,
      describeInFlight: () => `aborting ${scheduler.activeSessions} session(s) still in flight`,
      describeIgnored: () => `${scheduler.activeSessions} session(s) ignored the abort; summarising without them`,
      log: this.log,
    });
    const endMs = this.now();
    scheduler.close();
    return endMs;
  }

  /** The measured phase in worker threads; returns the end time (ms). */
  private async measureInWorkers(pool: WorkerPool): Promise<number> {
    pool.begin(performance.timeOrigin + this.t0);
    // Events arrive in batches (<= 50 ms late): buckets close 250 ms after their second ends.
    const ticker = setInterval(() => this.onTick(this.now(), 250), 50);
    try {
      await Promise.race([pool.allDone(), aborted(this.arrivalsStop.signal)]);
      this.stop();
      pool.stop();
      this.draining = true;
      await drainInFlight({
        drained: pool.allDone(),
        graceMs: Math.max(0, this.plan.gracefulStopSec * 1000),
        hardSignal: this.hardStop.signal,
        abortInFlight: () => pool.abort(),
        settleMs: 3000,
        describeInFlight: () => `aborting in-flight requests in ${this.options.workers!.count} worker(s)`,
        log: this.log,
      });
    } finally {
      clearInterval(ticker);
      await pool.close();
    }
    if (pool.failures.length) this.log(`workers reported failures:\n${pool.failures.join('\n')}`);
    return this.now();
  }

  private async startPool(): Promise<WorkerPool> {
    const w = this.options.workers!;
    const started = await WorkerPool.start({
      count: w.count,
      scenario: w.scenario,
      overrides: w.overrides,
      target: {
        url: w.target.url,
        adapter: w.target.adapter,
        connections: Math.max(1, Math.ceil(this.plan.target.connections / w.count)),
        timeoutMs: this.plan.target.timeoutMs,
      },
      accounts: this.accounts.entries(),
      batchMs: 50,
      observer: this.observer,
      onAccount: (i, account) => this.accounts.set(i, account),
    });
    if (started.failures.length) throw new Error(started.failures.join('\n'));
    return started;
  }

  private sessionStats(): SessionStats {
    return this.pool ? { ...this.runner.stats, ...(this.pool.stats as unknown as SessionStats) } : this.runner.stats;
  }

  private figures(endMs: number, setup?: SetupResult): Figures {
    const { latency, schedule } = this;
    const wallSeconds = Math.max(0.001, endMs / 1000);
    const stats = this.sessionStats();
    const skipped = skippedOperations(this.options.target, stats as unknown as Record<string, number>);
    return {
      scenario: this.plan.name,
      seed: this.plan.seed,
      startedAt: this.startedAt,
      wallSeconds: Math.round(wallSeconds * 1000) / 1000,
      target: this.options.targetLabel ?? this.options.target.name,
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
        skippedActions: stats.skippedActions ?? 0,
        setupAccounts: setup?.accounts ?? 0,
        setupFailedAccounts: setup?.failedAccounts ?? 0,
        setupRequests: latency.setupRequests,
      },
      endpoints: latency.summarize(wallSeconds),
      schedule: schedule.summarize(this.expected),
      errorsByKind: latency.errorsByKind(),
      // What the target does not serve (capabilities) and how many session actions were not attempted for it.
      ...(skipped.length ? { skipped } : {}),
    };
  }

  /** Stop plugins, take the figures, let plugins (audit, feed quality) add theirs. */
  private async finish(endMs: number, setup: SetupResult): Promise<RunOutcome> {
    this.timeline.finish(endMs, this.sessionsOpen.n);
    this.timeline.closeStore();
    for (const p of this.plugins) await p.stop?.();

    // Encoded at the same moment as the figures, so histograms.json agrees with summary.json (plugins' finish,
    // e.g. the auditor's signup, comes after both).
    const recorders = { latency: this.latency.encode(), schedule: this.schedule.encode() };
    const summary: Summary = {
      ...this.figures(endMs, setup),
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
    const boundExceeded = this.pool ? this.pool.boundExceeded : (this.scheduler?.boundExceeded ?? 0);
    if (boundExceeded) summary.schedule.peakRateExceeded = boundExceeded;
    if (this.stoppedEarly) summary.stoppedEarly = this.stoppedEarly;
    summary.setup = {
      accounts: setup.accounts,
      failedAccounts: setup.failedAccounts,
      requests: this.latency.setupRequests,
      errorsByKind: { ...this.latency.setupErrorsByKind },
      elapsedSec: Math.round(setup.elapsedMs) / 1000,
    };
    for (const p of this.plugins) {
      if (!p.finish) continue;
      try {
        mergeSummary(summary, await p.finish(this.ctx));
      } catch (err) {
        this.log(`plugin ${p.name} finish failed: ${(err as Error).message}`);
      }
    }
    if (this.options.shard) summary.shard = { index: this.options.shard.index, count: this.options.shard.count };
    return {
      summary,
      timeline: this.timeline.toTimeline(this.plan.name, this.startedAt),
      stoppedEarly: this.stoppedEarly,
      setup,
      sessions: this.sessionStats(),
      recorders,
    };
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
