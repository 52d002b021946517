// flashcrowd plan <scenario>: validate a scenario and print the compiled plan.
import type { Command } from './command.ts';
import { flagHelp, parseFlags, type FlagSpecs } from './flags.ts';
import { SCENARIO_FLAGS, overridesOf } from './common-flags.ts';
import { EXIT_OK, UsageError } from '../errors/exit-codes.ts';
import { loadScenario } from '../scenario/load.ts';
import { describePlan, planToJson, renderPlanTable } from '../scenario/describe.ts';
import { scenarioJsonSchema } from '../scenario/json-schema.ts';
import { ScenarioError, describeProblems, type FieldProblem } from '../scenario/errors.ts';
import { parseThreshold } from '../report/thresholds/index.ts';

const FLAGS = {
  ...SCENARIO_FLAGS,
  buckets: { type: 'number', range: { what: 'a number of table rows', min: 1, max: 10_000, integer: true }, default: 20, help: 'wall-time buckets in the table' },
  json: { type: 'boolean', help: 'print the plan as JSON (rate functions sampled per bucket)' },
  schema: { type: 'boolean', help: 'print the JSON Schema of scenario files (no scenario needed)' },
} as const satisfies FlagSpecs;

const usage = `Usage: flashcrowd plan <scenario.ts|scenario.json> [options]

Validate a scenario and print its compiled plan: expected arrivals per cohort per wall-time bucket, totals,
peak rates, events and faults, with a sparkline of each arrival curve. Exits 2 if the scenario is invalid.

Options:
${flagHelp(FLAGS)}

Example:
  flashcrowd plan scenarios/rednote-jan-2025.ts --duration 54h --compress '54h->90s' --sample 0.0005
  flashcrowd plan scenarios/minimal.json --json --buckets 10
`;

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
    const { values, positionals } = parseFlags(argv, FLAGS, usage, { name: 'scenario file', min: 0, max: 1 });
    if (values.schema) {
      process.stdout.write(JSON.stringify(scenarioJsonSchema(), null, 2) + '\n');
      return EXIT_OK;
    }
    if (positionals.length !== 1) throw new UsageError(`expected exactly one scenario file\n\n${usage}`);
    const overrides = overridesOf(values);
    const buckets = values.buckets;

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
