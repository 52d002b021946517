// Sharded runs: segment maths, and the end-to-end promise — two segments of a seeded run, merged, reproduce the
// whole run's arrivals and requests exactly. Deterministic by construction: the target answers instantly and
// identically whoever asks (fixtures/instant-target.ts), sessions depend only on their arrival's random stream
// (fixtures/sharded.ts), every arrival is a signup of a person of its own segment, and no arrival comes in the
// last 30 % of the run, so no session is cut by the end.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import net from 'node:net';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadScenario } from '../../src/scenario/index.ts';
import { ArrivalStream } from '../../src/engine/arrivals.ts';
import { Rng } from '../../src/random/index.ts';
import type { RunPlugin } from '../../src/run/plugin.ts';
import { executeRun } from '../../src/cli/pipeline.ts';
import { main } from '../../src/cli/index.ts';
import { checkCoverage, composeShard, ownsArrival, parseSegment, segmentShare, SegmentError } from '../../src/shard/segment.ts';
import { mergeFeedQuality } from '../../src/shard/merge.ts';
import type { Summary, Timeline } from '../../src/run/summary.ts';
import { signupsByTarget } from './fixtures/instant-target.ts';

const SCENARIO = resolve(import.meta.dirname, 'fixtures/sharded.ts');
const ADAPTER = resolve(import.meta.dirname, 'fixtures/instant-target.ts');

describe('segment maths', () => {
  it('parses i/N (0-based) and rejects what is not a segment', () => {
    expect(parseSegment('0/4')).toEqual({ index: 0, count: 4 });
    expect(parseSegment(' 3 / 4 ')).toEqual({ index: 3, count: 4 });
    for (const bad of ['4/4', '1', '-1/2', 'a/b', '1/0', '0/0']) expect(() => parseSegment(bad)).toThrow(SegmentError);
  });

  it('splits arrivals and people into disjoint, complete, balanced slices; workers compose', () => {
    const n = 3;
    const owners = Array.from({ length: 100 }, (_, k) => [0, 1, 2].filter((i) => ownsArrival({ index: i, count: n }, k)));
    expect(owners.every((o) => o.length === 1)).toBe(true);
    expect([0, 1, 2].map((i) => segmentShare({ index: i, count: n }, 100))).toEqual([34, 33, 33]);
    // Segment 1/3 in 2 workers: composite shards 1/6 and 4/6 own exactly segment 1's arrivals.
    const seg = { index: 1, count: 3 };
    for (let k = 0; k < 60; k++) {
      const inWorker = [0, 1].filter((w) => ownsArrival(composeShard(seg, w, 2), k)).length;
      expect(inWorker).toBe(ownsArrival(seg, k) ? 1 : 0);
    }
    expect(checkCoverage([{ index: 0, count: 3 }, { index: 2, count: 3 }, { index: 2, count: 3 }])).toEqual({ count: 3, missing: [1], duplicates: [2], mixedCounts: false });
  });

  it('every segment replays the same arrival stream and keeps its own slice of it', async () => {
    const { plan } = await loadScenario(SCENARIO);
    const c = plan.cohorts[0];
    const times = (shard?: { index: number; count: number }) => {
      const s = new ArrivalStream(c.rate, c.peakRate, plan.wallDurationSec, Rng.derive(plan.seed, `arrivals/${c.name}`, 0), shard);
      const out: number[] = [];
      for (let t = s.nextMs(); t !== Infinity; t = s.nextMs()) out.push(t);
      return out;
    };
    const whole = times();
    const parts = [0, 1, 2].map((index) => times({ index, count: 3 }));
    expect(parts.flat().sort((a, b) => a - b)).toEqual(whole);
    parts.forEach((p, i) => expect(p).toEqual(whole.filter((_, k) => k % 3 === i)));
  });
});

