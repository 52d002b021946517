// The flag layer: every command declares its flags once — type, range, placeholder and help text — and gets typed
// values, usage errors (exit 2) naming the flag, and the Options section of its --help from the same declaration.
// Parsing is node's util.parseArgs; numbers are checked against ranges shared with the scenario schema
// (src/scenario/limits.ts), so no command writes its own number parser.
import { parseArgs } from 'node:util';
import { UsageError } from '../errors/exit-codes.ts';
import { describeRange, rangeProblem, type NumericRange } from '../scenario/limits.ts';
import { parseDuration } from '../scenario/clock.ts';

interface Common {
  help: string;
  short?: string;
}
export interface BooleanFlag extends Common {
  type: 'boolean';
}
export interface StringFlag extends Common {
  type: 'string';
  placeholder?: string;
  /** Allowed values (checked, and listed in help when the help text does not). */
  choices?: readonly string[];
  default?: string;
  multiple?: false;
}
export interface ListFlag extends Common {
  type: 'string';
  multiple: true;
  placeholder?: string;
}
export interface NumberFlag extends Common {
  type: 'number';
  range: NumericRange;
  placeholder?: string;
  default?: number;
}
/** A duration such as 10s, 2m, 1.5h (scenario clock syntax), parsed to seconds; must be > 0. */
export interface DurationFlag extends Common {
  type: 'duration';
  placeholder?: string;
  /** Seconds. */
  default?: number;
}
export type FlagSpec = BooleanFlag | StringFlag | ListFlag | NumberFlag | DurationFlag;
export type FlagSpecs = Record<string, FlagSpec>;

type ValueOf<F> = F extends BooleanFlag
  ? boolean
  : F extends ListFlag
    ? string[]
    : F extends NumberFlag | DurationFlag
      ? F extends { default: number }
        ? number
        : number | undefined
      : F extends { default: string }
        ? string
        : string | undefined;
export type FlagValues<S extends FlagSpecs> = { -readonly [K in keyof S]: ValueOf<S[K]> };

export interface PositionalRule {
  /** Shown in messages, e.g. "scenario file". */
  name: string;
  min: number;
  max: number;
}

/** Parses argv against the declared flags; every problem is a UsageError that names the flag and ends with the usage. */
export function parseFlags<const S extends FlagSpecs>(
  argv: string[],
  spec: S,
  usage: string,
  positionals: PositionalRule = { name: 'argument', min: 0, max: Infinity },
): { values: FlagValues<S>; positionals: string[] } {
  const fail = (message: string): never => {
    throw new UsageError(`${message}\n\n${usage.trimEnd()}`);
  };
  const options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }> = {};
  for (const [name, f] of Object.entries(spec)) {
    options[name] = { type: f.type === 'boolean' ? 'boolean' : 'string', multiple: f.type === 'string' && f.multiple === true };
    if (f.short) options[name].short = f.short;
  }
  let parsed: { values: Record<string, unknown>; positionals: string[] };
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, strict: true, options });
  } catch (err) {
    return fail((err as Error).message);
  }
  const values: Record<string, unknown> = {};
  for (const [name, f] of Object.entries(spec)) {
    const raw = parsed.values[name];
    if (f.type === 'boolean') values[name] = raw === true;
    else if (f.type === 'number') values[name] = raw === undefined ? f.default : parseNumber(name, raw as string, f.range, fail);
    else if (f.type === 'duration') values[name] = raw === undefined ? f.default : parseSeconds(name, raw as string, fail);
    else if (f.multiple) values[name] = (raw as string[] | undefined) ?? [];
    else {
      const v = (raw as string | undefined) ?? f.default;
      if (v !== undefined && f.choices && !f.choices.includes(v)) fail(`--${name} '${v}': expected one of ${f.choices.join(', ')}`);
      values[name] = v;
    }
  }
  const n = parsed.positionals.length;
  if (n < positionals.min || n > positionals.max) {
    const want = positionals.min === positionals.max ? `exactly ${positionals.min}` : n < positionals.min ? `at least ${positionals.min}` : `at most ${positionals.max}`;
    fail(`expected ${want} ${positionals.name}${positionals.max === 1 ? '' : '(s)'}, got ${n}${n ? `: ${parsed.positionals.join(' ')}` : ''}`);
  }
  return { values: values as FlagValues<S>, positionals: parsed.positionals };
}

function parseNumber(name: string, raw: string, range: NumericRange, fail: (m: string) => never): number {
  const n = raw.trim() === '' ? NaN : Number(raw);
  if (Number.isNaN(n)) fail(`--${name} '${raw}': expected ${describeRange(range)} (${range.what})`);
  const problem = rangeProblem(n, range);
  if (problem) fail(`--${name} '${raw}': ${problem}`);
  return n;
}

function parseSeconds(name: string, raw: string, fail: (m: string) => never): number {
  let s: number;
  try {
    s = parseDuration(raw);
  } catch (err) {
    return fail(`--${name} '${raw}': ${(err as Error).message}`);
  }
  if (!(s > 0)) fail(`--${name} '${raw}': expected a duration greater than zero, e.g. 10s, 2m`);
  return s;
}

/** The Options section of a command's help, from its declared flags (help text may span lines with \n). */
export function flagHelp(spec: FlagSpecs, width = 20): string {
  const lines: string[] = [];
  for (const [name, f] of Object.entries(spec)) {
    const placeholder = f.type === 'boolean' ? '' : ` ${f.placeholder ?? (f.type === 'number' ? (f.range.integer ? 'N' : 'X') : f.type === 'duration' ? 'D' : 'VALUE')}`;
    const head = `  ${f.short ? `-${f.short}, ` : ''}--${name}${placeholder}`;
    const extra: string[] = [];
    if (f.type === 'string' && !f.multiple && f.choices && !f.help.includes(f.choices[0])) extra.push(`one of: ${f.choices.join(', ')}`);
    if ('default' in f && f.default !== undefined) extra.push(`default ${f.default}${f.type === 'duration' ? 's' : ''}`);
    const text = (f.help + (extra.length ? ` (${extra.join('; ')})` : '')).split('\n');
    const pad = width + 2;
    lines.push(head.length < pad ? head.padEnd(pad) + text[0] : `${head}\n${' '.repeat(pad)}${text[0]}`);
    for (const more of text.slice(1)) lines.push(' '.repeat(pad) + more.trim());
  }
  return lines.join('\n');
}
