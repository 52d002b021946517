// bluesky-brazil-2024 — the Portuguese-speaking wave onto Bluesky after Brazil suspended X, Aug 26 - Sep 9 2024.
//
// What it models: on Aug 28 2024 a Brazilian Supreme Court justice gave X 24 hours to name a legal representative;
// on Fri Aug 30 he ordered X suspended nationwide, and the block took hold overnight. X's Brazilian users — one of
// its largest national audiences — moved in days, many to Bluesky: about a million signups in three days and 2.6
// million in a week, 85 % of them from Brazil, onto a network of ~6 M accounts that mostly posted in English (and
// Japanese). Within two days most posts on Bluesky were in Portuguese: a language flood like RedNote's in January
// 2025, the other way round — here the incumbents are the English speakers whose discover feeds fill with a
// language many of them do not read.
//
// Public figures used (as reported):
//   [1] Aug 28: 24-hour ultimatum to X; Aug 30: suspension ordered by Justice Alexandre de Moraes; the block took
//       effect overnight into Aug 31; upheld unanimously by a panel of the court on Sep 2 (AP, Reuters, BBC).
//   [2] "Brazil, you're setting new all-time-highs for activity on Bluesky" — @bsky.app, 2024-08-30T20:56Z.
//   [3] "ONE MILLION new users in the last three days" — @bsky.app, 2024-08-31T21:21Z.
//   [4] "TWO MILLION new people in the last week" — @bsky.app, Sep 2 2024 (afternoon, US time).
//   [5] "2.6 million users in the week after X was banned in Brazil — 85 % of them from Brazil" — Bluesky via AP
//       (Nov 2024, looking back).
//   [6] Portuguese was 73.7 % of posts Friday-Saturday (Aug 30-31), English 16.5 % — platform data via Folha de
//       S.Paulo; "over 880,000 new Brazilian users in two days", "fewer than 6 million users" before the ban.
//   [7] the firehose (every record written on the network) averaged ~1,300 % more events during the surge — Jaz,
//       jazco.dev (Sep 2024); Paul Frazee (Bluesky): "We've never seen traffic like this", relay at a new high of
//       ~1,000 events/s.
//   [8] Similarweb: Brazilian active users (Android) from under 50,000 before the ban to over 7.2 million — this
//       disagrees with Bluesky's own ~2.2 M Brazilian signups [5] (a panel estimate of app users, not accounts);
//       the plan follows Bluesky's counts and treats the Similarweb figure as an upper bound only.
//   [9] Portuguese-language starter packs helped Brazilian users arrive as communities — Balduf, Ascigil et al.,
//       "Bootstrapping Social Networks: Lessons from Bluesky Starter Packs", ICWSM 2025.
//
// ASSUMPTIONS (every number that is not one of the figures above):
//   A1 the story runs 14 days from Mon Aug 26 00:00 UTC to Sep 9 00:00 UTC (a quiet baseline before the ultimatum).
//   A2 daily signups, piecewise linear through one knot per UTC day (SIGNUPS_PER_DAY below), chosen to meet
//      [3] (1.0 M in the 72 h to Aug 31 21:00Z), [4] (2.0 M in the week to Sep 2 18:00Z) and [5] (2.6 M in the
//      week from Aug 30 00:00Z): ~30 K/day before, ~0.5 M/day on Aug 31 - Sep 1, decaying to 60 K/day by Sep 8.
//      The windows of [3]-[5] are read from the posts' times; each is taken as ±15 %.
//   A3 Brazilians are 85 % of the week's signups [5] (pt_BR, UTC-3, evening peak 21:00 local) but a few per cent of
//      the quiet days before; everyone else (English, some Spanish and German) keeps a ~30 K/day baseline that
//      doubles during the wave.
//   A4 incumbents: 6 M accounts [6]; about 1.1 M sessions a day that write ~1.0 M posts a day before the wave (about
//      half the per-account rate of Nov 2024, see bluesky-nov-2024.ts); 3 % of them are Brazilians from earlier
//      waves. Their posts are ~94 % English (no Japanese corpus: Japanese speakers are folded into English).
//   A5 Brazilian newcomers are heavy users (X's Brazilian audience had nowhere else to go): 24 actions a session
//      about a second apart, reply- and like-heavy, 40 follows on arrival (Portuguese starter packs [9], 90 % to Portuguese speakers),
//      one "cheguei" intro post; returningShare 0.5. With A4 this gives Portuguese ~74 % of all posts on Aug 30-31
//      [6] (test: ±10 points).
//   C1 (cross-check, [7]) writes (posts, likes, follows) on Aug 31 are ~6x those of Aug 26 in the plan, against
//      [7]'s ~14x for the firehose, which also carries reposts, blocks, profile, list and starter-pack records the
//      plan does not model, and the new accounts' own repository events.
//
// Playback: 14 days in 10 minutes at sample 0.0001 (~600 incumbent accounts set up first). A 45-second run of the
// first 7 days (to the peak and a day past it; what it measured: docs/scenarios.md):
//   flashcrowd run scenarios/bluesky-brazil-2024.ts --duration 7d --compress '7d->45s' --sample 0.00002
import { constant, defineScenario, diurnal, diurnalMix, product, type Curve } from 'flashcrowd';

