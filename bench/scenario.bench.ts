// Scenario compile and curve evaluation: `npx tsx bench/scenario.bench.ts` (or `npm run bench scenario`).
// The scheduler evaluates a cohort's rate function once per candidate arrival (Poisson thinning), so rate() is on
// the hot path; compile time is paid once per run and once per worker thread. Measures every shipped scenario's
// load+compile time and the cost of one rate() call of the flagship's most complex cohort curve.
// Writes bench/results/scenario.json and scenario.md.
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { loadScenario } from '../src/scenario/load.ts';
import { compilePlan } from '../src/scenario/compile.ts';
import { integrate, rate } from '../src/scenario/curves.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const load0 = os.loadavg()[0]!;
const files = readdirSync(path.join(root, 'scenarios')).filter((f) => /\.(ts|json)$/.test(f) && !f.endsWith('.schema.json')).sort();

const compileMs: Record<string, number> = {};
for (const f of files) {
  const { scenario } = await loadScenario(path.join(root, 'scenarios', f)); // warm: module import happens here
  const t = performance.now();
  const runs = 5;
  for (let i = 0; i < runs; i++) compilePlan(scenario, {}, { searchDirs: [root] });
  compileMs[f] = (performance.now() - t) / runs;
  console.log(`compile ${f}: ${compileMs[f]!.toFixed(1)} ms`);
}

const { plan } = await loadScenario(path.join(root, 'scenarios/rednote-jan-2025.ts'));
const cohort = plan.cohorts.find((c) => c.name === 'newcomers-us')!;
const curve = cohort.curve!;
const N = 2_000_000;
let sink = 0;
for (let i = 0; i < 200_000; i++) sink += cohort.rate((i % 600) + 0.5); // warm up
let t = performance.now();
for (let i = 0; i < N; i++) sink += cohort.rate((i * 0.0003) % 600);
const rateNs = ((performance.now() - t) * 1e6) / N;
t = performance.now();
const M = 20;
for (let i = 0; i < M; i++) sink += integrate(curve, 0, plan.scenarioDurationSec);
const integrateMs = (performance.now() - t) / M;
const nodes = JSON.stringify(curve).match(/"kind"/g)!.length;
if (!Number.isFinite(sink) || rate(curve, 1) < 0) throw new Error('unexpected');
console.log(`rate(): ${rateNs.toFixed(0)} ns per call (${nodes} curve nodes); integrate over 10 days: ${integrateMs.toFixed(1)} ms`);

const targets = { rateNs: 2000, compileMs: 1000 };
const result = {
  date: new Date().toISOString(),
  node: process.version,
  cpus: os.cpus().length,
  loadAverage: [load0, os.loadavg()[0]],
  compileMs,
  rate: { ns: rateNs, curveNodes: nodes, cohort: 'rednote-jan-2025/newcomers-us' },
  integrateTenDaysMs: integrateMs,
  targets,
  pass: rateNs < targets.rateNs && Object.values(compileMs).every((ms) => ms < targets.compileMs),
};
const out = path.join(root, 'bench/results');
mkdirSync(out, { recursive: true });
writeFileSync(path.join(out, 'scenario.json'), JSON.stringify(result, null, 2) + '\n');
const r = (x: number) => x.toFixed(1);
writeFileSync(
  path.join(out, 'scenario.md'),
  [
    `# Scenario benchmark (${result.date}, Node ${result.node}, ${result.cpus} CPUs, load average ${r(load0)} -> ${r(os.loadavg()[0]!)})`,
    '',
    '| measure | value | target |',
    '|---|---:|---:|',
    ...files.map((f) => `| compile ${f} | ${r(compileMs[f]!)} ms | < ${targets.compileMs} ms |`),
    `| **rate() of rednote newcomers-us** (${nodes} curve nodes) | **${rateNs.toFixed(0)} ns** | < ${targets.rateNs} ns |`,
    `| integrate that curve over 10 days | ${r(integrateMs)} ms | |`,
    '',
    result.pass ? 'All targets met.' : '**Some targets missed.**',
    '',
  ].join('\n'),
);
if (!result.pass) process.exitCode = 1;
