// flashcrowd as a user gets it: `npm pack` the tarball, install it into a fresh CommonJS project in a temp folder
// outside the repository, and use it there only through `npx flashcrowd` and `import ... from 'flashcrowd'`:
// scenarios in every module flavour plan, one runs against the embedded backend, `init` scaffolds, the scaffolded
// adapter passes `check` and drives a run against the reference backend started from the installed package, and a
// broken adapter is refused with exit 2.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
let project = '';
let tarball = '';

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The user's environment: nothing pointing back at the checkout. */
function userEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.FLASHCROWD_DIST;
  delete env.NODE_OPTIONS;
  delete env.VITEST;
  return env;
}
function run(cmd: string, args: string[], timeoutMs = 120_000): Result {
  const r = spawnSync(cmd, args, { cwd: project, env: userEnv(), encoding: 'utf8', timeout: timeoutMs });
  return { code: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}
function runAsync(cmd: string, args: string[], timeoutMs = 120_000): Promise<Result> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: project, env: userEnv(), timeout: timeoutMs });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
const npx = (args: string[], timeoutMs?: number) => run('npx', ['--no-install', 'flashcrowd', ...args], timeoutMs);
const show = (r: Result) => `exit ${r.code}\n--- stdout\n${r.stdout.slice(-3000)}\n--- stderr\n${r.stderr.slice(-3000)}`;

const SCENARIO_BODY = `{
  name: 'user-smoke',
  seed: 3,
  timeline: { start: '2025-06-02T15:00:00Z', duration: '5m', compress: '5m->6s', sample: 1, gracefulStop: '3s' },
  cohorts: [
    {
      name: 'crowd',
      size: 30,
      curve: flashCrowd({ peak: 1, at: '1m', ramp: '30s', tau: '1m', alpha: 1.5 }),
      locales: { en_US: 1 },
      timeZones: { 'Europe/London': 1 },
      personas: { newcomer: 1 },
      behaviour: { actionsPerSession: 4, thinkTime: '200ms', introPosts: 1, weights: { readFollowing: 2, readDiscover: 2, like: 1, post: 1, follow: 1 } },
      follow: { count: 3, popularShare: 0.5, sameLanguageShare: 1 },
      content: { kinds: { intro: 1, daily_life: 1 }, languages: { en: 1 } },
    },
  ],
  thresholds: ['lostWrites == 0'],
}`;

/** The same scenario in each module flavour a user may write, in a CommonJS project. */
const SCENARIOS: Record<string, string> = {
  'load/smoke.ts': `import { defineScenario, flashCrowd } from 'flashcrowd';\nexport default defineScenario(${SCENARIO_BODY});\n`,
  'load/smoke.mts': `import { defineScenario, flashCrowd } from 'flashcrowd';\nexport default defineScenario(${SCENARIO_BODY});\n`,
  'load/smoke.cts': `import { defineScenario, flashCrowd } from 'flashcrowd';\nexport default defineScenario(${SCENARIO_BODY});\n`,
  'load/smoke.mjs': `import { defineScenario, flashCrowd } from 'flashcrowd';\nexport default defineScenario(${SCENARIO_BODY});\n`,
  'load/smoke.js': `const { defineScenario, flashCrowd } = require('flashcrowd');\nmodule.exports = defineScenario(${SCENARIO_BODY});\n`,
};

/** A plain-JavaScript adapter (IMPORT and EXPORT filled per module flavour): the contract's core, no optional operations. */
const PLAIN_JS_ADAPTER = `IMPORT
EXPORT (options) => {
  const http = options.http;
  const nope = async () => send(http, { method: 'GET', path: '/healthz' }, () => undefined);
  return {
    name: 'plain-js',
    capabilities: { supports: [] },
    signup: nope, login: nope, follow: nope, post: nope, getPost: nope, comment: nope, like: nope, feed: nope,
    close: async () => {},
  };
};
`;

beforeAll(() => {
  project = mkdtempSync(path.join(os.tmpdir(), 'flashcrowd-user-'));
  // `npm pack` runs prepack (the build); the tarball is what `npm publish` would upload.
  const pack = spawnSync('npm', ['pack', '--json', '--pack-destination', project], { cwd: REPO, encoding: 'utf8', timeout: 240_000 });
  if (pack.status !== 0) throw new Error(`npm pack failed:\n${pack.stderr}`);
  tarball = path.join(project, (JSON.parse(pack.stdout) as { filename: string }[])[0].filename);
  // A CommonJS project: no "type": "module".
  writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'my-social-app', version: '1.0.0', private: true }, null, 2));
  const install = run('npm', ['install', '--save-dev', tarball, '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], 240_000);
  if (install.code !== 0) throw new Error(`npm install of the tarball failed:\n${show(install)}`);
  mkdirSync(path.join(project, 'load'), { recursive: true });
  for (const [file, text] of Object.entries(SCENARIOS)) writeFileSync(path.join(project, file), text);
}, 480_000);