const START = '2024-08-26T00:00:00Z'; // A1
const DURATION = '14d';
const DAY = 86_400;
const at = (iso: string) => (Date.parse(iso) - Date.parse(START)) / 1000;
const noon = (date: string) => at(`${date}T12:00:00Z`);

/** Piecewise-linear curve through [scenario second, value] knots: a csv curve whose points are written inline. */
const knots = (label: string, points: Array<[number, number]>): Curve => ({ kind: 'csv', path: label, points });

// A2 + A3: signups per day, one knot per UTC day (at noon): [date, Brazilians, everyone else].
export const SIGNUPS_PER_DAY: Array<[string, number, number]> = [
  ['2024-08-26', 2_000, 28_000],
  ['2024-08-27', 2_000, 28_000],
  ['2024-08-28', 30_000, 30_000], // ultimatum in the evening [1]
  ['2024-08-29', 160_000, 40_000],
  ['2024-08-30', 360_000, 60_000], // suspension ordered [1], all-time highs [2]
  ['2024-08-31', 410_000, 70_000], // X blocked; 1 M in three days [3]
  ['2024-09-01', 450_000, 70_000],
  ['2024-09-02', 360_000, 60_000], // 2 M in a week [4]; ban upheld [1]
  ['2024-09-03', 270_000, 50_000],
  ['2024-09-04', 205_000, 45_000],
  ['2024-09-05', 160_000, 40_000],
  ['2024-09-06', 125_000, 35_000],
  ['2024-09-08', 35_000, 25_000],
];

const RETURNING = 0.5; // A5
const perSecond = (perDay: number) => perDay / DAY;
// Arrivals per scenario second = signups / (1 - returningShare): the plan makes a signup of 1 - r of them.
const arrivals = (column: 1 | 2, day: Curve): Curve =>
  product(
    knots(
      `bluesky-brazil-2024 signups per day, ${column === 1 ? 'Brazil' : 'elsewhere'} (A2)`,
      SIGNUPS_PER_DAY.map((row) => [noon(row[0]), perSecond(row[column]) / (1 - RETURNING)]),
    ),
    day,
  );

const brazilEvening = diurnal({ tzOffsetHours: -3, amplitude: 0.5, peakHour: 21 });
const elsewhereEvening = diurnalMix({ '-5': 0.4, '-8': 0.2, '0': 0.2, '1': 0.2 }, { amplitude: 0.5, peakHour: 21 });
// A4: incumbents are mostly in US and European zones, with Japan's evening too.
const incumbentDay = diurnalMix({ '-5': 0.35, '-8': 0.2, '0': 0.1, '1': 0.1, '9': 0.2, '-3': 0.05 }, { amplitude: 0.5, peakHour: 21 });

const INCUMBENTS = 6_000_000; // A4 [6]
const INCUMBENT_SESSIONS_PER_DAY = 1_100_000; // A4

