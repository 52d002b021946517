// flashcrowd export k6 <scenario> --out DIR: the same scenario as a k6 script (and a k6-operator TestRun).
import path from 'node:path';
import type { Command } from './command.ts';
import { flagHelp, parseFlags, type FlagSpecs } from './flags.ts';
import { SCENARIO_FLAGS, overridesOf } from './common-flags.ts';
import { UsageError } from '../errors/exit-codes.ts';
import { loadScenario } from '../scenario/load.ts';
import { buildK6Export, writeK6Export, prepareK6Adapter, DEFAULT_STAGES, DEFAULT_TARGET } from '../export/index.ts';

const FLAGS = {
  out: { type: 'string', placeholder: 'DIR', help: 'output directory (required)' },
  target: { type: 'string', placeholder: 'URL', help: 'default target baked into the script (FLASHCROWD_TARGET overrides it when k6 runs)' },
  adapter: { type: 'string', placeholder: 'FILE|NAME', help: 'the adapter to bundle: a file, or a built-in name (default: reference)' },
  stages: { type: 'number', range: { what: 'stages per cohort', min: 1, max: 1000, integer: true }, default: DEFAULT_STAGES, help: 'stages per cohort; more stages fit the curve closer' },
  people: { type: 'number', range: { what: 'people per cohort', min: 1, max: 1_000_000, integer: true }, default: 2000, help: 'people per cohort in data/people.json' },
  ...SCENARIO_FLAGS,
  k8s: { type: 'boolean', help: 'also write a k6-operator TestRun and the ConfigMap command' },
  parallelism: { type: 'number', range: { what: 'k6-operator runners', min: 1, max: 1000, integer: true }, help: 'k6-operator runners (default 4; with --k8s)' },
  'k8s-target': { type: 'string', placeholder: 'URL', help: 'target URL inside the cluster (default: --target)' },
  'prometheus-rw': { type: 'string', placeholder: 'URL', help: 'remote-write URL inside the cluster (default http://prometheus:9090/api/v1/write)' },
  namespace: { type: 'string', placeholder: 'NS', help: 'Kubernetes namespace for the manifests' },
  quiet: { type: 'boolean', help: 'print nothing but errors' },
} as const satisfies FlagSpecs;

const usage = `Usage: flashcrowd export k6 <scenario.ts|scenario.json> --out DIR [options]

Write a k6 script that plays the scenario's arrivals: one ramping-arrival-rate scenario per cohort whose stages
fit the cohort's rate curve (the fit error is printed and written to DIR/README.md), sessions of the cohort's
behaviour mix through an adapter (requests tagged endpoint=<flashcrowd endpoint>), the scenario's people and
generated content as JSON loaded through SharedArray, and the thresholds that have a k6 equivalent.
The adapter (default: the built-in reference adapter; --adapter FILE for yours) is bundled (esbuild) into
DIR/adapter.js with a k6/http client, so k6 speaks its API. An adapter that imports Node built-ins (node:*, fs,
net, undici, ...) or uses globals k6 lacks (fetch, AbortSignal, Buffer, URL, ...) is refused (exit 2): do its
HTTP through options.http.

Files: DIR/script.js (JavaScript with JSDoc types, checked by tsc against @types/k6), DIR/adapter.js (+ .d.ts), DIR/data/*.json,
DIR/tsconfig.json, DIR/README.md (k6 run commands, Prometheus remote write), and with --k8s DIR/k8s/testrun.yaml
(k6-operator TestRun) and DIR/k8s/configmap.sh.

Options:
${flagHelp(FLAGS)}

Examples:
  flashcrowd export k6 scenarios/smoke.ts --out k6/smoke
  flashcrowd export k6 scenarios/smoke.ts --out k6/smoke-mine --adapter ./my-adapter.ts
  flashcrowd export k6 scenarios/rednote-jan-2025.ts --out k6/rednote --compress '48h->30m' --sample 0.1 --k8s --parallelism 8
`;

