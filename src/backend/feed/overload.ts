// The overload signal discover consults before ranking: fan-out backlog, event-loop delay and requests in flight.
// Any one above its threshold means "no time for ranking now" (a threshold of 0 switches that input off).
import type { LoopDelayMonitor } from '../admission/loop-delay.ts';

export interface OverloadOptions {
  /** Fan-out queue depth above which discover stops ranking. */
  maxFanoutBacklog: number;
  /** Event-loop delay p90 (ms) above which discover stops ranking. */
  maxEventLoopDelayMs: number;
  /** Requests in flight (this process) above which discover stops ranking. */
  maxInFlight: number;
}

export const DEFAULT_OVERLOAD_OPTIONS: OverloadOptions = {
  maxFanoutBacklog: 5_000,
  maxEventLoopDelayMs: 200,
  // Well below admission's sheddable limit (512 × 0.5): discover degrades to recency-only before it is shed.
  maxInFlight: 64,
};

export interface OverloadInputs {
  fanoutBacklog?: () => number;
  loopDelay?: LoopDelayMonitor;
  inFlight?: () => number;
}

export type OverloadCause = 'fanout-backlog' | 'event-loop-delay' | 'in-flight';

export class OverloadSignal {
  private readonly opts: OverloadOptions;

  constructor(
    private readonly inputs: OverloadInputs,
    options: Partial<OverloadOptions> = {},
  ) {
    this.opts = { ...DEFAULT_OVERLOAD_OPTIONS, ...options };
  }

  /** The first input over its threshold, or undefined when there is room to rank. */
  cause(): OverloadCause | undefined {
    const { maxFanoutBacklog, maxEventLoopDelayMs, maxInFlight } = this.opts;
    const { fanoutBacklog, loopDelay, inFlight } = this.inputs;
    if (maxFanoutBacklog > 0 && fanoutBacklog && fanoutBacklog() > maxFanoutBacklog) return 'fanout-backlog';
    if (maxEventLoopDelayMs > 0 && loopDelay && loopDelay.delayMs() > maxEventLoopDelayMs) return 'event-loop-delay';
    if (maxInFlight > 0 && inFlight && inFlight() > maxInFlight) return 'in-flight';
    return undefined;
  }
}
