// Event-loop delay as an overload signal: the p90 of the last window (one second by default), minus the sampling
// resolution, read without allocation on hot paths. p90 rather than p99 or max: with ~100 samples a second the p99 is
// the single worst tick, and one GC pause or one long embedded query should not shed a whole second of requests.
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

export interface LoopDelayMonitor {
  /** p90 event-loop delay over the last completed window, in ms (0 when the loop keeps up). */
  delayMs(): number;
  close(): void;
}

export function startLoopDelayMonitor(windowMs = 1000, resolutionMs = 10): LoopDelayMonitor {
  const histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: resolutionMs });
  histogram.enable();
  let last = 0;
  const timer = setInterval(() => {
    last = Math.max(0, histogram.percentile(90) / 1e6 - resolutionMs);
    histogram.reset();
  }, windowMs);
  timer.unref();
  return {
    delayMs: () => last,
    close() {
      clearInterval(timer);
      histogram.disable();
    },
  };
}

/** A fixed value, for tests and for switching the signal off. */
export function fixedLoopDelay(ms: () => number): LoopDelayMonitor {
  return { delayMs: ms, close() {} };
}
