// `--adapter ./my-adapter.ts`: load a user module that default-exports a TargetFactory.
// Failures are the user's to fix, so they are reported as AdapterLoadError with what to do (the CLI exits 2).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Target, TargetFactory, TargetOptions } from './target.ts';

export class AdapterLoadError extends Error {
  override readonly name = 'AdapterLoadError';
}

const REQUIRED: (keyof Target)[] = ['signup', 'login', 'follow', 'post', 'getPost', 'comment', 'like', 'feed', 'report', 'close'];

/** Built-in adapters, selected by name (`--adapter atproto`); anything else is a file path. */
const BUILTIN_ADAPTERS: Record<string, () => Promise<TargetFactory>> = {
  reference: async () => (await import('./http-target.ts')).createHttpTarget,
  atproto: async () => (await import('./atproto/index.ts')).createAtprotoTarget,
};
export const isBuiltinAdapter = (name: string): boolean => Object.hasOwn(BUILTIN_ADAPTERS, name);

export async function loadAdapter(file: string, cwd = process.cwd()): Promise<TargetFactory> {
  if (isBuiltinAdapter(file)) return BUILTIN_ADAPTERS[file]();
  const resolved = path.resolve(cwd, file);
  if (!existsSync(resolved)) throw new AdapterLoadError(`adapter file not found: ${resolved}`);
  let mod: { default?: unknown };
  try {
    mod = (await import(pathToFileURL(resolved).href)) as { default?: unknown };
  } catch (err) {
    throw new AdapterLoadError(`adapter ${file} failed to load: ${(err as Error).message}`);
  }
  const factory = mod.default;
  if (typeof factory !== 'function') {
    throw new AdapterLoadError(
      `adapter ${file} must default-export a TargetFactory: \`export default (options: TargetOptions) => Target\` (got ${describe(factory)})`,
    );
  }
  return factory as TargetFactory;
}

/** Build the target and check it implements the contract, naming what is missing. */
export async function instantiateAdapter(factory: TargetFactory, options: TargetOptions, label = 'adapter'): Promise<Target> {
  let target: Target;
  try {
    target = await factory(options);
  } catch (err) {
    throw new AdapterLoadError(`${label} factory threw: ${(err as Error).message}`);
  }
  if (!target || typeof target !== 'object') throw new AdapterLoadError(`${label} factory returned ${describe(target)}, not a Target`);
  const missing = REQUIRED.filter((m) => typeof (target as unknown as Record<string, unknown>)[m] !== 'function');
  if (missing.length) throw new AdapterLoadError(`${label} target lacks method(s): ${missing.join(', ')}`);
  return target;
}

function describe(v: unknown): string {
  if (v === undefined) return 'no default export';
  if (v === null) return 'null';
  return typeof v === 'object' ? `an object with keys ${Object.keys(v as object).join(', ') || '(none)'}` : typeof v;
}
