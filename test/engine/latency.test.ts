import { describe, expect, it } from 'vitest';
import { LatencyHistogram, LatencyRecorder } from '../../src/observe/latency.ts';
import { ScheduleRecorder } from '../../src/observe/recorder.ts';
import { runPlan } from '../../src/engine/run.ts';
import { Rng } from '../../src/random/index.ts';
import type { OpResult, Target } from '../../src/target/target.ts';
import { CAPABILITIES } from '../../src/target/target.ts';
import type { RequestSample } from '../../src/run/events.ts';
import { cohort, content, plan, population } from './helpers/stand-ins.ts';

function sample(endpoint: RequestSample['endpoint'], intendedAt: number, startedAt: number, endedAt: number, ok = true): RequestSample {
  return ok
    ? { endpoint, cohort: 'c', ok, startedAt, intendedAt, endedAt }
    : { endpoint, cohort: 'c', ok, errorKind: 'http_5xx', status: 503, startedAt, intendedAt, endedAt };
}

describe('LatencyRecorder', () => {
  it('records service time from the actual start and corrected time from the intended start', () => {
    const r = new LatencyRecorder();
    r.onRequest(sample('post', 0, 100, 110)); // started 100 ms late, served in 10 ms
    const s = r.summarize(1).post;
    expect(s.latencyMs!.max).toBeCloseTo(10, 1);
    expect(s.correctedLatencyMs!.max).toBeCloseTo(110, 0);
  });

  it('keeps setup and harness-aborted requests out of the target figures', () => {
    const r = new LatencyRecorder();
    r.onRequest(sample('signup', -5000, -5000, -4990));
    r.onRequest({ endpoint: 'post', cohort: 'c', ok: false, errorKind: 'aborted', startedAt: 1, intendedAt: 1, endedAt: 2 });
    r.onRequest(sample('post', 1, 1, 3, false));
    expect(r.setupRequests).toBe(1);
    expect(r.aborted).toBe(1);
    expect(r.requests).toBe(1);
    expect(r.errors).toBe(1);
    expect(r.summarize(1).post.errorsByStatus).toEqual({ 503: 1 });
  });

  it('merges encoded recorders exactly (workers, shards)', () => {
    const whole = new LatencyRecorder();
    const parts = [new LatencyRecorder(), new LatencyRecorder(), new LatencyRecorder()];
    const rnd = new Rng(3);
    for (let i = 0; i < 5000; i++) {
      const start = i;
      const s = sample(i % 2 ? 'feed_discover' : 'post', start - rnd.exponential(20), start, start + rnd.exponential(50) + rnd.pareto(1.5), i % 97 !== 0);
      whole.onRequest(s);
      parts[i % 3].onRequest(s);
    }
    const merged = new LatencyRecorder();
    for (const p of parts) merged.mergeEncoded(JSON.parse(JSON.stringify(p.encode())));
    expect(merged.summarize(10)).toEqual(whole.summarize(10));
  });

  it('clamps values beyond an hour and counts them', () => {
    const h = new LatencyHistogram();
    h.recordMs(5_000_000);
    expect(h.clamped).toBe(1);
    expect(h.maxMs()).toBeGreaterThanOrEqual(3_599_000);
  });
});

describe('ScheduleRecorder', () => {
  it('summarises intended/achieved/dropped and lag, and merges exactly', () => {
    const a = new ScheduleRecorder();
    const b = new ScheduleRecorder();
    for (let i = 0; i < 100; i++) {
      const target = i % 2 ? a : b;
      if (i % 10 === 0) target.onArrival({ cohort: 'x', intendedAt: i, outcome: 'dropped' });
      else target.onArrival({ cohort: 'x', intendedAt: i, outcome: 'started', startedAt: i + (i % 7) });
    }
    const m = new ScheduleRecorder();
    m.mergeEncoded(a.encode());
    m.mergeEncoded(b.encode());
    const s = m.summarize({ x: 100 });
    expect(s.intendedArrivals).toBe(100);
    expect(s.achievedArrivals).toBe(90);
    expect(s.dropped).toBe(10);
    expect(s.droppedRate).toBeCloseTo(0.1);
    expect(s.lagMs.max).toBeCloseTo(6, 1);
  });
});

/** A target that answers at once; `stallAt` blocks the event loop once, as a GC pause or a busy harness would. */
function instantTarget(): Target {
  const ok = <T>(value: T): Promise<OpResult<T>> => Promise.resolve({ ok: true, status: 200, value });
  let n = 0;
  return {
    name: 'instant',
    capabilities: { supports: CAPABILITIES },
    signup: (_c, a) => ok({ userId: `u${++n}`, token: 't', handle: a.handle }),
    login: (_c, h) => ok({ userId: `u${++n}`, token: 't', handle: h }),
    getUser: () => ok({ id: 'u', handle: 'h', displayName: 'd', languages: [], followers: 0, following: 0 }),
    listFollowing: () => ok({ items: [], nextCursor: null }),
    follow: () => ok(undefined),
    unfollow: () => ok(undefined),
    post: () => ok({ id: `p${++n}`, createdAt: new Date().toISOString(), lang: 'en' }),
    getPost: () => ok({ state: 'missing' as const }),
    comment: () => ok({ id: `c${++n}`, createdAt: '' }),
    listComments: () => ok({ items: [], nextCursor: null }),
    like: () => ok(undefined),
    feed: () => ok({ items: [], nextCursor: null }),
    report: () => ok(undefined),
    close: async () => {},
  };
}

describe('coordinated omission', () => {
  it('charges a stall to the requests that should have started during it, not only to service time', async () => {
    const p = plan([cohort({ name: 'c', people: 1000, rate: () => 100, peakRate: 100, behaviour: { actionsPerSession: 1, thinkTimeMs: 1, introPosts: 0, weights: { readFollowing: 1, readDiscover: 0, like: 0, comment: 0, post: 0, translate: 0, report: 0, follow: 0 } }, follow: { count: 0, popularShare: 0, sameLanguageShare: 1 } })], {
      wallDurationSec: 1,
    });
    setTimeout(() => {
      const until = performance.now() + 300;
      while (performance.now() < until); // the harness is frozen for 300 ms
    }, 300);
    const out = await runPlan({ plan: p, target: instantTarget(), population: population(p), content });
    const signup = out.summary.endpoints.signup;
    expect(signup.latencyMs!.p99).toBeLessThan(50); // the target itself was fast
    expect(signup.correctedLatencyMs!.max).toBeGreaterThan(200); // but people arriving during the stall waited
    expect(out.summary.schedule.lagMs.max).toBeGreaterThan(200);
    expect(out.summary.totals.sessionsDropped).toBe(0); // under the cap: late, not dropped
  });
});
