// What scenario authors import from the scenario module; the package entry (src/index.ts) re-exports all of it.
export { defineScenario } from './define.ts';
export {
  constant,
  ramp,
  flashCrowd,
  shock,
  cliff,
  diurnal,
  diurnalMix,
  csv,
  sum,
  product,
  scale,
  rate,
  integrate,
  peakRate,
  bindEpoch,
  compileCurve,
  type Curve,
} from './curves.ts';
export { parseDuration, parseCompression, formatDuration } from './clock.ts';
export type { ScenarioInput, Scenario, CohortInput, CurveInput } from './schema.ts';
export { compilePlan, type CompileOverrides } from './compile.ts';
export { loadScenario, validateScenario, type LoadedScenario } from './load.ts';
export { ScenarioError, type FieldProblem } from './errors.ts';
export { describePlan } from './describe.ts';
