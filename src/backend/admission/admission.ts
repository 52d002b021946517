// Admission control with priority classes (DESIGN.md §5). Requests hold a ticket while in flight; sheddable work
// (discover extras, translation, search) is refused at a lower watermark than critical work (signup, login, post,
// following feed), so under a surge the extras go first and the core paths keep their headroom.
// An event-loop delay above `maxEventLoopDelayMs` counts as overload too: it means the process is already behind
// however few requests are in flight (CPU-bound scrypt, ranking), and sheddable work is refused until it recovers.
import { Counter, Gauge, type Registry } from 'prom-client';
import type { AdmissionController, AdmissionTicket, Priority } from '../services.ts';
import type { LoopDelayMonitor } from './loop-delay.ts';

export interface AdmissionOptions {
  /** Requests in flight (per process) beyond which critical requests are shed. 0 disables admission control. */
  maxInFlight: number;
  /** Share of maxInFlight beyond which sheddable requests are shed (0..1). */
  sheddableShare: number;
  /** Event-loop delay (p90 over the last second, ms) beyond which sheddable requests are shed. 0 disables. */
  maxEventLoopDelayMs: number;
  /** Retry-After sent with a 503. */
  retryAfterSec: number;
}

export const DEFAULT_ADMISSION_OPTIONS: AdmissionOptions = {
  maxInFlight: 512,
  sheddableShare: 0.5,
  maxEventLoopDelayMs: 1000,
  retryAfterSec: 2,
};

export interface AdmissionMetrics {
  shed: Counter<'priority'>;
  inFlight: Gauge<'priority'>;
}

export function admissionMetrics(registry: Registry): AdmissionMetrics {
  return {
    shed: new Counter({
      name: 'social_shed_total',
      help: 'Requests refused with 503 by admission control, by priority class',
      labelNames: ['priority'],
      registers: [registry],
    }),
    inFlight: new Gauge({
      name: 'social_inflight_requests',
      help: 'Requests holding an admission ticket, by priority class',
      labelNames: ['priority'],
      registers: [registry],
    }),
  };
}

export class PriorityAdmissionController implements AdmissionController {
  private inFlight = 0;
  private readonly perPriority: Record<Priority, number> = { critical: 0, sheddable: 0 };
  private readonly opts: AdmissionOptions;
  /** The in-flight gauge's child per class, resolved once (a labelled set hashes its labels on every call). */
  private readonly inFlightGauge: Record<Priority, { set(v: number): void }>;

  constructor(
    options: Partial<AdmissionOptions>,
    private readonly metrics: AdmissionMetrics,
    private readonly loopDelay?: LoopDelayMonitor,
  ) {
    this.opts = { ...DEFAULT_ADMISSION_OPTIONS, ...options };
    this.inFlightGauge = { critical: metrics.inFlight.labels({ priority: 'critical' }), sheddable: metrics.inFlight.labels({ priority: 'sheddable' }) };
    for (const p of ['critical', 'sheddable'] as const) this.inFlightGauge[p].set(0);
  }

  current(): number {
    return this.inFlight;
  }

  tryAcquire(priority: Priority): AdmissionTicket | { retryAfterSec: number } {
    const { maxInFlight, sheddableShare, maxEventLoopDelayMs, retryAfterSec } = this.opts;
    if (maxInFlight > 0) {
      const limit = priority === 'critical' ? maxInFlight : Math.max(1, Math.floor(maxInFlight * sheddableShare));
      const loopOverloaded =
        priority === 'sheddable' && maxEventLoopDelayMs > 0 && (this.loopDelay?.delayMs() ?? 0) > maxEventLoopDelayMs;
      if (this.inFlight >= limit || loopOverloaded) {
        this.metrics.shed.inc({ priority });
        return { retryAfterSec };
      }
    }
    this.inFlight++;
    this.perPriority[priority]++;
    const gauge = this.inFlightGauge[priority];
    gauge.set(this.perPriority[priority]);
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.inFlight--;
        this.perPriority[priority]--;
        gauge.set(this.perPriority[priority]);
      },
    };
  }
}
