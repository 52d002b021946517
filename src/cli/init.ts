// flashcrowd init [dir]: scaffold a scenario, an adapter and a CI workflow in the user's project (templates/init/).
// Never overwrites: when any file it would write exists, it writes nothing and names them (exit 2).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from './command.ts';
import { parseFlags } from './flags.ts';
import { EXIT_OK, UsageError } from '../errors/exit-codes.ts';

/** Template file (in templates/init/) -> where it goes, relative to the project folder. */
export const INIT_FILES: readonly { template: string; to: string; what: string }[] = [
  { template: 'surge.ts', to: 'load/surge.ts', what: 'a commented surge scenario' },
  { template: 'adapter.ts', to: 'load/adapter.ts', what: 'an adapter (speaks the reference API; edit it into yours)' },
  { template: 'flashcrowd.yml', to: '.github/workflows/flashcrowd.yml', what: 'a GitHub Actions surge test' },
];

const TEMPLATES = fileURLToPath(new URL('../../templates/init/', import.meta.url));

const usage = `Usage: flashcrowd init [dir]

Scaffold flashcrowd in your project (dir, default the current folder, normally the one with your package.json):
${INIT_FILES.map((f) => `  ${f.to.padEnd(34)} ${f.what}`).join('\n')}
Existing files are never overwritten: if any of these exists, nothing is written (exit 2).

Then: edit load/adapter.ts into your API, \`flashcrowd check\` it, \`flashcrowd run\` the scenario.
Guide: node_modules/flashcrowd/docs/own-backend.md
`;

const command: Command = {
  name: 'init',
  summary: 'scaffold a scenario, an adapter and a CI workflow in your project',
  usage,
  async run(argv) {
    const { positionals } = parseFlags(argv, {}, usage, { name: 'folder', min: 0, max: 1 });
    const dir = path.resolve(positionals[0] ?? '.');
    const taken = INIT_FILES.map((f) => path.join(dir, f.to)).filter((file) => existsSync(file));
    if (taken.length) {
      throw new UsageError(`refusing to overwrite existing file(s): ${taken.map((f) => path.relative(process.cwd(), f) || f).join(', ')}; move them away or init another folder`);
    }
    for (const f of INIT_FILES) {
      const to = path.join(dir, f.to);
      mkdirSync(path.dirname(to), { recursive: true });
      writeFileSync(to, readFileSync(path.join(TEMPLATES, f.template), 'utf8'), { flag: 'wx' });
    }
    process.stdout.write(nextSteps(dir));
    return EXIT_OK;
  },
};

function nextSteps(dir: string): string {
  const rel = path.relative(process.cwd(), dir);
  const hasPackage = existsSync(path.join(dir, 'node_modules', 'flashcrowd', 'package.json'));
  return [
    `flashcrowd init: wrote ${INIT_FILES.map((f) => f.to).join(', ')}${rel ? ` in ${dir}` : ''}`,
    '',
    'Next steps:',
    ...(rel ? [`  cd ${rel}`] : []),
    ...(hasPackage ? [] : ['  npm install --save-dev flashcrowd          # scenarios and adapters import from it']),
    '  npx flashcrowd plan load/surge.ts          # the arrivals over time, no traffic',
    '  npx flashcrowd run load/surge.ts           # a run against the embedded reference backend',
    '  # The adapter speaks the reference API as it is; try it against one, then edit it into your API:',
    '  npx flashcrowd backend --port 8080 &',
    '  npx flashcrowd check --adapter load/adapter.ts --target http://127.0.0.1:8080',
    '  npx flashcrowd run load/surge.ts --adapter load/adapter.ts --target http://127.0.0.1:8080',
    '  # .github/workflows/flashcrowd.yml runs the same in CI; replace its "Start the backend" step with yours.',
    'Guide: node_modules/flashcrowd/docs/own-backend.md',
    '',
  ].join('\n');
}

export default command;
