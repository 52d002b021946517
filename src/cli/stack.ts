// flashcrowd stack atproto: start a throwaway AT Protocol network (PLC, PDS, AppView, Ozone) from the separately
// installed targets/atproto, print the PDS URL, and remove its Postgres schemas and files on Ctrl-C.
import type { Command } from './command.ts';
import { flagHelp, parseFlags, type FlagSpecs } from './flags.ts';
import { EXIT_FAILURE, EXIT_OK, UsageError } from '../errors/exit-codes.ts';
import { AtprotoStackError, installHint, startAtprotoStack, type AtprotoStack } from '../target/atproto/stack.ts';

const FLAGS = {
  db: { type: 'string', placeholder: 'URL', help: 'PostgreSQL for the AppView and Ozone (default: $DATABASE_URL)' },
  schema: { type: 'string', placeholder: 'NAME', help: 'schema name (letters and _ only; default random); the stack uses appview_NAME and ozone_NAME' },
  json: { type: 'boolean', help: 'print one JSON line with the URLs, schemas and folder instead of the text' },
  verbose: { type: 'boolean', help: "show the stack's own log lines" },
} as const satisfies FlagSpecs;

const usage = `Usage: flashcrowd stack atproto [--db postgres://…] [--schema NAME] [--json] [--verbose]

Start an AT Protocol network for a rehearsal: PLC, PDS, AppView (bsky) and Ozone in one child process, listening on
127.0.0.1 on free ports, from the pinned stack in targets/atproto (installed separately: the flashcrowd package
does not depend on @atproto packages). Prints the PDS URL to use with --adapter atproto, then runs until Ctrl-C
(or SIGTERM), when the network stops and its Postgres schemas and temporary files are removed.

Install the stack once: ${installHint()}

Options:
${flagHelp(FLAGS)}

Example:
  flashcrowd stack atproto --db postgres://postgres@127.0.0.1:5432/test
  flashcrowd run scenarios/smoke.ts --adapter atproto --target <PDS URL printed above>
`;

const command: Command = {
  name: 'stack',
  summary: 'start a throwaway AT Protocol stack (PDS + AppView + Ozone) for --adapter atproto',
  usage,
  async run(argv) {
    const { values, positionals } = parseFlags(argv, FLAGS, usage);
    if (positionals.length !== 1 || positionals[0] !== 'atproto') {
      throw new UsageError(`expected the kind of stack: 'atproto' (got ${positionals.length ? positionals.map((p) => `'${p}'`).join(' ') : 'nothing'})\n\n${usage}`);
    }
    if (values.schema !== undefined && !/^[A-Za-z_]{1,40}$/.test(values.schema)) throw new UsageError(`--schema '${values.schema}': letters and _ only, at most 40`);
    if (values.db !== undefined && !/^postgres(ql)?:\/\//.test(values.db)) throw new UsageError(`--db '${values.db}' is not a postgres:// URL`);
    const out = process.stdout;
    if (!values.json) out.write('starting the AT Protocol stack (PLC, PDS, AppView, Ozone) ...\n');
    let stack: AtprotoStack;
    try {
      stack = await startAtprotoStack({
        db: values.db,
        schema: values.schema,
        onLine: values.verbose ? (line) => process.stderr.write(`[stack] ${line}\n`) : undefined,
      });
    } catch (e) {
      if (e instanceof AtprotoStackError && e.reason !== 'failed') throw new UsageError(e.message);
      throw e;
    }
    if (values.json) {
      const { stop: _stop, exited: _exited, ...info } = stack;
      out.write(JSON.stringify(info) + '\n');
    } else {
      out.write(
        [
          `AT Protocol stack ready in ${(stack.startMs / 1000).toFixed(1)} s`,
          `  PDS:      ${stack.pdsUrl}   (handles *${stack.handleDomain})`,
          `  AppView:  ${stack.appviewUrl}`,
          `  Ozone:    ${stack.ozoneUrl}`,
          `  PLC:      ${stack.plcUrl}`,
          `  Postgres schemas ${stack.schemas.join(', ')}; files in ${stack.tmpdir}`,
          '',
          `Rehearse:  flashcrowd run scenarios/smoke.ts --adapter atproto --target ${stack.pdsUrl}`,
          'Ctrl-C stops the stack and removes its schemas and files.',
          '',
        ].join('\n'),
      );
    }
    // Run until a signal (stop and clean up) or until the stack dies on its own (a failure).
    const outcome = await new Promise<'signal' | 'died'>((resolve) => {
      const onSignal = () => resolve('signal');
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      void stack.exited.then(() => resolve('died'));
    });
    if (outcome === 'died') {
      process.stderr.write('flashcrowd stack: the AT Protocol stack exited unexpectedly\n');
      return EXIT_FAILURE;
    }
    if (!values.json) out.write('\nstopping the stack ...\n');
    try {
      await stack.stop();
    } catch (e) {
      process.stderr.write(`flashcrowd stack: ${(e as Error).message}\n`);
      return EXIT_FAILURE;
    }
    if (!values.json) out.write(`stopped: schemas ${stack.schemas.join(', ')} dropped, ${stack.tmpdir} removed\n`);
    return EXIT_OK;
  },
};

export default command;
