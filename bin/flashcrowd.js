#!/usr/bin/env node
// Entry point: registers the TypeScript loader (scenarios and adapters are .ts files) and runs the CLI.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/index.ts');
process.exitCode = await main(process.argv.slice(2));
