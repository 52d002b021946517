// The typed entry point for scenario files: `export default defineScenario({...})`. It only gives the author types
// and editor help; validation happens when the scenario is loaded (load.ts), with every problem reported at once.
import type { ScenarioInput } from './schema.ts';

export function defineScenario(input: ScenarioInput): ScenarioInput {
  return input;
}
