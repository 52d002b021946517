// Public surface of the population module.
export { buildPopulation, createPopulation, Population, type CohortSpec, type PopulationSpec } from './store.ts';
export { buildFollowGraph, createFollowGraph, FollowGraph, type GraphSpec } from './graph.ts';
export { followTargets, type FollowOptions } from './follow.ts';
export { identityOf, makeHandle, HANDLE_PATTERN, MAX_HANDLE_LENGTH } from './names.ts';
export { LOCALES, DEFAULT_SECOND_LANGUAGES } from './locales.ts';
export type { Person, Persona } from './person.ts';
