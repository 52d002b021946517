// rednote-jan-2025 — the January 2025 "TikTok refugee" wave onto Xiaohongshu (RedNote).
//
// What it models: ahead of the US TikTok ban, a viral TikTok on Sun Jan 12 ~20:00 US Eastern (= Jan 13 01:00 UTC,
// 09:00 Beijing) sent English-speaking users to a Chinese-language app in a few hours. They signed up with almost no
// barrier, introduced themselves, posted pet photos ("cat tax"), and were answered — mostly in Chinese, some in
// English — by incumbents 13-16 hours ahead of them. The wave decayed, crested again when TikTok went dark on the
// evening of Jan 18 (US) and came back on Jan 19, and roughly halved after Jan 20. A translation button rolled out
// around Jan 19.
//
// Public figures used (sources as reported; see /docs/scenarios.md):
//   [1] onset: viral TikTok Sun Jan 12 ~20:00 ET = 2025-01-13T01:00Z.
//   [2] "more than 700,000 new users in two days" — company source via Reuters, Jan 14-15.
//   [3] US downloads +200 % year on year, +194 % week on week — Sensor Tower.
//   [4] US daily active users ~300 K the week before, <700 K on Jan 12, 3.4 M on Jan 13 — Similarweb via Reuters.
//       Later peak estimates disagree by an order of magnitude, so the peak here is a parameter, not a fact.
//   [5] #TikTokRefugee: ~114 K posts, 73 M views by Jan 14 18:00 Beijing (= Jan 14 10:00 UTC).
//   [6] second crest Jan 18-19 (TikTok dark the evening of Jan 18 US, back Jan 19); usage roughly halved after
//       Jan 20; Sensor Tower: average DAU Jan 20-22 17 % below Jan 13-19.
//   [7] translation button rolled out gradually around Jan 19, English notes and comments first.
//   [8] "Xiaohongshu is down" trended on Weibo on Jan 16 Beijing time (images failing to load).
//   [9] incumbents in UTC+8; newcomers mostly in US zones (UTC-5..-8), smaller shares from Europe, Australia,
//       Africa, Southeast Asia; Chinese users used the app by day, Americans by night.
//
// ASSUMPTIONS (every number below that is not one of the figures above):
//   A1 the story starts 6 h before the onset (baseline) and runs 10 days.
//   A2 main wave: exponential rise with e-folding time 4 h (a viral video doubling reach every ~3 h), peak 20 h after
//      the onset (US afternoon/evening of Jan 13), then power-law decay with tau 24 h, alpha 1.3.
//   A2b newcomers who stay: a retained level rising linearly to 30 % of the main peak over the first 72 h.
//   A3 second crest: a shock of 45 % of the main peak at Jan 19 03:30 UTC (TikTok going dark, ~22:30 ET Jan 18),
//      rising over 6 h and decaying over 18 h.
//   A4 exodus: arrivals fall to 50 % over 24 h from Jan 20 12:00 UTC (TikTok restored, "usage roughly halved" [6]).
//   A5 750,000 newcomers sign up in the first 48 h after the onset ([2] says "more than 700,000"); the 10-day sizes
//      are derived from that (computed below, not typed in).
//   A6 80 % of newcomers in US zones, 20 % elsewhere; the international wave peaks ~2.5 days later (the app was #1 in
//      the UK, Canada, Ireland, Italy by Jan 16).
//   A7 a newcomer's arrivals are 40 % signups, 60 % return visits (returningShare 0.6) throughout. This is a
//      simplification: in reality early arrivals were mostly signups and later ones mostly returns, so the plan
//      overstates late signups (about 3.7 M over the 10 days against the 0.75 M of A5 in the first two). With [4]
//      (3.4 M US DAU on Jan 13) as an upper bound: the plan has ~0.5 M US newcomer sessions on Jan 13 (UTC), well
//      below it, as it must be (DAU also counts pre-existing users and is a panel extrapolation). With A2b and A4,
//      newcomer sessions on Jan 20-22 average ~55 % of Jan 13-19: "roughly halved" [6].
//   A8 incumbents: 500,000 Chinese-speaking accounts stand for the part of a ~300 M MAU platform that meets the
//      newcomers; each opens ~8 sessions over the 10 days, by day in UTC+8 (evening peak 21:00).
//   A9 us-regulars: the ~300 K US daily users from before the wave [4], 4 sessions each over the story.
//   A10 daily cycles: amplitude 0.6, evening peaks (21:00 local) for everyone.
//   A11 content: newcomer posts ~90 % English, 8 % code-mixed, 2 % copied Chinese; incumbents reply ~70 % Chinese,
//      20 % English, 10 % mixed; 2 % of newcomer posts carry a moderation marker (watermarks, spam).
//   A12 cross-check with [5]: ~114 K tagged posts by Jan 14 10:00 UTC against the ~530 K newcomers the plan has by
//       then: about one newcomer in five used the tag; we model one introduction post per newcomer.
//
// Playback: 10 days in 10 minutes (x1440) at sample 0.0003 by default (laptop-sized). A 90-second demo of the first
// 48 h:  flashcrowd plan scenarios/rednote-jan-2025.ts --duration 54h --compress 54h->90s --sample 0.0005
import {
  bindEpoch,
  cliff,
  defineScenario,
  diurnal,
  diurnalMix,
  flashCrowd,
  integrate,
  parseDuration,
  product,
  ramp,
  shock,
  sum,
  type Curve,
} from 'flashcrowd';