describe('feed quality across shards', () => {
  it('weights recall by reads and reports quantile bounds, marking the approximations', () => {
    const base = { languageMatch: { zh: 0.8 }, foreignShare: { zh: 0.2 }, translationCoverage: 0.5, degradedShare: 0.1 };
    const { summary, notes } = mergeFeedQuality([
      { ...base, freshnessSec: { p50: 1, p95: 2, p99: 3 }, recallAtK: { k: 20, mean: 1, p5: 0.9 }, moderationLagSec: null, recall: { reads: 30 } },
      { ...base, freshnessSec: { p50: 2, p95: 4, p99: 5 }, recallAtK: { k: 20, mean: 0.5, p5: 0.2 }, moderationLagSec: null, recall: { reads: 10 }, languageMatch: { zh: 0.6 } },
    ]);
    expect(summary.recallAtK).toEqual({ k: 20, mean: (30 * 1 + 10 * 0.5) / 40, p5: 0.2 });
    expect(summary.freshnessSec).toEqual({ p50: 2, p95: 4, p99: 5 });
    expect(summary.languageMatch.zh).toBeCloseTo(0.7);
    expect(notes.weighted).toContain('recallAtK.mean');
    expect(notes.approximate).toEqual(expect.arrayContaining(['languageMatch', 'foreignShare', 'translationCoverage', 'degradedShare']));
    expect(notes.bounds.join(' ')).toMatch(/freshnessSec: upper bound/);
  });
});

/** Counts every request by (cohort, endpoint): sessions' traffic apart from the harness's own (cohort 'probe'). */
function requestCounter(): RunPlugin & { counts: Record<string, number> } {
  const counts: Record<string, number> = {};
  return {
    name: 'request-counter',
    counts,
    observer: {
      onRequest(s) {
        if (s.startedAt < 0) return;
        const key = `${s.cohort} ${s.endpoint}`;
        counts[key] = (counts[key] ?? 0) + 1;
      },
    },
  };
}

