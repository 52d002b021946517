// `export k6 --adapter FILE`: bundle the user's adapter, with the k6 HttpClient (k6-http-client.ts), into one ES
// module (adapter.js) that the exported script imports. esbuild, platform neutral: k6 is neither Node nor a browser,
// so a module k6 cannot run is refused here, at export time, with the import and the file that asked for it
// (UsageError: exit 2), instead of failing in the middle of a k6 run:
//   - Node built-ins (node:*, fs, net, http, ...) and packages that only run on Node (undici, ws, pg, ...);
//   - native addons (.node files);
//   - globals k6 does not provide (fetch, XMLHttpRequest, AbortController/AbortSignal, Buffer, URL, process, ...):
//     a portable adapter does its HTTP through TargetOptions.http, which under k6 is k6/http;
//   - top-level await (k6's module loader does not support it).
import { builtinModules } from 'node:module';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'esbuild';
import { UsageError } from '../errors/exit-codes.ts';

// Paths through `new URL('./x.ts', import.meta.url)`: the package build (scripts/build.mjs) rewrites them to the .js
// files of dist/, so bundling works from a checkout (src/) and from the installed package (dist/).
const K6_HTTP_CLIENT = fileURLToPath(new URL('./k6-http-client.ts', import.meta.url));

/**
 * The package's own entries, resolved to this copy of flashcrowd (src/ in a checkout, dist/ when installed), so an
 * adapter importing 'flashcrowd/target' bundles the same portable helpers wherever it lives.
 */
const PACKAGE_ENTRIES: Record<string, string> = {
  flashcrowd: fileURLToPath(new URL('../index.ts', import.meta.url)),
  'flashcrowd/target': fileURLToPath(new URL('../target/index.ts', import.meta.url)),
};

/** Built-in adapters by name (as `run --adapter NAME`): module and the factory it exports. */
export const BUILTIN_ADAPTER_MODULES: Record<string, { file: string; factory: string }> = {
  reference: { file: fileURLToPath(new URL('../target/http-target.ts', import.meta.url)), factory: 'createHttpTarget' },
  atproto: { file: fileURLToPath(new URL('../target/atproto/index.ts', import.meta.url)), factory: 'createAtprotoTarget' },
};

/** npm packages that need Node (sockets, native code, Node streams): never portable to k6. */
const NODE_ONLY_PACKAGES = ['undici', 'ws', 'pg', 'pg-pool', 'ioredis', 'redis', 'node-fetch', 'got', 'axios', 'better-sqlite3', 'sharp', 'fastify', 'pino', 'tsx', 'esbuild'];

/** Globals a Node or browser adapter may use that k6 does not have, and what to use instead. */
const MISSING_GLOBALS: Record<string, string> = {
  fetch: 'do HTTP through options.http (k6/http under k6)',
  XMLHttpRequest: 'do HTTP through options.http',
  AbortController: 'k6 cannot cancel requests; drop the timeout plumbing (options.http applies TargetOptions.timeoutMs)',
  AbortSignal: 'k6 cannot cancel requests; drop the timeout plumbing (options.http applies TargetOptions.timeoutMs)',
  Buffer: 'use strings (or ArrayBuffer)',
  URL: 'build URLs as strings (options.http resolves paths against the target URL and encodes `query`)',
  URLSearchParams: 'pass `query` to options.http',
  process: 'k6 has no process; configuration comes from TargetOptions',
  setImmediate: 'k6 has no setImmediate',
};
const MARK = '__flashcrowd_k6_lacks_';
/** flashcrowd's own Node HttpClient (used by built-in adapters only when no client is handed to them). */
const NODE_FALLBACK = /[\\/]target[\\/]node-http-client\.[jt]s$/;

export interface AdapterBundle {
  /** ES module text: `export async function createTarget(http, {url, timeoutMs})`. */
  code: string;
  /** What the user named (file path as given, or a built-in name). */
  source: string;
  /** Files that went into the bundle, relative to cwd (for the README). */
  inputs: string[];
}