const START = '2025-01-12T19:00:00Z'; // A1: onset [1] minus 6 h
const DURATION = '10d';
const h = (hours: number) => hours * 3600;
const ONSET = h(6); // 2025-01-13T01:00Z [1]
const at = (iso: string) => (Date.parse(iso) - Date.parse(START)) / 1000;

// A2 + A3 + A4
const mainWave = flashCrowd({ peak: 1, at: ONSET + h(20), ramp: '4h', tau: '24h', alpha: 1.3, onset: ONSET });
// A2b: newcomers who stay keep coming back: a retained level that builds over the first three days.
const retained = ramp({ from: 0, to: 0.3, start: ONSET, end: ONSET + h(72) });
const secondCrest = shock({ peak: 0.45, at: at('2025-01-19T03:30:00Z'), rise: '6h', decay: '18h' });
const exodus = cliff({ at: at('2025-01-20T12:00:00Z'), to: 0.5, over: '24h' });

// A10: US zones in January (standard time) [9]
const usDay = diurnalMix({ '-5': 0.45, '-6': 0.25, '-7': 0.08, '-8': 0.22 }, { amplitude: 0.6, peakHour: 21 });
const intlDay = diurnalMix({ '0': 0.3, '1': 0.3, '11': 0.15, '8': 0.1, '-5': 0.15 }, { amplitude: 0.6, peakHour: 21 });
const chinaDay = diurnal({ tzOffsetHours: 8, amplitude: 0.6, peakHour: 21 });

const usShape: Curve = product(sum(mainWave, retained, secondCrest), exodus, usDay);
// A6: the international wave follows ~2.5 days later, broader.
const intlShape: Curve = product(
  sum(flashCrowd({ peak: 1, at: ONSET + h(80), ramp: '12h', tau: '36h', alpha: 1.2, onset: ONSET }), retained, secondCrest),
  exodus,
  intlDay,
);

// A5 + A6: sizes from "750 K signups in the first 48 h". Shares are integrals of the shapes (diurnal bound to START).
const epoch = Date.parse(START) / 1000;
const storySec = parseDuration(DURATION);
const share48h = (shape: Curve): number => {
  const bound = bindEpoch(shape, epoch);
  return integrate(bound, ONSET, ONSET + h(48)) / integrate(bound, 0, storySec);
};
const SIGNUPS_FIRST_48H = 750_000;
const US_SHARE = 0.8;
const totalNewcomers = SIGNUPS_FIRST_48H / (US_SHARE * share48h(usShape) + (1 - US_SHARE) * share48h(intlShape));

const newcomerBehaviour = {
  actionsPerSession: 12,
  thinkTime: '3s',
  introPosts: 1,
  weights: { readFollowing: 2, readDiscover: 5, like: 4, comment: 2, post: 0.8, translate: 0.4, report: 0.01, follow: 1.5 },
};
const newcomerContent = {
  kinds: { intro: 3, pet: 3, daily_life: 2, culture_qa: 2, lihua: 1, homework: 1, recipe: 1, hobby: 1, language_learning: 1 },
  languages: { en: 0.9, 'en-mixed': 0.08, zh: 0.02 }, // A11
  mediaShare: 0.5,
  markerShare: 0.02,
  commentAlpha: 1.8, // heavy tail: hot intro and pet posts draw comment storms
};

