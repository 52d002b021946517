// A surge scenario, scaffolded by `flashcrowd init`: a community that was there before is joined by a crowd of
// newcomers arriving all at once. Edit it into the day you want to rehearse.
//
//   npx flashcrowd plan load/surge.ts                      # validate and see the arrivals over time, no traffic
//   npx flashcrowd run load/surge.ts                       # against flashcrowd's embedded reference backend
//   npx flashcrowd run load/surge.ts --adapter load/adapter.ts --target http://127.0.0.1:8080   # against yours
//
// Every field is documented in node_modules/flashcrowd/docs/scenarios.md; the editor shows the types too.
import { constant, defineScenario, flashCrowd } from 'flashcrowd';

export default defineScenario({
  name: 'surge',
  description: 'incumbents + a flash crowd of newcomers, 30 s of wall time',
  // Same seed, same people, same posts, same arrival times: runs are comparable.
  seed: 1,
  timeline: {
    // When the story happens: time zones and daily rhythms (diurnal curves) are read against it.
    start: '2025-06-02T15:00:00Z',
    // Scenario time is the story's clock; `compress` plays it faster on the wall clock. 30 minutes in 30 seconds.
    duration: '30m',
    compress: '30m->30s',
    // Share of the story's people who are actually played (1 = all). Real events are millions: sample them down.
    sample: 1,
    gracefulStop: '5s',
  },
  cohorts: [
    {
      name: 'incumbents',
      description: 'people who were there before (accounts created before the run)',
      preexisting: true,
      size: 40,
      curve: constant(1), // sessions arrive at a steady rate, relative to the cohort's size
      locales: { en_US: 1 },
      timeZones: { 'America/New_York': 1 },
      personas: { incumbent: 0.8, creator: 0.2 },
      behaviour: {
        actionsPerSession: 5,
        thinkTime: '300ms',
        // Relative weights of what a session does. An action your adapter declares unsupported is left out and the
        // rest renormalised (the report says what was skipped).
        weights: { readFollowing: 3, readDiscover: 2, like: 2, comment: 1, post: 1, follow: 0.5 },
      },
      follow: { count: 4, popularShare: 0.3, sameLanguageShare: 0.8 },
      content: { kinds: { daily_life: 2, pet: 1 }, languages: { en: 1 }, mediaShare: 0.2 },
    },
    {
      name: 'newcomers',
      description: 'the crowd: everyone arrives within minutes',
      size: 80,
      // Exponential ramp to a peak at 5 minutes, then a power-law decay (tau, alpha).
      curve: flashCrowd({ peak: 1, at: '5m', ramp: '2m', tau: '5m', alpha: 1.5 }),
      returningShare: 0.1,
      locales: { en_US: 0.5, es_ES: 0.5 },
      alsoReads: { en: 0.5 },
      timeZones: { 'America/Los_Angeles': 0.5, 'Europe/Madrid': 0.5 },
      personas: { newcomer: 1 },
      behaviour: {
        actionsPerSession: 5,
        thinkTime: '300ms',
        introPosts: 1, // every newcomer introduces themselves first
        weights: { readFollowing: 2, readDiscover: 4, like: 3, comment: 1, post: 1, follow: 1 },
      },
      follow: { count: 5, popularShare: 0.6, sameLanguageShare: 0.5 },
      content: { kinds: { intro: 3, daily_life: 1 }, languages: { en: 0.5, es: 0.5 }, mediaShare: 0.3 },
    },
  ],
  observers: {
    // Probe readers poll following feeds to measure freshness and recall, per language.
    probeReaders: { en: 2, es: 1 },
    pollInterval: '500ms',
    recallK: 20,
    recallGrace: '2s',
  },
  // Each threshold is one JUnit test case; any failure makes the run exit 99 (your CI job fails).
  thresholds: [
    'p99(signup) < 2000ms',
    'p95(feed_following) < 1000ms',
    'freshness.p95 < 10s',
    'lostWrites == 0',
    'dropped.rate < 0.01',
    'errors.rate < 0.05',
  ],
});
