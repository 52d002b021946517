// flashcrowd compare <baselineRunDir> <runDir>: key figures side by side; exit 1 on a --fail-on regression.
import type { Command } from './command.ts';
import { flagHelp, parseFlags, type FlagSpecs } from './flags.ts';
import { EXIT_FAILURE, EXIT_OK } from '../errors/exit-codes.ts';
import { readRunFolder } from '../report/read.ts';
import { compareSummaries, parseFailOn, renderComparison, renderComparisonMarkdown } from '../report/compare.ts';

const FLAGS = {
  'fail-on': {
    type: 'string',
    multiple: true,
    placeholder: 'RULES',
    help: "comma-separated regression rules: <figure> <+|-><tolerance>[%|ms|s|m]\n% is relative to the baseline, otherwise absolute in the figure's unit; a rule fails when the\nrun is worse by more than the tolerance (worse = higher latency/errors/lag/foreign share...,\nlower recall/language match/translation coverage). Figures use the threshold names.",
  },
  json: { type: 'boolean', help: 'print the comparison as JSON' },
  markdown: { type: 'boolean', help: 'print it as Markdown (e.g. >> "$GITHUB_STEP_SUMMARY", or a pull-request comment)' },
} as const satisfies FlagSpecs;

const usage = `Usage: flashcrowd compare <baselineRunDir> <runDir> [options]

Compare a run with a baseline: latency p50/p99 per endpoint, error and drop rates, schedule lag, feed freshness,
recall, foreign share per reader language, translation coverage, moderation lag, degraded share and lost writes,
with the change of each. Exits 1 when a --fail-on rule is violated, 2 on usage errors, 0 otherwise.

Options:
${flagHelp(FLAGS)}

Example:
  flashcrowd compare runs/baseline runs/candidate --fail-on "p99(feed_following) +20%, recall.mean -0.02, lostWrites +0"
`;

const command: Command = {
  name: 'compare',
  summary: 'compare a run with a baseline run and flag regressions (--fail-on)',
  usage,
  async run(argv) {
    const { values, positionals } = parseFlags(argv, FLAGS, usage, { name: 'run folder (a baseline and a run)', min: 2, max: 2 });
    const rules = values['fail-on'].flatMap((spec) => parseFailOn(spec));
    const [baseDir, runDir] = positionals as [string, string];
    const baseline = (await readRunFolder(baseDir, { timeline: false })).summary;
    const current = (await readRunFolder(runDir, { timeline: false })).summary;
    const cmp = compareSummaries(baseline, current, rules);
    if (values.json) {
      const json = {
        baseline: { dir: baseDir, scenario: baseline.scenario, startedAt: baseline.startedAt },
        run: { dir: runDir, scenario: current.scenario, startedAt: current.startedAt },
        rows: cmp.rows.map(({ display: _d, ...r }) => r),
        rules: cmp.rules,
        pass: cmp.pass,
      };
      process.stdout.write(JSON.stringify(json, null, 2) + '\n');
    } else {
      const label = (dir: string, s: typeof baseline) => `${dir} (${s.scenario}, ${s.startedAt}, ${s.pass ? 'PASS' : 'FAIL'})`;
      if (baseline.scenario !== current.scenario) process.stderr.write(`note: comparing different scenarios (${baseline.scenario} vs ${current.scenario})\n`);
      const labels = { baseline: label(baseDir, baseline), current: label(runDir, current) };
      process.stdout.write(values.markdown ? renderComparisonMarkdown(cmp, labels) : renderComparison(cmp, labels));
    }
    return cmp.pass ? EXIT_OK : EXIT_FAILURE;
  },
};

export default command;
