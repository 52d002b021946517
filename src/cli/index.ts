import type { Command } from './command.ts';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, UsageError } from '../errors/exit-codes.ts';

/** Loaded lazily (one file per command in src/cli) so that `flashcrowd plan` does not load the backend, and so on. */
const COMMAND_NAMES = ['demo', 'plan', 'run', 'check', 'backend', 'blast', 'probe', 'export', 'merge', 'dashboards', 'report', 'compare', 'stack', 'init'] as const;
const COMMANDS: Record<string, () => Promise<{ default: Command }>> = Object.fromEntries(
  COMMAND_NAMES.map((name) => [name, () => import(`./${name}.ts`) as Promise<{ default: Command }>]),
);

async function loadCommand(name: string): Promise<Command | undefined> {
  const loader = COMMANDS[name];
  if (!loader) return undefined;
  try {
    return (await loader()).default;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' && String(err).includes(`/cli/${name}.ts`)) {
      return undefined; // command not built yet
    }
    throw err;
  }
}

async function printHelp(): Promise<void> {
  const lines = ['flashcrowd — rehearse the day a million strangers show up', '', 'Usage: flashcrowd <command> [options]', ''];
  for (const name of Object.keys(COMMANDS)) {
    const cmd = await loadCommand(name);
    if (cmd) lines.push(`  ${name.padEnd(11)} ${cmd.summary}`);
  }
  lines.push('', 'Run `flashcrowd <command> --help` for the options of one command.');
  process.stdout.write(lines.join('\n') + '\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    await printHelp();
    return name ? EXIT_OK : EXIT_USAGE;
  }
  const cmd = await loadCommand(name);
  if (!cmd) {
    process.stderr.write(`flashcrowd: unknown command '${name}'. Run 'flashcrowd --help' for the list.\n`);
    return EXIT_USAGE;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(cmd.usage.trimEnd() + '\n');
    return EXIT_OK;
  }
  try {
    return await cmd.run(rest);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`flashcrowd ${name}: ${err.message}\n`);
      return err.exitCode;
    }
    process.stderr.write(`flashcrowd ${name}: ${(err as Error).stack ?? String(err)}\n`);
    return EXIT_FAILURE;
  }
}
