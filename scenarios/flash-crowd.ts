// flash-crowd — a generic flash crowd, parameterised: a quiet baseline, an exponential rush to a peak, then a
// power-law tail. Scenario time is wall time (no compression), so the peak is literally arrivals per second.
// Use it to answer "what happens at N signups per second?" against any target.
//
//   FLASHCROWD_PEAK_RATE=200 FLASHCROWD_DURATION=3m flashcrowd run scenarios/flash-crowd.ts --target http://127.0.0.1:8080
//
// Environment (all optional): FLASHCROWD_PEAK_RATE (arrivals/s at the peak, default 50), FLASHCROWD_DURATION
// (default 2m), FLASHCROWD_PEAK_AT (default 30s), FLASHCROWD_RAMP (e-folding time of the rise, default 8s),
// FLASHCROWD_TAU (default 20s), FLASHCROWD_ALPHA (decay exponent, default 1.2), FLASHCROWD_BASELINE (incumbent
// sessions per second, default 2). Or import { flashCrowdScenario } and call it with the same options.
import { constant, defineScenario, flashCrowd, type ScenarioInput } from 'flashcrowd';

export interface FlashCrowdOptions {
  peakRate?: number;
  duration?: string;
  peakAt?: string;
  ramp?: string;
  tau?: string;
  alpha?: number;
  baseline?: number;
  seed?: number;
}

export function flashCrowdScenario(o: FlashCrowdOptions = {}): ScenarioInput {
  const duration = o.duration ?? '2m';
  return defineScenario({
    name: 'flash-crowd',
    description: `generic flash crowd: up to ${o.peakRate ?? 50} arrivals/s`,
    seed: o.seed ?? 1,
    timeline: { start: '2025-01-13T01:00:00Z', duration, compress: 1, sample: 1, gracefulStop: '10s' },
    cohorts: [
      {
        name: 'incumbents',
        preexisting: true,
        size: 200,
        curve: constant(o.baseline ?? 2),
        curveIs: 'rate',
        locales: { zh_CN: 1 },
        alsoReads: { en: 0.3 },
        timeZones: { 'Asia/Shanghai': 1 },
        content: { kinds: { daily_life: 2, welcome: 1, pet: 1 }, languages: { zh: 0.8, en: 0.2 } },
        inFlightCap: 1000,
      },
      {
        name: 'newcomers',
        curve: flashCrowd({
          peak: o.peakRate ?? 50,
          at: o.peakAt ?? '30s',
          ramp: o.ramp ?? '8s',
          tau: o.tau ?? '20s',
          alpha: o.alpha ?? 1.2,
        }),
        returningShare: 0.05,
        locales: { en_US: 0.8, en_GB: 0.2 },
        timeZones: { 'America/New_York': 0.6, 'America/Los_Angeles': 0.4 },
        behaviour: { actionsPerSession: 6, thinkTime: '1s', introPosts: 1 },
        content: { kinds: { intro: 2, pet: 1, daily_life: 1 }, languages: { en: 0.95, 'en-mixed': 0.05 }, markerShare: 0.01 },
        inFlightCap: 5000,
      },
    ],
    observers: { probeReaders: { en: 2, zh: 2 }, pollInterval: '1s' },
    thresholds: ['p99(signup) < 1000ms', 'dropped.rate < 0.01', 'lostWrites == 0'],
  });
}

const env = process.env;
const num = (v: string | undefined) => (v === undefined || v === '' ? undefined : Number(v));

export default flashCrowdScenario({
  peakRate: num(env.FLASHCROWD_PEAK_RATE),
  duration: env.FLASHCROWD_DURATION || undefined,
  peakAt: env.FLASHCROWD_PEAK_AT || undefined,
  ramp: env.FLASHCROWD_RAMP || undefined,
  tau: env.FLASHCROWD_TAU || undefined,
  alpha: num(env.FLASHCROWD_ALPHA),
  baseline: num(env.FLASHCROWD_BASELINE),
});
