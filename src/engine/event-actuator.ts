// Scenario events that change the platform, not only the crowd: when a `translation` event fires (the feature
// launched mid-surge in January 2025), switch the target's translation on through its operator controls.
// Curve events (shock, cliff) already shape arrivals; `note` and `outage` events only mark the timeline.
import type { TargetControl } from '../target/control.ts';
import type { RunEvent } from '../run/events.ts';
import type { RunPlugin } from '../run/plugin.ts';

export interface ActuatorOptions {
  /** Tries of each switch: a target that is down (a fault window) gets retried, as an operator would. */
  attempts?: number;
  retryDelayMs?: number;
}

export function createEventActuatorPlugin(
  control: TargetControl,
  log: (line: string) => void,
  options: ActuatorOptions = {},
): RunPlugin & { settled(): Promise<void> } {
  const attempts = options.attempts ?? 10;
  const retryDelayMs = options.retryDelayMs ?? 1000;
  const pending: Promise<void>[] = [];
  const switchOn = async (event: RunEvent) => {
    for (let attempt = 1; ; attempt++) {
      try {
        await control.setTranslation(true);
        log(`event ${event.name}: translation switched on at ${(event.at / 1000).toFixed(1)}s${attempt > 1 ? ` (try ${attempt})` : ''}`);
        return;
      } catch (e) {
        if (attempt >= attempts) {
          log(`event ${event.name}: could not switch translation on after ${attempt} tries: ${(e as Error).message}`);
          return;
        }
        await new Promise((r) => setTimeout(r, retryDelayMs));
      }
    }
  };
  const actuate = (event: RunEvent) => {
    if (event.kind === 'translation') pending.push(switchOn(event));
  };
  return {
    name: 'event-actuator',
    observer: { onEvent: actuate },
    async stop() {
      await Promise.all(pending);
    },
    settled: () => Promise.all(pending).then(() => undefined),
  };
}