describe('a seeded run in two segments, merged', () => {
  let tmp: string;
  let server: net.Server;
  let url: string;
  const counters = { whole: requestCounter(), seg0: requestCounter(), seg1: requestCounter() };
  let whole: Summary;
  let merged: Summary;
  let mergedTimeline: Timeline;
  let mergeExit: number;

  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'fc-shard-'));
    // The pipeline checks that a target URL answers TCP before a run; the adapter itself never uses the network.
    server = net.createServer((s) => s.destroy());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
    const common = { scenario: SCENARIO, target: url, adapter: ADAPTER, quiet: true, handleSignals: false } as const;
    // One run at a time, as segments run on machines of their own: three runs sharing this event loop let one run's
    // start-up or finishing work (population, audit, report) stall another's last sessions past its end.
    const w = await executeRun({ ...common, out: join(tmp, 'whole'), plugins: [counters.whole] });
    await executeRun({ ...common, out: join(tmp, 'seg0'), shard: { index: 0, count: 2 }, plugins: [counters.seg0] });
    await executeRun({ ...common, out: join(tmp, 'seg1'), shard: { index: 1, count: 2 }, plugins: [counters.seg1] });
    whole = w.summary;
    mergeExit = await main(['merge', join(tmp, 'seg0'), join(tmp, 'seg1'), '--out', join(tmp, 'merged'), '--quiet']);
    merged = JSON.parse(await readFile(join(tmp, 'merged/summary.json'), 'utf8'));
    mergedTimeline = JSON.parse(await readFile(join(tmp, 'merged/timeline.json'), 'utf8'));
  }, 60_000);

  afterAll(async () => {
    server?.close();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('meets the preconditions that make the comparison exact', async () => {
    const { plan } = await loadScenario(SCENARIO);
    expect(whole.schedule.intendedArrivals).toBeLessThanOrEqual(plan.cohorts[0].people); // every arrival signs up someone new
    expect(whole.totals.sessionsDropped).toBe(0);
    expect(whole.totals.errors).toBe(0);
    expect(whole.schedule.intendedArrivals).toBeGreaterThan(20);
  });

  it('reproduces the arrivals exactly', () => {
    expect(mergeExit).toBe(0);
    expect(merged.schedule.intendedArrivals).toBe(whole.schedule.intendedArrivals);
    expect(merged.schedule.achievedArrivals).toBe(whole.schedule.achievedArrivals);
    expect(merged.totals.sessionsStarted).toBe(whole.totals.sessionsStarted);
    expect(merged.schedule.byCohort).toEqual(whole.schedule.byCohort);
    const perSecond = (tl: Timeline) => tl.buckets.map((b) => b.intended.newcomers ?? 0);
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    expect(sum(perSecond(mergedTimeline))).toBe(whole.schedule.intendedArrivals);
  });

  it('reproduces the sessions\' requests exactly, endpoint by endpoint', () => {
    const sessionTraffic = (c: Record<string, number>) => Object.fromEntries(Object.entries(c).filter(([k]) => k.startsWith('newcomers ')));
    const summed: Record<string, number> = {};
    for (const c of [counters.seg0.counts, counters.seg1.counts]) for (const [k, v] of Object.entries(sessionTraffic(c))) summed[k] = (summed[k] ?? 0) + v;
    expect(summed).toEqual(sessionTraffic(counters.whole.counts));
    expect(Object.keys(summed).sort()).toEqual(['newcomers feed_discover', 'newcomers feed_following', 'newcomers post', 'newcomers signup']);
    // summary.json of the merge, from the segments' histograms.json: every endpoint's count equals the whole run's.
    // (Each run folder's audit also signs up one auditor account, cohort 'probe', after the figures are taken;
    // it is in neither summary.json nor histograms.json.)
    expect(Object.keys(merged.endpoints).sort()).toEqual(Object.keys(whole.endpoints).sort());
    for (const [endpoint, e] of Object.entries(whole.endpoints)) expect(merged.endpoints[endpoint].count, endpoint).toBe(e.count);
    expect(merged.totals.requests).toBe(whole.totals.requests);
    expect(merged.totals.signups).toBe(whole.totals.signups);
    expect(merged.totals.posts).toBe(whole.totals.posts);
  });

  it('signs up disjoint people in the segments, the same people as the whole run', () => {
    // Three targets were created, one per run, in start order; identify them by their signup counts.
    const sets = signupsByTarget.map((h) => new Set(h.filter((x) => !x.startsWith('fca_'))));
    const wholeSet = sets.reduce((a, b) => (b.size > a.size ? b : a));
    const parts = sets.filter((s) => s !== wholeSet);
    expect(parts).toHaveLength(2);
    const [a, b] = parts;
    expect([...a].filter((h) => b.has(h))).toEqual([]);
    expect(new Set([...a, ...b])).toEqual(wholeSet);
  });

  it('merges latency histograms exactly and re-evaluates thresholds', async () => {
    const seg = await Promise.all(['seg0', 'seg1'].map(async (d) => JSON.parse(await readFile(join(tmp, d, 'summary.json'), 'utf8')) as Summary));
    for (const endpoint of Object.keys(merged.endpoints)) {
      const counts = seg.map((s) => s.endpoints[endpoint]?.count ?? 0);
      expect(merged.endpoints[endpoint].count).toBe(counts[0] + counts[1]);
      const maxes = seg.map((s) => s.endpoints[endpoint]?.latencyMs?.max ?? 0);
      expect(merged.endpoints[endpoint].latencyMs!.max).toBe(Math.max(...maxes));
    }
    expect(merged.thresholds.map((t) => t.expr)).toEqual(['errors.rate < 0.01', 'p99(post) < 1000ms']);
    expect(merged.thresholds.every((t) => t.pass)).toBe(true);
    expect((merged.merge as { complete: boolean }).complete).toBe(true);
    for (const f of ['junit.xml', 'summary.md', 'report.html', 'histograms.json']) await expect(readFile(join(tmp, 'merged', f), 'utf8')).resolves.toBeTruthy();
  });

  it('flashcrowd run --segment 1/2 (0-based) plays the same slice as shard index 1', async () => {
    const code = await main(['run', SCENARIO, '--target', url, '--adapter', ADAPTER, '--segment', '1/2', '--out', join(tmp, 'cli-seg1'), '--quiet']);
    expect(code).toBe(0);
    const viaCli = JSON.parse(await readFile(join(tmp, 'cli-seg1/summary.json'), 'utf8')) as Summary;
    const viaApi = JSON.parse(await readFile(join(tmp, 'seg1/summary.json'), 'utf8')) as Summary;
    expect(viaCli.schedule.byCohort).toEqual(viaApi.schedule.byCohort);
    expect(viaCli.totals.requests).toBe(viaApi.totals.requests);
    expect(await main(['run', SCENARIO, '--segment', '2/2', '--quiet'])).toBe(2);
  }, 30_000);

  it('refuses a segment given twice and a folder without histograms (exit 2)', async () => {
    expect(await main(['merge', join(tmp, 'seg0'), join(tmp, 'seg0'), '--out', join(tmp, 'dup'), '--quiet'])).toBe(2);
    expect(await main(['merge', tmp, '--out', join(tmp, 'none'), '--quiet'])).toBe(2);
  });
});
