// The threshold language (docs/reports.md): `<figure> <op> <value>[unit]`, e.g. `p99(signup) < 800ms`.
//
//   threshold := figure op number unit?
//   figure    := ("corrected.")? stat "(" endpoint ("," "all")? ")"
//                                                            latency per endpoint (also rps, count, errors, errorRate);
//                                                            successful responses only unless ", all" is written
//              | path                                        a shortcut (errors.rate, freshness.p95, ...) or a
//                                                            dotted path into summary.json (totals.signups)
//   op        := "<" | "<=" | ">" | ">=" | "==" | "!="
//   unit      := "ms" | "s" | "m" | "%"
//
// Parsing is separate from evaluation so that a scenario's thresholds are checked before a run starts.
import { UsageError } from '../../errors/exit-codes.ts';
import { resolveFigure, type FigureRef, type Dimension } from './figures.ts';

export type Comparison = '<' | '<=' | '>' | '>=' | '==' | '!=';

export interface Threshold {
  /** The expression as written (trimmed). */
  expr: string;
  figure: FigureRef;
  op: Comparison;
  /** The bound in the figure's own unit (ms for latency and lag, s for freshness, ratio for shares). */
  bound: number;
  /** The bound as written, for messages (e.g. `800ms`, `1%`). */
  boundText: string;
}

export class ThresholdParseError extends UsageError {
  readonly expr: string;
  /** 1-based column of the problem. */
  readonly col: number;
  constructor(expr: string, col: number, problem: string) {
    super(`threshold "${expr}": col ${col}: ${problem}`);
    this.name = 'ThresholdParseError';
    this.expr = expr;
    this.col = col;
  }
}

const OPS: Comparison[] = ['<=', '>=', '==', '!=', '<', '>'];
const UNIT_FACTORS: Record<string, { ms: number } | 'percent'> = {
  ms: { ms: 1 },
  s: { ms: 1000 },
  m: { ms: 60_000 },
  '%': 'percent',
};

class Cursor {
  pos = 0;
  constructor(readonly text: string) {}
  skipSpace(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos]!)) this.pos++;
  }
  get col(): number {
    return this.pos + 1;
  }
  atEnd(): boolean {
    return this.pos >= this.text.length;
  }
  peek(): string {
    return this.text[this.pos] ?? '';
  }
  match(re: RegExp): string | undefined {
    const m = re.exec(this.text.slice(this.pos));
    if (!m || m.index !== 0) return undefined;
    this.pos += m[0].length;
    return m[0];
  }
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_-]*/;

/** figure := ident ("." ident)* ("(" endpoint ")")? — resolved to a FigureRef or a positioned error. */
function readFigure(c: Cursor, fail: (col: number, problem: string) => never): FigureRef {
  const figureCol = c.col;
  const segments: string[] = [];
  for (;;) {
    const segCol = c.col;
    const seg = c.match(IDENT);
    if (seg === undefined) fail(segCol, segments.length ? 'expected a name after "."' : 'expected a figure such as `p99(signup)` or `errors.rate`');
    segments.push(seg!);
    if (c.peek() !== '.') break;
    c.pos++;
  }
  let arg: string | undefined;
  let all = false;
  c.skipSpace();
  if (c.peek() === '(') {
    c.pos++;
    c.skipSpace();
    const argCol = c.col;
    arg = c.match(IDENT);
    if (arg === undefined) fail(argCol, 'expected an endpoint name inside "(...)"');
    c.skipSpace();
    if (c.peek() === ',') {
      // `p99(signup, all)`: every request, failures included (the default counts successful responses only).
      c.pos++;
      c.skipSpace();
      const viewCol = c.col;
      const view = c.match(IDENT);
      if (view !== 'all') fail(viewCol, `expected "all" after "," (e.g. p99(${arg}, all): every request, failures included)`);
      all = true;
      c.skipSpace();
    }
    if (c.peek() !== ')') fail(c.col, 'expected ")"');
    c.pos++;
  }
  const resolved = resolveFigure(segments, arg, all);
  if (typeof resolved === 'string') fail(figureCol, resolved);
  return resolved as FigureRef;
}

