// threads-launch-2023 — Meta's Threads opens, Jul 5 2023: 10 million signups in seven hours, each importing its
// Instagram follow graph.
//
// What it models: Threads went live about 7 pm US Eastern on Wed Jul 5 2023 (15 hours earlier than announced) in
// over 100 countries (not the EU). An account was an Instagram account: one tap to sign up, one more to "follow the
// same accounts you follow on Instagram". So every signup was a burst of follow writes, aimed overwhelmingly at the
// same few thousand celebrity, creator and brand accounts, some of which had been given early access. Zuckerberg
// counted the signups out loud: 2 M in two hours, 5 M in four, 10 M in seven, 30 M by the next morning.
//
// Public figures used (as reported):
//   [1] launch ~19:00 US Eastern Wed Jul 5 2023 (= Jul 5 23:00 UTC), ahead of the announced Jul 6 10:00 ET; over
//       100 countries, not the EU — CBS MoneyWatch, BBC, Newser.
//   [2] "2 million sign ups in the first two hours", then 5 M in four hours, then "10 million sign ups in seven
//       hours" — Mark Zuckerberg on Threads, Jul 5-6 (Fast Company, Newser, many others).
//   [3] "30 million sign ups as of this morning" — Zuckerberg on Threads, Thu Jul 6 ~11:00 ET (= 15:00 UTC).
//   [4] 70 million sign-ups by Friday morning Jul 7 — Adam Mosseri (head of Instagram) on Threads.
//   [5] 100 million sign-ups by Monday Jul 10 — Zuckerberg on Threads (widely reported Jul 10).
//   [6] sign-up with the Instagram account; option to follow the same accounts as on Instagram; accounts not yet on
//       Threads are followed when they join — Meta's launch post and app store listing (via The Verge, Guardian).
//   [7] celebrity and media accounts active from the first hour (Jennifer Lopez, Shakira, Hugh Jackman, The
//       Washington Post, The Economist); Zuckerberg's own account passed ~900 K followers within hours — CBS,
//       Republic World.
//
// ASSUMPTIONS (every number that is not one of the figures above):
//   A1 the story runs 5 days from the launch, Jul 5 23:00 UTC, to Jul 10 23:00 UTC.
//   A2 signups per hour, piecewise linear through the knots SIGNUPS_PER_HOUR (below), chosen so the cumulative count
//      passes [2] at 2 h, 4 h and 7 h, [3] at 16 h, [4] at 39 h (Fri Jul 7 14:00 UTC) and [5] at 113 h (Mon Jul 10
//      16:00 UTC). The hours in between are interpolated, so the shape between anchors is a parameter. The counts are
//      worldwide and already carry the day/night cycle of the places signing up, so no daily cycle is added.
//   A3 where the signups came from: 35 % US, 25 % India, 20 % Brazil, 20 % Mexico and the rest of Latin America
//      (Spanish). A split by country was not published for the first days; this is a parameter. Japan, a large
//      early audience, is left out (no Japanese corpus).
//   A4 the follow import: every newcomer (but lurkers) makes 50 follows right after signup (the engine's onboarding
//      cap; Instagram users follow hundreds of accounts [6], of which only those already on Threads can be followed
//      at once), 85 % to popular accounts — celebrities first, by Zipf rank — and 60 % in their own language (big
//      accounts are followed across languages). Pending follows applied when a big account joins later [6] are not
//      modelled. In the first 7 hours this is ~0.5 billion follow writes, ~19 K a second.
//   A5 celebrities: 10,000 early-access creator, brand and media accounts [7] that exist before the launch and post
//      often; at the default sample, a few accounts that every newcomer follows.
//   A6 newcomers mostly sign up once and look around (returningShare 0.3, 12 actions), post a first "hello" thread.
//
// Playback: 5 days in 10 minutes at sample 0.000005 (~500 signups, each with 50 follows). A 40-second run of the
// first 7 hours at a larger sample (what it measured: docs/scenarios.md):
//   flashcrowd run scenarios/threads-launch-2023.ts --duration 7h --compress '7h->40s' --sample 0.00002
import { constant, defineScenario, product, type Curve } from 'flashcrowd';

const START = '2023-07-05T23:00:00Z'; // A1 [1]
const DURATION = '5d';
const HOUR = 3600;

/** Piecewise-linear curve through [scenario second, value] knots: a csv curve whose points are written inline. */
const knots = (label: string, points: Array<[number, number]>): Curve => ({ kind: 'csv', path: label, points });

// A2: signups per hour at hours after the launch.
export const SIGNUPS_PER_HOUR: Array<[number, number]> = [
  [0, 600_000], // a push to everyone who had pre-ordered the app
  [2, 1_400_000], // 2 M by 2 h [2]
  [4, 1_600_000], // 5 M by 4 h [2]
  [7, 1_730_000], // 10 M by 7 h [2]
  [16, 2_710_000], // 30 M by 16 h [3]: India's and Brazil's day, the US evening before
  [39, 750_000], // 70 M by 39 h [4]
  [70, 400_000],
  [113, 150_000], // 100 M by 113 h [5]
  [120, 130_000],
];

