import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runPlan } from '../../src/engine/run.ts';
import { HttpTarget } from '../../src/target/http-target.ts';
import type { RunPlugin } from '../../src/run/plugin.ts';
import type { FeedReadSample, PostAckSample, RequestSample } from '../../src/run/events.ts';
import { startMiniBackend, type MiniBackend } from './helpers/mini-backend.ts';
import { cohort, content, plan, population } from './helpers/stand-ins.ts';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function setupBackend(opts = {}): Promise<{ backend: MiniBackend; target: HttpTarget }> {
  const backend = await startMiniBackend(opts);
  const target = new HttpTarget({ url: backend.url, connections: 16, timeoutMs: 2000 });
  cleanups.push(() => backend.close(), () => target.close());
  return { backend, target };
}

describe('runPlan against a live HTTP server', () => {
  it('runs setup, signups, posts, feed reads and produces totals/endpoints/schedule', async () => {
    const { backend, target } = await setupBackend();
    const p = plan([
      cohort({ name: 'incumbents', preexisting: true, people: 10, rate: () => 5, peakRate: 5, expectedArrivals: 10 }),
      cohort({ name: 'newcomers', people: 60, rate: () => 25, peakRate: 25, expectedArrivals: 50 }),
    ]);
    const seen = { requests: [] as RequestSample[], posts: [] as PostAckSample[], feeds: [] as FeedReadSample[], buckets: 0, hooks: [] as string[] };
    const plugin: RunPlugin = {
      name: 'spy',
      observer: {
        onRequest: (s) => seen.requests.push(s),
        onPost: (s) => seen.posts.push(s),
        onFeedRead: (s) => seen.feeds.push(s),
      },
      setup: async (ctx) => {
        seen.hooks.push(`setup:${ctx.accounts.size}`);
        expect(ctx.now()).toBeLessThan(0);
      },
      start: () => seen.hooks.push('start'),
      onBucket: () => seen.buckets++,
      stop: async () => void seen.hooks.push('stop'),
      finish: async () => ({ audit: { checkedWrites: 3, lostWrites: 0 } }),
    };
    const out = await runPlan({ plan: p, target, population: population(p), content, plugins: [plugin], targetLabel: backend.url });
    const s = out.summary;

    expect(seen.hooks).toEqual(['setup:10', 'start', 'stop']);
    expect(out.setup.accounts).toBe(10);
    expect(s.totals.signups).toBeGreaterThan(10);
    expect(s.totals.posts).toBeGreaterThan(5);
    expect(backend.stats.signups).toBe(10 + s.totals.signups);
    expect(s.totals.errors).toBe(0);
    expect(s.endpoints.signup.count).toBe(s.totals.signups);
    expect(s.totals.sessionErrors).toBe(0); // no session ended on a harness exception
    expect(s.endpoints.feed_following.count + s.endpoints.feed_discover.count).toBeGreaterThan(0);
    expect(seen.feeds.length).toBe(s.endpoints.feed_following.count + s.endpoints.feed_discover.count);
    expect(s.totals.requests).toBe(Object.values(s.endpoints).reduce((n, e) => n + e.count, 0));
    for (const e of Object.values(s.endpoints)) {
      expect(e.latencyMs!.p50).toBeGreaterThan(0);
      expect(e.correctedLatencyMs!.p99).toBeGreaterThanOrEqual(e.latencyMs!.p99 - 0.01);
      expect(e.latencyMs!.max).toBeGreaterThanOrEqual(e.latencyMs!.p99);
    }
    // Schedule: ~60 arrivals expected in 2 s; all started (cap not reached), lag measured.
    expect(s.schedule.intendedArrivals).toBe(s.schedule.achievedArrivals + s.totals.sessionsDropped);
    expect(Math.abs(s.schedule.intendedArrivals - 60)).toBeLessThan(4 * Math.sqrt(60));
    expect(s.totals.sessionsDropped).toBe(0);
    expect(s.schedule.lagMs.max).toBeGreaterThanOrEqual(s.schedule.lagMs.p50);
    expect(s.schedule.expectedArrivals).toBe(60);
    // Ground truth of acknowledged posts, with the target's own view beside it.
    expect(seen.posts.length).toBeGreaterThan(s.totals.posts - 1); // setup posts too
    expect(seen.posts.every((x) => x.postId.startsWith('p') && ['en', 'zh'].includes(x.lang))).toBe(true);
    // Requests carry intended times no later than their actual start; setup requests are negative.
    expect(seen.requests.every((r) => r.intendedAt <= r.startedAt + 1e-6 && r.endedAt >= r.startedAt)).toBe(true);
    expect(seen.requests.some((r) => r.startedAt < 0)).toBe(true);
    // Plugin parts merged; timeline has one bucket per second.
    expect(s.audit.checkedWrites).toBe(3);
    expect(out.timeline.buckets.length).toBeGreaterThanOrEqual(2);
    expect(out.timeline.buckets.map((b) => b.t)).toEqual(out.timeline.buckets.map((_, i) => i));
    expect(seen.buckets).toBe(out.timeline.buckets.length);
    const bucketRequests = out.timeline.buckets.reduce((n, b) => n + b.requests, 0);
    expect(bucketRequests).toBe(s.totals.requests);
    // Synthetic client addresses, one per person.
    expect([...backend.stats.xff].every((ip) => /^10\.\d+\.\d+\.\d+$/.test(ip))).toBe(true);
    expect(backend.stats.xff.size).toBeGreaterThan(10);
  });

  it('appends closed timeline seconds to timelineFile while the run goes on, and returns the same buckets', async () => {
    const { backend, target } = await setupBackend();
    const dir = mkdtempSync(join(tmpdir(), 'fc-run-timeline-'));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    const p = plan([cohort({ name: 'newcomers', people: 60, rate: () => 20, peakRate: 20, expectedArrivals: 40 })]);
    const onDiskAtClose: number[] = [];
    let startedAt = '';
    const file = join(dir, 'run', 'timeline.partial.jsonl');
    const plugin: RunPlugin = {
      name: 'spy',
      onBucket: (b) => void onDiskAtClose.push(readFileSync(file, 'utf8').split('\n').filter(Boolean).length - b.t),
    };
    const out = await runPlan({ plan: p, target, population: population(p), content, plugins: [plugin], targetLabel: backend.url, timelineFile: (at) => ((startedAt = at), file) });
    expect(startedAt).toBe(out.summary.startedAt);
    expect(out.timeline.buckets.length).toBeGreaterThanOrEqual(2);
    expect(onDiskAtClose).toEqual(out.timeline.buckets.map(() => 0)); // every earlier second was on disk when one closed
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    expect(lines.map((l) => JSON.parse(l))).toEqual(out.timeline.buckets);
    expect(out.timeline.buckets.reduce((n, b) => n + b.requests, 0)).toBe(out.summary.totals.requests);
  });

  it('finishes and classifies connect_refused when the target dies mid-run', async () => {
    const { backend, target } = await setupBackend();
    const p = plan([cohort({ name: 'newcomers', people: 200, rate: () => 40, peakRate: 40 })], { wallDurationSec: 2, gracefulStopSec: 1 });
    setTimeout(() => void backend.close(), 700);
    const out = await runPlan({ plan: p, target, population: population(p), content });
    const s = out.summary;
    expect(s.totals.requests).toBeGreaterThan(0);
    expect(s.totals.errors).toBeGreaterThan(0);
    const kinds = s.errorsByKind as Record<string, number>;
    expect(kinds.connect_refused).toBeGreaterThan(0);
    expect(Object.keys(kinds).every((k) => ['connect_refused', 'reset'].includes(k))).toBe(true);
    expect(s.endpoints.signup.errorsByKind?.connect_refused).toBeGreaterThan(0);
    // After the outage the bucket errors show the failure.
    const errorsInTimeline = out.timeline.buckets.reduce((n, b) => n + (b.errors.connect_refused ?? 0), 0);
    expect(errorsInTimeline).toBe(kinds.connect_refused);
  });

  it('honours 429 Retry-After within a per-session budget', async () => {
    const { backend, target } = await setupBackend({ throttleShare: 0.25, retryAfterSec: 0.05 });
    const p = plan([cohort({ name: 'newcomers', people: 40, rate: () => 10, peakRate: 10 })], { wallDurationSec: 1 });
    const out = await runPlan({ plan: p, target, population: population(p), content });
    expect(out.sessions.retries).toBeGreaterThan(0);
    expect(out.summary.endpoints.signup.errorsByStatus?.['429'] ?? 0).toBeGreaterThan(0);
    // Retries keep the action's intended start: corrected latency includes the back-off.
    const signup = out.summary.endpoints.signup;
    expect(signup.correctedLatencyMs!.max).toBeGreaterThanOrEqual(50);
    expect(backend.stats.signups).toBeGreaterThan(0);
  });

  it('retries throttled setup signups after Retry-After, so every preexisting account exists at t = 0', async () => {
    const { backend, target } = await setupBackend({ throttleShare: 0.25, retryAfterSec: 0.05 });
    const p = plan([cohort({ name: 'incumbents', preexisting: true, people: 20, rate: () => 0, peakRate: 0 })], { wallDurationSec: 0.2 });
    const started = performance.now();
    const out = await runPlan({ plan: p, target, population: population(p), content });
    expect(out.setup.accounts).toBe(20);
    expect(out.setup.failedAccounts).toBe(0);
    expect(out.sessions.retries).toBeGreaterThan(0);
    expect(backend.stats.signups).toBe(20);
    expect(performance.now() - started).toBeGreaterThan(50); // the back-off really waited
  });

  it('counts arrivals beyond the in-flight cap as dropped and stops on Ctrl-C with a summary', async () => {
    const { target } = await setupBackend({ delayMs: 150 });
    const p = plan([cohort({ name: 'newcomers', people: 500, rate: () => 100, peakRate: 100, inFlightCap: 5 })], { wallDurationSec: 5 });
    const ctrlC = new AbortController();
    setTimeout(() => ctrlC.abort(), 800);
    const started = performance.now();
    const out = await runPlan({ plan: p, target, population: population(p), content, signal: ctrlC.signal });
    expect(performance.now() - started).toBeLessThan(3500);
    expect(out.stoppedEarly).toBe('interrupted');
    expect(out.summary.totals.sessionsDropped).toBeGreaterThan(30);
    expect(out.summary.schedule.achievedArrivals).toBeLessThan(out.summary.schedule.intendedArrivals);
    expect((out.summary.schedule.byCohort as Record<string, { dropped: number }>).newcomers.dropped).toBe(out.summary.totals.sessionsDropped);
  });
});
