import { describe, expect, it } from 'vitest';
import { buildPopulation } from '../../src/population/store.ts';
import { buildFollowGraph, createFollowGraph } from '../../src/population/graph.ts';
import { followTargets } from '../../src/population/follow.ts';
import { planOf, SURGE_SPEC } from './fixtures.ts';

const pop = buildPopulation(SURGE_SPEC);
const plan = planOf(SURGE_SPEC);
const policies = Object.fromEntries(plan.cohorts.map((c) => [c.name, c.follow]));
const everyone = buildFollowGraph(pop, { cohorts: ['incumbents', 'newcomers'], policies });

function sameLanguageShare(from: number, to: number): number {
  let same = 0;
  let all = 0;
  for (let i = from; i < to; i++) {
    for (const t of everyone.following(i)) {
      all++;
      if (pop.primaryLanguageId(t) === pop.primaryLanguageId(i)) same++;
    }
  }
  return same / all;
}

describe('initial follow graph', () => {
  it('is deterministic for a seed and differs for another', () => {
    const again = buildFollowGraph(pop, { cohorts: ['incumbents', 'newcomers'], policies });
    expect(again.offsets).toEqual(everyone.offsets);
    expect(again.targets).toEqual(everyone.targets);
    const otherPop = buildPopulation({ ...SURGE_SPEC, seed: 1 });
    const other = buildFollowGraph(otherPop, { cohorts: ['incumbents', 'newcomers'], policies });
    expect(Buffer.compare(Buffer.from(other.targets.buffer), Buffer.from(everyone.targets.buffer))).not.toBe(0);
  });

  it('stores CSR arrays with no self-follows or duplicate edges, about policy.count follows each', () => {
    expect(everyone.offsets.length).toBe(pop.size + 1);
    expect(everyone.offsets[pop.size]).toBe(everyone.edgeCount);
    for (let i = 0; i < pop.size; i++) {
      const f = everyone.following(i);
      expect(f.includes(i)).toBe(false);
      expect(new Set(f).size).toBe(f.length);
    }
    const inc = pop.cohortRange('incumbents');
    const meanOut = (everyone.offsets[inc.start + inc.count] - everyone.offsets[inc.start]) / inc.count;
    expect(meanOut).toBeGreaterThan(12 * 0.85);
    expect(meanOut).toBeLessThan(12 * 1.1);
  });

  it('is homophilous: the same-language share of edges tracks each cohort policy', () => {
    const inc = pop.cohortRange('incumbents');
    const nc = pop.cohortRange('newcomers');
    // Cross-language draws can still land on one's own language only via fallbacks, so the share sits at or
    // slightly above the policy value.
    expect(sameLanguageShare(inc.start, inc.start + inc.count)).toBeGreaterThan(0.86);
    const newcomerShare = sameLanguageShare(nc.start, nc.start + nc.count);
    expect(newcomerShare).toBeGreaterThan(0.45);
    expect(newcomerShare).toBeLessThan(0.62);
  });

  it('has a skewed, heavy-tailed follower distribution', () => {
    const inDeg = Array.from(everyone.inDegrees()).sort((a, b) => b - a);
    const total = inDeg.reduce((a, b) => a + b, 0);
    const top1pct = inDeg.slice(0, Math.ceil(inDeg.length / 100)).reduce((a, b) => a + b, 0);
    expect(top1pct / total).toBeGreaterThan(0.2);
    expect(inDeg[0]).toBeGreaterThan(50 * (total / inDeg.length));
  });

  it('defaults to the preexisting cohorts for a plan', () => {
    const g = createFollowGraph(plan, pop);
    const nc = pop.cohortRange('newcomers');
    expect(g.offsets[nc.start + nc.count] - g.offsets[nc.start]).toBe(0);
    const targetsInNewcomers = Array.from(g.targets).filter((t) => t >= nc.start).length;
    expect(targetsInNewcomers).toBe(0);
    expect(g.edgeCount).toBeGreaterThan(6000 * 10);
  });

  it('lets cross-language affinity steer where cross-language follows go', () => {
    const crossOnly = { ...policies, newcomers: { count: 8, popularShare: 0.6, sameLanguageShare: 0 } };
    const cohorts = ['incumbents', 'newcomers'];
    const zhShareOfNewcomerEdges = (crossLanguageAffinity: Record<string, number>) => {
      const g = buildFollowGraph(pop, { cohorts, policies: crossOnly, crossLanguageAffinity });
      const nc = pop.cohortRange('newcomers');
      let zh = 0;
      let all = 0;
      for (let i = nc.start; i < nc.start + nc.count; i++) {
        if (pop.primaryLanguage(i) !== 'en') continue;
        for (const t of g.following(i)) {
          all++;
          if (pop.primaryLanguage(t) === 'zh') zh++;
        }
      }
      return zh / all;
    };
    expect(zhShareOfNewcomerEdges({ zh: 0 })).toBe(0);
    expect(zhShareOfNewcomerEdges({ zh: 1, es: 0, pt: 0, fr: 0, de: 0 })).toBeGreaterThan(0.95);
    // Neutral: cross-language follows go by pool size, and the Chinese pool is by far the largest.
    const neutral = zhShareOfNewcomerEdges({});
    const damped = zhShareOfNewcomerEdges({ zh: 0.05 });
    expect(neutral).toBeGreaterThan(0.8);
    expect(damped).toBeLessThan(neutral - 0.2);
  });
});

