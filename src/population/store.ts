// The compact population store: per-person categorical fields in typed arrays (about 10 bytes a person), strings
// interned once per population, and `Person` objects materialised on demand from (seed, index).
import type { Plan, PlanCohort } from '../scenario/plan.ts';
import type { Person, PopulationView } from './person.ts';
import { PERSONAS, type Persona } from '../scenario/vocabulary.ts';
import { Rng, WeightedTable } from '../random/index.ts';
import { checkTimeZone, countryOf, DEFAULT_SECOND_LANGUAGES, fakerFor, localeInfo } from './locales.ts';
import { identityOf } from './names.ts';
import type { IdentityPolicy } from '../target/target.ts';
import { DEFAULT_POLICY, mergeIdentityPolicies, resolveIdentityPolicy, type ResolvedIdentityPolicy } from '../target/identity-policy.ts';

export interface CohortSpec {
  name: string;
  people: number;
  /** Accounts exist before the run; defaults the persona mix to incumbents. */
  preexisting?: boolean;
  locales: Record<string, number>;
  timeZones: Record<string, number>;
  personas?: Partial<Record<Persona, number>>;
  /** Chance of reading each extra language, by primary language; defaults to DEFAULT_SECOND_LANGUAGES. */
  secondLanguages?: Record<string, Record<string, number>>;
}

export interface PopulationSpec {
  seed: number;
  cohorts: CohortSpec[];
  /** What the target accepts as handles, emails, passwords; absent = the reference API's rules. */
  identity?: IdentityPolicy;
}

const POP_STREAM = 0x504f5055; // 'POPU'
/** Direct-mapped cache of recently materialised people (a session asks for the same person several times). */
const PERSON_CACHE_SIZE = 4096;
const MAX_LANGUAGES = 16;

/** Growing list of distinct strings addressed by small integers. */
class Interner {
  readonly values: string[] = [];
  private readonly ids = new Map<string, number>();
  id(s: string): number {
    let i = this.ids.get(s);
    if (i === undefined) {
      i = this.values.length;
      this.values.push(s);
      this.ids.set(s, i);
    }
    return i;
  }
}

interface CohortLayout {
  name: string;
  start: number;
  count: number;
  preexisting: boolean;
}

export class Population implements PopulationView {
  readonly seed: number;
  readonly size: number;
  readonly cohorts: readonly CohortLayout[];
  /** Interned string tables, shared by every person. */
  readonly localeNames: readonly string[];
  readonly timeZoneNames: readonly string[];
  readonly languageNames: readonly string[];

  /** Per-person columns. */
  readonly localeId: Uint8Array;
  readonly tzId: Uint16Array;
  readonly personaId: Uint8Array;
  /** Bit i set: the person reads languageNames[i] (the primary language is always set). */
  readonly languageMask: Uint16Array;
  readonly activity: Float32Array;
  /** Language id of each locale, so primaryLanguageId(i) costs one lookup. */
  private readonly localeLanguage: Uint8Array;
  private readonly cohortByName: Map<string, CohortLayout>;
  private readonly recent: (Person | undefined)[] = new Array(PERSON_CACHE_SIZE);
  /** Shapes every person's handle, email and password. */
  readonly identity: ResolvedIdentityPolicy = DEFAULT_POLICY;

  constructor(seed: number, layout: CohortLayout[], tables: { locales: string[]; timeZones: string[]; languages: string[] }, columns: {
    localeId: Uint8Array;
    tzId: Uint16Array;
    personaId: Uint8Array;
    languageMask: Uint16Array;
    activity: Float32Array;
  }, identity: ResolvedIdentityPolicy = DEFAULT_POLICY) {
    this.seed = seed;
    this.identity = identity;
    this.cohorts = layout;
    this.size = layout.reduce((n, c) => n + c.count, 0);
    this.localeNames = tables.locales;
    this.timeZoneNames = tables.timeZones;
    this.languageNames = tables.languages;
    this.localeId = columns.localeId;
    this.tzId = columns.tzId;
    this.personaId = columns.personaId;
    this.languageMask = columns.languageMask;
    this.activity = columns.activity;
    this.localeLanguage = Uint8Array.from(tables.locales, (l) => tables.languages.indexOf(localeInfo(l).language));
    this.cohortByName = new Map(layout.map((c) => [c.name, c]));
  }

  cohortRange(cohort: string): { start: number; count: number } {
    const c = this.cohortByName.get(cohort);
    if (!c) throw new Error(`unknown cohort '${cohort}' (cohorts: ${this.cohorts.map((x) => x.name).join(', ')})`);
    return { start: c.start, count: c.count };
  }

