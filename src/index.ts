// The public surface of the `flashcrowd` package: what a user's scenario and adapter files import.
//
//   import { defineScenario, flashCrowd, constant } from 'flashcrowd';       // a scenario
//   import type { Target, TargetFactory, TargetOptions } from 'flashcrowd';  // an adapter (or 'flashcrowd/target')
//
// Scenario authoring first; then the Target contract and the portable adapter helpers (src/target/index.ts), which
// are also the `flashcrowd/target` subpath. The Node side (HttpClient on undici, adapter loader) is `flashcrowd/node`,
// apart, so loading a scenario does not load an HTTP stack. Anything not exported is internal and may change between versions.
export * from './scenario/index.ts';
export type { Plan } from './scenario/plan.ts';
export * from './target/index.ts';
