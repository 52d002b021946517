// Load a scenario file (.ts/.mts/.cts/.js/.mjs/.cjs via dynamic import, or .json), validate it, compile it to a Plan.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { compilePlan, type CompileOverrides } from './compile.ts';
import { ScenarioError, describeProblems, problemsFromZod, type FieldProblem } from './errors.ts';
import type { Plan } from './plan.ts';
import { jsonPositions, locateInSource, nearestPosition } from './positions.ts';
import { ScenarioSchema, type Scenario } from './schema.ts';

export interface LoadedScenario {
  /** The validated scenario (durations in seconds, defaults not filled). */
  scenario: Scenario;
  plan: Plan;
}

const CODE_EXTENSIONS = new Set(['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs']);

/** Load, validate and compile. Throws ScenarioError (exit code 2) listing every problem, with lines where known. */
export async function loadScenario(path: string, overrides: CompileOverrides = {}): Promise<LoadedScenario> {
  const file = resolve(path);
  if (!existsSync(file)) throw new ScenarioError(`scenario file not found: ${path}`, [], file);
  const ext = extname(file).toLowerCase();
  const text = readFileSync(file, 'utf8');
  let raw: unknown;
  if (ext === '.json') {
    raw = parseJson(text, file);
  } else if (CODE_EXTENSIONS.has(ext)) {
    raw = await importScenario(file);
  } else {
    throw new ScenarioError(`${path}: expected a .ts, .mts, .cts, .js, .mjs, .cjs or .json scenario file`, [], file);
  }
  const scenario = validateScenario(raw, { file, text, json: ext === '.json' });
  const plan = compilePlan(scenario, overrides, { source: file, searchDirs: searchDirs(file) });
  return { scenario, plan };
}

/** Validate a raw scenario object; with `text`, problems carry lines (exact for JSON, best effort for code). */
export function validateScenario(raw: unknown, where: { file?: string; text?: string; json?: boolean } = {}): Scenario {
  const parsed = ScenarioSchema.safeParse(raw, { reportInput: true });
  if (parsed.success) return parsed.data;
  const problems = problemsFromZod(parsed.error);
  if (where.text !== undefined) addPositions(problems, where.text, where.json ?? false);
  throw new ScenarioError(describeProblems(where.file, problems), problems, where.file);
}

function addPositions(problems: FieldProblem[], text: string, json: boolean): void {
  const positions = json ? jsonPositions(text) : undefined;
  for (const p of problems) {
    const pos = positions ? nearestPosition(positions, p.path) : locateInSource(text, p.path);
    if (pos) {
      p.line = pos.line;
      if (json) p.column = pos.column;
    }
  }
}

function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    const message = (err as Error).message;
    const at = /position (\d+)/.exec(message);
    let where = '';
    if (at) {
      const before = text.slice(0, Number(at[1]));
      where = ` (line ${before.split('\n').length}:${Number(at[1]) - before.lastIndexOf('\n')})`;
    }
    throw new ScenarioError(`${file}: not valid JSON${where}: ${message}`, [], file);
  }
}

async function importScenario(file: string): Promise<unknown> {
  let mod: Record<string, unknown>;
  try {
    mod = await importModule(file);
  } catch (err) {
    if (err instanceof ScenarioError) throw err;
    const line = lineInStack(err, file);
    const where = line === undefined ? '' : ` (line ${line})`;
    throw new ScenarioError(`${file}: could not load the scenario module${where}: ${(err as Error).message}`, [], file);
  }
  let value = mod.default ?? mod.scenario;
  // A .ts file loaded as CommonJS (outside a "type": "module" package) arrives wrapped once more.
  if (value && typeof value === 'object' && 'default' in value && !('timeline' in value)) value = (value as { default: unknown }).default;
  if (typeof value === 'function') value = await (value as () => unknown)();
  if (value === undefined || value === null || typeof value !== 'object') {
    throw new ScenarioError(
      `${file}: a scenario module must default-export defineScenario({...}) (or a function returning one)`,
      [],
      file,
    );
  }
  return value;
}

/**
 * Import a scenario module. Native import first (works under tsx and vitest inside an ESM package); a .ts file in a
 * folder without "type": "module" is CommonJS to Node, which tsx cannot load in the middle of an ESM import, so such
 * files (and runs without a TypeScript loader) fall back to tsx's own tsImport.
 */
async function importModule(file: string): Promise<Record<string, unknown>> {
  const url = pathToFileURL(file).href;
  try {
    // Through a module loaded now, after the hooks (see import-user-module.ts), not import() from here.
    const { importUserModule } = await import('../target/import-user-module.ts');
    return await importUserModule(url);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const message = String((err as Error).message);
    const loaderProblem =
      code === 'ERR_UNKNOWN_FILE_EXTENSION' || code === 'ERR_REQUIRE_CYCLE_MODULE' || /Cannot require\(\) ES Module/.test(message);
    if (!loaderProblem) throw err;
    const { tsImport } = await import('tsx/esm/api');
    return (await tsImport(url, import.meta.url)) as Record<string, unknown>;
  }
}

/** The line of `file` in an error's stack (e.g. a builder called with a bad duration at import time). */
function lineInStack(err: unknown, file: string): number | undefined {
  const stack = err instanceof Error ? (err.stack ?? '') : '';
  const url = pathToFileURL(file).href;
  for (const frame of stack.split('\n')) {
    const at = frame.indexOf(url) >= 0 ? frame.indexOf(url) + url.length : frame.indexOf(file) >= 0 ? frame.indexOf(file) + file.length : -1;
    if (at < 0) continue;
    const m = /^:(\d+):\d+/.exec(frame.slice(at).replace(/\?[^:]*/, ''));
    if (m) return Number(m[1]);
  }
  return undefined;
}

/** csv curve paths resolve against the working directory, the project root above the file, then the file's folder. */
function searchDirs(file: string): string[] {
  const dirs = [process.cwd()];
  let dir = dirname(file);
  for (let i = 0; i < 8; i++) {
    if (existsSync(resolve(dir, 'package.json'))) {
      dirs.push(dir);
      break;
    }
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  dirs.push(dirname(file));
  return [...new Set(dirs)];
}
