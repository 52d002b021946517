// The harness's Prometheus metrics (flashcrowd_*), updated from RunObserver events by a RunPlugin.
// docs/grafana.md holds the catalogue; the dashboards in src/dashboards query exactly these names.
//
// Hot path: every label child a request, arrival or feed read touches is looked up in a Map keyed by a string the
// event already carries (endpoint, cohort, language), and updated through preallocated numbers (see series.ts).
// Label sets known in advance (endpoints x outcomes, plan cohorts, plan events) are created at setup, so their
// series exist from the first scrape with value 0 and rate()/increase() work from the start.
import type { Registry } from 'prom-client';
import type { RunContext, RunPlugin } from '../run/plugin.ts';
import type {
  AccountAck,
  ArrivalSample,
  CommentAckSample,
  FeedReadSample,
  PostAckSample,
  PostLookupSample,
  RequestSample,
  RunEvent,
  RunMs,
} from '../run/events.ts';
import type { Summary } from '../run/summary.ts';
import { ENDPOINTS, type ErrorKind } from '../target/target.ts';
import type { Plan } from '../scenario/plan.ts';
import { REQUEST_SECONDS_BUCKETS, SCHEDULE_LAG_SECONDS_BUCKETS } from './buckets.ts';
import { normaliseFeedSnapshot } from './feed-snapshot.ts';
import { CounterChild, CounterFamily, GaugeChild, GaugeFamily, HistogramChild, HistogramFamily } from './series.ts';

export const ERROR_KINDS = [
  'connect_refused',
  'reset',
  'timeout',
  'http_4xx',
  'http_5xx',
  'protocol',
  'aborted',
  'other',
] as const satisfies readonly ErrorKind[];
// Compile-time check that the list covers every ErrorKind.
const errorKindsComplete: [Exclude<ErrorKind, (typeof ERROR_KINDS)[number]>] extends [never] ? true : false = true;
void errorKindsComplete;

/** `outcome` label values of flashcrowd_requests_total. */
export const OUTCOMES = ['ok', ...ERROR_KINDS] as const;
export const FEED_KINDS = ['following', 'discover'] as const;
/** `degraded` label values of flashcrowd_feed_reads_total: the policy a response declared, or none. */
export const DEGRADED_POLICIES = ['none', 'stale-cache', 'ranker-fallback', 'partial', 'other'] as const;
/** `class` label values of flashcrowd_feed_items_total, relative to the reader. */
export const ITEM_CLASSES = ['native', 'readable_foreign', 'unreadable'] as const;
export const LOOKUP_OUTCOMES = ['translated', 'untranslated', 'removed', 'missing'] as const;

export interface MetricsPluginOptions {
  /** Value of the run_id label on every flashcrowd_* series. Default: `<scenario>-<UTC timestamp>` at setup. */
  runId?: string;
  /**
   * Polled on every scrape for feed-quality figures (the feed-quality plugin's snapshot()). Tolerant: undefined,
   * a missing function, an exception or an unexpected shape only leave the feed gauges unset.
   */
  feedSnapshot?: () => unknown;
}

export interface MetricsPlugin extends RunPlugin {
  readonly runId: string | undefined;
  /** Copy final figures (audit, pass) into gauges, for a scrape after the run. */
  recordSummary(summary: Summary): void;
}

interface EndpointSeries {
  duration: HistogramChild;
  corrected: HistogramChild;
  /** Indexed like OUTCOMES. */
  outcomes: CounterChild[];
}
interface CohortSeries {
  intended: CounterChild;
  started: CounterChild;
  dropped: CounterChild;
  active: GaugeChild;
  signups: CounterChild;
}
interface ReaderSeries {
  /** [kindIndex][policyIndex] */
  reads: CounterChild[][];
  /** [kindIndex][classIndex] */
  items: CounterChild[][];
  /** [kindIndex]: foreign items that carried a translation */
  translated: CounterChild[];
  /** Indexed like LOOKUP_OUTCOMES */
  lookups: CounterChild[];
}

const OUTCOME_INDEX = new Map<string, number>(OUTCOMES.map((o, i) => [o, i]));
const OTHER_OUTCOME = OUTCOME_INDEX.get('other')!;

