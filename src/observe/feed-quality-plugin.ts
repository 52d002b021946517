// The feed-quality plugin: ground-truth ledger + probe readers + SLIs + lost-write audit, as one RunPlugin.
// The engine calls observer.* for every event, setup/start/onBucket/stop/finish around the run; finish() returns
// summary.json's `feedQuality` and `audit`. snapshot() gives the live figures for the metrics plugin.
import type { LogLevel, RunContext, RunPlugin } from '../run/plugin.ts';
import type { Plan } from '../scenario/plan.ts';
import type { FeedQualitySummary, Summary, TimelineBucket } from '../run/summary.ts';
import type { AccountAck, RunObserver } from '../run/events.ts';
import { FeedMeter } from './feed-meter.ts';
import { ProbeFleet, measured, type ProbeOptions } from './probes.ts';
import { harnessAccount } from '../population/names.ts';
import { auditWrites, type AuditOptions, type AuditResult } from './audit.ts';
import type { LedgerOptions } from './ledger.ts';

export interface FeedQualityPluginOptions {
  ledger?: LedgerOptions;
  probes?: ProbeOptions;
  /** false skips the audit (summary audit is then {checkedWrites: 0, lostWrites: 0, skipped: true}). */
  audit?: AuditOptions | false;
  /** Ordinary (non-probe) readers whose follows are tracked for recall, at most (sampled by user-id hash). */
  trackedRegularReaders?: number;
  /** Samples kept per percentile before reservoir sampling starts. */
  quantileCapacity?: number;
}

/** What snapshot() returns: the summary-so-far (metrics' FeedQualitySnapshot shape) plus the audit once done. */
export type FeedQualityLive = FeedQualitySummary & { audit: { checkedWrites: number; lostWrites: number } | null };

export interface FeedQualityPlugin extends RunPlugin {
  readonly name: 'feed-quality';
  readonly observer: RunObserver;
  readonly meter: FeedMeter;
  setup(ctx: RunContext): Promise<void>;
  start(ctx: RunContext): void;
  onBucket(bucket: TimelineBucket): void;
  stop(): Promise<void>;
  finish(ctx: RunContext): Promise<Partial<Summary>>;
  snapshot(): FeedQualityLive;
}

export function createFeedQualityPlugin(plan: Plan, options: FeedQualityPluginOptions = {}): FeedQualityPlugin {
  const probeCount = Object.values(plan.observers.probeReaders).reduce((n, c) => n + c, 0);
  const people = plan.cohorts.reduce((n, c) => n + c.people, 0);
  const trackedRegular = options.trackedRegularReaders ?? 1000;
  const meter = new FeedMeter({
    recallK: plan.observers.recallK,
    recallGraceSec: plan.observers.recallGraceSec,
    regularReaderShare: people === 0 ? 0 : Math.min(1, trackedRegular / people),
    probeCohort: options.probes?.cohort ?? 'probe',
    languageBands: plan.observers.languageBands,
    seed: plan.seed,
    quantileCapacity: options.quantileCapacity,
    ledger: { maxTrackedReaders: probeCount + trackedRegular, ...options.ledger },
  });
  const probes = new ProbeFleet(meter.ledger, plan.seed, options.probes);
  let running = false;
  let audit: AuditResult | undefined;

  const observer: RunObserver = {
    onAccount(ack: AccountAck) {
      meter.onAccount(ack);
      if (running) probes.considerAccount(ack);
    },
    onFollow: (ack) => meter.onFollow(ack),
    onPost: (ack) => meter.onPost(ack),
    onComment: (ack) => meter.onComment(ack),
    onFeedRead: (s) => meter.onFeedRead(s),
    onPostLookup: (s) => meter.onPostLookup(s),
  };

  const summary = (): FeedQualitySummary =>
    meter.summary({
      probes: { ...probes.stats(), pollIntervalSec: plan.observers.pollIntervalSec },
      resolutionSec: plan.observers.pollIntervalSec,
    });

  return {
    name: 'feed-quality',
    observer,
    meter,

    async setup(ctx: RunContext) {
      await probes.setup(ctx);
    },

    start(ctx: RunContext) {
      running = true;
      probes.start(ctx);
    },

    onBucket(bucket: TimelineBucket) {
      const feed = meter.takeBucket();
      if (feed) bucket.feed = { ...bucket.feed, ...feed };
    },

    async stop() {
      running = false;
      await probes.stop();
    },

    async finish(ctx: RunContext): Promise<Partial<Summary>> {
      running = false;
      await probes.stop();
      const feedQuality = summary();
      if (options.audit === false) return { feedQuality, audit: { checkedWrites: 0, lostWrites: 0, skipped: true } };
      const token = probes.token() ?? (await auditorToken(ctx, plan.seed));
      audit = await auditWrites(ctx.target, meter.ledger, token, { seed: plan.seed, log: (l) => ctx.log(l, auditLineLevel(l)), ...options.audit });
      const { checkedWrites, lostWrites, ...details } = audit;
      return { feedQuality, audit: { checkedWrites, lostWrites, ...details } };
    },

    snapshot(): FeedQualityLive {
      return { ...summary(), audit: audit ? { checkedWrites: audit.checkedWrites, lostWrites: audit.lostWrites } : null };
    },
  };
}

/** The audit's routine lines (what it checks, progress, the closing tally) are progress; anything else is a warning. */
function auditLineLevel(line: string): LogLevel {
  return /^audit: (checking \d|\d+\/\d+ done|done in )/.test(line) ? 'progress' : 'warn';
}

/** Without probes the audit still needs a bearer token: one extra account, reported like any signup. */
async function auditorToken(ctx: RunContext, seed: number): Promise<string | undefined> {
  const tag = (Date.now() % 2_176_782_336).toString(36);
  const res = await measured(ctx, 'signup', 'probe', () =>
    ctx.target.signup({}, { ...harnessAccount(`fca_${tag}`, `audit-${seed}-${tag}`, ctx.target.identity, ctx.plan.identity), displayName: 'flashcrowd auditor', locale: 'en_US', languages: ['en'], country: 'US', tz: 'UTC' }),
  );
  if (!res.ok) ctx.log(`audit: could not sign up an auditor account (${res.error.message}); checking without a token`);
  return res.ok ? res.value.token : undefined;
}
