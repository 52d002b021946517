#!/usr/bin/env node
// Entry point of the `flashcrowd` command. The installed package runs the compiled dist/ (built by `npm run build`,
// run by `npm pack`/`npm publish` through prepack), so no command transpiles flashcrowd itself; a checkout runs src/
// through tsx, so edits take effect without a build (FLASHCROWD_DIST=1 runs dist/ there too). register.js installs
// the TypeScript hooks that user scenarios and adapters need (and src/ itself in a checkout). Registering them costs
// ~0.3 s of CPU (a loader thread with esbuild), so from dist/ help and the commands that never load a user's scenario
// or adapter module start without them (only src/scenario/load.ts and src/target/load-adapter.ts import user code).
import { existsSync } from 'node:fs';

const NO_USER_CODE = new Set(['report', 'compare', 'merge', 'dashboards', 'blast', 'probe', 'backend', 'stack', 'init']);
const fromSource = !process.env.FLASHCROWD_DIST && existsSync(new URL('../src/cli/index.ts', import.meta.url));
const args = process.argv.slice(2);
const helpOnly = args.length === 0 || ['--help', '-h', 'help'].includes(args[0]) || (args.length === 2 && ['--help', '-h'].includes(args[1]));
if (fromSource || !(helpOnly || NO_USER_CODE.has(args[0]))) await import('./register.js');

const entry = new URL(fromSource ? '../src/cli/index.ts' : '../dist/cli/index.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write(`flashcrowd: ${entry.pathname} is missing; build the package first (npm run build)\n`);
  process.exit(1);
}
const { main } = await import(entry.href);
process.exitCode = await main(args);
