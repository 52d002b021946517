// The lost-write audit (DESIGN.md §6): after the run, check that what the target acknowledged is still there.
// posts: GET the post (410 = removed by moderation, not lost; 404 = lost). follows: the follower's following list
// must contain the followee. comments: the post's comment list must contain the comment (a post removed by
// moderation takes its comments with it: not lost).
// A target that does not declare list_following (or list_comments) cannot have its follows (comments) checked: they
// are reported as unchecked with the reason (`notCheckable`), never sampled and never counted as lost.
// Every write is checked when the run acknowledged at most `fullAuditUpTo` writes and the ledger kept them all;
// beyond that a seeded, stratified uniform sample of `sampleSize` writes is checked and the total is estimated.
import type { CallContext, Capability, OpResult, Page, Target } from '../target/target.ts';
import { supports, unsupportedReason } from '../target/capabilities.ts';
import type { Ledger } from './ledger.ts';
import { seededRandom } from '../random/index.ts';

export interface AuditOptions {
  fullAuditUpTo?: number;
  sampleSize?: number;
  concurrency?: number;
  seed?: number;
  /** Lost writes listed by id in the summary (the count is always complete). */
  maxExamples?: number;
  /** Pages of a follower's following list (or a post's comments) read before giving up on finding an entry. */
  maxPages?: number;
  pageSize?: number;
  log?: (line: string) => void;
  progressEveryMs?: number;
  /**
   * Wall-time budget of the whole audit. A target still digesting a surge can answer slowly for minutes; what is
   * not checked by then is reported as `unchecked` (neither checked nor lost) instead of holding the run open.
   */
  budgetMs?: number;
}

export const AUDIT_DEFAULTS = {
  fullAuditUpTo: 100_000,
  sampleSize: 20_000,
  concurrency: 8,
  seed: 1,
  maxExamples: 20,
  maxPages: 200,
  pageSize: 100,
  progressEveryMs: 2000,
  budgetMs: 120_000,
};

export type WriteKind = 'post' | 'follow' | 'comment';

export interface LostWrite {
  kind: WriteKind;
  /** Post id, comment id, or `follower->followee`. */
  id: string;
  /** When the target acknowledged it (run ms). */
  ackAt: number;
  detail: string;
}

type PerKind = Record<WriteKind, number>;

export interface AuditResult {
  checkedWrites: number;
  lostWrites: number;
  sampled: boolean;
  seed: number;
  acknowledged: PerKind;
  checked: PerKind;
  lost: PerKind;
  /** Posts (and comments on them) the target removed by moderation: checked, not lost. */
  removedByModeration: number;
  /** Writes that could not be checked (the target kept failing); neither checked nor lost. */
  unchecked: number;
  /** lostWrites scaled up by each stratum's sampling share (equals lostWrites when nothing was sampled). */
  estimatedLostWrites: number;
  lostExamples: LostWrite[];
  durationMs: number;
  /** Kinds of writes the target gives no way to check (capabilities), with how many and why; counted in `unchecked`. */
  notCheckable?: { kind: WriteKind; writes: number; reason: string }[];
}

/** The listing each kind of write is checked with (posts are checked with getPost, which every target serves). */
const CHECKED_WITH: Partial<Record<WriteKind, Capability>> = { follow: 'list_following', comment: 'list_comments' };

interface Stratum<T> {
  kind: WriteKind;
  items: readonly T[];
  total: number;
}

/** Chooses what to check: everything when small and complete, else a proportional seeded sample per stratum. */
export function chooseSample<T>(strata: Stratum<T>[], fullAuditUpTo: number, sampleSize: number, seed: number): { picks: T[][]; sampled: boolean } {
  const total = strata.reduce((n, s) => n + s.total, 0);
  const complete = strata.every((s) => s.items.length === s.total);
  if (total <= fullAuditUpTo && complete) return { picks: strata.map((s) => s.items.slice()), sampled: false };
  const random = seededRandom(seed ^ 0xa0d1);
  const picks = strata.map((s) => {
    if (s.total === 0 || s.items.length === 0) return [];
    const take = Math.min(s.items.length, Math.max(1, Math.round((sampleSize * s.total) / total)));
    const copy = s.items.slice();
    for (let i = 0; i < take; i++) {
      const j = i + Math.floor(random() * (copy.length - i));
      [copy[i], copy[j]] = [copy[j], copy[i]];
    }
    return copy.slice(0, take);
  });
  return { picks, sampled: true };
}

