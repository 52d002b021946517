// Event-loop delay as an overload signal: a rolling p99 over the last window, read without allocation on hot paths.
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

export interface LoopDelayMonitor {
  /** p99 event-loop delay over the last completed window, in ms. */
  delayMs(): number;
  close(): void;
}

export function startLoopDelayMonitor(windowMs = 1000, resolutionMs = 10): LoopDelayMonitor {
  const histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: resolutionMs });
  histogram.enable();
  let last = 0;
  const timer = setInterval(() => {
    last = histogram.percentile(99) / 1e6;
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
