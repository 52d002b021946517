// flashcrowd merge <runDir>... --out DIR: one run folder from the segments of a sharded run.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from './command.ts';
import { flagHelp, parseFlags, type FlagSpecs } from './flags.ts';
import { EXIT_OK, EXIT_THRESHOLDS_FAILED, UsageError } from '../errors/exit-codes.ts';
import { loadRun, mergeRuns, MergeError, HISTOGRAMS_FILE } from '../shard/merge.ts';
import { writeRunFolder } from '../report/write.ts';

const FLAGS = {
  out: { type: 'string', placeholder: 'DIR', help: 'merged run folder (required)' },
  threshold: { type: 'string', multiple: true, placeholder: 'EXPR', help: 'an extra threshold, repeatable' },
  quiet: { type: 'boolean', help: 'no result lines' },
} as const satisfies FlagSpecs;

const usage = `Usage: flashcrowd merge <runDir> <runDir>... --out DIR [--threshold EXPR]...

Merge the run folders of one sharded run (flashcrowd run --segment i/N on N processes or machines) into one run
folder with summary.json, timeline.json, junit.xml, summary.md, report.html and histograms.json.

Exact: totals, endpoint counts and latency percentiles (HDR histograms from each folder's histograms.json),
schedule counts and lag, audit counts, per-second timeline counts. Feed quality: each segment's probes only see
that segment's writes; recall@k mean is weighted by reads, freshness and moderation lag report the largest
segment value (an upper bound of the pooled quantile), shares without denominators are averaged and marked
approximate (summary.json merge.feedQuality). The scenario's thresholds are evaluated again on the merged figures.

Options:
${flagHelp(FLAGS)}

Exit codes: 0 all thresholds passed, 99 a threshold failed (or a write was lost), 2 bad folders or usage.

Example:
  flashcrowd merge runs/rednote-0 runs/rednote-1 runs/rednote-2 runs/rednote-3 --out runs/rednote-merged
`;

const command: Command = {
  name: 'merge',
  summary: 'merge the run folders of a sharded run (exact counts and HDR latency) and re-check thresholds',
  usage,
  async run(argv) {
    const { values, positionals } = parseFlags(argv, FLAGS, usage, { name: 'run folder to merge', min: 1, max: Infinity });
    if (!values.out) throw new UsageError('--out DIR is required');
    const out = path.resolve(values.out);
    if (positionals.some((d) => path.resolve(d) === out)) throw new UsageError('--out must not be one of the folders being merged');
    let merged;
    try {
      const runs = [];
      for (const dir of positionals) runs.push(await loadRun(path.resolve(dir)));
      merged = mergeRuns(runs, values.threshold ?? []);
    } catch (err) {
      if (err instanceof MergeError) throw new UsageError(err.message);
      throw err;
    }
    await writeRunFolder(out, { summary: merged.summary, timeline: merged.timeline });
    await writeFile(path.join(out, HISTOGRAMS_FILE), JSON.stringify(merged.histograms) + '\n', 'utf8');
    if (!values.quiet) {
      const s = merged.summary;
      const say = (line: string) => process.stdout.write(line + '\n');
      for (const w of merged.warnings) say(`warning: ${w}`);
      say(
        `merged ${positionals.length} run(s): ${s.totals.requests} requests, ${s.totals.errors} errors, ${s.schedule.intendedArrivals} arrivals ` +
          `(${s.totals.sessionsStarted} started, ${s.totals.sessionsDropped} dropped), ${s.totals.signups} signups, ${s.totals.posts} posts`,
      );
      for (const th of s.thresholds) say(`  ${th.pass ? 'PASS' : 'FAIL'}  ${th.expr}  (observed ${th.observed ?? 'n/a'}${th.message ? `; ${th.message}` : ''})`);
      say(`${s.pass ? 'PASS' : 'FAIL'} — merged run folder: ${out}`);
    }
    return merged.summary.pass ? EXIT_OK : EXIT_THRESHOLDS_FAILED;
  },
};

export default command;
