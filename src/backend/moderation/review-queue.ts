// Moderation review queue: flagged and reported posts wait for a fixed pool of (simulated) reviewers, each taking
// `decisionSec` per post. The pool is what a surge understaffs: the backlog and the decision lag grow with arrivals.
// The queue is bounded; when it is full a new item is not queued (counted in social_moderation_dropped_total) and the
// post stays up, which is what an overwhelmed moderation team amounts to.
import { Counter, Histogram, type Registry } from 'prom-client';
import { observedGauge } from '../metrics.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ModerationService, PostRecord } from '../services.ts';
import type { Store } from '../store/store.ts';
import type { RuleClassifier, Verdict } from './classifier.ts';

export interface ReviewOptions {
  /** Reviewers working in parallel (per backend process). 0 = nobody reviews; the backlog only grows. */
  reviewers: number;
  /** Seconds one reviewer takes for one decision. */
  decisionSec: number;
  /** Items the queue holds at most. */
  maxBacklog: number;
  /** Distinct reports that get a post removed even when the rules find nothing. */
  reportsToRemove: number;
}

export const DEFAULT_REVIEW_OPTIONS: ReviewOptions = {
  reviewers: 4,
  decisionSec: 5,
  maxBacklog: 100_000,
  reportsToRemove: 3,
};

/** What moderation needs from the Store. */
export type ModerationStore = Pick<Store, 'getPost' | 'removePost'>;

interface Item {
  postId: string;
  enqueuedAt: number;
  verdict?: Verdict;
}

export class ReviewQueueModeration implements ModerationService {
  private readonly queue: Item[] = [];
  private head = 0;
  private readonly queued = new Set<string>();
  private readonly reporters = new Map<string, Set<string>>();
  private readonly opts: ReviewOptions;
  private readonly wake: Array<() => void> = [];
  private readonly abort = new AbortController();
  private readonly workers: Promise<void>[] = [];
  private closed = false;
  private readonly lag: Histogram;
  private readonly removals: Counter<'category'>;
  private readonly flagged: Counter<'reason'>;
  private readonly dropped: Counter;

  constructor(
    private readonly store: ModerationStore,
    private readonly classifier: RuleClassifier,
    registry: Registry,
    options: Partial<ReviewOptions> = {},
    private readonly onRemoved?: (postId: string) => void,
  ) {
    this.opts = { ...DEFAULT_REVIEW_OPTIONS, ...options };
    observedGauge(registry, 'social_moderation_backlog', 'Posts waiting for a moderation decision', () => this.backlog());
    this.lag = new Histogram({
      name: 'social_moderation_decision_lag_seconds',
      help: 'Time from a post entering the review queue (flagged at creation, or reported) to its decision',
      buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 21600, 86400],
      registers: [registry],
    });
    this.removals = new Counter({
      name: 'social_moderation_removals_total',
      help: 'Posts removed by moderation, by category',
      labelNames: ['category'],
      registers: [registry],
    });
    this.flagged = new Counter({
      name: 'social_moderation_flagged_total',
      help: 'Posts queued for review, by reason (lexicon, link-spam, repeated, report)',
      labelNames: ['reason'],
      registers: [registry],
    });
    this.dropped = new Counter({
      name: 'social_moderation_dropped_total',
      help: 'Posts not queued for review because the queue was full',
      registers: [registry],
    });
    for (let i = 0; i < this.opts.reviewers; i++) this.workers.push(this.reviewerLoop());
  }

  /** Posts waiting for a decision, including those a reviewer is looking at. */
  backlog(): number {
    return this.queued.size;
  }

  async onPostCreated(post: PostRecord): Promise<void> {
    const verdict = this.classifier.classify(post.text);
    if (verdict) this.enqueue(post.id, verdict.reason, verdict);
  }

  async onReport(postId: string, reporterId: string, _reason: string): Promise<void> {
    let set = this.reporters.get(postId);
    if (!set) this.reporters.set(postId, (set = new Set()));
    set.add(reporterId);
    this.enqueue(postId, 'report');
  }

  private enqueue(postId: string, reason: string, verdict?: Verdict): void {
    if (this.closed || this.queued.has(postId)) return;
    if (this.backlog() >= this.opts.maxBacklog) {
      this.dropped.inc();
      return;
    }
    this.flagged.inc({ reason });
    this.queued.add(postId);
    this.queue.push({ postId, enqueuedAt: Date.now(), verdict });
    this.wake.shift()?.();
  }

  private take(): Item | undefined {
    if (this.head >= this.queue.length) return undefined;
    const item = this.queue[this.head++];
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
    return item;
  }

  private async reviewerLoop(): Promise<void> {
    while (!this.closed) {
      const item = this.take();
      if (!item) {
        await new Promise<void>((resolve) => this.wake.push(resolve));
        continue;
      }
      await sleep(this.opts.decisionSec * 1000, undefined, { signal: this.abort.signal }).catch(() => undefined);
      if (this.closed) return;
      try {
        await this.decide(item);
      } catch {
        // A store error leaves the post up; it can be reported again.
      } finally {
        this.queued.delete(item.postId);
      }
    }
  }

  private async decide(item: Item): Promise<void> {
    let category: string | undefined = item.verdict?.category;
    if (!category) {
      const post = await this.store.getPost(item.postId);
      if (!post || post.removed) return;
      const verdict = this.classifier.classify(post.text, false);
      const reports = this.reporters.get(item.postId)?.size ?? 0;
      category = verdict?.category ?? (reports >= this.opts.reportsToRemove ? 'reported' : undefined);
    }
    this.lag.observe((Date.now() - item.enqueuedAt) / 1000);
    this.reporters.delete(item.postId);
    if (!category) return;
    if (await this.store.removePost(item.postId, `moderation:${category}`)) {
      this.removals.inc({ category });
      this.onRemoved?.(item.postId);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.abort.abort();
    for (const w of this.wake.splice(0)) w();
    await Promise.all(this.workers);
  }
}
