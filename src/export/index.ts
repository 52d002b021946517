// flashcrowd export k6: a compiled Plan -> a k6 script directory (script.js, data/*.json, tsconfig.json, README.md,
// and with k8s a k6-operator TestRun). Pure apart from writeK6Export, which writes the files.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Plan } from '../scenario/plan.ts';
import { fitStages } from './stages.ts';
import { mapThresholds, type ThresholdMapping } from './thresholds.ts';
import { buildExportData, DEFAULT_DATA_LIMITS, type DataLimits } from './data.ts';
import { expectedIterationSec, renderAdapterTypes, renderScript, renderTsconfig, scenarioKey, sizeVUs, type CohortExport } from './script.ts';
import type { K6Adapter } from './adapter.ts';
import { k8sName, renderConfigMapCommand, renderTestRun } from './k8s.ts';
import { renderReadme } from './readme.ts';

export { fitStages, type StageFit, type K6Stage } from './stages.ts';
export { mapThresholds, type ThresholdMapping } from './thresholds.ts';
export { prepareK6Adapter, type K6Adapter } from './adapter.ts';
export { AdapterBundleError } from './bundle-adapter.ts';

export const DEFAULT_STAGES = 48;
export const DEFAULT_TARGET = 'http://127.0.0.1:8080';
export const DEFAULT_PROMETHEUS_RW = 'http://127.0.0.1:9090/api/v1/write';

export interface K6ExportOptions {
  plan: Plan;
  /** As the user named it, for the generated header and README. */
  scenarioFile: string;
  target?: string;
  stages?: number;
  limits?: Partial<DataLimits>;
  k8s?: { parallelism: number; target?: string; prometheusRw?: string; namespace?: string };
  /** The bundled adapter the sessions call (prepareK6Adapter; the CLI's default is the built-in `reference`). */
  adapter: K6Adapter;
}

export interface K6Export {
  files: Record<string, string>;
  cohorts: CohortExport[];
  thresholds: ThresholdMapping;
  /** Largest fit errors over the cohorts (see stages.ts for the definitions). */
  worst: { integralError: number; l1Error: number; maxRateError: number };
  dataBytes: number;
}

/** Build every file of the export in memory. */
export function buildK6Export(options: K6ExportOptions): K6Export {
  const { plan } = options;
  const stageCount = options.stages ?? DEFAULT_STAGES;
  const limits = { ...DEFAULT_DATA_LIMITS, ...options.limits };
  const target = options.target ?? plan.target.url ?? DEFAULT_TARGET;
  const usedKeys = new Set<string>();
  const cohorts: CohortExport[] = plan.cohorts.map((cohort) => {
    let key = scenarioKey(cohort.name);
    while (usedKeys.has(key)) key += '_';
    usedKeys.add(key);
    const fit = fitStages(cohort.rate, plan.wallDurationSec, stageCount);
    const iterationSec = expectedIterationSec(cohort);
    return { key, cohort, fit, iterationSec, ...sizeVUs(fit, iterationSec) };
  });
  const expected = cohorts.reduce((n, c) => n + c.fit.expectedArrivals, 0);
  const thresholds = mapThresholds(plan.thresholds, expected);
  const data = buildExportData(plan, limits, options.adapter.identity);
  const byKey = <T>(record: Record<string, T>) => Object.fromEntries(cohorts.map((c) => [c.key, record[c.cohort.name]]));
  const adapter = options.adapter;
  const setupPeople = cohorts.reduce((n, c) => n + (c.cohort.preexisting ? (data.people[c.cohort.name]?.length ?? 0) : 0), 0);
  const files: Record<string, string> = {
    'script.js': renderScript({
      plan,
      cohorts,
      thresholds: thresholds.k6,
      defaultTarget: target,
      scenarioFile: options.scenarioFile,
      setupPeople,
      adapter: { source: adapter.source, name: adapter.name, supports: adapter.supports, timeoutMs: adapter.timeoutMs },
    }),
    'data/people.json': JSON.stringify(byKey(data.people)) + '\n',
    'data/posts.json': JSON.stringify(byKey(data.posts)) + '\n',
    'data/comments.json': JSON.stringify(byKey(data.comments)) + '\n',
    'tsconfig.json': renderTsconfig(),
    'adapter.js': adapter.code,
    'adapter.d.ts': renderAdapterTypes(),
  };
  const dataBytes = ['data/people.json', 'data/posts.json', 'data/comments.json'].reduce((n, f) => n + Buffer.byteLength(files[f]!), 0);
  const worst = { integralError: 0, l1Error: 0, maxRateError: 0 };
  for (const c of cohorts) for (const k of Object.keys(worst) as (keyof typeof worst)[]) worst[k] = Math.max(worst[k], c.fit.error[k]);
  let k8s: Parameters<typeof renderReadme>[0]['k8s'];
  if (options.k8s) {
    const input = {
      name: k8sName(plan.name),
      parallelism: options.k8s.parallelism,
      target: options.k8s.target ?? target,
      prometheusRw: options.k8s.prometheusRw ?? 'http://prometheus:9090/api/v1/write',
      namespace: options.k8s.namespace,
    };
    files['k8s/testrun.yaml'] = renderTestRun(input);
    files['k8s/configmap.sh'] = renderConfigMapCommand(input);
    k8s = { ...input, configMapBytes: dataBytes + Buffer.byteLength(files['script.js']) + Buffer.byteLength(adapter.code) };
  }
  files['README.md'] = renderReadme({ plan, scenarioFile: options.scenarioFile, cohorts, thresholds, target, stageCount, limits, dataBytes, worst, k8s, adapter, setupPeople });
  return { files, cohorts, thresholds, worst, dataBytes };
}

export async function writeK6Export(dir: string, built: K6Export): Promise<string[]> {
  const written: string[] = [];
  for (const [name, text] of Object.entries(built.files)) {
    const path = join(dir, name);
    await mkdir(join(path, '..'), { recursive: true });
    await writeFile(path, text, { encoding: 'utf8', mode: name.endsWith('.sh') ? 0o755 : 0o644 });
    written.push(path);
  }
  return written;
}
