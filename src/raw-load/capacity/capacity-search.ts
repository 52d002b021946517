// `flashcrowd probe`: the highest request rate a target sustains while meeting an SLO, measured with autocannon.
// Rates grow geometrically until a step fails (SLO violated, or achieved rate < 95 % of intended), then a
// bisection between the last passing and first failing rate narrows the answer to `precision`.
import autocannon from 'autocannon';
import { violations, type SloClause, type StepFigures } from './slo.ts';

export interface ProbeOptions {
  url: string;
  slo: SloClause[];
  startRate: number;
  maxRate: number;
  stepDurationSec: number;
  connections: number;
  method?: string;
  body?: string;
  headers?: Record<string, string>;
  /** Stop bisecting when (fail - pass) / pass is below this. */
  precision?: number;
  maxSteps?: number;
  onStep?: (step: ProbeStep) => void;
  signal?: AbortSignal;
}

export interface ProbeStep {
  intendedRate: number;
  achievedRate: number;
  figures: StepFigures;
  pass: boolean;
  reasons: string[];
}

export interface ProbeResult {
  /** Highest rate that met the SLO, or 0 when even the start rate failed. */
  maxPassingRate: number;
  /** Lowest rate that failed, or null when the max rate still passed. */
  firstFailingRate: number | null;
  steps: ProbeStep[];
}

export const ACHIEVED_RATE_FLOOR = 0.95;

async function measure(options: ProbeOptions, rate: number): Promise<ProbeStep> {
  const instance = autocannon({
    url: options.url,
    method: (options.method ?? 'GET') as autocannon.Request['method'],
    body: options.body,
    headers: options.headers,
    connections: Math.max(1, Math.min(options.connections, rate)),
    overallRate: rate,
    duration: options.stepDurationSec,
  });
  const onAbort = () => (instance as unknown as { stop(): void }).stop();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const result = await instance;
  options.signal?.removeEventListener('abort', onAbort);
  const total = result.requests.total;
  const failed = result.errors + result.timeouts + result.non2xx;
  const figures: StepFigures = {
    p50: result.latency.p50,
    p90: result.latency.p90,
    p99: result.latency.p99,
    p999: result.latency.p99_9,
    errors: total > 0 ? failed / (total + result.errors + result.timeouts) : 1,
  };
  const achievedRate = total / Math.max(result.duration, 1e-9);
  const reasons = violations(options.slo, figures);
  if (achievedRate < rate * ACHIEVED_RATE_FLOOR) reasons.push(`achieved ${achievedRate.toFixed(1)}/s < ${(ACHIEVED_RATE_FLOOR * 100).toFixed(0)}% of ${rate}/s`);
  return { intendedRate: rate, achievedRate: Math.round(achievedRate * 10) / 10, figures, pass: reasons.length === 0, reasons };
}

export async function runProbe(options: ProbeOptions): Promise<ProbeResult> {
  const steps: ProbeStep[] = [];
  const precision = options.precision ?? 0.05;
  const maxSteps = options.maxSteps ?? 12;
  let pass = 0;
  let fail: number | null = null;
  let rate = options.startRate;
  const step = async (r: number) => {
    const s = await measure(options, Math.round(r));
    steps.push(s);
    options.onStep?.(s);
    return s.pass;
  };
  // Grow geometrically.
  while (steps.length < maxSteps && !options.signal?.aborted) {
    if (await step(rate)) {
      pass = rate;
      if (rate >= options.maxRate) break;
      rate = Math.min(options.maxRate, rate * 2);
    } else {
      fail = rate;
      break;
    }
  }
  // Bisect.
  while (fail !== null && pass > 0 && (fail - pass) / pass > precision && steps.length < maxSteps && !options.signal?.aborted) {
    const mid = Math.round((pass + fail) / 2);
    if (mid === pass || mid === fail) break;
    if (await step(mid)) pass = mid;
    else fail = mid;
  }
  return { maxPassingRate: pass, firstFailingRate: fail, steps };
}
