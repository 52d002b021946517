// The ground-truth ledger: what the target acknowledged during a run (DESIGN.md §6), in bounded memory.
//
// Memory budget (defaults; see docs/feed-quality.md and bench/results/ledger.md for measured figures):
// - accounts: counted per cohort, not stored. Only *tracked readers* (probes plus a sample of ordinary readers,
//   at most `maxTrackedReaders`) are stored, each with a ring of its last `ringSize` followed posts.
// - posts: a fixed slot table of `pinnedPostsCap + sampledPostsCap` slots (typed arrays; post ids from the target
//   interned to dense slot numbers through one Map). A post is *pinned* (kept to the end) when a tracked reader
//   follows its author at ack time or it carries a moderation marker: freshness, recall and moderation lag need
//   every such post. Every other post goes into a uniform reservoir (algorithm R) of `sampledPostsCap` slots,
//   used by the audit and to resolve the ground-truth language of feed items. When the pinned table is full,
//   further followed posts are not tracked and their followers are flagged incomplete (their recall stops counting).
// - follows and comments: uniform reservoirs of `followsCap` / `commentsCap` entries (for the audit).
// Up to the caps everything is kept, so runs with at most 100,000 of each kind are audited in full.
import type { AccountAck, CommentAckSample, FollowAck, PostAckSample, RunMs } from '../run/events.ts';
import { seededRandom } from '../random/index.ts';
import { parseIsoTime } from './slis/iso-time.ts';

export interface LedgerOptions {
  pinnedPostsCap?: number;
  sampledPostsCap?: number;
  followsCap?: number;
  commentsCap?: number;
  maxTrackedReaders?: number;
  ringSize?: number;
  seed?: number;
}

export const LEDGER_DEFAULTS: Required<LedgerOptions> = {
  pinnedPostsCap: 100_000,
  sampledPostsCap: 100_000,
  followsCap: 100_000,
  commentsCap: 100_000,
  maxTrackedReaders: 2_000,
  ringSize: 256,
  seed: 1,
};

const FLAG_PINNED = 1;
const FLAG_MARKED = 2;

/** Entries a ring starts with; it doubles as followed posts arrive, up to its `size`. */
const RING_INITIAL = 8;

/**
 * The last `size` followed posts of one tracked reader, with when the reader first saw each in its following feed.
 * Its arrays start small and double as entries arrive (up to `size`): most tracked readers follow few posting
 * authors, so a reader costs what it holds, not 20 bytes x `size` from the moment it is tracked.
 */
export class FollowedRing {
  slots: Int32Array;
  ackAt: Float64Array;
  /** Run ms of first appearance in the reader's following feed; NaN until seen. */
  seenAt: Float64Array;
  private head = 0;
  length = 0;
  /** Entries pushed out of the ring before they were ever seen. */
  evictedUnseen = 0;

  constructor(readonly size: number) {
    const initial = Math.min(size, RING_INITIAL);
    this.slots = new Int32Array(initial);
    this.ackAt = new Float64Array(initial);
    this.seenAt = new Float64Array(initial);
  }

  /** Entries allocated now (at most `size`). */
  get capacity(): number {
    return this.slots.length;
  }

  push(slot: number, ackAt: number): void {
    if (this.length === this.slots.length && this.length < this.size) this.grow();
    const cap = this.slots.length;
    if (this.length === cap && Number.isNaN(this.seenAt[this.head])) this.evictedUnseen++;
    this.slots[this.head] = slot;
    this.ackAt[this.head] = ackAt;
    this.seenAt[this.head] = NaN;
    this.head = (this.head + 1) % cap;
    if (this.length < cap) this.length++;
  }

  /** Ring positions from newest to oldest. */
  *positionsNewestFirst(): Generator<number> {
    for (let i = 0; i < this.length; i++) yield this.position(i);
  }

  /** The ring position of the i-th newest entry (0 = newest; i < length). */
  position(i: number): number {
    const cap = this.slots.length;
    return (this.head - 1 - i + cap) % cap;
  }

  /** Full below `size`: twice the room (at most `size`), entries laid out oldest first from position 0. */
  private grow(): void {
    const cap = Math.min(this.size, this.slots.length * 2);
    const slots = new Int32Array(cap);
    const ackAt = new Float64Array(cap);
    const seenAt = new Float64Array(cap);
    for (let j = 0; j < this.length; j++) {
      const from = this.position(this.length - 1 - j);
      slots[j] = this.slots[from];
      ackAt[j] = this.ackAt[from];
      seenAt[j] = this.seenAt[from];
    }
    this.slots = slots;
    this.ackAt = ackAt;
    this.seenAt = seenAt;
    this.head = this.length;
  }
}

