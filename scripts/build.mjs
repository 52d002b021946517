#!/usr/bin/env node
// Build the published package: src/**/*.ts -> dist/**/*.js (one file per module, not bundled, so worker entries,
// lazily loaded commands and assets found through import.meta.url keep working), non-TypeScript assets copied beside
// them, and declarations for the public entries (src/index.ts, src/target/index.ts) from tsc.
//
// dist/ sits at the same depth as src/, so paths such as new URL('../../fixtures/...', import.meta.url) resolve to
// the package's fixtures/ from either. Relative specifiers naming a module of src/ ('./x.ts', `./${name}.ts`) are
// rewritten to .js; a relative path to something outside src/ (e.g. a scenario file) is left alone.
//
// Usage: node scripts/build.mjs   (npm run build; runs on npm pack / npm publish through `prepack`)
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const src = path.join(root, 'src');
const dist = path.join(root, 'dist');
const started = Date.now();

function walk(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? walk(p) : [p];
  });
}

const isTest = (f) => /\.test\.[cm]?ts$/.test(f) || f.split(path.sep).includes('__tests__');
const files = walk(src).filter((f) => !isTest(f));
const modules = files.filter((f) => /\.[cm]?ts$/.test(f) && !f.endsWith('.d.ts'));
const assets = files.filter((f) => !modules.includes(f) && !f.endsWith('.md'));

rmSync(dist, { recursive: true, force: true });

const result = await build({
  entryPoints: modules,
  outdir: dist,
  outbase: src,
  bundle: false,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  write: false,
  logLevel: 'warning',
  legalComments: 'none',
});

const JS_EXT = { '.ts': '.js', '.mts': '.mjs', '.cts': '.cjs' };
// A quoted or template string that is a relative path ending in .ts/.mts/.cts.
const SPECIFIER = /(["'`])(\.\.?\/[^"'`\n]*?)(\.[cm]?ts)\1/g;

function rewrite(code, sourceFile) {
  const dir = path.dirname(sourceFile);
  return code.replace(SPECIFIER, (whole, quote, stem, ext) => {
    // A template such as `./${name}.ts` cannot be checked file by file: rewrite it when its folder is inside src/.
    const dynamic = stem.includes('${');
    const target = path.resolve(dir, dynamic ? stem.slice(0, stem.indexOf('${')) : stem + ext);
    const inSrc = target === src || target.startsWith(src + path.sep);
    if (!inSrc || (!dynamic && !existsSync(target))) return whole;
    return `${quote}${stem}${JS_EXT[ext]}${quote}`;
  });
}

for (const out of result.outputFiles) {
  const rel = path.relative(dist, out.path);
  const sourceFile = path.join(src, rel).replace(/\.([cm]?)js$/, '.$1ts');
  mkdirSync(path.dirname(out.path), { recursive: true });
  writeFileSync(out.path, rewrite(out.text, sourceFile));
}
for (const asset of assets) {
  const to = path.join(dist, path.relative(src, asset));
  mkdirSync(path.dirname(to), { recursive: true });
  cpSync(asset, to);
}

// CommonJS copies of the public entries ("require" condition): a .cts file, or a .ts/.js file of a CommonJS
// project, require()s flashcrowd; Node's require() of the ESM build fails there under module hooks ("request for
// './scenario/index.js' is not in cache"). Scenario builders return plain data, so a second copy is harmless.
await build({
  entryPoints: {
    index: path.join(src, 'index.ts'),
    'target/index': path.join(src, 'target', 'index.ts'),
    'target/node': path.join(src, 'target', 'node.ts'),
  },
  outdir: dist,
  outExtension: { '.js': '.cjs' },
  bundle: true,
  packages: 'external',
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  logLevel: 'warning',
  legalComments: 'none',
  define: { 'import.meta.url': '__flashcrowd_import_meta_url' },
  banner: { js: "const __flashcrowd_import_meta_url = require('node:url').pathToFileURL(__filename).href;" },
});

// Declarations of the public surface (and what it references), with .ts specifiers rewritten to .js.
const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
execFileSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.build.json')], { stdio: ['ignore', 2, 2] }); // stdout stays clean for `npm pack --json`
const declarations = walk(dist).filter((f) => f.endsWith('.d.ts'));
for (const file of declarations) {
  const sourceFile = path.join(src, path.relative(dist, file)).replace(/\.d\.ts$/, '.ts');
  writeFileSync(file, rewrite(readFileSync(file, 'utf8'), sourceFile));
}

process.stderr.write(`build: ${modules.length} modules, ${assets.length} assets, ${declarations.length} declarations -> dist/ in ${Date.now() - started} ms\n`);
