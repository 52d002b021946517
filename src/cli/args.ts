// Parsing of flag values that several commands share (flags themselves are declared in flags.ts).
import { UsageError } from '../errors/exit-codes.ts';

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