export async function auditWrites(target: Target, ledger: Ledger, token: string | undefined, options: AuditOptions = {}): Promise<AuditResult> {
  const o = { ...AUDIT_DEFAULTS, ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) } as typeof AUDIT_DEFAULTS & AuditOptions;
  const started = Date.now();
  const call: CallContext = { token };
  const posts = ledger.postStrata();
  const follows = ledger.followSample();
  const comments = ledger.commentSample();
  const { followStratum, commentStratum, notCheckable } = splitCheckable(target, follows, comments);
  const { picks, sampled } = chooseSample<unknown>(
    [
      { kind: 'post', items: posts.pinned.slots, total: posts.pinned.total },
      { kind: 'post', items: posts.sampled.slots, total: posts.sampled.total },
      { kind: 'follow', items: followStratum.items, total: followStratum.total },
      { kind: 'comment', items: commentStratum.items, total: commentStratum.total },
    ],
    o.fullAuditUpTo,
    o.sampleSize,
    o.seed,
  );
  const [pinnedPicks, sampledPicks, followPicks, commentPicks] = picks as [number[], number[], [string, string, number][], [string, string, number][]];

  const acknowledged = { post: posts.pinned.total + posts.sampled.total, follow: follows.total, comment: comments.total };
  const result = emptyResult(sampled, o.seed, acknowledged, notCheckable);
  const toCheck = pinnedPicks.length + sampledPicks.length + followPicks.length + commentPicks.length;
  const lostIn = { pinned: 0, sampled: 0 };
  const checkedIn = { pinned: 0, sampled: 0 };

  const ok = (kind: WriteKind) => {
    result.checked[kind]++;
    result.checkedWrites++;
  };
  const lost = (kind: WriteKind, id: string, ackAt: number, detail: string) => {
    ok(kind);
    result.lost[kind]++;
    result.lostWrites++;
    if (result.lostExamples.length < o.maxExamples) result.lostExamples.push({ kind, id, ackAt, detail });
  };

  /** `writes` is how many acknowledged writes a task checks, so skipped tasks count as unchecked. */
  const tasks: { writes: number; run: () => Promise<void> }[] = [];
  for (const [slots, stratum] of [
    [pinnedPicks, 'pinned'],
    [sampledPicks, 'sampled'],
  ] as const) {
    for (const slot of slots) {
      tasks.push({ writes: 1, run: async () => {
        const postId = ledger.postId(slot);
        const res = await withRetry(() => target.getPost(call, postId));
        if (!res.ok) {
          result.unchecked++;
          return;
        }
        checkedIn[stratum]++;
        const state = res.value.state;
        if (state === 'present') ok('post');
        else if (state === 'removed' || ledger.isRemoved(slot)) {
          ok('post');
          result.removedByModeration++;
        } else {
          lostIn[stratum]++;
          lost('post', postId, ledger.postAckAt[slot], 'GET /v1/posts/:id answered 404');
        }
      } });
    }
  }

  const byFollower = groupBy(followPicks, (f) => f[0]);
  for (const [followerId, list] of byFollower) {
    tasks.push({ writes: list.length, run: async () => {
      const found = await collectAll((cursor) => target.listFollowing!(call, followerId, o.pageSize, cursor), (id) => id, o.maxPages);
      if (!found.ok) {
        result.unchecked += list.length;
        return;
      }
      for (const [, followeeId, at] of list) {
        if (found.ids.has(followeeId)) ok('follow');
        else lost('follow', `${followerId}->${followeeId}`, at, `followee absent from the follower's following list (${found.ids.size} entries read)`);
      }
    } });
  }

  const byPost = groupBy(commentPicks, (c) => c[1]);
  for (const [postId, list] of byPost) {
    tasks.push({ writes: list.length, run: async () => {
      const found = await collectAll((cursor) => target.listComments!(call, postId, o.pageSize, cursor), (c) => c.id, o.maxPages);
      if (!found.ok) {
        if (found.status === 410) {
          for (let i = 0; i < list.length; i++) ok('comment');
          result.removedByModeration += list.length;
        } else if (found.status === 404) {
          for (const [commentId, , at] of list) lost('comment', commentId, at, 'the post of the comment answered 404');
        } else result.unchecked += list.length;
        return;
      }
      for (const [commentId, , at] of list) {
        if (found.ids.has(commentId)) ok('comment');
        else lost('comment', commentId, at, `comment absent from the post's comment list (${found.ids.size} entries read)`);
      }
    } });
  }

  const log = o.log;
  for (const n of notCheckable) log?.(`audit: ${n.writes} ${n.reason}`);
  log?.(`audit: checking ${toCheck} of ${result.acknowledged.post + result.acknowledged.follow + result.acknowledged.comment} acknowledged writes${sampled ? ` (seeded sample, seed ${o.seed})` : ''}`);
  let lastProgress = Date.now();
  let next = 0;
  const deadline = started + o.budgetMs;
  let outOfTime = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const task = tasks[next++]!;
      if (Date.now() >= deadline) {
        outOfTime += task.writes;
        continue;
      }
      await task.run();
      if (log && Date.now() - lastProgress >= o.progressEveryMs) {
        lastProgress = Date.now();
        log(`audit: ${result.checkedWrites + result.unchecked}/${toCheck} done, ${result.lostWrites} lost`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(o.concurrency, tasks.length)) }, worker));
  result.unchecked += outOfTime;
  if (outOfTime > 0) log?.(`audit: out of time after ${(o.budgetMs / 1000).toFixed(0)} s: ${outOfTime} writes left unchecked (the target answered too slowly)`);

  // Estimate: each stratum's lost share times the writes it stands for.
  result.estimatedLostWrites = sampled
    ? estimateLost([
        [lostIn.pinned, checkedIn.pinned, posts.pinned.total],
        [lostIn.sampled, checkedIn.sampled, posts.sampled.total],
        [result.lost.follow, result.checked.follow, followStratum.total],
        [result.lost.comment, result.checked.comment, commentStratum.total],
      ])
    : result.lostWrites;
  result.durationMs = Date.now() - started;
  log?.(`audit: done in ${(result.durationMs / 1000).toFixed(1)} s: ${result.checkedWrites} checked, ${result.lostWrites} lost, ${result.removedByModeration} removed by moderation, ${result.unchecked} unchecked`);
  return result;
}

