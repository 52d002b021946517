#!/usr/bin/env node
// `npm run bench [name...]`: runs bench/*.bench.ts one after another (each writes bench/results/<name>.json|md).
// Benchmarks hold the speed and memory targets; tests never time things.
import { readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const benchDir = path.join(root, 'bench');
const wanted = process.argv.slice(2);
const all = readdirSync(benchDir)
  .filter((f) => f.endsWith('.bench.ts'))
  .sort();
const chosen = wanted.length ? all.filter((f) => wanted.some((w) => f.startsWith(w))) : all;
if (chosen.length === 0) {
  console.error(`no benchmark matches ${wanted.join(', ')}; available: ${all.join(', ')}`);
  process.exit(2);
}
let failed = 0;
for (const file of chosen) {
  console.log(`\n=== ${file} ===`);
  const started = Date.now();
  const res = spawnSync(process.execPath, ['--import', 'tsx', path.join(benchDir, file)], { cwd: root, stdio: 'inherit' });
  console.log(`=== ${file}: ${res.status === 0 ? 'ok' : `exit ${res.status}`} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  if (res.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
