// The initial follow graph, grown by preferential attachment with language homophily, stored as CSR arrays.
import type { FollowPolicy, Plan } from '../scenario/plan.ts';
import type { Population } from './store.ts';
import { followIndexOf } from './popularity.ts';
import { affinityVector, chooseLanguage, type FollowOptions } from './follow.ts';
import { Rng, ZipfSampler } from '../random/index.ts';

const GRAPH_STREAM = 0x47524150; // 'GRAP'
const MAX_OUT_DEGREE = 5000;
const ATTEMPTS_PER_EDGE = 16;

export interface GraphSpec extends FollowOptions {
  /** Cohorts whose members are in the graph (default: the preexisting cohorts, or all if none is). */
  cohorts?: string[];
  /** Follow policy per cohort; out-degree mean is policy.count scaled by each person's activity. */
  policies: Record<string, FollowPolicy>;
}

/** Compressed sparse rows: person i follows targets[offsets[i] .. offsets[i+1]). */
export class FollowGraph {
  constructor(
    readonly offsets: Uint32Array,
    readonly targets: Uint32Array,
  ) {}

  get size(): number {
    return this.offsets.length - 1;
  }

  get edgeCount(): number {
    return this.targets.length;
  }

  following(index: number): Uint32Array {
    return this.targets.subarray(this.offsets[index], this.offsets[index + 1]);
  }

  outDegree(index: number): number {
    return this.offsets[index + 1] - this.offsets[index];
  }

  /** Follower counts of every person (computed on demand: one pass over the edges). */
  inDegrees(): Uint32Array {
    const d = new Uint32Array(this.size);
    for (let e = 0; e < this.targets.length; e++) d[this.targets[e]]++;
    return d;
  }

  get byteLength(): number {
    return this.offsets.byteLength + this.targets.byteLength;
  }
}

/** Growable Uint32 array. */
class U32List {
  data: Uint32Array;
  length = 0;
  constructor(capacity: number) {
    this.data = new Uint32Array(Math.max(16, capacity));
  }
  push(v: number): void {
    if (this.length === this.data.length) {
      const next = new Uint32Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }
  toArray(): Uint32Array {
    return this.data.slice(0, this.length);
  }
}

/**
 * Grow the graph in index order. Each member makes about policy.count x activity follows; each follow picks a
 * language (own with sameLanguageShare, else another by size x affinity), then either a popular account by Zipf
 * rank (popularShare) or an earlier member by preferential attachment: a uniform draw from that language's
 * "ticket" list, where every member holds one ticket plus one per follower gained, so the chance of being
 * followed grows with followers already won (Barabási-Albert). Rich get richer, within each language.
 */
export function buildFollowGraph(pop: Population, spec: GraphSpec): FollowGraph {
  const idx = followIndexOf(pop);
  const chosen = spec.cohorts ?? (pop.cohorts.some((c) => c.preexisting) ? pop.cohorts.filter((c) => c.preexisting).map((c) => c.name) : pop.cohorts.map((c) => c.name));
  const member = new Uint8Array(pop.cohorts.length);
  for (const name of chosen) {
    const ci = pop.cohorts.findIndex((c) => c.name === name);
    if (ci < 0) throw new Error(`graph.cohorts: unknown cohort '${name}'`);
    if (!spec.policies[name]) throw new Error(`graph.policies: no follow policy for cohort '${name}'`);
    member[ci] = 1;
  }
  const nLang = pop.languageNames.length;
  // Popular accounts restricted to graph members.
  const popular = idx.popularByLanguage.map((list) => list.filter((i) => member[pop.cohortIndexOf(i)] === 1));
  const popularSizes = popular.map((a) => a.length);
  const zipf = popular.map((a) => new ZipfSampler(a.length, spec.zipfExponent ?? 1));
  let expected = 0;
  for (const c of pop.cohorts) if (chosen.includes(c.name)) expected += c.count * spec.policies[c.name].count;
  const edges = new U32List(Math.ceil(expected * 1.1));
  // Size each language's ticket list by its share of graph members, so the big ones do not grow by copying.
  const membersPerLanguage = new Float64Array(nLang);
  let members = 0;
  pop.cohorts.forEach((c, ci) => {
    if (!member[ci]) return;
    idx.memberSizes[ci].forEach((n, l) => (membersPerLanguage[l] += n));
    members += c.count;
  });
  const tickets = Array.from(membersPerLanguage, (n) => new U32List(Math.ceil(((expected + members) * n * 1.1) / Math.max(1, members))));
  const ticketSizes = new Float64Array(nLang);
  const affinity = affinityVector(pop, spec.crossLanguageAffinity);
  const offsets = new Uint32Array(pop.size + 1);
  const rng = new Rng(pop.seed);
  const mine: number[] = [];
  const mineLang: number[] = [];
  // chosenBy[t] === i + 1 marks t as already followed by i: O(1) duplicate checks even for heavy users.
  const chosenBy = new Uint32Array(pop.size);

  for (let ci = 0; ci < pop.cohorts.length; ci++) {
    const c = pop.cohorts[ci];
    const end = c.start + c.count;
    if (!member[ci]) {
      for (let i = c.start; i < end; i++) offsets[i + 1] = edges.length;
      continue;
    }
    const policy = spec.policies[c.name];
    for (let i = c.start; i < end; i++) {
      rng.reset(pop.seed, GRAPH_STREAM, i);
      const mean = policy.count * pop.activity[i];
      const degree = Math.min(MAX_OUT_DEGREE, Math.floor(mean + rng.next()));
      const own = pop.primaryLanguageId(i);
      mine.length = 0;
      mineLang.length = 0;
      for (let k = 0; k < degree; k++) {
        const wantPopular = rng.next() < policy.popularShare;
        for (let attempt = 0; attempt < ATTEMPTS_PER_EDGE; attempt++) {
          const usePopular = wantPopular || ticketSizes[own] === 0; // no earlier peers yet: fall back to popular
          const lang = chooseLanguage(rng, own, policy.sameLanguageShare, usePopular ? popularSizes : ticketSizes, affinity);
          let target: number;
          if (usePopular || tickets[lang].length === 0) {
            const pool = popular[lang];
            if (pool.length === 0) continue;
            target = pool[zipf[lang].rank(rng.next())];
          } else {
            const t = tickets[lang];
            target = t.data[rng.int(t.length)];
          }
          if (target === i || chosenBy[target] === i + 1) continue;
          chosenBy[target] = i + 1;
          mine.push(target);
          mineLang.push(lang); // pools are per primary language, so the target's language is the pool's
          break;
        }
      }
      for (let k = 0; k < mine.length; k++) {
        const t = mine[k];
        const tl = mineLang[k];
        edges.push(t);
        tickets[tl].push(t);
        ticketSizes[tl]++;
      }
      tickets[own].push(i);
      ticketSizes[own]++;
      offsets[i + 1] = edges.length;
    }
  }
  return new FollowGraph(offsets, edges.toArray());
}

/** The initial graph of a plan: preexisting cohorts, each with its own follow policy. */
export function createFollowGraph(plan: Plan, pop: Population, options: FollowOptions = {}): FollowGraph {
  const policies: Record<string, FollowPolicy> = {};
  for (const c of plan.cohorts) policies[c.name] = c.follow;
  return buildFollowGraph(pop, { ...options, policies });
}
