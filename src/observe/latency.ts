// Latency recording: HDR histograms per endpoint for service time (end - actual start) and corrected time
// (end - intended start; coordinated-omission corrected). Fixed size whatever the run length, and mergeable
// exactly (encode -> decode -> add) across worker threads and sharded runs.
import * as hdr from 'hdr-histogram-js';
import type { Endpoint, ErrorKind } from '../target/target.ts';
import type { RequestSample, RunObserver } from '../run/events.ts';
import type { EndpointSummary, Percentiles } from '../run/summary.ts';

/** Values are recorded in microseconds; 1 µs .. 1 h, larger values are clamped to 1 h (and counted). */
const LOWEST_US = 1;
const HIGHEST_US = 3_600_000_000;

/** A histogram in transit: HdrHistogram V2 compressed base64 plus the exact max (the encoding keeps only buckets). */
export interface EncodedHistogram {
  hdr: string;
  maxUs: number;
  clamped: number;
}

export class LatencyHistogram {
  private readonly h: hdr.Histogram;
  private maxUs = 0;
  clamped = 0;

  /** digits: significant decimal digits (3 ≈ 0.1 % error, ~95 KB; 2 ≈ 1 %, ~12 KB). */
  constructor(readonly digits: 2 | 3 = 3) {
    this.h = hdr.build({
      bitBucketSize: 32,
      autoResize: false,
      lowestDiscernibleValue: LOWEST_US,
      highestTrackableValue: HIGHEST_US,
      numberOfSignificantValueDigits: digits,
      useWebAssembly: false,
    });
  }

  recordMs(ms: number): void {
    let us = Math.round(ms * 1000);
    if (us < LOWEST_US) us = LOWEST_US;
    else if (us > HIGHEST_US) {
      us = HIGHEST_US;
      this.clamped++;
    }
    if (us > this.maxUs) this.maxUs = us;
    this.h.recordValue(us);
  }

  get count(): number {
    return this.h.totalCount;
  }

  /** Value at a percentile (0-100) in ms; 0 when empty. */
  percentileMs(p: number): number {
    return this.h.totalCount ? this.h.getValueAtPercentile(p) / 1000 : 0;
  }

  maxMs(): number {
    return this.h.totalCount ? this.maxUs / 1000 : 0;
  }

  minMs(): number {
    return this.h.totalCount ? this.h.minNonZeroValue / 1000 : 0;
  }

  /** HDR reports a bucket's highest equivalent value, which may exceed the exact max: percentiles are capped by it. */
  percentiles(): Percentiles {
    const max = round3(this.maxMs());
    const at = (p: number) => Math.min(max, round3(this.percentileMs(p)));
    return { p50: at(50), p90: at(90), p95: at(95), p99: at(99), p999: at(99.9), max };
  }

  add(other: LatencyHistogram): void {
    this.h.add(other.h);
    this.clamped += other.clamped;
    if (other.maxUs > this.maxUs) this.maxUs = other.maxUs;
  }

  reset(): void {
    this.h.reset();
    this.clamped = 0;
    this.maxUs = 0;
  }

  /** `hdr` is the HdrHistogram V2 compressed base64 encoding, readable by other HdrHistogram tools. */
  encode(): EncodedHistogram {
    return { hdr: hdr.encodeIntoCompressedBase64(this.h), maxUs: this.maxUs, clamped: this.clamped };
  }

  static decode(encoded: EncodedHistogram, digits: 2 | 3 = 3): LatencyHistogram {
    const out = new LatencyHistogram(digits);
    out.h.add(hdr.decodeFromCompressedBase64(encoded.hdr, 32, false));
    out.maxUs = encoded.maxUs;
    out.clamped = encoded.clamped;
    return out;
  }
}

export function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

interface EndpointState {
  count: number;
  errors: number;
  /** Every request (successes and failures). */
  service: LatencyHistogram;
  corrected: LatencyHistogram;
  /** Successful responses only: the default latency figures (a fast refusal is not a fast answer). */
  okService: LatencyHistogram;
  okCorrected: LatencyHistogram;
  errorsByKind: Record<string, number>;
  errorsByStatus: Record<string, number>;
}

/** Serialised form for merging (workers, shards). */
export interface EncodedEndpointLatency {
  count: number;
  errors: number;
  service: EncodedHistogram;
  corrected: EncodedHistogram;
  /** Successful responses only; absent in histograms written before they were kept apart. */
  okService?: EncodedHistogram;
  okCorrected?: EncodedHistogram;
  errorsByKind: Record<string, number>;
  errorsByStatus: Record<string, number>;
}

/**
 * Per-endpoint latency over the measured phase, twice: successful responses only (`latencyMs`, the default figures,
 * like k6's expected_response:true) and every request (`allLatencyMs`: a refusal answered in 4 ms is in it). Samples from setup (startedAt < 0) are counted apart, and requests
 * the harness itself cancelled ('aborted') are counted apart: neither is the target's latency or failure.
 */
export class LatencyRecorder implements RunObserver {
  private readonly byEndpoint = new Map<string, EndpointState>();
  setupRequests = 0;
  /** Failed setup requests by ErrorKind (before t = 0; not in the endpoint figures). */
  readonly setupErrorsByKind: Record<string, number> = {};
  aborted = 0;

