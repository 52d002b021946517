// The open-model scheduler: one tick loop drives every cohort's arrivals and every session's think-time wake-up.
// There is one timer for the whole run (not one per arrival); each tick dispatches everything that is due.
// Arrivals are never queued: when a cohort's in-flight cap is reached the arrival is dropped and counted.
// Lateness (actual start - intended start) is reported, not hidden.
import type { Plan, RateFn } from '../scenario/plan.ts';
import type { RunObserver } from '../run/events.ts';
import { ArrivalStream, type ShardSpec } from './arrivals.ts';
import { Rng } from '../random/index.ts';

export interface ScheduledCohort {
  name: string;
  rate: RateFn;
  peakRate: number;
  inFlightCap: number;
}

export interface SchedulerHooks {
  /** Milliseconds since the start of the measured phase. */
  now(): number;
  /**
   * A session may start: run it and settle when it ends. `arrivalOrdinal` is the arrival's index in its cohort's
   * stream over all shards, so a session can draw its randomness from its arrival rather than from start order.
   */
  startSession(cohortIndex: number, intendedMs: number, startedMs: number, arrivalOrdinal: number): Promise<unknown>;
  /** Every arrival, started or dropped (drops never reach startSession). */
  onArrival(cohortIndex: number, intendedMs: number, startedMs: number | undefined): void;
  /** Called at most every `maxIdleMs`, and whenever the tick runs: rolling timeline buckets, abort checks. */
  onTick?(nowMs: number): void;
}

export interface SchedulerOptions {
  cohorts: ScheduledCohort[];
  durationSec: number;
  seed: number;
  shard?: ShardSpec;
  /** Longest sleep of the tick loop when nothing is due. */
  maxIdleMs?: number;
}

interface Sleeper {
  at: number;
  seq: number;
  resolve: (woke: boolean) => void;
}

/** A binary min-heap of sleepers ordered by (at, seq): sessions' think times share the scheduler's one timer. */
class Agenda {
  private heap: Sleeper[] = [];
  private seq = 0;

  get size(): number {
    return this.heap.length;
  }
  peekAt(): number {
    return this.heap.length ? this.heap[0].at : Infinity;
  }
  push(at: number, resolve: (woke: boolean) => void): void {
    const item: Sleeper = { at, seq: this.seq++, resolve };
    const h = this.heap;
    h.push(item);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!less(h[i], h[parent])) break;
      [h[i], h[parent]] = [h[parent], h[i]];
      i = parent;
    }
  }
  pop(): Sleeper | undefined {
    const h = this.heap;
    if (!h.length) return undefined;
    const top = h[0];
    const last = h.pop()!;
    if (h.length) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && less(h[l], h[m])) m = l;
        if (r < h.length && less(h[r], h[m])) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m], h[i]];
        i = m;
      }
    }
    return top;
  }
}

function less(a: Sleeper, b: Sleeper): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}

export class Scheduler {
  private readonly streams: ArrivalStream[];
  private readonly nextArrival: Float64Array;
  private readonly inFlight: Int32Array;
  private readonly agenda = new Agenda();
  private timer: NodeJS.Timeout | NodeJS.Immediate | undefined;
  private timerIsImmediate = false;
  private running = false;
  private arrivalsOpen = false;
  private cancelled = false;
  private readonly sessions = new Set<Promise<unknown>>();
  private readonly maxIdleMs: number;
  private arrivalsDone!: () => void;
  /** Resolves when every cohort's stream is exhausted or arrivals were stopped. */
  readonly arrivalsFinished: Promise<void>;
  intended = 0;
  started = 0;
  dropped = 0;

  constructor(
    private readonly options: SchedulerOptions,
    private readonly hooks: SchedulerHooks,
  ) {
    this.streams = options.cohorts.map(
      (c, i) => new ArrivalStream(c.rate, c.peakRate, options.durationSec, Rng.derive(options.seed, `arrivals/${c.name}`, i), options.shard),
    );
    this.nextArrival = new Float64Array(this.streams.length);
    this.inFlight = new Int32Array(this.streams.length);
    this.maxIdleMs = options.maxIdleMs ?? 100;
    this.arrivalsFinished = new Promise((resolve) => (this.arrivalsDone = resolve));
  }

