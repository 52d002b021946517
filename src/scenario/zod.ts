// zod for the scenario schema, loaded with require() (its CommonJS build) rather than `import`: the ES module build
// is 94 modules, and from a checkout every ES import goes through the TypeScript loader's hooks on their own thread
// (~150 ms of CPU at the start of every `flashcrowd run`, against ~80 ms for the same package through require).
// Every module of flashcrowd that makes or reads zod schemas takes `z` from here, so there is one zod instance;
// types come from `import type` of 'zod' (erased).
import { createRequire } from 'node:module';
import type * as Zod from 'zod';

export const z: typeof Zod.z = (createRequire(import.meta.url)('zod') as typeof Zod).z;