export interface TrackedReader {
  index: number;
  userId: string;
  cohort: string;
  primaryLanguage: string;
  languages: string[];
  probe: boolean;
  ring: FollowedRing;
  /** A followed post could not be pinned (table full): this reader's recall is no longer judged. */
  incomplete: boolean;
  /** Run ms at which the reader's first and latest first-page following reads were sent (NaN before the first). */
  firstFollowingReadAt: number;
  lastFollowingReadAt: number;
}

export interface LedgerCounts {
  accounts: number;
  accountsByCohort: Record<string, number>;
  follows: number;
  posts: number;
  comments: number;
  pinnedPosts: number;
  sampledPostsKept: number;
  markedPosts: number;
  /** Followed or marked posts that found the pinned table full. */
  pinOverflow: number;
  trackedReaders: number;
  readersRefused: number;
  /** Follows and comments kept for the audit (the rest were sampled out once the cap was reached). */
  followsKept: number;
  commentsKept: number;
  /** The caps in force: beyond them posts, follows and comments are sampled (uniform reservoirs), never dropped silently. */
  caps: { pinnedPosts: number; sampledPosts: number; follows: number; comments: number; trackedReaders: number; ringSize: number };
}

export class Ledger {
  readonly options: Required<LedgerOptions>;
  private readonly random: () => number;

  // Posts: one slot table, typed arrays indexed by slot.
  private readonly postIds: (string | undefined)[];
  private readonly slotById = new Map<string, number>();
  readonly postAckAt: Float64Array;
  readonly postCreatedAt: Float64Array;
  readonly postRemovedAt: Float64Array;
  private readonly postLang: Uint16Array;
  private readonly postKind: Uint8Array;
  private readonly postMarker: Uint16Array;
  private readonly postFlags: Uint8Array;
  private slotsUsed = 0;
  private pinnedUsed = 0;
  private readonly reservoirSlots: Int32Array;
  private reservoirUsed = 0;
  private unpinnedSeen = 0;
  private readonly langs = new Interner();
  private readonly kinds = new Interner();
  private readonly markers = new Interner();
  /** Marked, pinned posts not yet seen removed, for the probes' moderation lookups. */
  private readonly pendingMarked: number[] = [];
  private pendingCursor = 0;

  private readonly follows: PairReservoir;
  private readonly comments: PairReservoir;

  private readonly readers: TrackedReader[] = [];
  private readonly readerById = new Map<string, TrackedReader>();
  /** Author id -> indices of tracked readers following them. */
  private readonly followersOf = new Map<string, number[]>();

  private accounts = 0;
  private readonly accountsByCohort: Record<string, number> = {};
  private markedPosts = 0;
  private pinOverflow = 0;
  private readersRefused = 0;

  constructor(options: LedgerOptions = {}) {
    this.options = { ...LEDGER_DEFAULTS, ...options };
    const { pinnedPostsCap, sampledPostsCap, seed } = this.options;
    const slots = pinnedPostsCap + sampledPostsCap;
    this.random = seededRandom(seed ^ 0x5eed);
    this.postIds = new Array(slots);
    this.postAckAt = new Float64Array(slots);
    this.postCreatedAt = new Float64Array(slots);
    this.postRemovedAt = new Float64Array(slots).fill(NaN);
    this.postLang = new Uint16Array(slots);
    this.postKind = new Uint8Array(slots);
    this.postMarker = new Uint16Array(slots);
    this.postFlags = new Uint8Array(slots);
    this.reservoirSlots = new Int32Array(sampledPostsCap);
    this.follows = new PairReservoir(this.options.followsCap, seededRandom(seed ^ 0xf011));
    this.comments = new PairReservoir(this.options.commentsCap, seededRandom(seed ^ 0xc033));
  }

  // --- accounts and readers ---

  addAccount(ack: AccountAck): void {
    this.accounts++;
    this.accountsByCohort[ack.cohort] = (this.accountsByCohort[ack.cohort] ?? 0) + 1;
  }

  /** Starts tracking a reader's follows and followed posts (from now on). Undefined when the cap is reached. */
  trackReader(userId: string, cohort: string, primaryLanguage: string, languages: string[], probe: boolean): TrackedReader | undefined {
    const known = this.readerById.get(userId);
    if (known) return known;
    if (this.readers.length >= this.options.maxTrackedReaders) {
      this.readersRefused++;
      return undefined;
    }
    const reader: TrackedReader = {
      index: this.readers.length,
      userId,
      cohort,
      primaryLanguage,
      languages,
      probe,
      ring: new FollowedRing(this.options.ringSize),
      incomplete: false,
      firstFollowingReadAt: NaN,
      lastFollowingReadAt: NaN,
    };
    this.readers.push(reader);
    this.readerById.set(userId, reader);
    return reader;
  }

