// Locales a population can be drawn from, the language each speaks, and where its people live.
//
// Faker's locale data is loaded per locale, when a person of that locale is first named: '@faker-js/faker' itself
// imports every one of its ~70 locales (86 modules, 2.4 MB of source, ~160 ms of CPU at start — more through the
// TypeScript loader of a checkout), while a run usually names people of one or two. The per-locale entry points
// ('@faker-js/faker/locale/<name>') are ES modules, loaded synchronously with require() (Node >= 20.19, the engines
// floor), because naming a person is synchronous.
import { createRequire } from 'node:module';
import type { Faker, LocaleDefinition, Randomizer } from '@faker-js/faker';
import { Rng } from '../random/index.ts';

const requireModule = createRequire(import.meta.url);

export interface LocaleInfo {
  /** ISO 639-1 primary language. */
  language: string;
  /** Default country when the time zone does not name one. */
  country: string;
  /** Faker locales whose definitions names are drawn from, most specific first (e.g. en_US, en, base). */
  fakerChain: string[];
  /** Names and handles come from our own fixtures instead of faker (faker's zh_CN usernames are random ASCII). */
  nameSource: 'faker' | 'zh';
}

/** Each chain is the one faker's own `@faker-js/faker/locale/<first>` instance is built from (checked by a test). */
export const LOCALES: Record<string, LocaleInfo> = {
  en_US: { language: 'en', country: 'US', fakerChain: ['en_US', 'en', 'base'], nameSource: 'faker' },
  en_GB: { language: 'en', country: 'GB', fakerChain: ['en_GB', 'en', 'base'], nameSource: 'faker' },
  en_CA: { language: 'en', country: 'CA', fakerChain: ['en_CA', 'en', 'base'], nameSource: 'faker' },
  en_AU: { language: 'en', country: 'AU', fakerChain: ['en_AU', 'en', 'base'], nameSource: 'faker' },
  zh_CN: { language: 'zh', country: 'CN', fakerChain: ['zh_CN', 'en', 'base'], nameSource: 'zh' },
  zh_TW: { language: 'zh', country: 'TW', fakerChain: ['zh_TW', 'en', 'base'], nameSource: 'zh' },
  es: { language: 'es', country: 'ES', fakerChain: ['es', 'en', 'base'], nameSource: 'faker' },
  es_MX: { language: 'es', country: 'MX', fakerChain: ['es_MX', 'es', 'en', 'base'], nameSource: 'faker' },
  pt_BR: { language: 'pt', country: 'BR', fakerChain: ['pt_BR', 'en', 'base'], nameSource: 'faker' },
  fr: { language: 'fr', country: 'FR', fakerChain: ['fr', 'en', 'base'], nameSource: 'faker' },
  de: { language: 'de', country: 'DE', fakerChain: ['de', 'en', 'base'], nameSource: 'faker' },
  ja: { language: 'ja', country: 'JP', fakerChain: ['ja', 'en', 'base'], nameSource: 'faker' },
  ko: { language: 'ko', country: 'KR', fakerChain: ['ko', 'en', 'base'], nameSource: 'faker' },
};

type FakerIndex = { Faker: typeof Faker; allLocales: Record<string, LocaleDefinition> };
let index: FakerIndex | undefined;
/** Every faker locale (the whole package): only for locales outside LOCALES. */
function fakerIndex(): FakerIndex {
  return (index ??= requireModule('@faker-js/faker') as FakerIndex);
}

const derived = new Map<string, LocaleInfo>();
const LOCALE_PATTERN = /^([a-z]{2,3})(?:[_-]([A-Z]{2}))?$/;

/**
 * Info for a locale: one of LOCALES, or derived for any `ll` / `ll_CC` name whose language faker knows
 * (e.g. de_DE, fr_FR, en_PH, es_US, zh_HK): faker's closest locale for names, `ll` as the language, `CC` as the
 * default country.
 */
export function localeInfo(locale: string, where = 'locale'): LocaleInfo {
  const known = LOCALES[locale] ?? derived.get(locale);
  if (known) return known;
  const m = LOCALE_PATTERN.exec(locale);
  const all = fakerIndex().allLocales;
  const language = m?.[1];
  const exactName = m ? locale.replace('-', '_') : undefined;
  const exact = exactName && all[exactName] ? exactName : undefined;
  const family = language ? (all[language] ? language : Object.values(LOCALES).find((l) => l.language === language)?.fakerChain[0]) : undefined;
  if (!m || !language || (!exact && !family)) {
    throw new Error(`${where}: unknown locale '${locale}' (use ll or ll_CC with a language faker knows, e.g. ${Object.keys(LOCALES).join(', ')})`);
  }
  const chain = [exact, family, 'en', 'base'].filter((d, i, a): d is string => !!d && a.indexOf(d) === i);
  const info: LocaleInfo = {
    language,
    country: m[2] ?? Object.values(LOCALES).find((l) => l.language === language)?.country ?? language.toUpperCase(),
    fakerChain: chain,
    nameSource: language === 'zh' ? 'zh' : 'faker',
  };
  derived.set(locale, info);
  return info;
}

