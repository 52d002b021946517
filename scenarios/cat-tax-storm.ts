// cat-tax-storm — comment storms. On the first surge day newcomers paid the "cat tax" (pet photos) and Chinese users
// answered under them with their own pets; a handful of posts drew thousands of comments within hours. This
// scenario holds arrivals steady and turns the content mix and the comment-storm exponent towards that: most actions
// are comments and likes, and commentAlpha 1.3 (a very heavy tail) concentrates them on a few hot posts. It stresses
// hot-row contention (comment counters, like counters), comment pagination and fan-out of popular authors.
// 6 hours of a surge afternoon played in 3 minutes (x120).
import { constant, defineScenario, shock, sum } from 'flashcrowd';

export default defineScenario({
  name: 'cat-tax-storm',
  description: 'a few hot pet posts draw comment storms from both communities',
  seed: 42,
  timeline: { start: '2025-01-13T20:00:00Z', duration: '6h', compress: '6h->3m', sample: 0.01, gracefulStop: '10s' },
  cohorts: [
    {
      name: 'incumbents',
      preexisting: true,
      size: 30_000,
      sessionsPerPerson: 1.5,
      locales: { zh_CN: 1 },
      alsoReads: { en: 0.3 },
      timeZones: { 'Asia/Shanghai': 1 },
      personas: { incumbent: 0.7, helper: 0.2, creator: 0.1 },
      behaviour: {
        actionsPerSession: 15,
        thinkTime: '1s',
        weights: { readFollowing: 1, readDiscover: 3, like: 4, comment: 6, post: 0.3, translate: 0.3, report: 0.01, follow: 0.5 },
      },
      content: { kinds: { pet: 5, welcome: 1, daily_life: 1 }, languages: { zh: 0.75, en: 0.15, 'zh-mixed': 0.1 }, mediaShare: 0.8, commentAlpha: 1.3 },
      inFlightCap: 2000,
    },
    {
      name: 'newcomers',
      size: 40_000,
      // steady arrivals with a burst when a pet post goes viral two hours in
      curve: sum(constant(1), shock({ peak: 2, at: '2h', rise: '10m', decay: '40m' })),
      returningShare: 0.3,
      locales: { en_US: 0.85, en_GB: 0.15 },
      timeZones: { 'America/New_York': 0.5, 'America/Chicago': 0.2, 'America/Los_Angeles': 0.3 },
      behaviour: {
        actionsPerSession: 12,
        thinkTime: '1s',
        introPosts: 1,
        weights: { readFollowing: 1, readDiscover: 4, like: 4, comment: 4, post: 1, translate: 0.5, report: 0.01, follow: 1 },
      },
      content: { kinds: { pet: 6, intro: 2, daily_life: 1 }, languages: { en: 0.9, 'en-mixed': 0.1 }, mediaShare: 0.9, commentAlpha: 1.3 },
      inFlightCap: 3000,
    },
  ],
  events: [{ name: 'viral-cat', kind: 'shock', at: '2h', description: 'a cat photo goes viral in both communities' }],
  observers: { probeReaders: { en: 2, zh: 2 }, pollInterval: '1s' },
  thresholds: ['p99(comment) < 1000ms', 'p99(list_comments) < 800ms', 'errors.rate < 0.01', 'lostWrites == 0'],
});
