// `--adapter ./my-adapter.ts` or `--adapter <name>`: load a user module that default-exports a TargetFactory (or a
// built-in adapter by name), build the target and validate the whole contract before any traffic.
// Failures are the user's to fix, so they are reported as AdapterLoadError naming what is wrong (the CLI exits 2).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { CAPABILITIES, type Capability, type HttpClient, type Target, type TargetFactory, type TargetOptions } from './target.ts';
import { resolveIdentityPolicy } from './identity-policy.ts';
import { NodeHttpClient } from './node-http-client.ts';

export class AdapterLoadError extends Error {
  override readonly name = 'AdapterLoadError';
}

/** Every target serves these. */
export const CORE_METHODS = ['signup', 'login', 'follow', 'post', 'getPost', 'comment', 'like', 'feed', 'close'] as const;
/** The method a capability needs, when it has its own (discover and translate ride on feed and getPost). */
export const CAPABILITY_METHODS: Partial<Record<Capability, keyof Target>> = {
  report: 'report',
  list_following: 'listFollowing',
  list_comments: 'listComments',
  unfollow: 'unfollow',
  get_user: 'getUser',
};
const ALL_METHODS: readonly string[] = [...CORE_METHODS, ...Object.values(CAPABILITY_METHODS)];

/**
 * Built-in adapters, selected by name (`--adapter atproto`); anything else is a file path. Add one here: a name and
 * a lazy import of its factory (built-ins load only when chosen).
 */
export const BUILTIN_ADAPTERS: Record<string, { describe: string; load: () => Promise<TargetFactory> }> = {
  reference: { describe: "flashcrowd's reference API (the default)", load: async () => (await import('./http-target.ts')).createHttpTarget },
  atproto: { describe: 'an AT Protocol PDS + AppView (flashcrowd stack atproto)', load: async () => (await import('./atproto/index.ts')).createAtprotoTarget },
};
export const isBuiltinAdapter = (name: string): boolean => Object.hasOwn(BUILTIN_ADAPTERS, name);
export const builtinAdapterNames = (): string[] => Object.keys(BUILTIN_ADAPTERS);

