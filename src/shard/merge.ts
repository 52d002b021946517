// Merge the run folders of a sharded run (or of any runs of one scenario played at the same time) into one.
//
// Exact:        totals (summed), endpoint counts/errors and latency percentiles (HDR histograms from
//               histograms.json, merged bucket by bucket), schedule counts and lag percentiles, audit counts,
//               per-second timeline counts (intended/achieved/dropped per cohort, requests, errors, active sessions).
// Bounds:       quantiles that only exist as shard percentiles (feed freshness, moderation lag, per-second latency
//               in the timeline): the pooled quantile lies between the shards' smallest and largest value, so the
//               merge reports the largest (an upper bound) and says so.
// Weighted:     recall@k mean (weighted by recall reads: exact).
// Approximate:  shares without a denominator in summary.json (language match, foreign share, translation
//               coverage, degraded share): mean over the shards that measured them, marked approximate.
// Thresholds are evaluated again on the merged summary by the report module.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LatencyRecorder, type EncodedEndpointLatency } from '../observe/latency.ts';
import { ScheduleRecorder, type EncodedSchedule } from '../observe/recorder.ts';
import { readRunFolder } from '../report/read.ts';
import { finalizeSummary, type SummaryParts } from '../report/write.ts';
import type { FeedQualitySummary, Summary, Timeline, TimelineBucket } from '../run/summary.ts';
import { checkCoverage, type Segment } from './segment.ts';

export const HISTOGRAMS_FILE = 'histograms.json';

export interface RunHistograms {
  version: number;
  shard?: Segment | null;
  latency: { endpoints: Record<string, EncodedEndpointLatency>; setupRequests: number; aborted: number };
  schedule: EncodedSchedule;
}

export interface LoadedRun {
  dir: string;
  summary: Summary;
  timeline: Timeline;
  histograms: RunHistograms;
}

export class MergeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MergeError';
  }
}

export async function loadRun(dir: string): Promise<LoadedRun> {
  const { summary, timeline } = await readRunFolder(dir);
  const path = join(dir, HISTOGRAMS_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new MergeError(`${path}: not found; merging needs the encoded histograms a run writes beside summary.json (re-run with this version of flashcrowd)`);
  }
  let histograms: RunHistograms;
  try {
    histograms = JSON.parse(text) as RunHistograms;
  } catch (err) {
    throw new MergeError(`${path}: not valid JSON (${(err as Error).message})`);
  }
  if (!histograms?.latency?.endpoints || !histograms?.schedule?.byCohort) throw new MergeError(`${path}: missing "latency" or "schedule"; is this a flashcrowd histograms.json?`);
  return { dir, summary, timeline: timeline!, histograms };
}

export interface MergeResult {
  summary: Summary;
  timeline: Timeline;
  histograms: RunHistograms;
  warnings: string[];
}

