// The engine's schedule recorder: how many arrivals were intended, started and dropped, and how late the ones
// that started were (schedule lag = actual start - intended start). Together with LatencyRecorder this yields
// summary.json `totals` and `schedule`.
import type { ArrivalSample, RunObserver } from '../run/events.ts';
import type { Summary } from '../run/summary.ts';
import { LatencyHistogram, round3, type EncodedHistogram } from './latency.ts';

interface CohortCounts {
  intended: number;
  achieved: number;
  dropped: number;
}

export interface EncodedSchedule {
  byCohort: Record<string, CohortCounts>;
  lag: EncodedHistogram;
  sessionsEnded: number;
}

export class ScheduleRecorder implements RunObserver {
  private readonly byCohort = new Map<string, CohortCounts>();
  private readonly lag = new LatencyHistogram(3);
  sessionsEnded = 0;

  onArrival(sample: ArrivalSample): void {
    const c = this.cohort(sample.cohort);
    c.intended++;
    if (sample.outcome === 'dropped') c.dropped++;
    else {
      c.achieved++;
      this.lag.recordMs(Math.max(0, (sample.startedAt ?? sample.intendedAt) - sample.intendedAt));
    }
  }

  onSessionEnd(): void {
    this.sessionsEnded++;
  }

  get intended(): number {
    return this.sum('intended');
  }
  get achieved(): number {
    return this.sum('achieved');
  }
  get dropped(): number {
    return this.sum('dropped');
  }
  lagP99Ms(): number {
    return this.lag.percentileMs(99);
  }

  /** summary.json `schedule`; `expected` is the plan's integral of the rates over the measured phase. */
  summarize(expected?: Record<string, number>): Summary['schedule'] {
    const intended = this.intended;
    const dropped = this.dropped;
    const byCohort: Record<string, CohortCounts & { expected?: number; droppedRate: number }> = {};
    for (const [name, c] of [...this.byCohort].sort(([a], [b]) => a.localeCompare(b))) {
      byCohort[name] = { ...c, droppedRate: c.intended ? round3(c.dropped / c.intended) : 0 };
      if (expected?.[name] !== undefined) byCohort[name].expected = round3(expected[name]);
    }
    const out: Summary['schedule'] = {
      intendedArrivals: intended,
      achievedArrivals: this.achieved,
      lagMs: { p50: round3(this.lag.percentileMs(50)), p99: round3(this.lag.percentileMs(99)), max: round3(this.lag.maxMs()) },
      dropped,
      droppedRate: intended ? dropped / intended : 0,
      byCohort,
    };
    if (expected) out.expectedArrivals = round3(Object.values(expected).reduce((a, b) => a + b, 0));
    return out;
  }

  encode(): EncodedSchedule {
    return { byCohort: Object.fromEntries(this.byCohort), lag: this.lag.encode(), sessionsEnded: this.sessionsEnded };
  }

  mergeEncoded(other: EncodedSchedule): void {
    for (const [name, c] of Object.entries(other.byCohort)) {
      const mine = this.cohort(name);
      mine.intended += c.intended;
      mine.achieved += c.achieved;
      mine.dropped += c.dropped;
    }
    this.lag.add(LatencyHistogram.decode(other.lag));
    this.sessionsEnded += other.sessionsEnded;
  }

  private cohort(name: string): CohortCounts {
    let c = this.byCohort.get(name);
    if (!c) {
      c = { intended: 0, achieved: 0, dropped: 0 };
      this.byCohort.set(name, c);
    }
    return c;
  }

  private sum(key: keyof CohortCounts): number {
    let n = 0;
    for (const c of this.byCohort.values()) n += c[key];
    return n;
  }
}