function emptyResult(sampled: boolean, seed: number, acknowledged: PerKind, notCheckable: NonNullable<AuditResult['notCheckable']>): AuditResult {
  const result: AuditResult = {
    checkedWrites: 0,
    lostWrites: 0,
    sampled,
    seed,
    acknowledged,
    checked: { post: 0, follow: 0, comment: 0 },
    lost: { post: 0, follow: 0, comment: 0 },
    removedByModeration: 0,
    unchecked: notCheckable.reduce((n, x) => n + x.writes, 0),
    estimatedLostWrites: 0,
    lostExamples: [],
    durationMs: 0,
  };
  if (notCheckable.length) result.notCheckable = notCheckable;
  return result;
}

/** Sum over strata of (lost / checked) x total, rounded: the lost writes a sample stands for. */
function estimateLost(strata: [lost: number, checked: number, total: number][]): number {
  return Math.round(strata.reduce((n, [lost, checked, total]) => n + (checked === 0 ? 0 : (lost / checked) * total), 0));
}

/** Follows and comments the target can list take part in the audit; the others are unchecked, with the reason. */
function splitCheckable<F, C>(target: Target, follows: { items: readonly F[]; total: number }, comments: { items: readonly C[]; total: number }) {
  const notCheckable: NonNullable<AuditResult['notCheckable']> = [];
  const checkable = <T>(kind: WriteKind, s: { items: readonly T[]; total: number }) => {
    const cap = CHECKED_WITH[kind];
    if (!cap || supports(target, cap)) return s;
    if (s.total > 0) notCheckable.push({ kind, writes: s.total, reason: `${kind}s unchecked: ${unsupportedReason(target, cap)}` });
    return { items: [] as T[], total: 0 };
  };
  return { followStratum: checkable('follow', follows), commentStratum: checkable('comment', comments), notCheckable };
}

function groupBy<T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  }
  return out;
}

const RETRYABLE = new Set(['timeout', 'reset', 'connect_refused', 'http_5xx']);

/** Retries transient failures (and 429) up to three times, honouring Retry-After (capped at 2 s). */
async function withRetry<T>(op: () => Promise<OpResult<T>>): Promise<OpResult<T>> {
  let res = await op();
  for (let attempt = 0; attempt < 3 && !res.ok && (RETRYABLE.has(res.error.kind) || res.error.status === 429); attempt++) {
    const delay = Math.min(2000, res.error.retryAfterMs ?? 100 * 2 ** attempt);
    await new Promise((r) => setTimeout(r, delay));
    res = await op();
  }
  return res;
}

async function collectAll<T>(
  page: (cursor?: string) => Promise<OpResult<Page<T>>>,
  idOf: (item: T) => string,
  maxPages: number,
): Promise<{ ok: true; ids: Set<string> } | { ok: false; status?: number }> {
  const ids = new Set<string>();
  let cursor: string | undefined;
  for (let i = 0; i < maxPages; i++) {
    const res = await withRetry(() => page(cursor));
    if (!res.ok) return { ok: false, status: res.error.status };
    for (const item of res.value.items) ids.add(idOf(item));
    if (!res.value.nextCursor) break;
    cursor = res.value.nextCursor;
  }
  return { ok: true, ids };
}
