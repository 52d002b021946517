// Scenario errors a user can act on: every bad field with its path, and where possible the line in the file.
import type { z } from 'zod';
import { UsageError } from '../cli/exit-codes.ts';

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
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? String(seg) : `.${String(seg)}`;
  }
  return out;
}

/** One FieldProblem per zod issue; an unknown key becomes a problem at that key's own path. */
export function problemsFromZod(error: z.ZodError): FieldProblem[] {
  const problems: FieldProblem[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        problems.push({ path: formatPath([...issue.path, key]), message: `unknown field '${key}' (check the spelling; see docs/scenarios.md)` });
      }
      continue;
    }
    problems.push({ path: formatPath(issue.path), message: friendlyMessage(issue) });
  }
  return problems;
}

function friendlyMessage(issue: z.core.$ZodIssue): string {
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