export default defineScenario({
  name: 'rednote-jan-2025',
  description: 'TikTok refugees arrive on RedNote, Jan 12-22 2025: flash crowd, second crest, translation launch, exodus',
  seed: 20250113,
  timeline: {
    start: START,
    duration: DURATION,
    compress: '10d->10m',
    sample: 0.0003,
    gracefulStop: '15s',
  },
  cohorts: [
    {
      name: 'incumbents-cn',
      description: 'Chinese-speaking users who were there before (A8), UTC+8',
      preexisting: true,
      size: 500_000,
      sessionsPerPerson: 8,
      curve: chinaDay,
      locales: { zh_CN: 0.9, zh_TW: 0.05, zh_HK: 0.05 },
      alsoReads: { en: 0.35 },
      timeZones: { 'Asia/Shanghai': 1 },
      personas: { incumbent: 0.6, helper: 0.15, creator: 0.1, lurker: 0.15 },
      behaviour: {
        actionsPerSession: 10,
        thinkTime: '3s',
        weights: { readFollowing: 4, readDiscover: 4, like: 3, comment: 2.5, post: 0.5, translate: 0.6, report: 0.05, follow: 0.6 },
      },
      follow: { count: 4, popularShare: 0.3, sameLanguageShare: 0.6 },
      content: {
        kinds: { welcome: 2, pet: 2, daily_life: 3, recipe: 1, homework: 1, culture_qa: 1, language_learning: 1, lihua: 0.5 },
        languages: { zh: 0.7, en: 0.2, 'zh-mixed': 0.1 }, // A11
        mediaShare: 0.4,
        markerShare: 0.005,
        commentAlpha: 2.0,
      },
      inFlightCap: 2000,
    },
    {
      name: 'us-regulars',
      description: 'US users from before the wave (~300 K DAU the week before [4])',
      preexisting: true,
      size: 300_000,
      sessionsPerPerson: 4,
      curve: usDay,
      locales: { en_US: 1 },
      alsoReads: { zh: 0.3 },
      timeZones: { 'America/New_York': 0.45, 'America/Chicago': 0.25, 'America/Denver': 0.08, 'America/Los_Angeles': 0.22 },
      personas: { incumbent: 0.5, lurker: 0.3, creator: 0.2 },
      content: { kinds: { daily_life: 2, recipe: 1, hobby: 1 }, languages: { en: 0.8, 'en-mixed': 0.2 } },
      inFlightCap: 1000,
    },
    {
      name: 'newcomers-us',
      description: 'TikTok refugees in US zones (A2-A7)',
      size: Math.round(US_SHARE * totalNewcomers),
      curve: usShape,
      returningShare: 0.6,
      locales: { en_US: 0.95, es_US: 0.05 },
      alsoReads: { zh: 0.02, es: 0.05 },
      timeZones: { 'America/New_York': 0.45, 'America/Chicago': 0.25, 'America/Denver': 0.08, 'America/Los_Angeles': 0.22 },
      personas: { newcomer: 0.8, creator: 0.1, lurker: 0.1 },
      behaviour: newcomerBehaviour,
      follow: { count: 8, popularShare: 0.6, sameLanguageShare: 0.5 },
      content: newcomerContent,
      inFlightCap: 4000,
    },
    {
      name: 'newcomers-intl',
      description: 'newcomers from the UK, Europe, Australia, Southeast Asia and Africa (A6)',
      size: Math.round((1 - US_SHARE) * totalNewcomers),
      curve: intlShape,
      returningShare: 0.6,
      locales: { en_GB: 0.4, en_AU: 0.15, en_CA: 0.15, de_DE: 0.1, fr_FR: 0.1, en_PH: 0.1 },
      timeZones: {
        'Europe/London': 0.3,
        'Europe/Berlin': 0.3,
        'Australia/Sydney': 0.15,
        'Asia/Manila': 0.1,
        'America/Toronto': 0.15,
      },
      personas: { newcomer: 0.85, lurker: 0.15 },
      behaviour: newcomerBehaviour,
      follow: { count: 6, popularShare: 0.6, sameLanguageShare: 0.5 },
      content: newcomerContent, // German and French speakers posted in English too (the corpora are en and zh)
      inFlightCap: 2000,
    },
  ],
  events: [
    { name: 'onset', kind: 'note', at: ONSET, description: 'viral TikTok urges users to move to RedNote [1]' },
    { name: 'app-store-1', kind: 'note', at: at('2025-01-13T14:00:00Z'), description: '#1 free iPhone app in the US' },
    { name: 'images-down', kind: 'outage', at: at('2025-01-16T04:00:00Z'), description: '"Xiaohongshu is down" trends on Weibo [8]' },
    { name: 'second-shock', kind: 'shock', at: at('2025-01-19T03:30:00Z'), description: 'TikTok goes dark in the US (A3)' },
    { name: 'translation-launch', kind: 'translation', at: at('2025-01-19T06:00:00Z'), description: 'translate button rolls out, English first [7]' },
    { name: 'exodus', kind: 'cliff', at: at('2025-01-20T12:00:00Z'), description: 'TikTok restored; usage roughly halves (A4) [6]' },
  ],
  observers: {
    probeReaders: { en: 3, zh: 3 },
    pollInterval: '1s',
    recallK: 20,
    recallGrace: '5s',
    languageBands: { zh: { foreignShareMax: 0.5, languageMatchMin: 0.9 }, en: { languageMatchMin: 0.8 } },
  },
  thresholds: [
    'p99(signup) < 1500ms',
    'p99(feed_following) < 800ms',
    'p99(post) < 1000ms',
    'freshness.p95 < 10s',
    'recall.mean > 0.9',
    'foreignShare.zh < 0.6',
    'lostWrites == 0',
    'dropped.rate < 0.01',
  ],
});
