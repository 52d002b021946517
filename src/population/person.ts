// A synthetic person, materialised on demand from the compact population store (population/store.ts).

import type { Persona } from '../scenario/vocabulary.ts';

export interface Person {
  /** Global index in the population; (seed, index) determines everything else. */
  index: number;
  cohort: string;
  handle: string;
  /** Deterministic and unique like the handle; its domain comes from the identity policy. */
  email: string;
  displayName: string;
  password: string;
  locale: string; // e.g. en_US, zh_CN
  /** Languages the person reads, primary first (ISO 639-1: en, zh, es, pt, fr, de, ja, ko). */
  languages: string[];
  primaryLanguage: string;
  country: string; // ISO 3166-1 alpha-2
  tz: string; // IANA time zone
  persona: Persona;
  /** Relative activity level, mean 1 (heavy users > 1). */
  activity: number;
}

/** What a run needs of a population: people by index, cohorts as contiguous index ranges. */
export interface PopulationView {
  readonly size: number;
  person(index: number): Person;
  /** Contiguous index range of a cohort's people. */
  cohortRange(cohort: string): { start: number; count: number };
}
