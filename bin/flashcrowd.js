#!/usr/bin/env node
// Entry point of the `flashcrowd` command. The installed package runs the compiled dist/ (built by `npm run build`,
// run by `npm pack`/`npm publish` through prepack), so no command transpiles flashcrowd itself; a checkout runs src/
// through tsx, so edits take effect without a build (FLASHCROWD_DIST=1 runs dist/ there too). register.js installs
// the TypeScript hooks user scenarios and adapters need.
import { existsSync } from 'node:fs';
import { fromSource } from './register.js';

const entry = new URL(fromSource ? '../src/cli/index.ts' : '../dist/cli/index.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write(`flashcrowd: ${entry.pathname} is missing; build the package first (npm run build)\n`);
  process.exit(1);
}
const { main } = await import(entry.href);
process.exitCode = await main(process.argv.slice(2));