function policyIndex(degraded: string | undefined): number {
  switch (degraded) {
    case undefined:
    case '':
      return 0;
    case 'stale-cache':
      return 1;
    case 'ranker-fallback':
      return 2;
    case 'partial':
      return 3;
    default:
      return 4;
  }
}

/** True when a content language tag (en, en-US, en-mixed) is in the language `code`, without allocating. */
export function isLanguage(tag: string, code: string): boolean {
  if (tag === code) return true;
  return tag.length > code.length && tag.charCodeAt(code.length) === 45 /* '-' */ && tag.startsWith(code);
}

function defaultRunId(plan: Plan, at: Date): string {
  const stamp = at.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `${plan.name}-${stamp}`;
}

/**
 * The flashcrowd_* metric families, registered in `registry` (which must not already hold them). While `exposed`
 * answers false, scrapes see them without samples.
 */
export function createHarnessMetrics(registry: Registry, exposed: () => boolean = () => true) {
  const gate = <F extends { exposed: () => boolean }>(family: F): F => ((family.exposed = exposed), family);
  const counter = (name: string, help: string, labels: string[] = []) => gate(new CounterFamily(name, help, labels, registry));
  const gauge = (name: string, help: string, labels: string[] = []) => gate(new GaugeFamily(name, help, labels, registry));
  const histogram = (name: string, help: string, labels: string[], buckets: readonly number[]) =>
    gate(new HistogramFamily(name, help, labels, buckets, registry));

  return {
    runInfo: gauge('flashcrowd_run_info', 'A run of a scenario; value 1. Labels identify the run.', ['scenario', 'seed']),
    runElapsed: gauge('flashcrowd_run_elapsed_seconds', 'Wall seconds since the start of the measured phase.'),
    scenarioTime: gauge('flashcrowd_scenario_time_seconds', 'Scenario (real-world, compressed) seconds since scenario start.'),
    plannedRate: gauge('flashcrowd_planned_arrival_rate', 'Arrivals per second the plan intends at this moment.', ['cohort']),
    arrivalsIntended: counter('flashcrowd_arrivals_intended_total', 'Arrivals the schedule intended (started + dropped).', ['cohort']),
    arrivalsStarted: counter('flashcrowd_arrivals_started_total', 'Arrivals whose session started.', ['cohort']),
    arrivalsDropped: counter('flashcrowd_arrivals_dropped_total', 'Arrivals dropped because the in-flight cap was reached.', ['cohort']),
    sessionsActive: gauge('flashcrowd_sessions_active', 'Sessions in flight.', ['cohort']),
    scheduleLag: histogram(
      'flashcrowd_schedule_lag_seconds',
      'Delay between an arrival\'s intended and actual start.',
      [],
      SCHEDULE_LAG_SECONDS_BUCKETS,
    ),
    requests: counter('flashcrowd_requests_total', 'Requests by endpoint and outcome (ok or the error class).', ['endpoint', 'outcome']),
    requestDuration: histogram(
      'flashcrowd_request_duration_seconds',
      'Service time: from sending a request to its response.',
      ['endpoint'],
      REQUEST_SECONDS_BUCKETS,
    ),
    requestCorrected: histogram(
      'flashcrowd_request_corrected_duration_seconds',
      'Response time from the intended start (corrected for coordinated omission).',
      ['endpoint'],
      REQUEST_SECONDS_BUCKETS,
    ),
    signups: counter('flashcrowd_signups_total', 'Accounts the target acknowledged.', ['cohort']),
    posts: counter('flashcrowd_posts_total', 'Posts the target acknowledged, by ground-truth language.', ['lang']),
    comments: counter('flashcrowd_comments_total', 'Comments the target acknowledged.'),
    follows: counter('flashcrowd_follows_total', 'Follows the target acknowledged.'),
    feedReads: counter(
      'flashcrowd_feed_reads_total',
      'Feed pages read, by feed, reader primary language and the degradation the response declared (none if any).',
      ['kind', 'language', 'degraded'],
    ),
    feedItems: counter(
      'flashcrowd_feed_items_total',
      'Feed items served, by feed, reader primary language and class: native (reader\'s primary language), readable_foreign (another language the reader reads), unreadable.',
      ['kind', 'language', 'class'],
    ),
    feedTranslated: counter(
      'flashcrowd_feed_translated_items_total',
      'Feed items not in the reader\'s primary language that carried a translation.',
      ['kind', 'language'],
    ),
    postLookups: counter(
      'flashcrowd_translation_lookups_total',
      'Post reads asking for a translation, by reader primary language and outcome.',
      ['language', 'outcome'],
    ),
    freshness: gauge(
      'flashcrowd_feed_freshness_seconds',
      'Feed freshness quantiles (post acknowledged -> first seen in a follower\'s feed), from the feed-quality observer.',
      ['language', 'percentile'],
    ),
    recall: gauge('flashcrowd_feed_recall_ratio', 'Mean recall@k of following-feed reads, from the feed-quality observer.', ['language']),
    recallP5: gauge('flashcrowd_feed_recall_p5_ratio', '5th percentile of recall@k of following-feed reads.', ['language']),
    foreignShare: gauge(
      'flashcrowd_feed_foreign_share_ratio',
      'Share of discover items not in the reader\'s primary language, from the feed-quality observer.',
      ['language'],
    ),
    languageMatch: gauge(
      'flashcrowd_feed_language_match_ratio',
      'Share of discover items in a language the reader reads, from the feed-quality observer.',
      ['language'],
    ),
    translationCoverage: gauge(
      'flashcrowd_translation_coverage_ratio',
      'Share of foreign items offered with a translation, from the feed-quality observer.',
      ['language'],
    ),
    degraded: gauge('flashcrowd_feed_degraded_ratio', 'Share of feed responses declaring a degradation, from the feed-quality observer.', ['language']),
    moderationLag: gauge(
      'flashcrowd_moderation_lag_seconds',
      'Moderation lag quantiles (marked post acknowledged -> gone), from the feed-quality observer.',
      ['percentile'],
    ),
    auditChecked: gauge('flashcrowd_audit_checked_writes', 'Acknowledged writes checked by the post-run audit.'),
    auditLost: gauge('flashcrowd_audit_lost_writes', 'Acknowledged writes the target no longer has (post-run audit).'),
    runPass: gauge('flashcrowd_run_pass', '1 when every threshold passed, 0 when one failed (set after the run).'),
    eventInfo: gauge('flashcrowd_scenario_event_info', 'Scenario events: 0 until the event fires, then 1.', ['event', 'kind']),
    eventTimestamp: gauge(
      'flashcrowd_scenario_event_timestamp_seconds',
      'Unix time at which a scenario event fired (for Grafana annotations).',
      ['event', 'kind'],
    ),
    phase: gauge('flashcrowd_scenario_phase', 'Number of scenario events fired so far (0 before the first).'),
  };
}
export type HarnessMetrics = ReturnType<typeof createHarnessMetrics>;