export function mergeRuns(runs: LoadedRun[], extraThresholds: readonly string[] = []): MergeResult {
  if (runs.length === 0) throw new MergeError('nothing to merge: name at least one run folder');
  const warnings: string[] = [];
  const first = runs[0].summary;
  for (const r of runs.slice(1)) {
    if (r.summary.scenario !== first.scenario) throw new MergeError(`${r.dir}: scenario "${r.summary.scenario}" differs from "${first.scenario}" (${runs[0].dir})`);
    if (r.summary.seed !== first.seed) throw new MergeError(`${r.dir}: seed ${r.summary.seed} differs from ${first.seed}; segments of one run share the seed`);
  }
  const segments = runs.map((r) => shardOf(r)).filter((s): s is Segment => s !== undefined);
  let coverage: ReturnType<typeof checkCoverage> | undefined;
  if (segments.length === runs.length) {
    coverage = checkCoverage(segments);
    if (coverage.mixedCounts) throw new MergeError(`the runs are segments of different splits (${segments.map((s) => `${s.index}/${s.count}`).join(', ')})`);
    if (coverage.duplicates.length) throw new MergeError(`segment(s) ${coverage.duplicates.join(', ')} of ${coverage.count} given twice: merging would count them double`);
    if (coverage.missing.length) warnings.push(`incomplete: segment(s) ${coverage.missing.join(', ')} of ${coverage.count} missing; the merge covers ${segments.length}/${coverage.count} of the run`);
  } else if (segments.length) {
    warnings.push('some runs are segments and some are not: merged as concurrent runs');
  }

  // Exact parts from the histograms.
  const latency = new LatencyRecorder();
  const schedule = new ScheduleRecorder();
  for (const r of runs) {
    latency.mergeEncoded(r.histograms.latency);
    schedule.mergeEncoded(r.histograms.schedule);
  }
  const wallSeconds = Math.max(...runs.map((r) => r.summary.wallSeconds));
  const expected: Record<string, number> = {};
  for (const r of runs) {
    const byCohort = (r.summary.schedule as { byCohort?: Record<string, { expected?: number }> }).byCohort ?? {};
    for (const [name, c] of Object.entries(byCohort)) if (typeof c.expected === 'number') expected[name] = (expected[name] ?? 0) + c.expected;
  }
  const totals: Summary['totals'] = { requests: 0, errors: 0, sessionsStarted: 0, sessionsDropped: 0, signups: 0, posts: 0 };
  for (const r of runs) for (const [k, v] of Object.entries(r.summary.totals)) if (typeof v === 'number') totals[k] = (totals[k] ?? 0) + v;
  const audit: Summary['audit'] = { checkedWrites: 0, lostWrites: 0 };
  for (const r of runs) {
    audit.checkedWrites += r.summary.audit.checkedWrites ?? 0;
    audit.lostWrites += r.summary.audit.lostWrites ?? 0;
  }
  // What the target does not serve (contract v2): the same rows in every segment, their counts summed.
  const skipped = sumRows(runs.map((r) => r.summary.skipped), 'operation', 'actions');
  const notCheckable = sumRows(runs.map((r) => r.summary.audit.notCheckable), 'kind', 'writes');
  if (notCheckable.length) audit.notCheckable = notCheckable;
  const targets = [...new Set(runs.map((r) => r.summary.target))];
  const startedAt = runs.map((r) => r.summary.startedAt).filter(Boolean).sort()[0] ?? '';
  const feed = mergeFeedQuality(runs.map((r) => r.summary.feedQuality));
  const parts: SummaryParts = {
    scenario: first.scenario,
    seed: first.seed,
    startedAt,
    wallSeconds,
    target: targets.join(', '),
    totals,
    endpoints: latency.summarize(wallSeconds),
    schedule: schedule.summarize(Object.keys(expected).length ? expected : undefined),
    errorsByKind: latency.errorsByKind(),
    ...(skipped.length ? { skipped } : {}),
    feedQuality: feed.summary,
    audit,
    merge: {
      runs: runs.map((r) => ({ dir: r.dir, shard: shardOf(r) ?? null, startedAt: r.summary.startedAt, wallSeconds: r.summary.wallSeconds })),
      complete: coverage ? coverage.missing.length === 0 : undefined,
      exact: ['totals', 'endpoints', 'schedule', 'audit', 'timeline counts'],
      feedQuality: feed.notes,
      warnings,
    },
  };
  const thresholdExprs = [...new Set([...first.thresholds.map((t) => t.expr), ...extraThresholds])];
  const summary = finalizeSummary(parts, thresholdExprs);
  const timeline = mergeTimelines(runs.map((r) => r.timeline));
  const histograms: RunHistograms = { version: 1, shard: null, ...encodeBoth(latency, schedule) };
  return { summary, timeline, histograms, warnings };
}

/** Rows keyed by `key` across segments (summary.skipped, audit.notCheckable), with `count` summed. */
function sumRows(lists: unknown[], key: string, count: string): Record<string, unknown>[] {
  const out = new Map<string, Record<string, unknown>>();
  for (const list of lists) {
    if (!Array.isArray(list)) continue;
    for (const row of list as Record<string, unknown>[]) {
      const k = String(row[key]);
      const seen = out.get(k);
      if (seen) seen[count] = Number(seen[count] ?? 0) + Number(row[count] ?? 0);
      else out.set(k, { ...row });
    }
  }
  return [...out.values()];
}

function encodeBoth(latency: LatencyRecorder, schedule: ScheduleRecorder): Pick<RunHistograms, 'latency' | 'schedule'> {
  return { latency: latency.encode(), schedule: schedule.encode() };
}

function shardOf(r: LoadedRun): Segment | undefined {
  const s = (r.histograms.shard ?? (r.summary as { shard?: Segment }).shard) as Segment | null | undefined;
  return s && Number.isInteger(s.index) && Number.isInteger(s.count) ? { index: s.index, count: s.count } : undefined;
}

type Notes = { exact: string[]; bounds: string[]; weighted: string[]; approximate: string[] };