export async function loadAdapter(file: string, cwd = process.cwd()): Promise<TargetFactory> {
  if (isBuiltinAdapter(file)) return BUILTIN_ADAPTERS[file].load();
  const resolved = path.resolve(cwd, file);
  if (!existsSync(resolved)) {
    const hint = /[/\\.]/.test(file) ? '' : ` (built-in adapters: ${builtinAdapterNames().join(', ')})`;
    throw new AdapterLoadError(`adapter file not found: ${resolved}${hint}`);
  }
  let mod: { default?: unknown };
  try {
    // Through a module loaded now, after the hooks (see import-user-module.ts), not import() from here.
    const { importUserModule } = await import('./import-user-module.ts');
    mod = (await importUserModule(pathToFileURL(resolved).href)) as { default?: unknown };
  } catch (err) {
    throw new AdapterLoadError(`adapter ${file} failed to load: ${(err as Error).message}`);
  }
  const factory = mod.default;
  if (typeof factory !== 'function') {
    throw new AdapterLoadError(
      `adapter ${file} must default-export a TargetFactory: \`export default (options: TargetOptions) => Target\` (got ${factory === undefined ? 'no default export' : describe(factory)})`,
    );
  }
  if (/^class[\s{]/.test(Function.prototype.toString.call(factory))) {
    throw new AdapterLoadError(`adapter ${file} default-exports a class; export a factory instead: \`export default (options) => new ${factory.name || 'MyTarget'}(options)\``);
  }
  return factory as TargetFactory;
}

/**
 * Build the target and check it implements the contract, naming what is wrong. Without `options.http` the target
 * gets a Node HttpClient (closed with the target).
 */
export async function instantiateAdapter(factory: TargetFactory, options: TargetOptions, label = 'adapter'): Promise<Target> {
  let http: HttpClient | undefined;
  if (!options.http) {
    http = new NodeHttpClient({ url: options.url, connections: options.connections, timeoutMs: options.timeoutMs });
    options = { ...options, http };
  }
  let target: Target;
  try {
    target = await factory(options);
    validateTarget(target, label);
  } catch (err) {
    await http?.close();
    if (err instanceof AdapterLoadError) throw err;
    throw new AdapterLoadError(`${label} factory threw: ${(err as Error)?.message ?? err}`);
  }
  if (http) closeWith(target, http);
  return target;
}

/** Throws AdapterLoadError listing every problem of a target object against the contract. */
export function validateTarget(target: unknown, label = 'adapter'): asserts target is Target {
  if (!target || typeof target !== 'object') throw new AdapterLoadError(`${label} factory returned ${describe(target)}, not a Target`);
  const t = target as Record<string, unknown>;
  const problems: string[] = [];
  if (typeof t.name !== 'string' || !t.name) problems.push(`name must be a non-empty string (got ${describe(t.name)})`);
  const missing = CORE_METHODS.filter((m) => t[m] === undefined);
  if (missing.length) problems.push(`lacks core method(s): ${missing.join(', ')}`);
  for (const m of ALL_METHODS) {
    if (t[m] !== undefined && typeof t[m] !== 'function') problems.push(`${m} must be a function (got ${describe(t[m])})`);
  }
  const caps = t.capabilities as { supports?: unknown; reasons?: unknown; notes?: unknown } | undefined;
  if (caps === undefined) {
    problems.push(`lacks capabilities: declare \`capabilities: { supports: [...] }\` with the optional operations it serves (${CAPABILITIES.join(', ')}); [] for none`);
  } else if (typeof caps !== 'object' || caps === null) {
    problems.push(`capabilities must be an object { supports: [...] } (got ${describe(caps)})`);
  } else if (!Array.isArray(caps.supports)) {
    problems.push(`capabilities.supports must be an array of ${CAPABILITIES.join(', ')} (got ${describe(caps.supports)})`);
  } else {
    const unknown = caps.supports.filter((c) => !(CAPABILITIES as readonly unknown[]).includes(c));
    if (unknown.length) problems.push(`capabilities.supports has unknown name(s) ${unknown.map((u) => JSON.stringify(u)).join(', ')} (known: ${CAPABILITIES.join(', ')})`);
    for (const cap of caps.supports as Capability[]) {
      const method = CAPABILITY_METHODS[cap];
      if (method && typeof t[method] !== 'function') problems.push(`declares ${cap} but has no ${method}() method`);
    }
    for (const key of ['reasons', 'notes'] as const) {
      const map = caps[key];
      if (map === undefined) continue;
      if (typeof map !== 'object' || map === null) problems.push(`capabilities.${key} must be an object of capability -> text`);
      else for (const [k, v] of Object.entries(map)) {
        if (!(CAPABILITIES as readonly string[]).includes(k)) problems.push(`capabilities.${key} has unknown capability '${k}'`);
        else if (typeof v !== 'string') problems.push(`capabilities.${key}.${k} must be a string`);
      }
    }
  }
  if (t.identity !== undefined) {
    try {
      resolveIdentityPolicy(t.identity as never, 'identity');
    } catch (err) {
      problems.push((err as Error).message);
    }
  }
  if (problems.length) throw new AdapterLoadError(`${label} does not implement the Target contract: ${problems.join('; ')}`);
}

/** The client the loader made is closed after the target's own close. */
function closeWith(target: Target, http: HttpClient): void {
  const close = target.close;
  const wrapped = async () => {
    try {
      await close.call(target);
    } finally {
      await http.close();
    }
  };
  try {
    Object.defineProperty(target, 'close', { value: wrapped, configurable: true, writable: true });
  } catch {
    // A frozen target keeps its own close; the client's idle sockets then close with the process.
  }
}

function describe(v: unknown): string {
  if (v === undefined) return 'undefined';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? `an object with keys ${Object.keys(v as object).join(', ') || '(none)'}` : typeof v;
}