/** Parse a figure alone (e.g. for compare's --fail-on rules); `context` names the input in errors. */
export function parseFigure(text: string, context = text): FigureRef {
  const c = new Cursor(text.trim());
  const fail = (col: number, problem: string): never => {
    throw new ThresholdParseError(context, col, problem);
  };
  const figure = readFigure(c, fail);
  c.skipSpace();
  if (!c.atEnd()) fail(c.col, `unexpected "${c.text.slice(c.pos)}" after the figure`);
  return figure;
}

/** Convert a value written with a unit into the figure's own unit; a string return is the problem. */
export function convertToFigureUnit(value: number, unit: string | undefined, dim: Dimension): number | string {
  try {
    return convert(value, unit, dim, (problem) => {
      throw new Error(problem);
    });
  } catch (err) {
    return (err as Error).message;
  }
}

export function parseThreshold(input: string): Threshold {
  const expr = input.trim();
  const c = new Cursor(expr);
  const fail = (col: number, problem: string): never => {
    throw new ThresholdParseError(expr, col, problem);
  };
  if (expr.length === 0) fail(1, 'empty threshold; expected e.g. `p99(signup) < 800ms`');

  const figure = readFigure(c, fail);

  c.skipSpace();
  const opCol = c.col;
  const op = OPS.find((o) => c.text.startsWith(o, c.pos));
  if (!op) fail(opCol, `expected a comparison operator (< <= > >= == !=)${c.atEnd() ? '' : `, found "${c.peek()}"`}`);
  c.pos += op!.length;

  c.skipSpace();
  const numCol = c.col;
  const num = c.match(/^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?/);
  if (num === undefined) fail(numCol, 'expected a number');
  const unitCol = c.col;
  const unit = c.match(/^(ms|s|m|%)(?![A-Za-z])/);
  if (unit === undefined && /[A-Za-z]/.test(c.peek())) fail(unitCol, `unknown unit; expected ms, s, m or %`);
  c.skipSpace();
  if (!c.atEnd()) fail(c.col, `unexpected "${c.text.slice(c.pos)}" after the value`);

  const bound = convert(Number(num), unit, figure.dimension, (problem) => fail(unitCol, problem));
  return { expr, figure, op: op!, bound, boundText: `${num}${unit ?? ''}` };
}

function convert(value: number, unit: string | undefined, dim: Dimension, fail: (problem: string) => never): number {
  if (unit === undefined) return value; // a bare number is in the figure's own unit
  const factor = UNIT_FACTORS[unit]!;
  if (factor === 'percent') {
    if (dim !== 'ratio') fail(`"%" only applies to ratios (shares and rates); this figure is ${describe(dim)}`);
    return value / 100;
  }
  if (dim === 'ms') return value * factor.ms;
  if (dim === 'sec') return (value * factor.ms) / 1000;
  return fail(`a time unit does not apply to this figure; it is ${describe(dim)}`);
}

function describe(dim: Dimension): string {
  return { ms: 'a time in ms', sec: 'a time in seconds', ratio: 'a ratio (0..1)', count: 'a count', number: 'a plain number' }[dim];
}

/** Parse all, reporting every bad expression at once (the first error carries the others in its message). */
export function parseThresholds(exprs: readonly string[]): Threshold[] {
  const out: Threshold[] = [];
  const errors: ThresholdParseError[] = [];
  for (const e of exprs) {
    try {
      out.push(parseThreshold(e));
    } catch (err) {
      if (err instanceof ThresholdParseError) errors.push(err);
      else throw err;
    }
  }
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) {
    const first = errors[0]!;
    const all = new ThresholdParseError(first.expr, first.col, first.message.replace(/^threshold "[^"]*": col \d+: /, ''));
    all.message = errors.map((e) => e.message).join('\n');
    throw all;
  }
  return out;
}
