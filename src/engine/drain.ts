// The stop logic of a run, written once (k6 keeps it in one helper beside its executors): after arrivals stop,
// in-flight work gets a grace period; then it is aborted and given a short moment to settle, and a run whose target
// ignores aborts still ends.
import { setTimeout as delay } from 'node:timers/promises';
import type { LogLevel } from '../run/plugin.ts';

export interface DrainOptions {
  /** Settles when every in-flight session (or worker) has finished. */
  drained: Promise<unknown>;
  /** plan.gracefulStopSec in ms. */
  graceMs: number;
  /** Aborted on a second Ctrl-C: stop waiting for the grace period. */
  hardSignal: AbortSignal;
  /** Abort what is still in flight (requests see it as 'aborted', not as target errors). */
  abortInFlight(): void;
  /** How long to wait for aborted work to settle before moving on without it. */
  settleMs: number;
  /** Log line when the grace period ends with work in flight, e.g. "aborting 3 session(s) still in flight". */
  describeInFlight(): string;
  /** Log line when aborted work did not settle in settleMs (omitted: say nothing). */
  describeIgnored?(): string;
  log(line: string, level?: LogLevel): void;
}

/** Returns true when everything finished within the grace period. */
export async function drainInFlight(o: DrainOptions): Promise<boolean> {
  const graceOver = new AbortController();
  const inTime = await Promise.race([
    o.drained.then(() => true),
    delay(o.graceMs, false, { signal: graceOver.signal }).catch(() => false),
    aborted(o.hardSignal).then(() => false),
  ]);
  graceOver.abort();
  if (inTime) return true;
  // Routine at the end of a run whose sessions outlast the grace period: information, not a warning.
  o.log(`drain: ${o.describeInFlight()}`, 'info');
  o.abortInFlight();
  const settleOver = new AbortController();
  const settled = await Promise.race([o.drained.then(() => true), delay(o.settleMs, false, { signal: settleOver.signal }).catch(() => false)]);
  settleOver.abort();
  if (!settled && o.describeIgnored) o.log(`drain: ${o.describeIgnored()}`);
  return false;
}

/** Resolves when the signal aborts (at once if it already has). */
export function aborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}
