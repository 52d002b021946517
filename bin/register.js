// What flashcrowd registers before it loads any user code, in the main thread (bin/flashcrowd.js) and in every worker
// thread it starts (worker threads do not inherit module hooks): tsx's ESM *and* CommonJS hooks, so a scenario or
// adapter file loads from any folder as .ts/.mts/.cts/.js/.mjs, in "type": "module" and CommonJS projects alike. (With
// the ESM hooks alone, a .ts file in a CommonJS folder fails: its compiled require() calls reach TypeScript that only
// the CommonJS hooks can compile — "Cannot require() ES Module ... in a cycle".)
//
// From a checkout (src/ beside bin/) flashcrowd runs its TypeScript sources; files there that import 'flashcrowd'
// (the repo's scenarios, fixtures, tests) then resolve to src/ through the "flashcrowd-source" export condition,
// added here. FLASHCROWD_DIST=1 runs the compiled dist/ instead, as the installed package does.
import { existsSync } from 'node:fs';
import { register as registerHooks } from 'node:module';
import { register as registerCjs } from 'tsx/cjs/api';
import { register as registerEsm } from 'tsx/esm/api';

/** True when flashcrowd runs from its TypeScript sources (a checkout without FLASHCROWD_DIST). */
export const fromSource = !process.env.FLASHCROWD_DIST && existsSync(new URL('../src/cli/index.ts', import.meta.url));

registerEsm();
registerCjs();
if (fromSource) {
  const addCondition = `export async function resolve(specifier, context, next) {
    return next(specifier, { ...context, conditions: [...context.conditions, 'flashcrowd-source'] });
  }`;
  registerHooks(`data:text/javascript,${encodeURIComponent(addCondition)}`);
}
