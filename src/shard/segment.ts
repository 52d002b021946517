// Segments of a sharded run: `--segment i/N` (0-based, as Kubernetes' JOB_COMPLETION_INDEX) plays slice i of N of
// one seeded scenario, so N processes or machines together play the whole scenario once.
//
// The maths (implemented by the engine, stated and checked here):
//   arrivals  Every segment generates the SAME arrival stream per cohort (same seed, same thinned Poisson process,
//             see engine/arrivals.ts) and keeps the arrivals whose ordinal k satisfies k mod N = i. The N subsets
//             are disjoint and their union is the whole stream, so intended arrivals add up exactly, and segment i
//             gets ⌈(A - i) / N⌉ of a stream of A arrivals (counts differ by at most one between segments).
//             Ordinals, not hashes: interleaving keeps every segment's rate curve the same shape (1/N of the rate
//             at every moment), where hash thinning would only do so on average.
//   sessions  A session draws its randomness from (seed, cohort, arrival ordinal), not from its start order, so
//             arrival k plays the same session in whichever segment it lands.
//   people    Person p of a cohort (offset p from the cohort's first index) belongs to segment p mod N: new
//             signups and preexisting accounts set up before t = 0 come from the segment's own people, so no
//             two segments ever create the same account. Segment i's j-th signup is person i + jN, which is
//             the person a whole run's (i + jN)-th signup would be when every arrival signs up.
//   workers   Segment i of N split over W worker threads would be the composite shard i + N·w of N·W (worker w):
//             k mod NW = i + Nw  ⟺  k mod N = i and ⌊k/N⌋ mod W = w (composeShard). The run command does not
//             combine --segment with --workers yet; run more segments instead.
// What does not carry across segments: a segment's people only follow and engage with the accounts and posts of
// their own segment (each process knows only its own acknowledged writes), and feed-quality probes only see their
// segment's writes (docs/k6-and-scaling-out.md, merge semantics).

export interface Segment {
  /** 0-based index. */
  index: number;
  count: number;
}

export class SegmentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SegmentError';
  }
}

/** Parse `i/N` (0-based: 0/2 and 1/2 are the two halves). */
export function parseSegment(text: string): Segment {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (!m) throw new SegmentError(`--segment '${text}': expected i/N, e.g. 0/4 (0-based index i of N segments)`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || count > 100_000) throw new SegmentError(`--segment '${text}': N must be from 1 to 100000`);
  if (index >= count) throw new SegmentError(`--segment '${text}': i must be from 0 to ${count - 1} (0-based)`);
  return { index, count };
}

export function formatSegment(s: Segment): string {
  return `${s.index}/${s.count}`;
}

/** Does the segment own arrival number `ordinal` (0-based, over the whole stream of one cohort)? */
export function ownsArrival(s: Segment, ordinal: number): boolean {
  return ordinal % s.count === s.index;
}

/** Does the segment own the person at `offset` within their cohort? */
export function ownsPerson(s: Segment, offset: number): boolean {
  return offset % s.count === s.index;
}

/** How many of `total` items (arrivals or people, numbered from 0) a segment owns. */
export function segmentShare(s: Segment, total: number): number {
  return total > s.index ? Math.ceil((total - s.index) / s.count) : 0;
}

/** Worker `worker` of `workers` inside segment s, as one shard of the whole run. */
export function composeShard(s: Segment, worker: number, workers: number): Segment {
  if (!(worker >= 0 && worker < workers)) throw new RangeError(`worker ${worker} outside 0..${workers - 1}`);
  return { index: s.index + s.count * worker, count: s.count * workers };
}

/** Check that segments of one run are complete and disjoint; returns the missing indices and duplicates. */
export function checkCoverage(segments: Segment[]): { count: number; missing: number[]; duplicates: number[]; mixedCounts: boolean } {
  const count = segments[0]?.count ?? 0;
  const mixedCounts = segments.some((s) => s.count !== count);
  const seen = new Map<number, number>();
  for (const s of segments) seen.set(s.index, (seen.get(s.index) ?? 0) + 1);
  const missing: number[] = [];
  for (let i = 0; i < count; i++) if (!seen.has(i)) missing.push(i);
  const duplicates = [...seen].filter(([, n]) => n > 1).map(([i]) => i);
  return { count, missing, duplicates, mixedCounts };
}