  reader(userId: string): TrackedReader | undefined {
    return this.readerById.get(userId);
  }

  trackedReaders(): readonly TrackedReader[] {
    return this.readers;
  }

  // --- follows ---

  addFollow(ack: FollowAck): void {
    this.follows.offer(ack.followerId, ack.followeeId, ack.at);
    const reader = this.readerById.get(ack.followerId);
    if (!reader) return;
    const list = this.followersOf.get(ack.followeeId);
    if (!list) this.followersOf.set(ack.followeeId, [reader.index]);
    else if (!list.includes(reader.index)) list.push(reader.index);
  }

  // --- posts ---

  /** Records an acknowledged post; returns its slot, or -1 when it is not tracked (sampled out). */
  addPost(ack: PostAckSample): number {
    const followers = this.followersOf.get(ack.authorId);
    const marked = ack.marker !== null && ack.marker !== '';
    if (marked) this.markedPosts++;
    const wantPin = (followers !== undefined && followers.length > 0) || marked;
    let slot = -1;
    if (wantPin && this.pinnedUsed < this.options.pinnedPostsCap) {
      slot = this.slotsUsed++;
      this.pinnedUsed++;
      this.postFlags[slot] = FLAG_PINNED | (marked ? FLAG_MARKED : 0);
    } else {
      if (wantPin) {
        this.pinOverflow++;
        if (followers) for (const r of followers) this.readers[r].incomplete = true;
      }
      slot = this.reservoirSlot();
      if (slot < 0) return -1;
      this.postFlags[slot] = marked ? FLAG_MARKED : 0;
    }
    this.postIds[slot] = ack.postId;
    this.slotById.set(ack.postId, slot);
    this.postAckAt[slot] = ack.at;
    const created = parseIsoTime(ack.targetCreatedAt);
    this.postCreatedAt[slot] = Number.isFinite(created) ? created : NaN;
    this.postRemovedAt[slot] = NaN;
    this.postLang[slot] = this.langs.id(ack.lang);
    this.postKind[slot] = this.kinds.id(ack.kind);
    this.postMarker[slot] = marked ? this.markers.id(ack.marker as string) + 1 : 0;
    if (this.postFlags[slot] & FLAG_PINNED) {
      if (followers) for (const r of followers) this.readers[r].ring.push(slot, ack.at);
      if (marked) this.pendingMarked.push(slot);
    }
    return slot;
  }

  private reservoirSlot(): number {
    const n = this.unpinnedSeen++;
    if (this.reservoirUsed < this.options.sampledPostsCap) {
      const slot = this.slotsUsed++;
      this.reservoirSlots[this.reservoirUsed++] = slot;
      return slot;
    }
    const j = Math.floor(this.random() * (n + 1));
    if (j >= this.options.sampledPostsCap) return -1;
    const slot = this.reservoirSlots[j];
    const old = this.postIds[slot];
    if (old !== undefined) this.slotById.delete(old);
    return slot;
  }

  slotOf(postId: string): number {
    return this.slotById.get(postId) ?? -1;
  }
  postId(slot: number): string {
    return this.postIds[slot] as string;
  }
  postLanguage(slot: number): string {
    return this.langs.name(this.postLang[slot]);
  }
  postKindOf(slot: number): string {
    return this.kinds.name(this.postKind[slot]);
  }
  postMarkerOf(slot: number): string | null {
    const m = this.postMarker[slot];
    return m === 0 ? null : this.markers.name(m - 1);
  }
  isMarked(slot: number): boolean {
    return (this.postFlags[slot] & FLAG_MARKED) !== 0;
  }
  isPinned(slot: number): boolean {
    return (this.postFlags[slot] & FLAG_PINNED) !== 0;
  }
  isRemoved(slot: number): boolean {
    return !Number.isNaN(this.postRemovedAt[slot]);
  }

  /**
   * Records that a post was seen removed at `at` (first sighting wins). Returns the moderation lag in ms when
   * this is the first sighting of a marked post's removal, else undefined.
   */
  markRemoved(slot: number, at: RunMs): number | undefined {
    if (!Number.isNaN(this.postRemovedAt[slot])) return undefined;
    this.postRemovedAt[slot] = at;
    if (!this.isMarked(slot)) return undefined;
    const i = this.pendingMarked.indexOf(slot);
    if (i >= 0) {
      this.pendingMarked[i] = this.pendingMarked[this.pendingMarked.length - 1];
      this.pendingMarked.pop();
    }
    return Math.max(0, at - this.postAckAt[slot]);
  }

