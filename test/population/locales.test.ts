// Faker's locale data is loaded per locale (src/population/locales.ts): each known locale's chain must be the one
// faker's own per-locale instance is built from, so people are named exactly as from the whole package's definitions.
import { describe, expect, it } from 'vitest';
import { Faker, allLocales, type LocaleDefinition } from '@faker-js/faker';
import { createRequire } from 'node:module';
import { LOCALES, fakerFor, localeInfo } from '../../src/population/locales.ts';

const requireModule = createRequire(import.meta.url);
const byName = allLocales as Record<string, LocaleDefinition>;

describe('faker locales loaded one by one', () => {
  for (const [name, info] of Object.entries(LOCALES)) {
    it(`${name}: faker's own instance has the definitions of the chain ${info.fakerChain.join(' > ')}`, () => {
      const own = (requireModule(`@faker-js/faker/locale/${name}`) as { faker: Faker }).faker;
      const chained = new Faker({ locale: info.fakerChain.map((n) => byName[n]) });
      expect(own.rawDefinitions).toEqual(chained.rawDefinitions);
    });
  }

  it("a person's Faker has the definitions a Faker built from the whole package has, for known and derived locales", () => {
    for (const locale of ['en_US', 'es_MX', 'de', 'de_DE', 'fr_CA', 'en_PH']) {
      const reference = new Faker({ locale: localeInfo(locale).fakerChain.map((n) => byName[n]) });
      expect(fakerFor(locale).rawDefinitions).toEqual(reference.rawDefinitions);
    }
  });

  it('derived locales still validate against every faker locale', () => {
    expect(localeInfo('de_DE').fakerChain).toEqual(['de', 'en', 'base']);
    expect(localeInfo('fr_CA').fakerChain).toEqual(['fr_CA', 'fr', 'en', 'base']);
    expect(() => localeInfo('xx_YY')).toThrow(/unknown locale/);
  });
});
