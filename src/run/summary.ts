// summary.json and timeline.json shapes (DESIGN.md §7). Stable: extend, never rename.

export interface Percentiles {
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  p999: number;
  max: number;
}

export interface EndpointSummary {
  count: number;
  errors: number;
  rps: number;
  /** Successful responses only (DESIGN §7); null when no response to this endpoint succeeded. */
  latencyMs: Percentiles | null;
  correctedLatencyMs: Percentiles | null;
  /** Extension: every request, failures included (a 429 answered in 4 ms is in here, not in latencyMs). */
  allLatencyMs?: Percentiles;
  allCorrectedLatencyMs?: Percentiles;
  /** Extension: errors by class (ErrorKind) and by HTTP status. */
  errorsByKind?: Record<string, number>;
  errorsByStatus?: Record<string, number>;
}

export interface FeedQualitySummary {
  freshnessSec: { p50: number; p95: number; p99: number } | null;
  recallAtK: { k: number; mean: number; p5: number } | null;
  languageMatch: Record<string, number>;
  foreignShare: Record<string, number>;
  translationCoverage: number | null;
  moderationLagSec: { p50: number; p95: number } | null;
  degradedShare: number | null;
  /** Extensions (optional): details behind the headline figures. */
  [extension: string]: unknown;
}

export interface ThresholdResult {
  expr: string;
  observed: number | null;
  pass: boolean;
  /** Extension: why it failed when the figure was missing or the expression was bad. */
  message?: string;
  /** Extension: the figure had no data (nothing succeeded, nothing measured or checked): failed as `no data`. */
  noData?: true;
}

export interface Summary {
  scenario: string;
  seed: number;
  startedAt: string;
  wallSeconds: number;
  target: string;
  totals: {
    requests: number;
    errors: number;
    sessionsStarted: number;
    sessionsDropped: number;
    signups: number;
    posts: number;
    [extension: string]: number;
  };
  endpoints: Record<string, EndpointSummary>;
  schedule: {
    intendedArrivals: number;
    achievedArrivals: number;
    lagMs: { p50: number; p99: number; max: number };
    [extension: string]: unknown;
  };
  feedQuality: FeedQualitySummary;
  audit: { checkedWrites: number; lostWrites: number; [extension: string]: unknown };
  thresholds: ThresholdResult[];
  pass: boolean;
  [extension: string]: unknown;
}

/** One per-second bucket of timeline.json. Optional fields are absent when nothing was measured that second. */
export interface TimelineBucket {
  /** Seconds since the start of the measured phase. */
  t: number;
  intended: Record<string, number>; // cohort -> intended arrivals
  achieved: Record<string, number>; // cohort -> started sessions
  dropped: Record<string, number>;
  activeSessions: number;
  requests: number;
  errors: Record<string, number>; // ErrorKind -> count
  latencyMs: Record<string, { p50: number; p99: number }>; // endpoint -> service time
  correctedLatencyMs: Record<string, { p50: number; p99: number }>;
  lagMsP99: number;
  feed?: {
    freshnessSecP95?: number;
    recallMean?: number;
    foreignShare?: Record<string, number>;
    languageMatch?: Record<string, number>;
    translationCoverage?: number;
    moderationLagSecP95?: number;
    degradedShare?: number;
  };
}

export interface Timeline {
  scenario: string;
  startedAt: string;
  buckets: TimelineBucket[];
  /** Scenario events and fault windows; `at`/`endAt` in seconds since the start of the measured phase, like `t`. */
  events: { at: number; name: string; kind: string; description?: string; endAt?: number }[];
  /** Extension: scenario facts the report shows (written by writeRunFolder when it is given the plan). */
  plan?: {
    description?: string;
    compression?: number;
    sample?: number;
    scenarioStart?: string;
    wallDurationSec?: number;
    scenarioDurationSec?: number;
    /** Intended discover-feed bands per reader language (drawn on the language chart). */
    languageBands?: Record<string, { foreignShareMax?: number; languageMatchMin?: number }>;
  };
}