/** Feed quality across shards: each shard's probes only saw that shard's writes (see the file comment). */
export function mergeFeedQuality(parts: FeedQualitySummary[]): { summary: FeedQualitySummary; notes: Notes } {
  const notes: Notes = { exact: [], bounds: [], weighted: [], approximate: [] };
  const present = <T>(pick: (f: FeedQualitySummary) => T | null | undefined): T[] => parts.map(pick).filter((v): v is T => v !== null && v !== undefined);
  const maxOf = (values: number[]) => (values.length ? Math.max(...values) : 0);
  const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;

  const fresh = present((f) => f.freshnessSec);
  const freshnessSec = fresh.length ? { p50: maxOf(fresh.map((f) => f.p50)), p95: maxOf(fresh.map((f) => f.p95)), p99: maxOf(fresh.map((f) => f.p99)) } : null;
  if (freshnessSec) notes.bounds.push('freshnessSec: upper bound (largest shard value)');

  const lag = present((f) => f.moderationLagSec);
  const moderationLagSec = lag.length ? { p50: maxOf(lag.map((l) => l.p50)), p95: maxOf(lag.map((l) => l.p95)) } : null;
  if (moderationLagSec) notes.bounds.push('moderationLagSec: upper bound (largest shard value)');

  let recallAtK: FeedQualitySummary['recallAtK'] = null;
  const recalls = parts.filter((f) => f.recallAtK);
  if (recalls.length) {
    const reads = recalls.map((f) => Number((f.recall as { reads?: number } | undefined)?.reads ?? 0));
    const weight = reads.reduce((a, b) => a + b, 0);
    const meanRecall = weight > 0 ? recalls.reduce((a, f, i) => a + f.recallAtK!.mean * reads[i], 0) / weight : mean(recalls.map((f) => f.recallAtK!.mean));
    // p5 of the pooled reads lies between the shards' p5s: the smallest is the conservative (lower) bound.
    recallAtK = { k: recalls[0].recallAtK!.k, mean: meanRecall, p5: Math.min(...recalls.map((f) => f.recallAtK!.p5)) };
    (weight > 0 ? notes.weighted : notes.approximate).push('recallAtK.mean');
    notes.bounds.push('recallAtK.p5: lower bound (smallest shard value)');
  }

  const byLang = (pick: (f: FeedQualitySummary) => Record<string, number>) => {
    const out: Record<string, number> = {};
    const langs = new Set(parts.flatMap((f) => Object.keys(pick(f) ?? {})));
    for (const l of langs) out[l] = mean(parts.map((f) => pick(f)?.[l]).filter((v): v is number => typeof v === 'number'));
    return out;
  };
  const languageMatch = byLang((f) => f.languageMatch);
  const foreignShare = byLang((f) => f.foreignShare);
  if (Object.keys(languageMatch).length) notes.approximate.push('languageMatch');
  if (Object.keys(foreignShare).length) notes.approximate.push('foreignShare');
  const meanOrNull = (name: string, pick: (f: FeedQualitySummary) => number | null) => {
    const v = present(pick);
    if (!v.length) return null;
    notes.approximate.push(name);
    return mean(v);
  };
  const translationCoverage = meanOrNull('translationCoverage', (f) => f.translationCoverage);
  const degradedShare = meanOrNull('degradedShare', (f) => f.degradedShare);
  const samples = parts.reduce((n, f) => n + Number((f.freshness as { samples?: number } | undefined)?.samples ?? 0), 0);
  if (samples) notes.exact.push('freshness.samples');
  return {
    summary: {
      freshnessSec,
      recallAtK,
      languageMatch,
      foreignShare,
      translationCoverage,
      moderationLagSec,
      degradedShare,
      freshness: { samples },
      recall: { reads: recalls.reduce((n, f) => n + Number((f.recall as { reads?: number } | undefined)?.reads ?? 0), 0) },
      mergedFromShards: parts.length,
    },
    notes,
  };
}

/** Per-second buckets summed by t (each run's t counts from its own start; segments start together). */
export function mergeTimelines(timelines: Timeline[]): Timeline {
  const byT = new Map<number, TimelineBucket>();
  const addCounts = (into: Record<string, number>, from: Record<string, number> | undefined) => {
    for (const [k, v] of Object.entries(from ?? {})) into[k] = (into[k] ?? 0) + v;
  };
  const maxPairs = (into: Record<string, { p50: number; p99: number }>, from: Record<string, { p50: number; p99: number }> | undefined) => {
    for (const [k, v] of Object.entries(from ?? {})) {
      const cur = into[k];
      into[k] = cur ? { p50: Math.max(cur.p50, v.p50), p99: Math.max(cur.p99, v.p99) } : { ...v };
    }
  };
  for (const tl of timelines) {
    for (const b of tl.buckets) {
      let m = byT.get(b.t);
      if (!m) {
        m = { t: b.t, intended: {}, achieved: {}, dropped: {}, activeSessions: 0, requests: 0, errors: {}, latencyMs: {}, correctedLatencyMs: {}, lagMsP99: 0 };
        byT.set(b.t, m);
      }
      addCounts(m.intended, b.intended);
      addCounts(m.achieved, b.achieved);
      addCounts(m.dropped, b.dropped);
      addCounts(m.errors, b.errors);
      m.activeSessions += b.activeSessions ?? 0;
      m.requests += b.requests ?? 0;
      maxPairs(m.latencyMs, b.latencyMs);
      maxPairs(m.correctedLatencyMs, b.correctedLatencyMs);
      m.lagMsP99 = Math.max(m.lagMsP99, b.lagMsP99 ?? 0);
    }
  }
  const first = timelines[0];
  const startedAt = timelines.map((t) => t.startedAt).filter(Boolean).sort()[0] ?? first?.startedAt ?? '';
  return {
    scenario: first?.scenario ?? '',
    startedAt,
    buckets: [...byT.values()].sort((a, b) => a.t - b.t),
    events: first?.events ?? [],
    ...(first?.plan ? { plan: first.plan } : {}),
  };
}
