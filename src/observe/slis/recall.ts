// recall@k of one following-feed read (DESIGN.md §6), as pure functions over what the ledger knew at read time.

export interface FollowedPost {
  /** Dense post slot in the ledger. */
  slot: number;
  /** Acknowledgement time, run ms. */
  ackAt: number;
  /** The post is known to be removed by moderation (excluded from what the feed should show). */
  removed: boolean;
}

/**
 * The posts a following feed read sent at `readAt` should show in its top k: of the reader's followed posts (newest
 * first), those acknowledged more than `graceMs` before the read was SENT and not removed, the k most recent. (Counted
 * from the send, not the response: a read slower than the grace period must not be charged for posts acknowledged
 * while it was in flight.)
 */
export function expectedTopK(newestFirst: Iterable<FollowedPost>, readAt: number, graceMs: number, k: number): number[] {
  const out: number[] = [];
  if (k <= 0) return out;
  const cutoff = readAt - graceMs;
  for (const post of newestFirst) {
    if (post.ackAt > cutoff || post.removed) continue;
    out.push(post.slot);
    if (out.length === k) break;
  }
  return out;
}

/** What expectedTopKOfRing reads of a reader's ring (ledger.ts FollowedRing). */
export interface FollowedRingView {
  readonly length: number;
  readonly slots: Int32Array;
  readonly ackAt: Float64Array;
  /** Ring position of the i-th newest entry. */
  position(i: number): number;
}

/** expectedTopK over a reader's ring (newest first), without an object per followed post. */
export function expectedTopKOfRing(ring: FollowedRingView, isRemoved: (slot: number) => boolean, readAt: number, graceMs: number, k: number): number[] {
  const out: number[] = [];
  if (k <= 0) return out;
  const cutoff = readAt - graceMs;
  for (let i = 0; i < ring.length; i++) {
    const p = ring.position(i);
    const slot = ring.slots[p];
    if (ring.ackAt[p] > cutoff || isRemoved(slot)) continue;
    out.push(slot);
    if (out.length === k) break;
  }
  return out;
}

/**
 * The k a read can be judged against: a page cut short by its own limit (fewer than k items but a next cursor)
 * can only hold as many as it has; a page that ends the feed (no cursor) is held to the full k.
 */
export function effectiveK(k: number, pageItems: number, hasMore: boolean): number {
  return hasMore && pageItems < k ? pageItems : k;
}

export interface RecallOfRead {
  expected: number;
  found: number;
  /** found / expected, or null when nothing was expected (the read does not count). */
  recall: number | null;
}

export function recallOfRead(expectedSlots: readonly number[], pageSlots: ReadonlySet<number>): RecallOfRead {
  let found = 0;
  for (const slot of expectedSlots) if (pageSlots.has(slot)) found++;
  const expected = expectedSlots.length;
  return { expected, found, recall: expected === 0 ? null : found / expected };
}