  /** Up to `n` marked posts still believed present, round-robin so every one is checked in turn. */
  nextMarkedToCheck(n: number): string[] {
    const out: string[] = [];
    const total = this.pendingMarked.length;
    for (let i = 0; i < Math.min(n, total); i++) {
      if (this.pendingCursor >= total) this.pendingCursor = 0;
      out.push(this.postIds[this.pendingMarked[this.pendingCursor++]] as string);
    }
    return out;
  }

  pendingMarkedCount(): number {
    return this.pendingMarked.length;
  }

  /** Every tracked post slot (pinned first, then the reservoir). */
  *trackedPostSlots(): Generator<number> {
    for (let slot = 0; slot < this.slotsUsed; slot++) if (this.postIds[slot] !== undefined) yield slot;
  }

  /** Audit strata: pinned posts (all of them), and the uniform reservoirs with the totals they stand for. */
  postStrata(): { pinned: { slots: number[]; total: number }; sampled: { slots: number[]; total: number } } {
    const pinned: number[] = [];
    const sampled: number[] = [];
    for (const slot of this.trackedPostSlots()) (this.isPinned(slot) ? pinned : sampled).push(slot);
    return { pinned: { slots: pinned, total: this.pinnedUsed }, sampled: { slots: sampled, total: this.unpinnedSeen } };
  }

  followSample(): { items: readonly [string, string, number][]; total: number } {
    return { items: this.follows.items, total: this.follows.seen };
  }

  // --- comments ---

  addComment(ack: CommentAckSample): void {
    this.comments.offer(ack.commentId, ack.postId, ack.at);
  }

  commentSample(): { items: readonly [string, string, number][]; total: number } {
    return { items: this.comments.items, total: this.comments.seen };
  }

  counts(): LedgerCounts {
    return {
      accounts: this.accounts,
      accountsByCohort: { ...this.accountsByCohort },
      follows: this.follows.seen,
      posts: this.pinnedUsed + this.unpinnedSeen,
      comments: this.comments.seen,
      pinnedPosts: this.pinnedUsed,
      sampledPostsKept: this.reservoirUsed,
      markedPosts: this.markedPosts,
      pinOverflow: this.pinOverflow,
      trackedReaders: this.readers.length,
      readersRefused: this.readersRefused,
      followsKept: this.follows.size,
      commentsKept: this.comments.size,
      caps: {
        pinnedPosts: this.options.pinnedPostsCap,
        sampledPosts: this.options.sampledPostsCap,
        follows: this.options.followsCap,
        comments: this.options.commentsCap,
        trackedReaders: this.options.maxTrackedReaders,
        ringSize: this.options.ringSize,
      },
    };
  }
}

/** Small string <-> dense id table (languages, post kinds, markers). */
class Interner {
  private readonly ids = new Map<string, number>();
  private readonly names: string[] = [];
  id(name: string): number {
    let id = this.ids.get(name);
    if (id === undefined) {
      id = this.names.length;
      this.names.push(name);
      this.ids.set(name, id);
    }
    return id;
  }
  name(id: number): string {
    return this.names[id];
  }
}

/**
 * Uniform reservoir (algorithm R) of at most `capacity` (id, id, time) entries, in columns allocated up front: an
 * entry costs no allocation of its own (the id strings are the ones the engine already holds), so memory is fixed
 * from the start instead of creeping up until the cap (a soak would read that creep as a leak).
 */
class PairReservoir {
  private readonly a: (string | undefined)[];
  private readonly b: (string | undefined)[];
  private readonly at: Float64Array;
  private kept = 0;
  seen = 0;
  constructor(
    private readonly capacity: number,
    private readonly random: () => number,
  ) {
    this.a = new Array<string | undefined>(capacity).fill(undefined);
    this.b = new Array<string | undefined>(capacity).fill(undefined);
    this.at = new Float64Array(capacity);
  }
  offer(a: string, b: string, at: number): void {
    const n = this.seen++;
    let j = this.kept;
    if (this.kept < this.capacity) this.kept++;
    else {
      j = Math.floor(this.random() * (n + 1));
      if (j >= this.capacity) return;
    }
    this.a[j] = a;
    this.b[j] = b;
    this.at[j] = at;
  }
  get size(): number {
    return this.kept;
  }
  /** The kept entries as tuples (allocated per call: for the audit, not the hot path). */
  get items(): [string, string, number][] {
    const out: [string, string, number][] = new Array(this.kept);
    for (let i = 0; i < this.kept; i++) out[i] = [this.a[i]!, this.b[i]!, this.at[i]!];
    return out;
  }
}