  /** Begin dispatching; t = 0 is whatever hooks.now() says is 0. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.arrivalsOpen = true;
    for (let i = 0; i < this.streams.length; i++) this.nextArrival[i] = this.streams[i].nextMs();
    this.tick();
  }

  /** Sleep on the shared agenda until `atMs` (run time). Resolves false if the scheduler was cancelled first. */
  sleepUntil(atMs: number): Promise<boolean> {
    if (this.cancelled) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      this.agenda.push(atMs, resolve);
      if (this.running && atMs < this.nextWakeAt) this.arm(this.hooks.now());
    });
  }

  inFlightOf(cohortIndex: number): number {
    return this.inFlight[cohortIndex];
  }
  get activeSessions(): number {
    return this.sessions.size;
  }
  /** Candidates where a cohort's rate exceeded its declared peakRate (a wrong bound in the plan). */
  get boundExceeded(): number {
    return this.streams.reduce((n, s) => n + s.boundExceeded, 0);
  }

  /** No further arrivals (end of plan, Ctrl-C, abort). Sessions and sleepers continue until cancelSleepers(). */
  stopArrivals(): void {
    if (!this.arrivalsOpen) return;
    this.arrivalsOpen = false;
    this.nextArrival.fill(Infinity);
    this.arrivalsDone();
  }

  /** Wake every sleeper with `false` (sessions then end) and refuse further sleeps. */
  cancelSleepers(): void {
    this.cancelled = true;
    for (let s = this.agenda.pop(); s; s = this.agenda.pop()) s.resolve(false);
  }

  /** Resolves when every started session has ended. */
  async drained(): Promise<void> {
    while (this.sessions.size) await Promise.allSettled([...this.sessions]);
  }

  close(): void {
    this.stopArrivals();
    this.cancelSleepers();
    this.running = false;
    this.disarm();
  }

  private nextWakeAt = Infinity;

  private tick = (): void => {
    this.timer = undefined;
    if (!this.running) return;
    const now = this.hooks.now();
    if (this.arrivalsOpen) this.dispatchArrivals(now);
    for (let at = this.agenda.peekAt(); at <= now; at = this.agenda.peekAt()) this.agenda.pop()!.resolve(true);
    this.hooks.onTick?.(now);
    // Arrivals end at the plan's end, not at the last arrival: sessions that started last get the same time to play
    // out whether the run is whole or one shard of it (a shard's last arrival comes earlier than the whole run's).
    if (this.arrivalsOpen && this.allStreamsDone() && now >= this.options.durationSec * 1000) this.stopArrivals();
    this.arm(this.hooks.now());
  };

  private dispatchArrivals(now: number): void {
    const { cohorts } = this.options;
    for (let c = 0; c < this.streams.length; c++) {
      let due = this.nextArrival[c];
      while (due <= now) {
        this.intended++;
        if (this.inFlight[c] >= cohorts[c].inFlightCap) {
          this.dropped++;
          this.hooks.onArrival(c, due, undefined);
        } else {
          this.started++;
          this.inFlight[c]++;
          this.hooks.onArrival(c, due, now);
          this.track(c, this.hooks.startSession(c, due, now, this.streams[c].lastOrdinal));
        }
        due = this.streams[c].nextMs();
      }
      this.nextArrival[c] = due;
    }
  }

  private track(cohort: number, session: Promise<unknown>): void {
    const done = (): void => {
      this.inFlight[cohort]--;
      this.sessions.delete(tracked);
    };
    const tracked = session.then(done, done);
    this.sessions.add(tracked);
  }

  private allStreamsDone(): boolean {
    for (let c = 0; c < this.nextArrival.length; c++) if (this.nextArrival[c] !== Infinity) return false;
    return true;
  }

  private arm(now: number): void {
    let next = this.agenda.peekAt();
    if (this.arrivalsOpen) for (let c = 0; c < this.nextArrival.length; c++) if (this.nextArrival[c] < next) next = this.nextArrival[c];
    const wakeAt = Math.min(next, now + this.maxIdleMs);
    if (this.timer && wakeAt >= this.nextWakeAt) return;
    this.disarm();
    this.nextWakeAt = wakeAt;
    const delay = wakeAt - now;
    if (delay <= 0) {
      // Already due (time passed while dispatching): run again after pending I/O, without a timer.
      this.timerIsImmediate = true;
      this.timer = setImmediate(this.tick);
    } else {
      // setTimeout fires no earlier than asked, rounded up to whole ms: the loop never spins waiting for a
      // sub-millisecond gap (at 10k arrivals/s that would burn a core); each tick dispatches all that is due,
      // at a cost of at most ~1 ms of schedule lag, which is measured and reported like any other lag.
      this.timerIsImmediate = false;
      this.timer = setTimeout(this.tick, Math.ceil(delay));
    }
  }

  private disarm(): void {
    if (!this.timer) return;
    if (this.timerIsImmediate) clearImmediate(this.timer as NodeJS.Immediate);
    else clearTimeout(this.timer as NodeJS.Timeout);
    this.timer = undefined;
    this.nextWakeAt = Infinity;
  }
}

/**
 * The scheduler of a plan's cohorts, reporting every arrival to `observer`; used by the main thread and by worker
 * threads alike (a worker passes its shard and its share of each cohort's in-flight cap).
 */
export function createPlanScheduler(
  plan: Plan,
  options: { shard?: ShardSpec; inFlightShare?: number; maxIdleMs?: number },
  hooks: Pick<SchedulerHooks, 'now' | 'startSession' | 'onTick'>,
  observer: Pick<RunObserver, 'onArrival'>,
): Scheduler {
  const share = options.inFlightShare ?? 1;
  return new Scheduler(
    {
      cohorts: plan.cohorts.map((c) => ({ name: c.name, rate: c.rate, peakRate: c.peakRate, inFlightCap: Math.max(1, Math.ceil(c.inFlightCap * share)) })),
      durationSec: plan.wallDurationSec,
      seed: plan.seed,
      shard: options.shard,
      maxIdleMs: options.maxIdleMs,
    },
    {
      ...hooks,
      onArrival: (cohort, intendedAt, startedAt) =>
        observer.onArrival?.(
          startedAt === undefined
            ? { cohort: plan.cohorts[cohort].name, intendedAt, outcome: 'dropped' }
            : { cohort: plan.cohorts[cohort].name, intendedAt, outcome: 'started', startedAt },
        ),
    },
  );
}
