// diurnal-bilingual — the steady state after a surge: two communities 13 hours apart sharing one app. Chinese
// speakers in UTC+8 are active by day (evening peak 21:00 Beijing), English speakers in UTC-5 by night, so the
// platform's load and its language mix swing twice a day. No flash crowd: this is the baseline to compare a surge
// against, and a test of whether discover feeds keep each reader's language band as the mix swings. The English
// community's daily shape comes from a CSV (fixtures/curves/weekday-evening.csv) to show csv curves in use.
// Two days played in 4 minutes (x720).
import { csv, defineScenario, diurnal } from 'flashcrowd';

export default defineScenario({
  name: 'diurnal-bilingual',
  description: 'two communities 13 h apart: load and language mix swing with the day',
  seed: 11,
  timeline: { start: '2025-02-10T00:00:00Z', duration: '48h', compress: '48h->4m', sample: 0.002, gracefulStop: '10s' },
  cohorts: [
    {
      name: 'zh-community',
      preexisting: true,
      size: 200_000,
      sessionsPerPerson: 3,
      curve: diurnal({ tzOffsetHours: 8, amplitude: 0.7, peakHour: 21 }),
      locales: { zh_CN: 1 },
      alsoReads: { en: 0.3 },
      timeZones: { 'Asia/Shanghai': 1 },
      personas: { incumbent: 0.7, creator: 0.1, lurker: 0.2 },
      content: { kinds: { daily_life: 3, recipe: 1, pet: 1, language_learning: 1 }, languages: { zh: 0.85, en: 0.1, 'zh-mixed': 0.05 } },
      inFlightCap: 2000,
    },
    {
      name: 'en-community',
      preexisting: true,
      size: 120_000,
      sessionsPerPerson: 3,
      // hour-of-day profile from the CSV, repeating daily; scenario time 0 is 00:00 UTC = 19:00 in UTC-5
      curve: csv('fixtures/curves/weekday-evening.csv', { period: '24h', offset: '19h' }),
      locales: { en_US: 1 },
      alsoReads: { zh: 0.1 },
      timeZones: { 'America/New_York': 1 },
      personas: { incumbent: 0.6, creator: 0.1, lurker: 0.3 },
      content: { kinds: { daily_life: 3, hobby: 2, pet: 1, culture_qa: 1 }, languages: { en: 0.9, 'en-mixed': 0.1 } },
      inFlightCap: 2000,
    },
  ],
  observers: {
    probeReaders: { en: 2, zh: 2 },
    pollInterval: '2s',
    languageBands: { zh: { foreignShareMax: 0.3 }, en: { foreignShareMax: 0.3 } },
  },
  thresholds: ['foreignShare.zh < 0.3', 'foreignShare.en < 0.3', 'freshness.p95 < 5s', 'lostWrites == 0'],
});
