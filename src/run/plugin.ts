// How parts outside the engine take part in a run (feed-quality probes and audit, prom-client metrics, abort-on-fail).
// The engine owns the schedule, sessions and latency; plugins observe, may issue their own requests through
// ctx.target (reporting them via ctx.observer so they are measured like any other), and contribute summary parts.
import type { Plan } from '../scenario/plan.ts';
import type { PopulationView } from '../population/person.ts';
import type { Account, Target } from '../target/target.ts';
import type { RunMs, RunObserver } from './events.ts';
import type { Summary, TimelineBucket } from './summary.ts';

export type { PopulationView } from '../population/person.ts';

/** Accounts the target acknowledged during this run (incl. setup), by person index. */
export interface AccountDirectory {
  get(personIndex: number): Account | undefined;
  /** Returns a uniformly random signed-up person of the cohort (or any cohort), using the given random [0,1). */
  randomSignedUp(random: number, cohort?: string): number | undefined;
  readonly size: number;
}

export interface RunContext {
  plan: Plan;
  target: Target;
  population: PopulationView;
  accounts: AccountDirectory;
  /** Fan-out to every observer (engine recorders and all plugins). */
  observer: RunObserver;
  /** ms since the start of the measured phase (negative during setup). */
  now(): RunMs;
  /** Aborted when arrivals stop (end of plan, Ctrl-C, abort-on-fail). */
  signal: AbortSignal;
  /**
   * A line for the person running the harness (stderr). `level` lets a quiet run (`--quiet`) keep only what
   * matters: 'progress' and 'info' lines are dropped, 'warn' and 'error' (the default) are always shown.
   */
  log(line: string, level?: LogLevel): void;
}

/** How much a log line matters; without a level a line counts as 'warn' (shown even by a quiet run). */
export type LogLevel = 'progress' | 'info' | 'warn' | 'error';

export interface RunPlugin {
  readonly name: string;
  observer?: RunObserver;
  /** Before the measured phase: create accounts, seed data. */
  setup?(ctx: RunContext): Promise<void>;
  /** At t = 0 of the measured phase: start pollers and timers. */
  start?(ctx: RunContext): void;
  /** Called once per second with the bucket being closed; may add fields (e.g. bucket.feed). */
  onBucket?(bucket: TimelineBucket): void;
  /** Arrivals have stopped and in-flight work drained: stop timers. */
  stop?(): Promise<void>;
  /** After the run: audits and final figures, merged into summary.json. */
  finish?(ctx: RunContext): Promise<Partial<Summary>>;
  /** Return a reason to stop the run early (e.g. a threshold already lost), checked once per second. */
  shouldAbort?(): string | undefined;
}
