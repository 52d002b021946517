// Fan-out of RunObserver events to every subscriber (engine recorders first, then plugins). Built once per run:
// one array of bound handlers per event, so dispatch is a loop with no lookups.
import type { RunObserver } from './events.ts';

const EVENTS = [
  'onArrival',
  'onRequest',
  'onSessionStart',
  'onSessionEnd',
  'onAccount',
  'onFollow',
  'onPost',
  'onComment',
  'onFeedRead',
  'onPostLookup',
  'onEvent',
] as const satisfies readonly (keyof RunObserver)[];

export function fanOut(observers: (RunObserver | undefined)[], onError?: (event: string, err: unknown) => void): Required<RunObserver> {
  const out = {} as Record<string, (...args: unknown[]) => void>;
  for (const event of EVENTS) {
    const handlers = observers
      .map((o) => (o && typeof o[event] === 'function' ? (o[event] as (...a: unknown[]) => void).bind(o) : undefined))
      .filter((h): h is (...a: unknown[]) => void => h !== undefined);
    out[event] = (...args: unknown[]) => {
      for (let i = 0; i < handlers.length; i++) {
        try {
          handlers[i](...args);
        } catch (err) {
          // A failing observer must not take the run down with it; it is reported once per event kind.
          onError?.(event, err);
        }
      }
    };
  }
  return out as unknown as Required<RunObserver>;
}