const command: Command = {
  name: 'export',
  summary: 'write the scenario as a k6 script (arrival-rate stages, data, thresholds; --k8s: k6-operator TestRun)',
  usage,
  async run(argv) {
    const { values, positionals } = parseFlags(argv, FLAGS, usage, { name: 'argument (k6 and a scenario file)', min: 2, max: 2 });
    const [format, scenario, ...rest] = positionals;
    if (format !== 'k6') throw new UsageError(`expected 'export k6 <scenario>' (the only format is k6)\n\n${usage}`);
    if (!scenario || rest.length) throw new UsageError(`expected exactly one scenario file\n\n${usage}`);
    if (!values.out) throw new UsageError('--out DIR is required');
    if (values.target !== undefined) checkUrl('--target', values.target);
    if (values['k8s-target'] !== undefined) checkUrl('--k8s-target', values['k8s-target']);
    if (!values.k8s && (values.parallelism !== undefined || values['k8s-target'] || values['prometheus-rw'] || values.namespace)) {
      throw new UsageError('--parallelism, --k8s-target, --prometheus-rw and --namespace need --k8s');
    }
    const { plan } = await loadScenario(scenario, overridesOf(values));
    const people = values.people;
    if (values.adapter !== undefined && !values.adapter.trim()) throw new UsageError('--adapter: expected a file or a built-in adapter name');
    const adapter = await prepareK6Adapter(values.adapter ?? 'reference', { url: values.target ?? plan.target.url ?? DEFAULT_TARGET });
    const built = buildK6Export({
      adapter,
      plan,
      scenarioFile: scenario,
      target: values.target,
      stages: values.stages,
      limits: { peoplePerCohort: people },
      k8s: values.k8s
        ? {
            parallelism: values.parallelism ?? 4,
            target: values['k8s-target'],
            prometheusRw: values['prometheus-rw'],
            namespace: values.namespace,
          }
        : undefined,
    });
    const dir = path.resolve(values.out);
    const files = await writeK6Export(dir, built);
    if (!values.quiet) {
      const out = process.stdout;
      const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
      out.write(`${plan.name}: ${built.cohorts.length} cohort(s) -> ${dir}\n`);
      for (const c of built.cohorts) {
        const e = c.fit.error;
        out.write(
          `  ${c.cohort.name}: ${c.fit.stages.length} stages per ${c.fit.timeUnit}, expected ${c.fit.expectedArrivals.toFixed(1)} arrivals, ` +
            `error integral ${pct(e.integralError)} L1 ${pct(e.l1Error)} max ${pct(e.maxRateError)}; VUs ${c.preAllocatedVUs}..${c.maxVUs}\n`,
        );
      }
      out.write(`  adapter: ${adapter.name} (${adapter.source}) bundled into adapter.js; capabilities: ${adapter.declared ? adapter.supports.join(', ') || 'core only' : 'none declared (all attempted)'}\n`);
      for (const s of adapter.skipped) out.write(`    not attempted: ${s.action} (${s.why})\n`);
      out.write(`  thresholds: ${built.thresholds.translated.length} translated, ${built.thresholds.untranslated.length} not (README.md says which)\n`);
      for (const t of built.thresholds.untranslated) out.write(`    not translated: ${t.expr} (${t.why})\n`);
      out.write(`  files: ${files.map((f) => path.relative(dir, f)).join(', ')}\n`);
      out.write(`  run: FLASHCROWD_TARGET=${values.target ?? plan.target.url ?? 'http://127.0.0.1:8080'} k6 run ${path.join(values.out, 'script.js')}\n`);
    }
    return 0;
  },
};

function checkUrl(flag: string, url: string): void {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new UsageError(`${flag} '${url}' is not a URL (expected e.g. http://127.0.0.1:8080)`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new UsageError(`${flag} '${url}': only http:// and https:// targets are supported`);
}

export default command;
