// The world of a run: a compiled plan and its seeded people, content and follow choices. Built the same way by the
// run assembly (engine/assembly.ts), worker threads, shards and `export k6`, so every one of them sees the same people.
import { loadScenario } from '../scenario/load.ts';
import type { CompileOverrides } from '../scenario/compile.ts';
import type { FollowPolicy, Plan } from '../scenario/plan.ts';
import { createPopulation, type Population } from '../population/store.ts';
import { followTargets } from '../population/follow.ts';
import { createContentGenerator, type ContentGenerator } from '../content/generator.ts';
import type { IdentityPolicy } from '../target/target.ts';

/** Who a person follows at their `seq`-th follow decision (src/population followTargets, bound to the population). */
export type FollowChooser = (personIndex: number, policy: FollowPolicy, seq: number, eligible: (index: number) => boolean) => number[];

export interface RunWorld {
  plan: Plan;
  population: Population;
  content: ContentGenerator;
  follows: FollowChooser;
}

/** `identity`: the target's identity policy (Target.identity), which shapes handles, emails and passwords. */
export function worldOf(plan: Plan, identity?: IdentityPolicy): RunWorld {
  const population = createPopulation(plan, identity);
  return {
    plan,
    population,
    content: createContentGenerator(plan.seed),
    follows: (i, policy, seq, eligible) => followTargets(population, i, policy, seq, eligible),
  };
}

export async function loadWorld(scenario: string, overrides: CompileOverrides = {}, identity?: IdentityPolicy): Promise<RunWorld> {
  return worldOf((await loadScenario(scenario, overrides)).plan, identity);
}
