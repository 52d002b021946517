// Numeric ranges a scenario and the command line both accept, defined once: the zod schema and the CLI flag layer
// (src/cli/flags.ts) check against the same objects, so `--sample 150` and `timeline.sample: 150` fail alike.
import type { z as Z } from 'zod';
import { z } from './zod.ts';

export interface NumericRange {
  /** Words for messages, e.g. "a volume factor". */
  what: string;
  min?: number;
  max?: number;
  /** min itself is not allowed (e.g. sample > 0). */
  minExclusive?: boolean;
  integer?: boolean;
}

export const SAMPLE: NumericRange = { what: 'a volume factor (0.01 = one person in a hundred)', min: 0, minExclusive: true, max: 100 };
export const SEED: NumericRange = { what: 'a seed', min: 0, max: 2 ** 32 - 1, integer: true };
export const WORKERS: NumericRange = { what: 'a number of worker threads', min: 1, max: 64, integer: true };
export const PORT: NumericRange = { what: 'a TCP port (0 = any free port)', min: 0, max: 65535, integer: true };
export const CONNECTIONS: NumericRange = { what: 'a number of connections', min: 1, max: 100_000, integer: true };
export const RATE: NumericRange = { what: 'a rate per second', min: 0, minExclusive: true, max: 10_000_000 };
export const COUNT: NumericRange = { what: 'a count', min: 1, max: 1_000_000_000, integer: true };
export const RATIO: NumericRange = { what: 'a ratio', min: 0, max: 1 };

/** "expected a whole number from 1 to 64" and the like. */
export function describeRange(r: NumericRange): string {
  const kind = r.integer ? 'a whole number' : 'a number';
  if (r.min !== undefined && r.max !== undefined) return r.minExclusive ? `${kind} above ${r.min} and at most ${r.max}` : `${kind} from ${r.min} to ${r.max}`;
  if (r.min !== undefined) return r.minExclusive ? `${kind} above ${r.min}` : `${kind} of at least ${r.min}`;
  if (r.max !== undefined) return `${kind} of at most ${r.max}`;
  return kind;
}

/** The problem with `n` for this range, or undefined when it is inside. */
export function rangeProblem(n: number, r: NumericRange): string | undefined {
  const ok =
    Number.isFinite(n) &&
    (!r.integer || Number.isInteger(n)) &&
    (r.min === undefined || (r.minExclusive ? n > r.min : n >= r.min)) &&
    (r.max === undefined || n <= r.max);
  return ok ? undefined : `expected ${describeRange(r)} (${r.what}), got ${n}`;
}

/** The zod schema of a number in this range (for the scenario schema; keeps the bounds in the JSON Schema export). */
export function zodInRange(r: NumericRange): Z.ZodNumber {
  const message = `expected ${describeRange(r)} (${r.what})`;
  let n = z.number({ message });
  if (r.integer) n = n.int({ message });
  if (r.min !== undefined) n = r.minExclusive ? n.gt(r.min, { message }) : n.gte(r.min, { message });
  if (r.max !== undefined) n = n.lte(r.max, { message });
  return n;
}
