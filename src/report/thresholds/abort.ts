// --abort-on-fail: stop a run once a threshold is lost for good, instead of spending the rest of the surge on it.
//
// The rule (docs/reports.md):
//  1. A threshold on a figure that can only grow during a run (lostWrites, errors.count, dropped.count, totals.*,
//     count(ep), errors(ep), max latency) with `<`, `<=` or `==` is irrecoverable as soon as it fails: abort at once.
//  2. Any other threshold aborts only after `minElapsedSec` of measured time (default 30 s; early figures are noisy),
//     and only when it has failed at `sustainChecks` consecutive checks (default 10, i.e. ~10 s at one check/s).
//  3. A figure with no data yet never aborts.
import type { RunContext, RunPlugin } from '../../run/plugin.ts';
import { parseThresholds } from './parse.ts';
import { evaluateThreshold } from './evaluate.ts';
import type { SummaryLike } from './figures.ts';

export interface AbortOptions {
  minElapsedSec?: number;
  sustainChecks?: number;
  /** Seconds of measured time; defaults to the run context's clock once started. */
  elapsedSec?: () => number;
}

export function createThresholdAbortPlugin(exprs: readonly string[], snapshot: () => SummaryLike, options: AbortOptions = {}): RunPlugin {
  const thresholds = parseThresholds(exprs);
  const minElapsedSec = options.minElapsedSec ?? 30;
  const sustainChecks = options.sustainChecks ?? 10;
  const failingStreak = new Array<number>(thresholds.length).fill(0);
  let elapsed: () => number = options.elapsedSec ?? (() => 0);

  return {
    name: 'threshold-abort',
    start(ctx: RunContext) {
      if (!options.elapsedSec) elapsed = () => ctx.now() / 1000;
    },
    shouldAbort() {
      if (thresholds.length === 0) return undefined;
      const summary = snapshot();
      const t = elapsed();
      for (let i = 0; i < thresholds.length; i++) {
        const th = thresholds[i]!;
        const r = evaluateThreshold(th, summary);
        if (r.pass || r.observed === null) {
          failingStreak[i] = 0;
          continue;
        }
        failingStreak[i]!++;
        const irrecoverable = th.figure.monotone && (th.op === '<' || th.op === '<=' || th.op === '==');
        if (irrecoverable) return `threshold lost for good: ${r.message}`;
        if (t >= minElapsedSec && failingStreak[i]! >= sustainChecks) {
          return `threshold failing for ${failingStreak[i]} consecutive checks after ${Math.round(t)}s: ${r.message}`;
        }
      }
      return undefined;
    },
  };
}
