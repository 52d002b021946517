// Scenario events that change the platform, not only the crowd: when a `translation` event fires (the feature
// launched mid-surge in January 2025), switch the target's translation on through its operator controls.
// Curve events (shock, cliff) already shape arrivals; `note` and `outage` events only mark the timeline.
import type { TargetControl } from '../target/control.ts';
import type { RunEvent } from '../observe/events.ts';
import type { RunPlugin } from './plugin.ts';

export function createEventActuatorPlugin(control: TargetControl, log: (line: string) => void): RunPlugin & { settled(): Promise<void> } {
  const pending: Promise<void>[] = [];
  const actuate = (event: RunEvent) => {
    if (event.kind !== 'translation') return;
    pending.push(
      control.setTranslation(true).then(
        () => log(`event ${event.name}: translation switched on at ${(event.at / 1000).toFixed(1)}s`),
        (e: Error) => log(`event ${event.name}: could not switch translation on: ${e.message}`),
      ),
    );
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
