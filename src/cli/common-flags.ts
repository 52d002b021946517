// Flags several commands share, declared once: the scenario overrides of `plan`, `run`, `export k6` and `demo`.
import type { CompileOverrides } from '../scenario/compile.ts';
import { SAMPLE, SEED } from '../scenario/limits.ts';
import type { FlagSpecs } from './flags.ts';

export const SCENARIO_FLAGS = {
  seed: { type: 'number', range: SEED, help: "override the scenario's seed" },
  duration: { type: 'string', placeholder: 'D', help: 'play only the first D of scenario time (e.g. 48h); rates stay as in the full story' },
  compress: {
    type: 'string',
    placeholder: 'X',
    help: "scenario time per wall time, e.g. '48h->10m' (quote it: the shell reads > as a redirection), or a factor",
  },
  sample: { type: 'number', range: SAMPLE, placeholder: 'F', help: 'volume factor (0.01 = one person in a hundred)' },
} as const satisfies FlagSpecs;

export function overridesOf(values: { seed?: number; duration?: string; compress?: string; sample?: number }): CompileOverrides {
  return { seed: values.seed, durationSec: values.duration, compress: values.compress, sample: values.sample };
}