export class AdapterBundleError extends UsageError {
  override readonly name = 'AdapterBundleError';
}

/** Resolve `--adapter` (a built-in name or a file) to the module to bundle. */
export function adapterModule(adapter: string, cwd = process.cwd()): { file: string; factory: string } {
  const builtin = Object.hasOwn(BUILTIN_ADAPTER_MODULES, adapter) ? BUILTIN_ADAPTER_MODULES[adapter] : undefined;
  if (builtin) return builtin;
  return { file: path.resolve(cwd, adapter), factory: 'default' };
}

export async function bundleAdapter(adapter: string, cwd = process.cwd()): Promise<AdapterBundle> {
  const { file, factory } = adapterModule(adapter, cwd);
  try {
    readFileSync(file);
  } catch {
    throw new AdapterBundleError(`export k6 --adapter: adapter file not found: ${file}`);
  }
  const esbuild = await import('esbuild');
  const refusals: string[] = [];
  const rel = (p: string) => (path.isAbsolute(p) ? path.relative(cwd, p) || p : p);
  const plugin = portability({ adapter, builtin: Object.hasOwn(BUILTIN_ADAPTER_MODULES, adapter), refusals, rel });
  let result;
  try {
    result = await esbuild.build({
      stdin: { contents: entryModule(file, factory), resolveDir: cwd, sourcefile: 'flashcrowd-k6-adapter-entry.js', loader: 'js' },
      absWorkingDir: cwd,
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'neutral',
      // platform neutral resolves no package fields by default; npm packages still publish `module` or `main`.
      mainFields: ['module', 'main'],
      conditions: ['import', 'default'],
      target: 'es2020',
      supported: { 'top-level-await': false },
      define: Object.fromEntries(Object.keys(MISSING_GLOBALS).map((g) => [g, MARK + g])),
      metafile: true,
      logLevel: 'silent',
      legalComments: 'none',
      charset: 'utf8',
      plugins: [plugin],
    });
  } catch (err) {
    if (refusals.length) throw refused(adapter, refusals);
    const errors = (err as { errors?: { text: string; location?: { file: string; line: number } | null }[] }).errors ?? [];
    const lines = errors.map((e) => (e.location ? `${rel(e.location.file)}:${e.location.line}: ${e.text}` : e.text));
    throw new AdapterBundleError(`export k6 --adapter ${adapter}: the adapter cannot be bundled for k6:\n  ${lines.join('\n  ') || (err as Error).message}`);
  }
  if (refusals.length) throw refused(adapter, refusals);
  const code = result.outputFiles[0]!.text;
  const inputs = Object.keys(result.metafile.inputs)
    .filter((f) => !f.startsWith('flashcrowd-refused:') && f !== '<stdin>' && !f.startsWith('flashcrowd-k6-adapter-entry'))
    .map((f) => rel(path.resolve(cwd, f)));
  const globals = missingGlobalsUsed(code, inputs.map((f) => path.resolve(cwd, f)), rel);
  if (globals.length) throw refused(adapter, globals);
  return { code, source: adapter, inputs };
}

/** The bundle's entry: `createTarget(http, {url, timeoutMs})` builds the adapter's Target on the k6 client. */
function entryModule(file: string, factory: string): string {
  return `
import { ${factory === 'default' ? 'default as factory' : `${factory} as factory`} } from ${JSON.stringify(file)};
import { createK6HttpClient } from ${JSON.stringify(K6_HTTP_CLIENT)};
// The core every target serves (contract v2); optional operations are called only when declared.
const REQUIRED = ['signup', 'login', 'follow', 'post', 'getPost', 'comment', 'like', 'feed', 'close'];
/** Build the adapter's Target on k6/http. One per VU (the script calls it once, lazily). */
export async function createTarget(http, options) {
  const client = createK6HttpClient(http, { baseUrl: options.url, timeoutMs: options.timeoutMs });
  if (typeof factory !== 'function') throw new Error('the adapter must default-export a TargetFactory');
  const target = await factory({ url: options.url, timeoutMs: options.timeoutMs, http: client });
  const missing = REQUIRED.filter((m) => !target || typeof target[m] !== 'function');
  if (missing.length) throw new Error('the adapter target lacks method(s): ' + missing.join(', '));
  return { target, client };
}
`;
}