describe('followTargets (on-line)', () => {
  const policy = { count: 10, popularShare: 0.5, sameLanguageShare: 0.7 };

  it('is deterministic in (seed, person, seq) and varies with seq', () => {
    const a = followTargets(pop, 9000, policy, 3);
    expect(followTargets(pop, 9000, policy, 3)).toEqual(a);
    expect(followTargets(pop, 9000, policy, 4)).not.toEqual(a);
    expect(a).toHaveLength(10);
    expect(new Set(a).size).toBe(10);
    expect(a).not.toContain(9000);
  });

  it('respects count (fractional part as a coin flip), popularShare and sameLanguageShare on average', () => {
    let n = 0;
    let popular = 0;
    let same = 0;
    const people = 2000;
    for (let k = 0; k < people; k++) {
      const i = 6000 + k * 7;
      const t = followTargets(pop, i, { count: 4.5, popularShare: 0.3, sameLanguageShare: 0.8 }, 0);
      n += t.length;
      for (const x of t) {
        if (pop.persona(x) !== 'newcomer' && pop.persona(x) !== 'lurker') popular++;
        if (pop.primaryLanguageId(x) === pop.primaryLanguageId(i)) same++;
      }
    }
    expect(n / people).toBeGreaterThan(4.3);
    expect(n / people).toBeLessThan(4.7);
    // Popular picks are ranked incumbents/helpers/creators; peers are mostly newcomers (5% of them creators),
    // so about 0.3 + 0.7 x 0.05 of all follows land on ranked accounts.
    expect(popular / n).toBeGreaterThan(0.28);
    expect(popular / n).toBeLessThan(0.4);
    expect(same / n).toBeGreaterThan(0.72);
  });

  it('has newcomers follow a mix of fellow newcomers and popular incumbents', () => {
    const inc = pop.cohortRange('incumbents');
    let incumbents = 0;
    let newcomers = 0;
    for (let k = 0; k < 1000; k++) {
      // sameLanguageShare 0.3: most follows cross into Chinese, where the popular accounts are incumbents.
      for (const t of followTargets(pop, 6000 + k * 13, { count: 6, popularShare: 0.5, sameLanguageShare: 0.3 }, k)) {
        if (t < inc.start + inc.count) incumbents++;
        else newcomers++;
      }
    }
    expect(incumbents / (incumbents + newcomers)).toBeGreaterThan(0.2);
    expect(newcomers / (incumbents + newcomers)).toBeGreaterThan(0.3);
  });

  it('concentrates popular follows on the top of a fixed Zipf ranking', () => {
    const hits = new Map<number, number>();
    for (let k = 0; k < 3000; k++) {
      for (const t of followTargets(pop, 6000 + (k % 14000), { count: 3, popularShare: 1, sameLanguageShare: 1 }, k)) hits.set(t, (hits.get(t) ?? 0) + 1);
    }
    const counts = [...hits.values()].sort((a, b) => b - a);
    const total = counts.reduce((a, b) => a + b, 0);
    expect(counts[0] / total).toBeGreaterThan(0.05);
    expect(counts.slice(0, 10).reduce((a, b) => a + b, 0) / total).toBeGreaterThan(0.25);
  });

  it('only returns eligible people and may return fewer when few are eligible', () => {
    const signedUp = (i: number) => i % 10 === 0;
    const t = followTargets(pop, 7001, policy, 1, signedUp);
    expect(t.every(signedUp)).toBe(true);
    expect(followTargets(pop, 7001, policy, 1, () => false)).toEqual([]);
  });
});
