// A bounded ring of recently acknowledged posts, each with a heavy-tailed "heat" drawn at acknowledgement
// (Pareto with the author cohort's commentAlpha). Sampling proportional to heat makes a few posts draw storms
// of likes and comments while most get little, as on a real surge day. A Fenwick tree over the ring slots gives
// O(log n) insert (overwrite) and O(log n) weighted sampling, so the ring can be large without hurting the hot path.
import type { ContentLanguage } from '../content/types.ts';
import type { PostKind } from '../scenario/vocabulary.ts';

export interface HotPost {
  id: string;
  authorId: string;
  authorIndex: number;
  cohort: string;
  lang: ContentLanguage;
  kind: PostKind;
  marker: string | null;
  // No text: nothing reads it, and up to 5,376 ring entries (~330 B of text each) would keep it until evicted.
}

export class HotPostRing {
  private readonly slots: (HotPost | undefined)[];
  private readonly heat: Float64Array;
  private readonly tree: Float64Array; // Fenwick, 1-based
  private next = 0;
  private filled = 0;

  constructor(readonly capacity: number = 4096) {
    this.slots = new Array(capacity);
    this.heat = new Float64Array(capacity);
    this.tree = new Float64Array(capacity + 1);
  }

  get size(): number {
    return this.filled;
  }

  add(post: HotPost, heat: number): void {
    const slot = this.next;
    this.next = (this.next + 1) % this.capacity;
    if (this.filled < this.capacity) this.filled++;
    this.slots[slot] = post;
    this.update(slot, heat - this.heat[slot]);
    this.heat[slot] = heat;
  }

  /** A post chosen with probability proportional to its heat; `u` uniform in [0,1). */
  pickHot(u: number): HotPost | undefined {
    if (this.filled === 0) return undefined;
    let target = u * this.total();
    // Fenwick descent: the smallest slot whose prefix sum exceeds target.
    let pos = 0;
    let step = 1;
    while (step * 2 <= this.capacity) step *= 2;
    for (; step > 0; step >>= 1) {
      const nextPos = pos + step;
      if (nextPos <= this.capacity && this.tree[nextPos] <= target) {
        pos = nextPos;
        target -= this.tree[nextPos];
      }
    }
    return this.slots[Math.min(pos, this.capacity - 1)] ?? this.pickUniform(u);
  }

  /** A post chosen uniformly among those in the ring. */
  pickUniform(u: number): HotPost | undefined {
    if (this.filled === 0) return undefined;
    return this.slots[Math.floor(u * this.filled)];
  }

  total(): number {
    let sum = 0;
    for (let i = this.capacity; i > 0; i -= i & -i) sum += this.tree[i];
    return sum;
  }

  private update(slot: number, delta: number): void {
    for (let i = slot + 1; i <= this.capacity; i += i & -i) this.tree[i] += delta;
  }
}