class MetricsRunPlugin implements MetricsPlugin {
  readonly name = 'metrics';
  readonly observer;
  runId: string | undefined;

  private readonly m: HarnessMetrics;
  private readonly endpoints = new Map<string, EndpointSeries>();
  private readonly cohorts = new Map<string, CohortSeries>();
  private readonly readers = new Map<string, ReaderSeries>();
  private readonly postLangs = new Map<string, CounterChild>();
  private readonly lag: HistogramChild;
  private readonly comments: CounterChild;
  private readonly follows: CounterChild;
  private readonly phase: GaugeChild;
  private ctx: RunContext | undefined;
  /** Unix ms at which the measured phase's clock reads 0, derived from ctx.now() at start. */
  private epochMs: number | undefined;
  private firedEvents = 0;

  constructor(
    private readonly registry: Registry,
    private readonly options: MetricsPluginOptions,
  ) {
    // Nothing is exposed until the run is identified, so that no series lacks the run_id label.
    this.m = createHarnessMetrics(registry, () => this.runId !== undefined);
    this.lag = this.m.scheduleLag.child();
    this.comments = this.m.comments.child();
    this.follows = this.m.follows.child();
    this.phase = this.m.phase.child();
    this.phase.set(0);
    for (const endpoint of ENDPOINTS) this.endpoint(endpoint);
    if (options.runId) this.setRunId(options.runId);
    // The Registry calls get() on its metrics synchronously in registration order, so these hooks, on the first
    // family of each group, refresh the whole group before any of it is read.
    this.m.freshness.onCollect = () => this.pollFeed();
    this.m.runElapsed.onCollect = () => this.pollClock();

    this.observer = {
      onArrival: (s: ArrivalSample) => this.onArrival(s),
      onRequest: (s: RequestSample) => this.onRequest(s),
      onSessionStart: (cohort: string) => this.cohort(cohort).active.inc(),
      onSessionEnd: (cohort: string) => this.cohort(cohort).active.dec(),
      onAccount: (a: AccountAck) => this.cohort(a.cohort).signups.inc(),
      onFollow: () => this.follows.inc(),
      onPost: (p: PostAckSample) => this.postLang(p.lang).inc(),
      onComment: (_c: CommentAckSample) => this.comments.inc(),
      onFeedRead: (s: FeedReadSample) => this.onFeedRead(s),
      onPostLookup: (s: PostLookupSample) => this.onPostLookup(s),
      onEvent: (e: RunEvent) => this.onEvent(e),
    };
  }

