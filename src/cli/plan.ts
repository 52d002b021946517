// flashcrowd plan <scenario>: validate a scenario and print the compiled plan.
import type { Command } from './command.ts';
import { parseCommandArgs } from './args.ts';
import { EXIT_OK, UsageError } from '../errors/exit-codes.ts';
import { loadScenario } from '../scenario/load.ts';
import type { CompileOverrides } from '../scenario/compile.ts';
import { describePlan, planToJson, renderPlanTable } from '../scenario/describe.ts';
import { scenarioJsonSchema } from '../scenario/json-schema.ts';
import { ScenarioError, describeProblems, type FieldProblem } from '../scenario/errors.ts';
import { parseThreshold } from '../report/thresholds/index.ts';

const usage = `Usage: flashcrowd plan <scenario.ts|scenario.json> [options]

Validate a scenario and print its compiled plan: expected arrivals per cohort per wall-time bucket, totals,
peak rates, events and faults, with a sparkline of each arrival curve. Exits 2 if the scenario is invalid.

Options:
  --seed N          override the scenario's seed
  --duration D      play only the first D of scenario time (e.g. 48h); rates stay as in the full story
  --compress X      scenario time per wall time, e.g. 48h->90s, or a factor like 1920
  --sample F        volume factor (0.001 = one in a thousand people)
  --buckets N       wall-time buckets in the table (default 20)
  --json            print the plan as JSON (rate functions sampled per bucket)
  --schema          print the JSON Schema of scenario files (no scenario needed)

Example:
  flashcrowd plan scenarios/rednote-jan-2025.ts --duration 54h --compress '54h->90s' --sample 0.0005
  flashcrowd plan scenarios/minimal.json --json --buckets 10
`;

function numberOption(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--${name}: expected a number, got '${value}'`);
  return n;
}

/** Thresholds are evaluated by the report, but a typo should fail here, before anything runs. */
function checkThresholds(exprs: string[], source: string | undefined): void {
  const problems: FieldProblem[] = [];
  exprs.forEach((expr, i) => {
    try {
      parseThreshold(expr);
    } catch (err) {
      problems.push({ path: `thresholds[${i}]`, message: (err as Error).message });
    }
  });
  if (problems.length > 0) throw new ScenarioError(describeProblems(source, problems), problems, source);
}

const command: Command = {
  name: 'plan',
  summary: 'validate a scenario and print its compiled plan (arrivals per cohort over time, peaks, events)',
  usage,
  async run(argv) {
    const parsed = parseCommandArgs(
      argv,
      {
        seed: { type: 'string' },
        duration: { type: 'string' },
        compress: { type: 'string' },
        sample: { type: 'string' },
        buckets: { type: 'string' },
        json: { type: 'boolean', default: false },
        schema: { type: 'boolean', default: false },
      },
      usage,
    );
    const { values, positionals } = parsed;
    if (values.schema) {
      process.stdout.write(JSON.stringify(scenarioJsonSchema(), null, 2) + '\n');
      return EXIT_OK;
    }
    if (positionals.length !== 1) throw new UsageError(`expected exactly one scenario file\n\n${usage}`);
    const overrides: CompileOverrides = {};
    const seed = numberOption('seed', values.seed);
    if (seed !== undefined) overrides.seed = seed;
    if (values.duration !== undefined) overrides.durationSec = values.duration;
    if (values.compress !== undefined) overrides.compress = values.compress;
    const sample = numberOption('sample', values.sample);
    if (sample !== undefined) overrides.sample = sample;
    const buckets = numberOption('buckets', values.buckets) ?? 20;
    if (!Number.isInteger(buckets) || buckets < 1 || buckets > 10_000) throw new UsageError(`--buckets: expected a whole number 1..10000, got ${values.buckets}`);

    const { plan } = await loadScenario(positionals[0]!, overrides);
    checkThresholds(plan.thresholds, plan.source);
    if (values.json) {
      process.stdout.write(JSON.stringify(planToJson(plan, buckets), null, 2) + '\n');
      return EXIT_OK;
    }
    const out = [describePlan(plan, { buckets: Math.min(buckets * 2, 80) }), '', renderPlanTable(plan, buckets)];
    if (plan.thresholds.length > 0) out.push('', 'thresholds:', ...plan.thresholds.map((t) => `  ${t}`));
    process.stdout.write(out.join('\n') + '\n');
    return EXIT_OK;
  },
};

export default command;
