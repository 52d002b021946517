// The per-second timeline (timeline.json): one bucket per second of the measured phase, closed as time passes.
// Memory per open bucket is fixed (small histograms reused each second). Each closed bucket is handed to the plugins'
// onBucket (which may add fields such as bucket.feed), then goes to a BucketStore as one line of JSON: appended to a
// file in the run folder when there is one (the harness then keeps nothing per closed second), otherwise kept in
// memory as that line (~1.4 KB a second instead of ~2.8 KB of objects). toTimeline() reads them back whole.
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import type { ArrivalSample, RequestSample, RunEvent, RunObserver } from '../run/events.ts';
import type { Timeline, TimelineBucket } from '../run/summary.ts';
import { LatencyHistogram, round3 } from './latency.ts';

interface OpenBucket {
  intended: Record<string, number>;
  achieved: Record<string, number>;
  dropped: Record<string, number>;
  requests: number;
  errors: Record<string, number>;
  service: Map<string, LatencyHistogram>;
  corrected: Map<string, LatencyHistogram>;
  lag: LatencyHistogram;
}

/** Where closed seconds go, in order, one JSON line each (the same text timeline.json holds for that bucket). */
export interface BucketStore {
  append(line: string): void;
  /** Every bucket appended so far, parsed. */
  readAll(): TimelineBucket[];
  /** No more appends (a file store closes its file and keeps it; readAll still works). */
  close(): void;
}

/** JSON lines in memory: one flat string per second instead of a tree of small objects and boxed numbers. */
export class MemoryBucketStore implements BucketStore {
  private readonly lines: string[] = [];
  append(line: string): void {
    this.lines.push(line);
  }
  readAll(): TimelineBucket[] {
    return this.lines.map((l) => JSON.parse(l) as TimelineBucket);
  }
  close(): void {}
}

/**
 * An append-only file of JSON lines (e.g. `<run folder>/timeline.partial.jsonl`): a closed second costs the harness
 * no memory. Written synchronously (~1.4 KB a second, to the page cache). If the process dies mid-run, the file stays
 * in the run folder as the timeline so far; after a normal run the run assembly deletes it once timeline.json is written.
 */
export class FileBucketStore implements BucketStore {
  private fd: number | undefined;
  constructor(readonly path: string) {
    this.fd = openSync(path, 'w');
  }
  append(line: string): void {
    if (this.fd === undefined) throw new Error(`timeline store ${this.path} is closed`);
    writeSync(this.fd, line + '\n');
  }
  readAll(): TimelineBucket[] {
    const text = readFileSync(this.path, 'utf8');
    const out: TimelineBucket[] = [];
    let start = 0;
    for (let end = text.indexOf('\n'); end >= 0; start = end + 1, end = text.indexOf('\n', start)) out.push(JSON.parse(text.slice(start, end)) as TimelineBucket);
    return out;
  }
  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

export class TimelineRecorder implements RunObserver {
  readonly events: RunEvent[] = [];
  private nextT = 0; // t of the open bucket
  private readonly open: OpenBucket = {
    intended: {},
    achieved: {},
    dropped: {},
    requests: 0,
    errors: {},
    service: new Map(),
    corrected: new Map(),
    lag: new LatencyHistogram(2),
  };

  constructor(
    private readonly onBucket: (bucket: TimelineBucket) => void = () => {},
    private store: BucketStore = new MemoryBucketStore(),
  ) {}

  /** From now on, closed seconds go to `store` (those already closed are moved there first). */
  spillTo(store: BucketStore): void {
    for (const b of this.store.readAll()) store.append(JSON.stringify(b));
    this.store.close();
    this.store = store;
  }

  /** The closed buckets so far, read back from the store (a copy: for the end of the run and for tests). */
  get buckets(): TimelineBucket[] {
    return this.store.readAll();
  }