  /** Index of the cohort (in plan order) a person belongs to. */
  cohortIndexOf(index: number): number {
    const cs = this.cohorts;
    let lo = 0;
    let hi = cs.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (cs[mid].start <= index) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** Cohort name of a person without materialising them (cheap: a binary search over cohort starts). */
  cohortOf(index: number): string {
    return this.cohorts[this.cohortIndexOf(index)].name;
  }

  primaryLanguageId(index: number): number {
    return this.localeLanguage[this.localeId[index]];
  }

  primaryLanguage(index: number): string {
    return this.languageNames[this.primaryLanguageId(index)];
  }

  persona(index: number): Persona {
    return PERSONAS[this.personaId[index]];
  }

  readsLanguage(index: number, language: string): boolean {
    const id = this.languageNames.indexOf(language);
    return id >= 0 && (this.languageMask[index] & (1 << id)) !== 0;
  }

  /** The person at `index`. Recently materialised people are shared: treat the result as read-only. */
  person(index: number): Person {
    if (!Number.isInteger(index) || index < 0 || index >= this.size) {
      throw new RangeError(`person index ${index} outside population of ${this.size}`);
    }
    const slot = index & (PERSON_CACHE_SIZE - 1);
    const hit = this.recent[slot];
    if (hit && hit.index === index) return hit;
    const p = this.materialise(index);
    this.recent[slot] = p;
    return p;
  }

  private materialise(index: number): Person {
    const locale = this.localeNames[this.localeId[index]];
    const tz = this.timeZoneNames[this.tzId[index]];
    const primaryId = this.primaryLanguageId(index);
    const languages = [this.languageNames[primaryId]];
    const mask = this.languageMask[index];
    for (let b = 0; b < this.languageNames.length; b++) if (b !== primaryId && mask & (1 << b)) languages.push(this.languageNames[b]);
    const id = identityOf(this.seed, index, locale, this.identity);
    return {
      index,
      cohort: this.cohorts[this.cohortIndexOf(index)].name,
      handle: id.handle,
      email: id.email,
      displayName: id.displayName,
      password: id.password,
      locale,
      languages,
      primaryLanguage: languages[0],
      country: countryOf(tz, locale),
      tz,
      persona: this.persona(index),
      activity: Math.round(this.activity[index] * 1000) / 1000,
    };
  }

  /** Bytes held by the per-person columns (excludes the few interned strings). */
  get columnBytes(): number {
    return this.localeId.byteLength + this.tzId.byteLength + this.personaId.byteLength + this.languageMask.byteLength + this.activity.byteLength;
  }
}

function validateCohort(c: CohortSpec, where: string): void {
  if (!c.name) throw new Error(`${where}.name: required`);
  if (!Number.isInteger(c.people) || c.people < 0) throw new Error(`${where}.people: must be an integer >= 0 (got ${c.people})`);
  // Faker's data for each locale is loaded here, before any traffic: loading it at the first person named stalled a
  // running schedule (tens of ms of synchronous module loading per locale).
  for (const l of Object.keys(c.locales)) if (localeInfo(l, `${where}.locales`).nameSource === 'faker') fakerFor(l);
  for (const tz of Object.keys(c.timeZones)) checkTimeZone(tz, `${where}.timeZones`);
  for (const p of Object.keys(c.personas ?? {})) {
    if (!(PERSONAS as readonly string[]).includes(p)) throw new Error(`${where}.personas: unknown persona '${p}' (known: ${PERSONAS.join(', ')})`);
  }
}

/** Activity level: log-normal with mean 1 (sigma 0.8: a long tail of heavy users). */
const ACTIVITY_SIGMA = 0.8;

/**
 * Build a population: cohorts laid out contiguously in spec order. Person i's fields are drawn from a PRNG keyed
 * by (seed, i), so the result does not depend on build order and any index can be re-derived on its own.
 */
export function buildPopulation(spec: PopulationSpec): Population {
  const identity = spec.identity ? resolveIdentityPolicy(spec.identity) : DEFAULT_POLICY;
  const names = new Set<string>();
  spec.cohorts.forEach((c, i) => {
    const where = `cohorts[${i}]`;
    validateCohort(c, where);
    if (names.has(c.name)) throw new Error(`${where}.name: duplicate cohort name '${c.name}'`);
    names.add(c.name);
  });
  const locales = new Interner();
  const timeZones = new Interner();
  const languages = new Interner();
  // Intern in a fixed order (cohort order, then record order) so ids are stable for a given spec.
  for (const c of spec.cohorts) {
    for (const l of Object.keys(c.locales)) {
      locales.id(l);
      languages.id(localeInfo(l).language);
    }
    for (const tz of Object.keys(c.timeZones)) timeZones.id(tz);
  }
  for (const c of spec.cohorts) {
    const second = c.secondLanguages ?? DEFAULT_SECOND_LANGUAGES;
    for (const l of Object.keys(c.locales)) for (const extra of Object.keys(second[localeInfo(l).language] ?? {})) languages.id(extra);
  }
  if (languages.values.length > MAX_LANGUAGES) throw new Error(`population: at most ${MAX_LANGUAGES} languages (got ${languages.values.length})`);
  if (locales.values.length > 255) throw new Error('population: at most 255 locales');

  const size = spec.cohorts.reduce((n, c) => n + c.people, 0);
  const columns = {
    localeId: new Uint8Array(size),
    tzId: new Uint16Array(size),
    personaId: new Uint8Array(size),
    languageMask: new Uint16Array(size),
    activity: new Float32Array(size),
  };
  const layout: CohortLayout[] = [];
  const rng = new Rng(spec.seed);
  let start = 0;
  for (const c of spec.cohorts) {
    const localeTable = new WeightedTable(c.locales, `cohort ${c.name}.locales`);
    const localeIds = localeTable.keys.map((l) => locales.id(l));
    const tzTable = new WeightedTable(c.timeZones, `cohort ${c.name}.timeZones`);
    const tzIds = tzTable.keys.map((t) => timeZones.id(t));
    const personaWeights = c.personas && Object.keys(c.personas).length > 0 ? c.personas : c.preexisting ? { incumbent: 0.75, lurker: 0.15, creator: 0.05, helper: 0.05 } : { newcomer: 1 };
    const personaTable = new WeightedTable(personaWeights, `cohort ${c.name}.personas`);
    const personaIds = personaTable.keys.map((p) => PERSONAS.indexOf(p as Persona));
    // Per locale: primary language bit and the (bit, probability) pairs of extra languages.
    const second = c.secondLanguages ?? DEFAULT_SECOND_LANGUAGES;
    const langPlan = localeTable.keys.map((l) => {
      const primary = localeInfo(l).language;
      const extras = Object.entries(second[primary] ?? {})
        .filter(([lang]) => lang !== primary)
        .map(([lang, p]) => ({ bit: 1 << languages.id(lang), p }));
      return { bit: 1 << languages.id(primary), extras };
    });
    for (let i = start, end = start + c.people; i < end; i++) {
      rng.reset(spec.seed, POP_STREAM, i);
      const li = localeTable.indexAt(rng.next());
      columns.localeId[i] = localeIds[li];
      columns.tzId[i] = tzIds[tzTable.indexAt(rng.next())];
      columns.personaId[i] = personaIds[personaTable.indexAt(rng.next())];
      const lp = langPlan[li];
      let mask = lp.bit;
      for (const e of lp.extras) if (rng.next() < e.p) mask |= e.bit;
      columns.languageMask[i] = mask;
      columns.activity[i] = Math.exp(ACTIVITY_SIGMA * rng.normal() - (ACTIVITY_SIGMA * ACTIVITY_SIGMA) / 2);
    }
    layout.push({ name: c.name, start, count: c.people, preexisting: c.preexisting ?? false });
    start += c.people;
  }
  return new Population(spec.seed, layout, { locales: locales.values, timeZones: timeZones.values, languages: languages.values }, columns, identity);
}

export function cohortSpecOf(c: PlanCohort): CohortSpec {
  const spec: CohortSpec = { name: c.name, people: c.people, preexisting: c.preexisting, locales: c.locales, timeZones: c.timeZones, personas: c.personas };
  // The scenario's `alsoReads` ({zh: 0.05}) applies to every primary language of the cohort.
  const also = c.alsoReads;
  if (also) spec.secondLanguages = Object.fromEntries(Object.keys(c.locales).map((l) => [localeInfo(l).language, also]));
  return spec;
}

/**
 * The population of a compiled plan: its cohorts in plan order, keyed by the plan's seed. `identity` is the
 * target's policy (Target.identity); the scenario's `identity` is merged over it field by field.
 */
export function createPopulation(plan: Plan, identity?: IdentityPolicy): Population {
  return buildPopulation({ seed: plan.seed, cohorts: plan.cohorts.map(cohortSpecOf), identity: mergeIdentityPolicies(identity, plan.identity) });
}