afterAll(() => {
  if (project && !process.env.FLASHCROWD_KEEP_PACK_TEST) rmSync(project, { recursive: true, force: true });
});

describe('the packed tarball', () => {
  it('holds what a user needs and nothing of the repo’s tests, benches, CI or run folders', () => {
    const list = spawnSync('tar', ['tzf', tarball], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean).map((f) => f.replace(/^package\//, ''));
    for (const needed of ['package.json', 'README.md', 'LICENSE', 'bin/flashcrowd.js', 'bin/register.js', 'dist/index.js', 'dist/index.d.ts', 'dist/target/index.d.ts', 'dist/target/node.js', 'dist/index.cjs', 'dist/cli/index.js', 'dist/backend/store/migrations/001_init.sql', 'fixtures/content/en.json', 'scenarios/smoke.ts', 'templates/init/adapter.ts', 'dashboards/provisioning']) {
      expect(list.some((f) => f === needed || f.startsWith(needed + '/')), `${needed} in the tarball`).toBe(true);
    }
    const forbidden = list.filter((f) => /^(test|bench|\.ci|targets|runs|src|node_modules|coverage)\//.test(f) || /\.test\.[cm]?[jt]s$/.test(f));
    expect(forbidden).toEqual([]);
  });
});

describe('installed into a CommonJS project outside the repo', () => {
  it('resolves flashcrowd from the project, not the checkout', () => {
    const r = run('node', ['-e', "console.log(require.resolve('flashcrowd'))"]);
    expect(r.code, show(r)).toBe(0);
    // require() gets the CommonJS build, import the ESM one; both from the installed package.
    expect(r.stdout.trim()).toBe(path.join(realpathSync(project), 'node_modules', 'flashcrowd', 'dist', 'index.cjs'));
  });

  it('plans a scenario importing from flashcrowd in every module flavour (.ts, .mts, .cts, .mjs, .js)', async () => {
    // In parallel: each is a separate `npx flashcrowd plan` process.
    const results = await Promise.all(Object.keys(SCENARIOS).map(async (file) => [file, await runAsync('npx', ['--no-install', 'flashcrowd', 'plan', file])] as const));
    for (const [file, r] of results) {
      expect(r.code, `${file}: ${show(r)}`).toBe(0);
      expect(r.stdout, file).toMatch(/^user-smoke: 5m of scenario time/);
    }
  }, 120_000);

  it('runs a scenario against the embedded backend (npx flashcrowd run)', () => {
    const r = npx(['run', 'load/smoke.ts', '--out', 'runs/embedded'], 180_000);
    expect(r.code, show(r)).toBe(0);
    const summary = JSON.parse(readFileSync(path.join(project, 'runs/embedded/summary.json'), 'utf8'));
    expect(summary.scenario).toBe('user-smoke');
    expect(summary.totals.signups).toBeGreaterThan(0);
    expect(summary.audit.checkedWrites).toBeGreaterThan(0);
    expect(summary.pass).toBe(true);
  }, 200_000);

  describe('init, check, run with the scaffolded adapter against the installed reference backend', () => {
    let backend: ChildProcess | undefined;
    let url = '';

    beforeAll(async () => {
      backend = spawn('npx', ['--no-install', 'flashcrowd', 'backend', '--port', '0'], { cwd: project, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
      url = await new Promise<string>((resolve, reject) => {
        let out = '';
        const timer = setTimeout(() => reject(new Error(`backend did not start:\n${out}`)), 90_000);
        const onData = (d: Buffer) => {
          out += d.toString();
          const m = /listening on (http:\/\/\S+)/.exec(out);
          if (m) (clearTimeout(timer), resolve(m[1]));
        };
        backend!.stdout!.on('data', onData);
        backend!.stderr!.on('data', onData);
        backend!.once('exit', (code) => (clearTimeout(timer), reject(new Error(`backend exited (${code}):\n${out}`))));
      });
    }, 120_000);

    afterAll(() => {
      // npx starts node as a child: end the whole process group we started.
      if (backend?.pid) {
        try {
          process.kill(-backend.pid, 'SIGTERM');
        } catch {
          /* already gone */
        }
      }
    });

    it('scaffolds, and refuses to overwrite with exit 2 naming the files', () => {
      const first = npx(['init']);
      expect(first.code, show(first)).toBe(0);
      for (const f of ['load/surge.ts', 'load/adapter.ts', '.github/workflows/flashcrowd.yml']) expect(existsSync(path.join(project, f)), f).toBe(true);
      expect(first.stdout).toContain('Next steps');
      const again = npx(['init']);
      expect(again.code).toBe(2);
      expect(again.stderr).toContain('load/adapter.ts');
    });

    it('the scaffolded adapter passes flashcrowd check', (ctx) => {
      const help = npx(['--help']);
      if (!/^\s+check\s/m.test(help.stdout)) {
        ctx.skip(true, 'flashcrowd check is not a command yet (issue 13 part 4): assertion skipped');
      }
      const r = npx(['check', '--adapter', 'load/adapter.ts', '--target', url], 120_000);
      expect(r.code, show(r)).toBe(0);
    }, 150_000);

    it('the scaffolded adapter drives a run: signups, posts, feed reads, feed quality and an audit', () => {
      const r = npx(['run', 'load/surge.ts', '--adapter', 'load/adapter.ts', '--target', url, '--duration', '10m', '--compress', '10m->10s', '--out', 'runs/adapter'], 180_000);
      // The thresholds of the scaffolded scenario may fail on a busy machine (exit 99); the run itself must be whole.
      expect([0, 99], show(r)).toContain(r.code);
      const s = JSON.parse(readFileSync(path.join(project, 'runs/adapter/summary.json'), 'utf8'));
      expect(s.totals.signups).toBeGreaterThan(0);
      expect(s.totals.posts).toBeGreaterThan(0);
      expect(s.endpoints.feed_following.count).toBeGreaterThan(0);
      expect(s.endpoints.feed_discover.count).toBeGreaterThan(0);
      expect(s.feedQuality.freshnessSec.p50, 'freshness measured').toEqual(expect.any(Number));
      expect(s.audit.checkedWrites).toBeGreaterThan(0);
      expect(s.audit.lostWrites).toBe(0);
      expect(readdirSync(path.join(project, 'runs/adapter'))).toEqual(expect.arrayContaining(['junit.xml', 'summary.md', 'report.html']));
    }, 200_000);

    it('loads and validates adapters in every module flavour (.ts, .mts, .cts, .mjs, .js) through the CLI\'s loader', () => {
      const ts = readFileSync(path.join(project, 'load/adapter.ts'), 'utf8');
      writeFileSync(path.join(project, 'load/adapter-copy.mts'), ts);
      writeFileSync(path.join(project, 'load/adapter-copy.cts'), ts);
      writeFileSync(path.join(project, 'load/adapter-esm.mjs'), PLAIN_JS_ADAPTER.replace('IMPORT', "import { send } from 'flashcrowd/target';").replace('EXPORT', 'export default'));
      writeFileSync(path.join(project, 'load/adapter-cjs.js'), PLAIN_JS_ADAPTER.replace('IMPORT', "const { send } = require('flashcrowd/target');").replace('EXPORT', 'module.exports ='));
      // The loader `run`, `check` and `export k6` use (public as flashcrowd/node), with the hooks the bin registers.
      const script = `
        const root = new URL('./node_modules/flashcrowd/', 'file://' + process.cwd() + '/');
        await import(new URL('bin/register.js', root).href);
        const { loadAdapter, instantiateAdapter } = await import('flashcrowd/node');
        for (const file of process.argv.slice(1)) {
          const target = await instantiateAdapter(await loadAdapter(file), { url: ${JSON.stringify('http://127.0.0.1:9')} }, file);
          console.log(file, target.name, target.capabilities.supports.length);
          await target.close();
        }`;
      const files = ['load/adapter.ts', 'load/adapter-copy.mts', 'load/adapter-copy.cts', 'load/adapter-esm.mjs', 'load/adapter-cjs.js'];
      const r = run('node', ['--input-type=module', '-e', script, ...files]);
      expect(r.code, show(r)).toBe(0);
      for (const f of files) expect(r.stdout).toContain(f);
    });

    it('refuses a broken adapter with exit 2 and says what is wrong', () => {
      writeFileSync(path.join(project, 'load/broken-adapter.ts'), `export default () => ({ name: 'broken', signup() {} });\n`);
      const r = npx(['run', 'load/smoke.ts', '--adapter', 'load/broken-adapter.ts', '--target', url], 60_000);
      expect(r.code, show(r)).toBe(2);
      expect(r.stderr).toMatch(/login|capabilities/);
    }, 90_000);
  });
});

