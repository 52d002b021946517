// read-heavy — the fixed scenario of the session-mode engine benchmark (bench/engine-sessions.bench.ts, issue 15):
// 1,000 people who exist before the run (accounts and follows made in setup), 40 sessions/s of them, 20 actions per
// session (mean) with 50 ms think time, mostly following/discover reads, then likes, comments and posts. Bilingual
// content and two probe readers, so every feed-quality SLI and the audit run as in a real scenario.
// FLASHCROWD_BENCH_SECONDS sets the wall duration (default 60 s).
import { defineScenario, constant } from 'flashcrowd';

const seconds = Number(process.env.FLASHCROWD_BENCH_SECONDS ?? 60);

export default defineScenario({
  name: 'bench-read-heavy',
  description: '1,000 preexisting people, 40 sessions/s, 20 actions per session, 50 ms think time',
  seed: 15,
  timeline: { start: '2025-01-13T01:00:00Z', duration: `${seconds}s`, compress: 1, sample: 1, gracefulStop: '10s' },
  cohorts: [
    {
      name: 'people',
      preexisting: true,
      size: 1000,
      curve: constant(40),
      curveIs: 'rate',
      locales: { en_US: 0.6, zh_CN: 0.4 },
      alsoReads: { en: 0.3 },
      timeZones: { 'America/New_York': 0.5, 'Asia/Shanghai': 0.5 },
      personas: { incumbent: 0.6, lurker: 0.2, creator: 0.1, helper: 0.1 },
      behaviour: {
        actionsPerSession: 20,
        thinkTime: '50ms',
        weights: { readFollowing: 5, readDiscover: 4, like: 2, comment: 1, post: 0.5, translate: 0, report: 0, follow: 0.2 },
      },
      follow: { count: 10, popularShare: 0.3, sameLanguageShare: 0.6 },
      content: { kinds: { daily_life: 2, pet: 1, recipe: 1 }, languages: { en: 0.6, zh: 0.4 }, mediaShare: 0.2, markerShare: 0 },
      inFlightCap: 2000,
    },
  ],
  observers: { probeReaders: { en: 1, zh: 1 }, pollInterval: '500ms', recallK: 20, recallGrace: '2s' },
  thresholds: ['lostWrites == 0', 'errors.rate < 0.01'],
});