  onRequest(sample: RequestSample): void {
    if (sample.startedAt < 0) {
      this.setupRequests++;
      if (!sample.ok) {
        const kind = sample.errorKind ?? 'other';
        this.setupErrorsByKind[kind] = (this.setupErrorsByKind[kind] ?? 0) + 1;
      }
      return;
    }
    if (!sample.ok && sample.errorKind === 'aborted') {
      this.aborted++;
      return;
    }
    const e = this.endpoint(sample.endpoint);
    e.count++;
    if (!sample.ok) {
      e.errors++;
      const kind: ErrorKind = sample.errorKind ?? 'other';
      e.errorsByKind[kind] = (e.errorsByKind[kind] ?? 0) + 1;
      if (sample.status !== undefined) e.errorsByStatus[sample.status] = (e.errorsByStatus[sample.status] ?? 0) + 1;
    }
    const service = sample.endedAt - sample.startedAt;
    const corrected = sample.endedAt - Math.min(sample.intendedAt, sample.startedAt);
    e.service.recordMs(service);
    e.corrected.recordMs(corrected);
    if (sample.ok) {
      e.okService.recordMs(service);
      e.okCorrected.recordMs(corrected);
    }
  }

  get requests(): number {
    let n = 0;
    for (const e of this.byEndpoint.values()) n += e.count;
    return n;
  }
  get errors(): number {
    let n = 0;
    for (const e of this.byEndpoint.values()) n += e.errors;
    return n;
  }
  countOf(endpoint: Endpoint): number {
    return this.byEndpoint.get(endpoint)?.count ?? 0;
  }
  okCountOf(endpoint: Endpoint): number {
    const e = this.byEndpoint.get(endpoint);
    return e ? e.count - e.errors : 0;
  }
  /** Errors by kind over all endpoints. */
  errorsByKind(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const e of this.byEndpoint.values()) for (const [k, n] of Object.entries(e.errorsByKind)) out[k] = (out[k] ?? 0) + n;
    return out;
  }

  /** summary.json `endpoints`; rps over the measured wall seconds. */
  summarize(wallSeconds: number): Record<string, EndpointSummary> {
    const out: Record<string, EndpointSummary> = {};
    const names = [...this.byEndpoint.keys()].sort();
    for (const name of names) {
      const e = this.byEndpoint.get(name)!;
      const ok = e.okService.count > 0;
      out[name] = {
        count: e.count,
        errors: e.errors,
        rps: wallSeconds > 0 ? round3(e.count / wallSeconds) : 0,
        latencyMs: ok ? e.okService.percentiles() : null,
        correctedLatencyMs: ok ? e.okCorrected.percentiles() : null,
        allLatencyMs: e.service.percentiles(),
        allCorrectedLatencyMs: e.corrected.percentiles(),
        errorsByKind: { ...e.errorsByKind },
        errorsByStatus: { ...e.errorsByStatus },
      };
    }
    return out;
  }

  encode(): { endpoints: Record<string, EncodedEndpointLatency>; setupRequests: number; aborted: number } {
    const endpoints: Record<string, EncodedEndpointLatency> = {};
    for (const [name, e] of this.byEndpoint) {
      endpoints[name] = {
        count: e.count,
        errors: e.errors,
        service: e.service.encode(),
        corrected: e.corrected.encode(),
        okService: e.okService.encode(),
        okCorrected: e.okCorrected.encode(),
        errorsByKind: { ...e.errorsByKind },
        errorsByStatus: { ...e.errorsByStatus },
      };
    }
    return { endpoints, setupRequests: this.setupRequests, aborted: this.aborted };
  }

  /** Add an encoded recorder (another worker or shard) into this one; exact for counts and histograms. */
  mergeEncoded(encoded: ReturnType<LatencyRecorder['encode']>): void {
    this.setupRequests += encoded.setupRequests;
    this.aborted += encoded.aborted;
    for (const [name, other] of Object.entries(encoded.endpoints)) {
      const e = this.endpoint(name);
      e.count += other.count;
      e.errors += other.errors;
      e.service.add(LatencyHistogram.decode(other.service));
      e.corrected.add(LatencyHistogram.decode(other.corrected));
      // Histograms written before successes were kept apart: exact only when nothing failed; otherwise the
      // successes are unknown and stay out (the figure says no data rather than mixing failures in).
      const okService = other.okService ?? (other.errors === 0 ? other.service : undefined);
      const okCorrected = other.okCorrected ?? (other.errors === 0 ? other.corrected : undefined);
      if (okService) e.okService.add(LatencyHistogram.decode(okService));
      if (okCorrected) e.okCorrected.add(LatencyHistogram.decode(okCorrected));
      for (const [k, n] of Object.entries(other.errorsByKind)) e.errorsByKind[k] = (e.errorsByKind[k] ?? 0) + n;
      for (const [k, n] of Object.entries(other.errorsByStatus)) e.errorsByStatus[k] = (e.errorsByStatus[k] ?? 0) + n;
    }
  }

  private endpoint(name: string): EndpointState {
    let e = this.byEndpoint.get(name);
    if (!e) {
      e = {
        count: 0,
        errors: 0,
        service: new LatencyHistogram(3),
        corrected: new LatencyHistogram(3),
        okService: new LatencyHistogram(3),
        okCorrected: new LatencyHistogram(3),
        errorsByKind: {},
        errorsByStatus: {},
      };
      this.byEndpoint.set(name, e);
    }
    return e;
  }
}