/**
 * The esbuild plugin that keeps the bundle runnable by k6: 'flashcrowd' entries resolve to this copy; Node built-ins,
 * Node-only packages and native addons are recorded in `refusals` (and stubbed, so every one is reported at once).
 */
function portability(o: { adapter: string; builtin: boolean; refusals: string[]; rel: (p: string) => string }): Plugin {
  return {
    name: 'flashcrowd-k6-portable',
    setup(build) {
      const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
      build.onResolve({ filter: /.*/ }, (args) => {
        if (args.kind === 'entry-point') return undefined;
        const spec = args.path;
        if (Object.hasOwn(PACKAGE_ENTRIES, spec)) return { path: PACKAGE_ENTRIES[spec] };
        const pkg = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
        let why: string | undefined;
        if (spec === 'flashcrowd/node' || spec === 'flashcrowd/node-http-client') why = "flashcrowd's Node-only entry (under k6 the HTTP client is options.http)";
        else if (spec.startsWith('node:') || builtins.has(spec) || builtins.has(pkg)) why = 'a Node built-in';
        else if (NODE_ONLY_PACKAGES.includes(pkg)) why = 'a package that only runs on Node';
        if (!why) return undefined;
        o.refusals.push(`'${spec}' (${why}), imported by ${o.rel(args.importer) || o.adapter}`);
        return { path: spec, namespace: 'flashcrowd-refused' };
      });
      build.onLoad({ filter: /.*/, namespace: 'flashcrowd-refused' }, () => ({ contents: 'export default {};', loader: 'js' }));
      // A built-in adapter falls back to flashcrowd's Node client (undici) when TargetOptions.http is absent; under
      // k6 it never is, so that module is replaced by a stub that throws if it is ever constructed.
      if (o.builtin) {
        build.onLoad({ filter: NODE_FALLBACK }, () => ({
          contents: `module.exports = { NodeHttpClient: class { constructor() { throw new Error('flashcrowd: the Node HTTP client is not available under k6 (TargetOptions.http is k6/http)'); } } };`,
          loader: 'js',
        }));
      }
      build.onLoad({ filter: /\.node$/ }, (args) => {
        o.refusals.push(`'${o.rel(args.path)}' (a native addon)`);
        return { contents: 'export default {};', loader: 'js' };
      });
    },
  };
}

/** Globals k6 lacks that the bundle uses outside a `typeof` guard, each with the input files that mention it. */
function missingGlobalsUsed(code: string, files: string[], rel: (p: string) => string): string[] {
  const used = new Set<string>();
  for (const m of code.matchAll(new RegExp(`(typeof\\s+)?\\b${MARK}(\\w+)`, 'g'))) if (!m[1]) used.add(m[2]!);
  return [...used].map((g) => {
    const where = files.filter((f) => new RegExp(`\\b${g}\\b`).test(withoutComments(safeRead(f)))).map(rel);
    return `the global '${g}' (k6 has none; ${MISSING_GLOBALS[g]}), used in ${where.join(', ') || 'the bundle'}`;
  });
}

function refused(adapter: string, what: string[]): AdapterBundleError {
  return new AdapterBundleError(
    `export k6 --adapter ${adapter}: k6 cannot run this adapter; it uses\n  ${what.join('\n  ')}\n` +
      'A portable adapter does all its HTTP through the client flashcrowd hands it (TargetOptions.http: k6/http under k6) ' +
      'and imports nothing of Node (docs/k6-and-scaling-out.md, "Your adapter in k6").',
  );
}

function safeRead(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** Crude: drop block and line comments, so a global named in a comment is not blamed on the file. */
function withoutComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:\\])\/\/.*$/gm, '$1');
}
