// exodus — the ban reversal. On Jan 19 2025 TikTok came back in the US and within days usage of RedNote by the
// newcomers roughly halved; observers called it a four-to-five-day phenomenon that then "fizzled" while some stayed.
// Here the newcomers already have accounts (they arrived in the surge), their sessions fall to a quarter over half a
// day, and the Chinese-speaking incumbents carry on. It checks the other direction of a surge: capacity freed,
// caches and timelines full of accounts that went quiet, and discover feeds for Chinese readers drifting back from
// English to Chinese (foreignShare.zh should fall).
// Three days played in 3 minutes (x1440).
import { cliff, defineScenario, diurnal, diurnalMix, product } from 'flashcrowd';

export default defineScenario({
  name: 'exodus',
  description: 'TikTok returns: newcomers leave, incumbents stay',
  seed: 19,
  timeline: { start: '2025-01-19T00:00:00Z', duration: '3d', compress: '3d->3m', sample: 0.0005, gracefulStop: '10s' },
  cohorts: [
    {
      name: 'incumbents-cn',
      preexisting: true,
      size: 500_000,
      sessionsPerPerson: 3,
      curve: diurnal({ tzOffsetHours: 8, amplitude: 0.6, peakHour: 21 }),
      locales: { zh_CN: 1 },
      alsoReads: { en: 0.35 },
      timeZones: { 'Asia/Shanghai': 1 },
      content: { kinds: { daily_life: 3, pet: 1, recipe: 1, welcome: 1 }, languages: { zh: 0.75, en: 0.15, 'zh-mixed': 0.1 } },
      inFlightCap: 2000,
    },
    {
      name: 'newcomers-leaving',
      description: 'TikTok refugees who signed up in the surge',
      preexisting: true,
      size: 600_000,
      sessionsPerPerson: 2,
      // TikTok back around midday Jan 19 (US); sessions fall to 25 % over 12 h, then stay (the ones who stayed)
      curve: product(
        diurnalMix({ '-5': 0.5, '-6': 0.25, '-8': 0.25 }, { amplitude: 0.6, peakHour: 21 }),
        cliff({ at: '17h', to: 0.25, over: '12h' }),
      ),
      locales: { en_US: 1 },
      alsoReads: { zh: 0.03 },
      timeZones: { 'America/New_York': 0.5, 'America/Chicago': 0.25, 'America/Los_Angeles': 0.25 },
      personas: { newcomer: 0.8, lurker: 0.2 },
      content: { kinds: { daily_life: 2, pet: 2, culture_qa: 1, language_learning: 1 }, languages: { en: 0.9, 'en-mixed': 0.1 } },
      inFlightCap: 2000,
    },
  ],
  events: [{ name: 'tiktok-returns', kind: 'cliff', at: '17h', description: 'TikTok service restored in the US' }],
  observers: { probeReaders: { en: 2, zh: 2 }, pollInterval: '1s', languageBands: { zh: { foreignShareMax: 0.5 } } },
  thresholds: ['foreignShare.zh < 0.5', 'p99(feed_discover) < 800ms', 'lostWrites == 0'],
});