  private setRunId(runId: string): void {
    this.runId = runId;
    this.registry.setDefaultLabels({ run_id: runId });
  }

  async setup(ctx: RunContext): Promise<void> {
    this.ctx = ctx;
    const plan = ctx.plan;
    if (!this.runId) this.setRunId(defaultRunId(plan, new Date()));
    this.m.runInfo.child(plan.name, String(plan.seed)).set(1);
    for (const c of plan.cohorts) this.cohort(c.name);
    for (const e of plan.events) this.m.eventInfo.child(e.name, e.kind).set(0);
  }

  start(ctx: RunContext): void {
    this.ctx = ctx;
    this.epochMs = Date.now() - ctx.now();
  }

  async finish(): Promise<Partial<Summary>> {
    this.pollFeed();
    return {};
  }

  recordSummary(summary: Summary): void {
    this.m.auditChecked.child().set(summary.audit.checkedWrites);
    this.m.auditLost.child().set(summary.audit.lostWrites);
    this.m.runPass.child().set(summary.pass ? 1 : 0);
  }

  private endpoint(name: string): EndpointSeries {
    let s = this.endpoints.get(name);
    if (!s) {
      s = {
        duration: this.m.requestDuration.child(name),
        corrected: this.m.requestCorrected.child(name),
        outcomes: OUTCOMES.map((o) => this.m.requests.child(name, o)),
      };
      this.endpoints.set(name, s);
    }
    return s;
  }

  private cohort(name: string): CohortSeries {
    let s = this.cohorts.get(name);
    if (!s) {
      s = {
        intended: this.m.arrivalsIntended.child(name),
        started: this.m.arrivalsStarted.child(name),
        dropped: this.m.arrivalsDropped.child(name),
        active: this.m.sessionsActive.child(name),
        signups: this.m.signups.child(name),
      };
      this.cohorts.set(name, s);
    }
    return s;
  }

  private reader(language: string): ReaderSeries {
    let s = this.readers.get(language);
    if (!s) {
      s = {
        reads: FEED_KINDS.map((k) => DEGRADED_POLICIES.map((p) => this.m.feedReads.child(k, language, p))),
        items: FEED_KINDS.map((k) => ITEM_CLASSES.map((c) => this.m.feedItems.child(k, language, c))),
        translated: FEED_KINDS.map((k) => this.m.feedTranslated.child(k, language)),
        lookups: LOOKUP_OUTCOMES.map((o) => this.m.postLookups.child(language, o)),
      };
      this.readers.set(language, s);
    }
    return s;
  }

  private postLang(lang: string): CounterChild {
    let c = this.postLangs.get(lang);
    if (!c) {
      c = this.m.posts.child(lang);
      this.postLangs.set(lang, c);
    }
    return c;
  }

  private onArrival(s: ArrivalSample): void {
    const c = this.cohort(s.cohort);
    c.intended.inc();
    if (s.outcome === 'dropped') {
      c.dropped.inc();
      return;
    }
    c.started.inc();
    if (s.startedAt !== undefined) this.lag.observe(Math.max(0, s.startedAt - s.intendedAt) / 1000);
  }

  private onRequest(s: RequestSample): void {
    const e = this.endpoint(s.endpoint);
    const outcome = s.ok ? 0 : (OUTCOME_INDEX.get(s.errorKind ?? 'other') ?? OTHER_OUTCOME);
    e.outcomes[outcome].inc();
    e.duration.observe((s.endedAt - s.startedAt) / 1000);
    e.corrected.observe((s.endedAt - s.intendedAt) / 1000);
  }