const fakers = new Map<string, Faker>();

/**
 * Faker's default Mersenne Twister initialises 624 words on every seed() call; people are reseeded one by one, so
 * our small counter-seeded generator makes materialising a person several times cheaper.
 */
function fastRandomizer(): Randomizer {
  // Faker calls these unbound, so they are closures rather than methods.
  const rng = new Rng(0);
  return {
    next: () => rng.next(),
    seed: (seed: number | number[]) => {
      const s = Array.isArray(seed) ? seed : [seed];
      rng.reset(s[0] ?? 0, s[1] ?? 0, s[2] ?? 0, s[3] ?? 0);
    },
  };
}

/** One Faker per locale, reseeded per person by the caller (Faker instances are not shared across threads). */
export function fakerFor(locale: string): Faker {
  let f = fakers.get(locale);
  if (!f) {
    const info = localeInfo(locale);
    if (LOCALES[locale] === info) {
      // Faker's own instance for this locale is built from the same chain: its merged definitions, and its class.
      const own = (requireModule(`@faker-js/faker/locale/${info.fakerChain[0]}`) as { faker: Faker }).faker;
      const FakerClass = own.constructor as typeof Faker;
      f = new FakerClass({ locale: own.rawDefinitions, randomizer: fastRandomizer() });
    } else {
      const { Faker: FakerClass, allLocales } = fakerIndex();
      f = new FakerClass({ locale: info.fakerChain.map((name) => allLocales[name]), randomizer: fastRandomizer() });
    }
    fakers.set(locale, f);
  }
  return f;
}

/** Country of an IANA time zone, for the zones surge scenarios use; undefined means "use the locale's country". */
const TZ_COUNTRY: Record<string, string> = {
  'America/New_York': 'US', 'America/Chicago': 'US', 'America/Denver': 'US', 'America/Phoenix': 'US',
  'America/Los_Angeles': 'US', 'America/Anchorage': 'US', 'Pacific/Honolulu': 'US', 'America/Detroit': 'US',
  'America/Toronto': 'CA', 'America/Vancouver': 'CA', 'America/Edmonton': 'CA', 'America/Halifax': 'CA',
  'America/Mexico_City': 'MX', 'America/Sao_Paulo': 'BR', 'America/Argentina/Buenos_Aires': 'AR', 'America/Bogota': 'CO',
  'America/Lima': 'PE', 'America/Santiago': 'CL',
  'Europe/London': 'GB', 'Europe/Dublin': 'IE', 'Europe/Paris': 'FR', 'Europe/Berlin': 'DE', 'Europe/Madrid': 'ES',
  'Europe/Rome': 'IT', 'Europe/Amsterdam': 'NL', 'Europe/Lisbon': 'PT', 'Europe/Vienna': 'AT', 'Europe/Zurich': 'CH',
  'Europe/Stockholm': 'SE', 'Europe/Warsaw': 'PL', 'Europe/Brussels': 'BE',
  'Asia/Shanghai': 'CN', 'Asia/Chongqing': 'CN', 'Asia/Urumqi': 'CN', 'Asia/Hong_Kong': 'HK', 'Asia/Taipei': 'TW',
  'Asia/Singapore': 'SG', 'Asia/Kuala_Lumpur': 'MY', 'Asia/Tokyo': 'JP', 'Asia/Seoul': 'KR', 'Asia/Manila': 'PH',
  'Asia/Jakarta': 'ID', 'Asia/Bangkok': 'TH', 'Asia/Ho_Chi_Minh': 'VN', 'Asia/Kolkata': 'IN',
  'Australia/Sydney': 'AU', 'Australia/Melbourne': 'AU', 'Australia/Perth': 'AU', 'Australia/Brisbane': 'AU',
  'Pacific/Auckland': 'NZ', 'Africa/Lagos': 'NG', 'Africa/Nairobi': 'KE', 'Africa/Johannesburg': 'ZA', 'Africa/Cairo': 'EG',
};

export function countryOf(tz: string, locale: string): string {
  return TZ_COUNTRY[tz] ?? localeInfo(locale).country;
}

/** Throws a clear error for a zone the runtime does not know. */
export function checkTimeZone(tz: string, where: string): void {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
  } catch {
    throw new Error(`${where}: unknown IANA time zone '${tz}'`);
  }
}

/**
 * Default chance that a person with a given primary language also reads another one. Chinese incumbents who read
 * English and newcomers starting on Mandarin are both part of the story; a cohort can override these.
 */
export const DEFAULT_SECOND_LANGUAGES: Record<string, Record<string, number>> = {
  zh: { en: 0.3 },
  en: { zh: 0.04, es: 0.08 },
  es: { en: 0.55 },
  pt: { en: 0.45 },
  fr: { en: 0.5 },
  de: { en: 0.6 },
  ja: { en: 0.35 },
  ko: { en: 0.35 },
};
