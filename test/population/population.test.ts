import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { buildPopulation, createPopulation } from '../../src/population/store.ts';
import { HANDLE_PATTERN, makeHandle } from '../../src/population/names.ts';
import { PERSONAS } from '../../src/scenario/vocabulary.ts';
import { planOf, SURGE_SPEC } from './fixtures.ts';

const pop = buildPopulation(SURGE_SPEC);

describe('population store', () => {
  it('lays cohorts out contiguously in spec order', () => {
    expect(pop.size).toBe(20000);
    expect(pop.cohortRange('incumbents')).toEqual({ start: 0, count: 6000 });
    expect(pop.cohortRange('newcomers')).toEqual({ start: 6000, count: 14000 });
    expect(pop.person(5999).cohort).toBe('incumbents');
    expect(pop.person(6000).cohort).toBe('newcomers');
    expect(() => pop.cohortRange('nobody')).toThrow(/unknown cohort 'nobody'/);
    expect(() => pop.person(20000)).toThrow(RangeError);
  });

  it('is deterministic: same seed gives the same people, a different seed different ones', () => {
    const again = buildPopulation(SURGE_SPEC);
    const other = buildPopulation({ ...SURGE_SPEC, seed: SURGE_SPEC.seed + 1 });
    let differing = 0;
    for (const i of [0, 1, 17, 5999, 6000, 12345, 19999]) {
      expect(again.person(i)).toEqual(pop.person(i));
      if (JSON.stringify(other.person(i)) !== JSON.stringify(pop.person(i))) differing++;
    }
    expect(differing).toBeGreaterThanOrEqual(6);
  });

  it('materialises any index on its own, independent of what was materialised before', () => {
    const direct = buildPopulation(SURGE_SPEC).person(15000);
    const busy = buildPopulation(SURGE_SPEC);
    for (let i = 14000; i < 14999; i++) busy.person(i);
    expect(busy.person(15000)).toEqual(direct);
    // Repeated requests are served from the small cache and stay equal.
    expect(busy.person(15000)).toBe(busy.person(15000));
  });

  it('gives every person a unique handle valid for the reference API', () => {
    const seen = new Set<string>();
    for (let i = 0; i < pop.size; i++) {
      const p = pop.person(i);
      expect(p.handle).toMatch(HANDLE_PATTERN);
      seen.add(p.handle);
    }
    expect(seen.size).toBe(pop.size);
    // The base-36 suffix keeps handles unique even when bases collide or are long.
    expect(makeHandle('x'.repeat(80), 1)).toHaveLength(30);
    expect(makeHandle('Zoë O’Brien', 35)).toBe('zoe_o_brien_z');
    expect(makeHandle('王小明', 0)).toBe('user_0');
  });

  it('writes Chinese display names and pinyin handles for zh locales', () => {
    const { start, count } = pop.cohortRange('incumbents');
    let chinese = 0;
    let zh = 0;
    for (let i = start; i < start + count; i++) {
      const p = pop.person(i);
      if (p.primaryLanguage !== 'zh') continue;
      zh++;
      if (/^[\u4e00-\u9fff]{2,}/.test(p.displayName)) chinese++;
      expect(p.handle).toMatch(/^[a-z0-9_]+$/);
    }
    expect(zh).toBeGreaterThan(5000);
    expect(chinese / zh).toBeGreaterThan(0.99);
  });

  it('respects cohort locale, time-zone and persona mixes within tolerance', () => {
    const { start, count } = pop.cohortRange('newcomers');
    const counts = { en: 0, es: 0, pt: 0, fr: 0, de: 0, ny: 0, la: 0, newcomer: 0, lurker: 0 } as Record<string, number>;
    // Columns for the whole cohort (fast), full Person objects for a sample (they must agree).
    for (let i = start; i < start + count; i++) {
      counts[pop.primaryLanguage(i)]++;
      const tz = pop.timeZoneNames[pop.tzId[i]];
      if (tz === 'America/New_York') counts.ny++;
      if (tz === 'America/Los_Angeles') counts.la++;
      counts[pop.persona(i)]++;
    }
    for (let i = start; i < start + count; i += 97) {
      const p = pop.person(i);
      expect(p.languages[0]).toBe(p.primaryLanguage);
      expect(p.primaryLanguage).toBe(pop.primaryLanguage(i));
      expect(p.tz).toBe(pop.timeZoneNames[pop.tzId[i]]);
      expect(PERSONAS).toContain(p.persona);
    }
    const share = (k: string) => counts[k] / count;
    expect(share('en')).toBeCloseTo(0.8, 1);
    expect(Math.abs(share('es') - 0.05)).toBeLessThan(0.015);
    expect(Math.abs(share('de') - 0.05)).toBeLessThan(0.015);
    expect(Math.abs(share('ny') - 0.4)).toBeLessThan(0.02);
    expect(Math.abs(share('la') - 0.25)).toBeLessThan(0.02);
    expect(Math.abs(share('newcomer') - 0.85)).toBeLessThan(0.02);
  });

  it('derives country from the time zone and keeps activity around a mean of 1', () => {
    const p = pop.person(0);
    expect(p.country).toBe(p.tz === 'Asia/Taipei' ? 'TW' : 'CN');
    let sum = 0;
    for (let i = 0; i < pop.size; i++) sum += pop.activity[i];
    expect(sum / pop.size).toBeGreaterThan(0.9);
    expect(sum / pop.size).toBeLessThan(1.1);
  });

  it('gives some Chinese incumbents English as a second language', () => {
    const { start, count } = pop.cohortRange('incumbents');
    let bilingual = 0;
    let zh = 0;
    for (let i = start; i < start + count; i++) {
      if (pop.primaryLanguage(i) !== 'zh') continue;
      zh++;
      if (pop.readsLanguage(i, 'en')) bilingual++;
    }
    expect(bilingual / zh).toBeGreaterThan(0.25);
    expect(bilingual / zh).toBeLessThan(0.35);
  });

  it('builds from a compiled plan with the same layout', () => {
    const fromPlan = createPopulation(planOf(SURGE_SPEC));
    expect(fromPlan.size).toBe(pop.size);
    expect(fromPlan.person(7000)).toEqual(pop.person(7000));
  });

  it('rejects bad specs with the field path', () => {
    const bad = structuredClone(SURGE_SPEC);
    bad.cohorts[1].locales = { xx_YY: 1 };
    expect(() => buildPopulation(bad)).toThrow(/cohorts\[1\]\.locales: unknown locale 'xx_YY'/);
    const badTz = structuredClone(SURGE_SPEC);
    badTz.cohorts[0].timeZones = { 'Mars/Olympus': 1 };
    expect(() => buildPopulation(badTz)).toThrow(/cohorts\[0\]\.timeZones: unknown IANA time zone/);
    const dup = structuredClone(SURGE_SPEC);
    dup.cohorts[1].name = 'incumbents';
    expect(() => buildPopulation(dup)).toThrow(/duplicate cohort name/);
  });
});

describe('makeHandle (property)', () => {
  it('always yields a valid handle whose suffix identifies the index', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), fc.nat({ max: 50_000_000 }), (base, index) => {
        const h = makeHandle(base, index);
        expect(h).toMatch(HANDLE_PATTERN);
        expect(h.slice(h.lastIndexOf('_') + 1)).toBe(index.toString(36));
      }),
      { numRuns: 2000 },
    );
  });
});