  private onFeedRead(s: FeedReadSample): void {
    const r = this.reader(s.readerPrimaryLanguage);
    const k = s.kind === 'following' ? 0 : 1;
    r.reads[k][policyIndex(s.page.degraded)].inc();
    const items = s.page.items;
    const classes = r.items[k];
    let native = 0;
    let readable = 0;
    let unreadable = 0;
    let translated = 0;
    for (let i = 0; i < items.length; i++) {
      const item = items[i];
      const lang = item.lang;
      if (isLanguage(lang, s.readerPrimaryLanguage)) {
        native++;
        continue;
      }
      if (item.translation) translated++;
      let reads = false;
      for (let j = 0; j < s.readerLanguages.length; j++) {
        if (isLanguage(lang, s.readerLanguages[j])) {
          reads = true;
          break;
        }
      }
      if (reads) readable++;
      else unreadable++;
    }
    if (native) classes[0].inc(native);
    if (readable) classes[1].inc(readable);
    if (unreadable) classes[2].inc(unreadable);
    if (translated) r.translated[k].inc(translated);
  }

  private onPostLookup(s: PostLookupSample): void {
    if (s.translateTo === undefined) return;
    const r = this.reader(s.readerPrimaryLanguage);
    const res = s.result;
    const outcome = res.state === 'removed' ? 2 : res.state === 'missing' ? 3 : res.post.translation ? 0 : 1;
    r.lookups[outcome].inc();
  }

  private onEvent(e: RunEvent): void {
    this.m.eventInfo.child(e.name, e.kind).set(1);
    const epoch = this.epochMs ?? (this.ctx ? Date.now() - this.ctx.now() : Date.now() - e.at);
    this.m.eventTimestamp.child(e.name, e.kind).set((epoch + e.at) / 1000);
    this.phase.set(++this.firedEvents);
  }

  private pollClock(): void {
    const ctx = this.ctx;
    if (!ctx) return;
    const nowMs: RunMs = ctx.now();
    const wallSec = Math.max(0, nowMs / 1000);
    this.m.runElapsed.child().set(wallSec);
    this.m.scenarioTime.child().set(wallSec * ctx.plan.compression);
    for (const c of ctx.plan.cohorts) {
      const inRun = wallSec <= ctx.plan.wallDurationSec;
      this.m.plannedRate.child(c.name).set(inRun ? Math.max(0, c.rate(wallSec)) : 0);
    }
  }

  /** Copies the feed-quality plugin's current figures into the gauges; never throws into a scrape. */
  private pollFeed(): void {
    const source = this.options.feedSnapshot;
    if (typeof source !== 'function') return;
    let raw: unknown;
    try {
      raw = source();
    } catch {
      return;
    }
    const snap = normaliseFeedSnapshot(raw);
    const copy = (family: GaugeFamily, values: Map<string, number>) => {
      for (const [lang, v] of values) family.child(lang).set(v);
    };
    for (const [lang, quantiles] of snap.freshness) {
      for (const [q, v] of quantiles) this.m.freshness.child(lang, q).set(v);
    }
    copy(this.m.recall, snap.recallMean);
    copy(this.m.recallP5, snap.recallP5);
    copy(this.m.translationCoverage, snap.translationCoverage);
    copy(this.m.degraded, snap.degraded);
    copy(this.m.languageMatch, snap.languageMatch);
    copy(this.m.foreignShare, snap.foreignShare);
    copy(this.m.moderationLag, snap.moderationLag);
    if (snap.checkedWrites !== undefined) this.m.auditChecked.child().set(snap.checkedWrites);
    if (snap.lostWrites !== undefined) this.m.auditLost.child().set(snap.lostWrites);
  }
}

/**
 * A RunPlugin that keeps the flashcrowd_* metrics in `registry` (use a fresh prom-client Registry per run; the
 * families are registered once and throw on a second registration). Expose it with startMetricsServer().
 */
export function createMetricsPlugin(registry: Registry, options: MetricsPluginOptions = {}): MetricsPlugin {
  return new MetricsRunPlugin(registry, options);
}
