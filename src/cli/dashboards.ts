import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { flagHelp, parseFlags, type FlagSpecs } from './flags.ts';
import type { Command } from './command.ts';
import { EXIT_FAILURE, EXIT_OK } from '../errors/exit-codes.ts';
import { renderDashboards } from '../dashboards/index.ts';

const FLAGS = {
  out: { type: 'string', placeholder: 'DIR', default: 'dashboards', help: 'where to write the JSON files' },
  check: { type: 'boolean', help: "write nothing; exit 1 if any file in DIR is missing or differs from the generator's output" },
} as const satisfies FlagSpecs;

const usage = `Usage: flashcrowd dashboards [--out DIR] [--check]

Regenerates the Grafana dashboards (dashboards as code, src/dashboards) as JSON files with fixed uids and
stable key order, ready for Grafana provisioning or import (docs/grafana.md).

Options:
${flagHelp(FLAGS)}

`;

async function readOrUndefined(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

const command: Command = {
  name: 'dashboards',
  summary: 'Regenerate the Grafana dashboards (dashboards/*.json)',
  usage,
  async run(argv) {
    const { values } = parseFlags(argv, FLAGS, usage, { name: 'argument', min: 0, max: 0 });
    const outDir = path.resolve(values.out);
    const rendered = renderDashboards();

    if (values.check) {
      const stale: string[] = [];
      for (const [file, json] of rendered) {
        const current = await readOrUndefined(path.join(outDir, file));
        if (current !== json) stale.push(`${file} (${current === undefined ? 'missing' : 'differs'})`);
      }
      if (stale.length > 0) {
        process.stderr.write(`dashboards out of date in ${outDir}: ${stale.join(', ')}\nRun 'flashcrowd dashboards' and commit the result.\n`);
        return EXIT_FAILURE;
      }
      process.stdout.write(`${rendered.size} dashboards in ${outDir} match the generator\n`);
      return EXIT_OK;
    }

    await mkdir(outDir, { recursive: true });
    for (const [file, json] of rendered) {
      const target = path.join(outDir, file);
      const unchanged = (await readOrUndefined(target)) === json;
      if (!unchanged) await writeFile(target, json);
      process.stdout.write(`${unchanged ? 'unchanged' : 'wrote    '} ${path.relative(process.cwd(), target) || target}\n`);
    }
    return EXIT_OK;
  },
};

export default command;
