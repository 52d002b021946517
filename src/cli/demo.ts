// flashcrowd demo: the first 48 h of the RedNote surge against the embedded reference backend, in about 90 s,
// with nothing else installed (PGlite database, in-memory cache). Writes a run folder and points at report.html.
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import type { Command } from './command.ts';
import { flagHelp, parseFlags, type FlagSpecs } from './flags.ts';
import { SCENARIO_FLAGS } from './common-flags.ts';
import { executeRun } from './pipeline.ts';
import { renderSummaryText } from '../report/text.ts';
import { RUN_FILES } from '../report/write.ts';

/** docs/scenarios.md "Demo recipe": the story starts 6 h before the onset, so 54 h covers the first 48 h. */
export const DEMO = {
  scenario: fileURLToPath(new URL('../../scenarios/rednote-jan-2025.ts', import.meta.url)),
  duration: '54h',
  compress: '54h->90s',
  sample: 0.0005,
  /**
   * The embedded backend, tuned for a laptop demo: scrypt cost 4096 instead of 16384 so that creating the
   * scenario's pre-existing accounts takes seconds, and only errors logged so the progress line stays readable.
   */
  backend: { scryptCost: 4096, logLevel: 'error' },
};

const FLAGS = {
  out: { type: 'string', placeholder: 'DIR', help: 'run folder (default runs/rednote-jan-2025-<UTC timestamp>)' },
  sample: { ...SCENARIO_FLAGS.sample, default: DEMO.sample, help: 'volume factor (larger is heavier)' },
  seed: SCENARIO_FLAGS.seed,
  quiet: { type: 'boolean', help: 'no progress output, only the summary' },
} as const satisfies FlagSpecs;

const usage = `Usage: flashcrowd demo [options]

Start the reference backend embedded (PGlite database, in-memory cache, a free port on 127.0.0.1), replay the
first 48 hours of the January 2025 RedNote surge (scenarios/rednote-jan-2025.ts) compressed to about 90 seconds
at a small sample, then print the summary and the path of the HTML report. Nothing else needs to be installed.
Exits like \`run\`: 0 when the scenario's thresholds pass, 99 when one fails.

Options:
${flagHelp(FLAGS)}

Equivalent to (except that the demo's backend hashes passwords with scrypt cost 4096, not 16384):
  flashcrowd run scenarios/rednote-jan-2025.ts --duration ${DEMO.duration} --compress ${DEMO.compress} --sample ${DEMO.sample}
`;

const command: Command = {
  name: 'demo',
  summary: 'replay the RedNote surge against the embedded reference backend and write a report (~2 min)',
  usage,
  async run(argv) {
    const { values } = parseFlags(argv, FLAGS, usage, { name: 'argument', min: 0, max: 0 });
    const { sample, seed } = values;
    const out = process.stdout;
    if (!values.quiet) {
      out.write(
        `flashcrowd demo — January 2025: TikTok users flood RedNote.\n` +
          `Replaying the first 48 h of the surge in ~90 s (sample ${sample}) against the embedded reference backend.\n\n`,
      );
    }
    const result = await executeRun({
      scenario: DEMO.scenario,
      duration: DEMO.duration,
      compress: DEMO.compress,
      sample,
      seed,
      out: values.out,
      quiet: values.quiet,
      backend: DEMO.backend,
    });
    // The pipeline has just printed the thresholds and the run folder; add the figures and where to look.
    out.write('\n' + renderSummaryText(result.summary, { thresholds: values.quiet }));
    out.write(`\nopen the report: ${join(result.runDir, RUN_FILES.html)}\n`);
    return result.exitCode;
  },
};

export default command;