export default defineScenario({
  name: 'bluesky-brazil-2024',
  description: 'Brazil suspends X, Aug 30 2024: a Portuguese-speaking wave onto an English-speaking Bluesky',
  seed: 20240830,
  timeline: {
    start: START,
    duration: DURATION,
    compress: '14d->10m',
    sample: 0.0001,
    gracefulStop: '15s',
  },
  cohorts: [
    {
      name: 'incumbents',
      description: 'accounts from before the ban (A4), mostly English-speaking',
      preexisting: true,
      size: INCUMBENTS,
      curve: product(constant(perSecond(INCUMBENT_SESSIONS_PER_DAY)), incumbentDay),
      curveIs: 'rate',
      locales: { en_US: 0.7, en_GB: 0.1, en_CA: 0.05, en_AU: 0.05, pt_BR: 0.03, es_MX: 0.02, de: 0.05 },
      alsoReads: { pt: 0.03, es: 0.08 },
      timeZones: {
        'America/New_York': 0.35,
        'America/Los_Angeles': 0.2,
        'Europe/London': 0.1,
        'Europe/Berlin': 0.1,
        'Asia/Tokyo': 0.2,
        'America/Sao_Paulo': 0.05,
      },
      personas: { incumbent: 0.6, lurker: 0.25, helper: 0.1, creator: 0.05 },
      behaviour: {
        actionsPerSession: 10,
        thinkTime: '3s',
        weights: { readFollowing: 5, readDiscover: 3, like: 5, comment: 0.8, post: 0.4, translate: 0.3, report: 0.02, follow: 0.3 },
      },
      follow: { count: 20, popularShare: 0.5, sameLanguageShare: 0.85 },
      content: {
        kinds: { daily_life: 4, hobby: 2, pet: 2, recipe: 1, welcome: 1 },
        languages: { en: 0.94, pt: 0.03, es: 0.01, de: 0.02 },
        mediaShare: 0.3,
        commentAlpha: 2.0,
      },
      inFlightCap: 3000,
    },
    {
      name: 'newcomers-br',
      description: 'Brazilian X users after the suspension (A2, A3, A5), UTC-3',
      curve: arrivals(1, brazilEvening),
      returningShare: RETURNING,
      locales: { pt_BR: 1 },
      alsoReads: { en: 0.3, es: 0.1 },
      timeZones: { 'America/Sao_Paulo': 0.8, 'America/Fortaleza': 0.1, 'America/Manaus': 0.1 },
      personas: { newcomer: 0.85, creator: 0.05, helper: 0.03, lurker: 0.07 },
      behaviour: {
        actionsPerSession: 24,
        thinkTime: '1s',
        introPosts: 1,
        weights: { readFollowing: 5, readDiscover: 5, like: 9, comment: 3.2, post: 1.7, translate: 0.2, report: 0.03, follow: 2 },
      },
      follow: { count: 40, popularShare: 0.6, sameLanguageShare: 0.9 },
      content: {
        kinds: { intro: 3, daily_life: 3, pet: 2, hobby: 1, recipe: 1, culture_qa: 1, welcome: 1 },
        languages: { pt: 0.95, en: 0.05 },
        mediaShare: 0.35,
        markerShare: 0.01,
        commentAlpha: 1.7, // hot threads: everyone answering "is anyone there?"
      },
      inFlightCap: 6000,
    },
    {
      name: 'newcomers-other',
      description: 'the rest of the week\'s signups (A3): English speakers elsewhere',
      curve: arrivals(2, elsewhereEvening),
      returningShare: RETURNING,
      locales: { en_US: 0.6, en_GB: 0.2, es_MX: 0.1, de: 0.1 },
      timeZones: { 'America/New_York': 0.4, 'America/Los_Angeles': 0.2, 'Europe/London': 0.2, 'Europe/Berlin': 0.2 },
      personas: { newcomer: 0.9, lurker: 0.1 },
      behaviour: { actionsPerSession: 15, thinkTime: '2s', introPosts: 1, weights: { like: 5, follow: 2, translate: 0.3 } },
      follow: { count: 30, popularShare: 0.6, sameLanguageShare: 0.85 },
      content: { kinds: { intro: 2, daily_life: 3, pet: 1, hobby: 1 }, languages: { en: 0.9, es: 0.05, de: 0.05 }, mediaShare: 0.3, commentAlpha: 2.0 },
      inFlightCap: 2000,
    },
  ],
  events: [
    { name: 'ultimatum', kind: 'note', at: at('2024-08-28T23:00:00Z'), description: '24-hour ultimatum to X to name a legal representative [1]' },
    { name: 'suspension-ordered', kind: 'shock', at: at('2024-08-30T18:00:00Z'), description: 'X suspended in Brazil by court order [1]; "all-time highs" [2]' },
    { name: 'x-blocked', kind: 'note', at: at('2024-08-31T03:00:00Z'), description: 'providers block X overnight [1]' },
    { name: 'one-million', kind: 'note', at: at('2024-08-31T21:21:00Z'), description: '"one million new users in the last three days" [3]' },
    { name: 'ban-upheld', kind: 'note', at: at('2024-09-02T18:00:00Z'), description: 'court panel upholds the ban; "two million in the last week" [1][4]' },
  ],
  observers: {
    probeReaders: { en: 3, pt: 3 },
    pollInterval: '1s',
    recallK: 20,
    recallGrace: '5s',
    // The flood, the other way round: English readers' discover feeds filling with Portuguese.
    languageBands: { en: { foreignShareMax: 0.5, languageMatchMin: 0.6 }, pt: { languageMatchMin: 0.8 } },
  },
  thresholds: [
    'p99(signup) < 1500ms',
    'p99(follow) < 800ms',
    'p99(feed_following) < 800ms',
    'freshness.p95 < 10s',
    'recall.mean > 0.9',
    'foreignShare.en < 0.6',
    'lostWrites == 0',
    'dropped.rate < 0.01',
  ],
});
