#!/usr/bin/env node
// Entry point of the `flashcrowd` command. The installed package runs the compiled dist/ (built by `npm run build`,
// run by `npm pack`/`npm publish` through prepack), so no command transpiles flashcrowd itself; a checkout runs src/
// through tsx, so edits take effect without a build (FLASHCROWD_DIST=1 runs dist/ there too). register.js installs
// the TypeScript hooks that user scenarios and adapters need (and src/ itself in a checkout). Registering them costs
// ~0.3 s of CPU (a loader thread with esbuild), so from dist/ help and the commands that never load a user's scenario
// or adapter module start without them (only src/scenario/load.ts and src/target/load-adapter.ts import user code).
// Once registered, every ES module import is resolved and loaded through that thread (a round trip each), so from
// dist/ the entry and the command's module graph (most of flashcrowd's modules) are imported first, then the hooks
// are registered, before any user code loads (a 2 s play from dist: 1.62 -> 1.44 s CPU, peak RSS 152 -> 142 MB).
import { existsSync } from 'node:fs';

const NO_USER_CODE = new Set(['report', 'compare', 'merge', 'dashboards', 'blast', 'probe', 'backend', 'stack', 'init']);
const fromSource = !process.env.FLASHCROWD_DIST && existsSync(new URL('../src/cli/index.ts', import.meta.url));
const args = process.argv.slice(2);
const helpOnly = args.length === 0 || ['--help', '-h', 'help'].includes(args[0]) || (args.length === 2 && ['--help', '-h'].includes(args[1]));
const entry = new URL(fromSource ? '../src/cli/index.ts' : '../dist/cli/index.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write(`flashcrowd: ${entry.pathname} is missing; build the package first (npm run build)\n`);
  process.exit(1);
}
let main;
if (!fromSource) {
  ({ main } = await import(entry.href));
  const command = /^[a-z]+$/.test(args[0] ?? '') ? new URL(`../dist/cli/${args[0]}.js`, import.meta.url) : undefined;
  // A command that fails to load fails again, and is reported, inside main().
  if (command && existsSync(command)) await import(command.href).catch(() => undefined);
}
if (fromSource || !(helpOnly || NO_USER_CODE.has(args[0]))) await import('./register.js');
if (fromSource) ({ main } = await import(entry.href));
process.exitCode = await main(args);