  onArrival(sample: ArrivalSample): void {
    const b = this.open;
    b.intended[sample.cohort] = (b.intended[sample.cohort] ?? 0) + 1;
    if (sample.outcome === 'dropped') {
      b.dropped[sample.cohort] = (b.dropped[sample.cohort] ?? 0) + 1;
    } else {
      b.achieved[sample.cohort] = (b.achieved[sample.cohort] ?? 0) + 1;
      b.lag.recordMs(Math.max(0, (sample.startedAt ?? sample.intendedAt) - sample.intendedAt));
    }
  }

  onRequest(sample: RequestSample): void {
    if (sample.startedAt < 0) return; // setup
    const b = this.open;
    if (!sample.ok) {
      const kind = sample.errorKind ?? 'other';
      if (kind === 'aborted') return;
      b.errors[kind] = (b.errors[kind] ?? 0) + 1;
    }
    b.requests++;
    histogram(b.service, sample.endpoint).recordMs(sample.endedAt - sample.startedAt);
    histogram(b.corrected, sample.endpoint).recordMs(sample.endedAt - Math.min(sample.intendedAt, sample.startedAt));
  }

  onEvent(event: RunEvent): void {
    this.events.push(event);
  }

  /** Close every bucket whose second has fully passed at `nowMs`. */
  roll(nowMs: number, activeSessions: number): void {
    while ((this.nextT + 1) * 1000 <= nowMs) this.close(activeSessions);
  }

  /** Close the open (partial) bucket at the end of the run, if anything happened in it. */
  finish(nowMs: number, activeSessions: number): void {
    this.roll(nowMs, activeSessions);
    const b = this.open;
    if (b.requests > 0 || Object.keys(b.intended).length > 0 || nowMs > this.nextT * 1000) this.close(activeSessions);
  }

  toTimeline(scenario: string, startedAt: string): Timeline {
    return {
      scenario,
      startedAt,
      buckets: this.store.readAll(),
      // Seconds, like bucket.t (RunEvent times are ms).
      events: this.events.map((e) => ({ at: e.at / 1000, name: e.name, kind: e.kind, description: e.description, endAt: e.endAt === undefined ? undefined : e.endAt / 1000 })),
    };
  }

  private close(activeSessions: number): void {
    const b = this.open;
    const latencyMs: TimelineBucket['latencyMs'] = {};
    const correctedLatencyMs: TimelineBucket['correctedLatencyMs'] = {};
    for (const [endpoint, h] of b.service) {
      if (h.count === 0) continue;
      latencyMs[endpoint] = { p50: round3(h.percentileMs(50)), p99: round3(h.percentileMs(99)) };
      h.reset();
    }
    for (const [endpoint, h] of b.corrected) {
      if (h.count === 0) continue;
      correctedLatencyMs[endpoint] = { p50: round3(h.percentileMs(50)), p99: round3(h.percentileMs(99)) };
      h.reset();
    }
    const bucket: TimelineBucket = {
      t: this.nextT,
      intended: b.intended,
      achieved: b.achieved,
      dropped: b.dropped,
      activeSessions,
      requests: b.requests,
      errors: b.errors,
      latencyMs,
      correctedLatencyMs,
      lagMsP99: round3(b.lag.percentileMs(99)),
    };
    b.lag.reset();
    b.intended = {};
    b.achieved = {};
    b.dropped = {};
    b.errors = {};
    b.requests = 0;
    this.nextT++;
    this.onBucket(bucket);
    // After the plugins' onBucket (bucket.feed), so the line is what timeline.json will hold for this second.
    this.store.append(JSON.stringify(bucket));
  }

  /** No more buckets: closes the store (a file store's file stays until the run folder's timeline.json replaces it). */
  closeStore(): void {
    this.store.close();
  }
}

function histogram(map: Map<string, LatencyHistogram>, key: string): LatencyHistogram {
  let h = map.get(key);
  if (!h) {
    h = new LatencyHistogram(2);
    map.set(key, h);
  }
  return h;
}
