// Scenario errors a user can act on: every bad field with its path, and where possible the line in the file.
import type { z } from 'zod';
import { UsageError } from '../errors/exit-codes.ts';
import { PERSONAS, POST_KINDS } from './vocabulary.ts';

/** For unknown keys in these maps, say which keys are allowed. */
const KNOWN_KEYS: Record<string, { what: string; keys: readonly string[] }> = {
  personas: { what: 'persona', keys: PERSONAS },
  kinds: { what: 'post kind', keys: POST_KINDS },
  weights: { what: 'action', keys: ['readFollowing', 'readDiscover', 'like', 'comment', 'post', 'translate', 'report', 'follow'] },
};

export interface FieldProblem {
  /** e.g. "cohorts[1].curve.peak" ("" for the whole scenario). */
  path: string;
  message: string;
  line?: number;
  column?: number;
}

/** A scenario could not be loaded or is invalid. Exit code 2 through the CLI. */
export class ScenarioError extends UsageError {
  readonly problems: FieldProblem[];
  readonly file?: string;
  constructor(message: string, problems: FieldProblem[] = [], file?: string) {
    super(message);
    this.name = 'ScenarioError';
    this.problems = problems;
    this.file = file;
  }
}

export type PathSegment = string | number;

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) out = typeof seg === 'number' ? `${out}[${seg}]` : appendKey(out, String(seg));
  return out;
}

/** `a.b`, or `a["Asia/Shanghai"]` for keys that are not plain names. */
export function appendKey(path: string, key: string): string {
  if (!/^[A-Za-z_$][\w$-]*$/.test(key)) return `${path}[${JSON.stringify(key)}]`;
  return path === '' ? key : `${path}.${key}`;
}

/** One FieldProblem per zod issue; an unknown key becomes a problem at that key's own path. */
export function problemsFromZod(error: z.ZodError): FieldProblem[] {
  const problems: FieldProblem[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      const parent = issue.path[issue.path.length - 1];
      const known = typeof parent === 'string' ? KNOWN_KEYS[parent] : undefined;
      for (const key of issue.keys) {
        const message = known
          ? `unknown ${known.what} '${key}'; expected one of ${known.keys.join(', ')}`
          : `unknown field '${key}' (check the spelling; see docs/scenarios.md)`;
        problems.push({ path: formatPath([...issue.path, key]), message });
      }
      continue;
    }
    problems.push({ path: formatPath(issue.path), message: friendlyMessage(issue) });
  }
  return problems;
}

function friendlyMessage(issue: z.core.$ZodIssue): string {
  // `input` is present because validation runs with reportInput: true
  if ('input' in issue && issue.input === undefined && issue.code !== 'custom') {
    return issue.code === 'invalid_type' ? `required field is missing (expected ${article(String(issue.expected))})` : `required field is missing (${issue.message})`;
  }
  if (issue.code === 'invalid_key') {
    return issue.issues.map((i) => i.message).join('; ') || issue.message;
  }
  if (issue.code === 'invalid_type') {
    const expected = String(issue.expected);
    if (/received undefined/.test(issue.message)) return `required field is missing (expected ${article(expected)})`;
    return `expected ${article(expected)}`;
  }
  if (issue.code === 'invalid_value' && 'values' in issue) {
    return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
  }
  return issue.message;
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

/** The error message for a set of problems, one per line, with file:line where known. */
export function describeProblems(file: string | undefined, problems: FieldProblem[]): string {
  const head = `${file ?? 'scenario'}: invalid scenario (${problems.length} problem${problems.length === 1 ? '' : 's'})`;
  const lines = problems.map((p) => {
    const where = p.line !== undefined ? ` (line ${p.line}${p.column !== undefined ? `:${p.column}` : ''})` : '';
    return `  ${p.path || '(scenario)'}: ${p.message}${where}`;
  });
  return [head, ...lines].join('\n');
}
