// One place where commands parse their flags: node's parseArgs, with parse failures turned into usage errors (exit 2).
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from '../errors/exit-codes.ts';

type Options = NonNullable<ParseArgsConfig['options']>;

export function parseCommandArgs<const O extends Options>(argv: string[], options: O, usage?: string) {
  try {
    return parseArgs({ args: argv, allowPositionals: true, strict: true, options });
  } catch (err) {
    const message = (err as Error).message;
    throw new UsageError(usage ? `${message}\n\n${usage}` : message);
  }
}

/** `--header 'Name: value'` flags into a header object. */
export function parseHeaderFlags(flags: readonly string[] | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const h of flags ?? []) {
    const i = h.indexOf(':');
    if (i <= 0) throw new UsageError(`--header expects 'Name: value', got '${h}'`);
    headers[h.slice(0, i).trim()] = h.slice(i + 1).trim();
  }
  return headers;
}
