// flashcrowd report <runDir>: re-render summary.md, junit.xml and report.html from a run's summary.json and
// timeline.json, re-evaluating the thresholds (the run's own, or the ones given with --threshold).
import { join } from 'node:path';
import type { Command } from './command.ts';
import { flagHelp, parseFlags, type FlagSpecs } from './flags.ts';
import { EXIT_OK, EXIT_THRESHOLDS_FAILED } from '../errors/exit-codes.ts';
import { finalizeSummary, RUN_FILES, writeRunFolder } from '../report/write.ts';
import { readRunFolder } from '../report/read.ts';
import { parseThresholds } from '../report/thresholds/parse.ts';

const FLAGS = {
  threshold: { type: 'string', multiple: true, placeholder: 'EXPR', help: 'a threshold (repeatable), e.g. --threshold "p99(signup) < 800ms" --threshold "recall.mean >= 0.95"' },
  'update-summary': { type: 'boolean', help: 'also rewrite summary.json with the re-evaluated thresholds and verdict' },
  out: { type: 'string', placeholder: 'DIR', help: 'write the rendered files to DIR instead of the run folder' },
} as const satisfies FlagSpecs;

const usage = `Usage: flashcrowd report <runDir> [options]

Re-render a run folder's summary.md, junit.xml and report.html from its summary.json and timeline.json.
Thresholds are re-evaluated: the run's own expressions, or those given with --threshold (which replace them).
summary.json and timeline.json are left as the run wrote them unless --update-summary is given.
Exits 99 if the re-evaluated verdict fails, 2 on a missing/invalid run folder or a bad threshold, 0 otherwise.

Options:
${flagHelp(FLAGS)}

Example:
  flashcrowd report runs/rednote-jan-2025-20250113T000000Z --threshold "freshness.p95 < 5s"
`;

const command: Command = {
  name: 'report',
  summary: 're-render a run folder (summary.md, junit.xml, report.html), re-evaluating thresholds',
  usage,
  async run(argv) {
    const { values, positionals } = parseFlags(argv, FLAGS, usage, { name: 'run folder', min: 1, max: 1 });
    const runDir = positionals[0]!;
    const overrides = values.threshold.length ? values.threshold : undefined;
    if (overrides) parseThresholds(overrides); // a bad expression is a usage error, not a failed threshold

    const { summary, timeline } = await readRunFolder(runDir);
    const exprs = overrides ?? summary.thresholds.map((t) => t.expr);
    const finalized = finalizeSummary(summary, exprs);
    const outDir = values.out ?? runDir;
    const rewriteData = values['update-summary'] || outDir !== runDir;
    const { files } = await writeRunFolder(outDir, { summary: finalized, timeline: timeline! }, { data: rewriteData });

    const failed = finalized.thresholds.filter((t) => !t.pass);
    const lines = [`${finalized.pass ? 'PASS' : 'FAIL'}  ${finalized.scenario}: ${finalized.thresholds.length - failed.length}/${finalized.thresholds.length} thresholds passed, ${finalized.audit.lostWrites} lost writes`];
    for (const t of failed) lines.push(`  ✗ ${t.expr}   ${t.message ?? ''}`);
    lines.push(`wrote ${files.map((f) => f.slice(outDir.length).replace(/^[\\/]/, '')).join(', ')}`, `report: ${join(outDir, RUN_FILES.html)}`);
    process.stdout.write(lines.join('\n') + '\n');
    return finalized.pass ? EXIT_OK : EXIT_THRESHOLDS_FAILED;
  },
};

export default command;