const RETURNING = 0.3; // A6
const signupsPerSecond = knots(
  'threads-launch-2023 signups per hour (A2)',
  SIGNUPS_PER_HOUR.map(([hours, perHour]) => [hours * HOUR, perHour / HOUR]),
);
/** Arrivals of one region: its share of signups, divided by 1 - returningShare (the plan signs up 1 - r of them). */
const region = (share: number) => product(signupsPerSecond, constant(share / (1 - RETURNING)));

const newcomer = {
  returningShare: RETURNING,
  personas: { newcomer: 0.88, creator: 0.07, lurker: 0.05 },
  behaviour: {
    actionsPerSession: 12,
    thinkTime: '2s',
    introPosts: 1,
    weights: { readFollowing: 5, readDiscover: 4, like: 4, comment: 1.2, post: 0.6, translate: 0, report: 0.02, follow: 1.5 },
  },
  follow: { count: 50, popularShare: 0.85, sameLanguageShare: 0.6 }, // A4
  inFlightCap: 8000,
};
const posts = (language: string) => ({
  kinds: { intro: 4, daily_life: 3, pet: 1, hobby: 1 },
  languages: language === 'en' ? { en: 1 } : { [language]: 0.8, en: 0.2 },
  mediaShare: 0.3,
  markerShare: 0.003,
  commentAlpha: 1.6,
});

export default defineScenario({
  name: 'threads-launch-2023',
  description: 'Threads launches, Jul 5 2023: 10 M signups in 7 h, each importing its Instagram follow graph',
  seed: 20230705,
  timeline: {
    start: START,
    duration: DURATION,
    compress: '5d->10m',
    sample: 0.000005,
    gracefulStop: '15s',
  },
  cohorts: [
    {
      name: 'celebrities',
      description: 'early-access creators, brands and media (A5 [7])',
      preexisting: true,
      size: 10_000,
      sessionsPerPerson: 10,
      curve: constant(1),
      locales: { en_US: 0.6, pt_BR: 0.15, es_MX: 0.15, en_IN: 0.1 },
      timeZones: { 'America/New_York': 0.35, 'America/Los_Angeles': 0.25, 'America/Sao_Paulo': 0.15, 'America/Mexico_City': 0.15, 'Asia/Kolkata': 0.1 },
      personas: { creator: 1 },
      behaviour: { actionsPerSession: 8, thinkTime: '3s', weights: { readFollowing: 3, readDiscover: 2, like: 2, comment: 2, post: 3, translate: 0, follow: 0.2 } },
      follow: { count: 10, popularShare: 0.9, sameLanguageShare: 0.7 },
      content: { kinds: { intro: 2, daily_life: 3, hobby: 1, welcome: 2 }, languages: { en: 0.8, pt: 0.1, es: 0.1 }, mediaShare: 0.5, commentAlpha: 1.4 },
      inFlightCap: 1000,
    },
    {
      ...newcomer,
      name: 'newcomers-us',
      description: 'US Instagram users (A3)',
      curve: region(0.35),
      locales: { en_US: 0.9, es_US: 0.1 },
      timeZones: { 'America/New_York': 0.45, 'America/Chicago': 0.25, 'America/Denver': 0.08, 'America/Los_Angeles': 0.22 },
      content: posts('en'),
    },
    {
      ...newcomer,
      name: 'newcomers-in',
      description: 'Indian Instagram users, posting in English (A3)',
      curve: region(0.25),
      locales: { en_IN: 1 },
      timeZones: { 'Asia/Kolkata': 1 },
      content: posts('en'),
    },
    {
      ...newcomer,
      name: 'newcomers-br',
      description: 'Brazilian Instagram users (A3)',
      curve: region(0.2),
      locales: { pt_BR: 1 },
      timeZones: { 'America/Sao_Paulo': 1 },
      content: posts('pt'),
    },
    {
      ...newcomer,
      name: 'newcomers-latam',
      description: 'Spanish-speaking Instagram users in Mexico and Latin America (A3)',
      curve: region(0.2),
      locales: { es_MX: 0.6, es_AR: 0.2, es_CO: 0.2 },
      timeZones: { 'America/Mexico_City': 0.6, 'America/Argentina/Buenos_Aires': 0.2, 'America/Bogota': 0.2 },
      content: posts('es'),
    },
  ],
  events: [
    { name: 'launch', kind: 'note', at: 0, description: 'Threads goes live, 15 h early [1]' },
    { name: 'two-million', kind: 'note', at: 2 * HOUR, description: '"2 million sign ups in the first two hours" [2]' },
    { name: 'ten-million', kind: 'note', at: 7 * HOUR, description: '"10 million sign ups in seven hours" [2]' },
    { name: 'thirty-million', kind: 'note', at: 16 * HOUR, description: '"30 million sign ups as of this morning" [3]' },
    { name: 'seventy-million', kind: 'note', at: 39 * HOUR, description: '70 million sign-ups [4]' },
    { name: 'hundred-million', kind: 'note', at: 113 * HOUR, description: '100 million sign-ups [5]' },
  ],
  observers: {
    probeReaders: { en: 3, pt: 1, es: 1 },
    pollInterval: '1s',
    recallK: 20,
    recallGrace: '5s',
  },
  thresholds: [
    'p99(signup) < 1500ms',
    'p99(follow) < 800ms',
    'p99(feed_following) < 800ms',
    'freshness.p95 < 10s',
    'recall.mean > 0.9',
    'lostWrites == 0',
    'dropped.rate < 0.01',
  ],
});
