// Probe follow choices: incumbents drawn from preexisting cohorts without repeats, deterministic per seed.
import { describe, expect, it } from 'vitest';
import { pickIncumbents } from '../../src/observe/probes.ts';
import { seededRandom } from '../../src/random/index.ts';
import type { RunContext } from '../../src/run/plugin.ts';
import { cohort, testPlan } from './driver.ts';

function ctxWith(incumbents: number, newcomers: number, signedUp: (i: number) => boolean): RunContext {
  const plan = testPlan([cohort('newcomers', newcomers, false), cohort('incumbents', incumbents, true)], { probeReaders: {}, pollIntervalSec: 1, recallK: 10, recallGraceSec: 1, languageBands: {} });
  return {
    plan,
    population: {
      size: incumbents + newcomers,
      person: () => {
        throw new Error('unused');
      },
      cohortRange: (name: string) => (name === 'newcomers' ? { start: 0, count: newcomers } : { start: newcomers, count: incumbents }),
    },
    accounts: { get: (i: number) => (signedUp(i) ? { userId: `u${i}`, token: 't', handle: 'h' } : undefined), randomSignedUp: () => undefined, size: 0 },
  } as unknown as RunContext;
}

describe('pickIncumbents', () => {
  it('draws distinct signed-up incumbents from a large cohort, the same ones for the same seed', () => {
    const ctx = ctxWith(100_000, 500, (i) => i % 2 === 0);
    const a = pickIncumbents(ctx, 20, seededRandom(4));
    const b = pickIncumbents(ctx, 20, seededRandom(4));
    expect(a).toHaveLength(20);
    expect(new Set(a).size).toBe(20);
    expect(a).toEqual(b);
    for (const id of a) {
      const index = Number(id.slice(1));
      expect(index).toBeGreaterThanOrEqual(500); // never a newcomer
      expect(index % 2).toBe(0); // only signed-up people
    }
    expect(pickIncumbents(ctx, 20, seededRandom(5))).not.toEqual(a);
  });

  it('takes every signed-up incumbent of a small cohort', () => {
    const ctx = ctxWith(10, 3, (i) => i !== 5);
    const picked = pickIncumbents(ctx, 50, seededRandom(1));
    expect(picked.sort()).toEqual(['u10', 'u11', 'u12', 'u3', 'u4', 'u6', 'u7', 'u8', 'u9']);
  });
});
