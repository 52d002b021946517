// smoke — a 20-second CI check of the whole path, not a model of any real event.
// A small Chinese-speaking incumbent community (accounts created before the run, UTC+8) is joined by English-speaking
// newcomers arriving on a short flash-crowd curve. Newcomers introduce themselves, follow people and post (a few posts
// carry moderation markers); incumbents reply, mostly in Chinese, and ask for translations. Probe readers in English
// and Chinese measure freshness, recall and the language mix of discover feeds. The thresholds are ones a healthy
// embedded reference backend meets on a 2-core CI machine.
import { defineScenario, flashCrowd, constant } from 'flashcrowd';

export default defineScenario({
  name: 'smoke',
  description: 'CI smoke: zh incumbents + an English flash crowd, 20 s wall',
  seed: 7,
  timeline: {
    start: '2025-01-13T01:00:00Z',
    duration: '20m',
    compress: '20m->20s',
    sample: 1,
    gracefulStop: '5s',
  },
  cohorts: [
    {
      name: 'incumbents',
      description: 'Chinese-speaking users who were there before',
      preexisting: true,
      size: 40,
      curve: constant(1),
      sessionsPerPerson: 1.5,
      locales: { zh_CN: 1 },
      alsoReads: { en: 0.3 },
      timeZones: { 'Asia/Shanghai': 1 },
      personas: { incumbent: 0.7, helper: 0.2, creator: 0.1 },
      behaviour: {
        actionsPerSession: 5,
        thinkTime: '300ms',
        weights: { readFollowing: 3, readDiscover: 3, like: 2, comment: 2, post: 0.5, translate: 1, report: 0.05, follow: 0.5 },
      },
      follow: { count: 4, popularShare: 0.3, sameLanguageShare: 0.5 },
      content: {
        kinds: { daily_life: 2, pet: 1, welcome: 1, recipe: 1 },
        languages: { zh: 0.8, en: 0.1, 'zh-mixed': 0.1 },
        mediaShare: 0.3,
        markerShare: 0.02,
      },
      inFlightCap: 200,
    },
    {
      name: 'newcomers',
      description: 'English speakers arriving in a hurry',
      size: 60,
      curve: flashCrowd({ peak: 1, at: '4m', ramp: '1m', tau: '3m', alpha: 1.5 }),
      returningShare: 0.1,
      locales: { en_US: 0.8, en_GB: 0.2 },
      timeZones: { 'America/New_York': 0.5, 'America/Los_Angeles': 0.3, 'Europe/London': 0.2 },
      personas: { newcomer: 1 },
      behaviour: {
        actionsPerSession: 5,
        thinkTime: '300ms',
        introPosts: 1,
        weights: { readFollowing: 2, readDiscover: 4, like: 3, comment: 1, post: 1, translate: 0.5, report: 0.02, follow: 1 },
      },
      follow: { count: 5, popularShare: 0.6, sameLanguageShare: 0.4 },
      content: {
        kinds: { intro: 3, pet: 2, daily_life: 1, culture_qa: 1 },
        languages: { en: 0.9, 'en-mixed': 0.1 },
        mediaShare: 0.4,
        markerShare: 0.15, // enough marked posts in 20 s for moderation lag to be measured
      },
      inFlightCap: 200,
    },
  ],
  events: [{ name: 'translation-launch', kind: 'translation', at: '10m', description: 'translate button appears' }],
  observers: {
    probeReaders: { en: 2, zh: 2 },
    pollInterval: '500ms',
    recallK: 20,
    recallGrace: '2s',
    languageBands: { zh: { foreignShareMax: 0.9 }, en: { languageMatchMin: 0.5 } },
  },
  thresholds: [
    'p99(signup) < 2000ms',
    'p95(feed_following) < 1000ms',
    'lostWrites == 0',
    'dropped.rate < 0.01',
    'errors.rate < 0.05', // sheddable reads (discover, translation) may get 503 + Retry-After under a burst
    'recall.mean > 0.9',
  ],
});
