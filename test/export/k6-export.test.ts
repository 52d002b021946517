// flashcrowd export k6: the script type-checks against @types/k6, its stages track the plan within the stated
// bound, thresholds translate where k6 has the figure, and (when a k6 binary is on PATH) k6 runs it.
import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { execFile, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { loadScenario } from '../../src/scenario/index.ts';
import { buildK6Export, writeK6Export, fitStages, mapThresholds, prepareK6Adapter, type K6Export, type K6Adapter } from '../../src/export/index.ts';
import { loadExportedScript, referenceStandIn, serveResponder } from './helpers/k6-stub.ts';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');
const TSC = join(ROOT, 'node_modules/.bin/tsc');

/** The bound this exporter states (docs/k6-and-scaling-out.md) for the shipped scenarios at the default 48 stages. */
const BOUND = { integralError: 0.02, l1Error: 0.05, maxRateError: 0.1 };

/** Arrivals k6 will start for a ramping-arrival-rate config: linear ramps between targets, per timeUnit. */
function k6Arrivals(startRate: number, unitSec: number, stages: { duration: string; target: number }[]): number {
  let from = startRate;
  let total = 0;
  for (const s of stages) {
    const sec = Number(s.duration.replace(/ms$/, '')) / 1000;
    total += ((from + s.target) / 2 / unitSec) * sec;
    from = s.target;
  }
  return total;
}

const exports: Record<string, { dir: string; built: K6Export; expected: Record<string, number>; wallMs: number }> = {};
let tmp: string;
/** The built-in reference adapter, bundled: what `export k6` carries without --adapter. */
let reference: K6Adapter;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'fc-k6-export-'));
  reference = await prepareK6Adapter('reference', { url: 'http://127.0.0.1:8080', cwd: ROOT });
  for (const name of ['smoke', 'rednote-jan-2025']) {
    const file = join(ROOT, 'scenarios', `${name}.ts`);
    const { plan } = await loadScenario(file);
    const built = buildK6Export({ plan, scenarioFile: `scenarios/${name}.ts`, k8s: { parallelism: 3 }, adapter: reference });
    const dir = join(tmp, name);
    await writeK6Export(dir, built);
    exports[name] = { dir, built, expected: Object.fromEntries(plan.cohorts.map((c) => [c.name, c.expectedArrivals])), wallMs: Math.round(plan.wallDurationSec * 1000) };
  }
}, 60_000);

afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('exported k6 script', () => {
  it.each(['smoke', 'rednote-jan-2025'])('%s type-checks with tsc against @types/k6', async (name) => {
    const { dir } = exports[name];
    // The export's own tsconfig (checkJs, strict, types: ["k6"]); @types/k6 comes from this repository.
    const r = await run(TSC, ['-p', join(dir, 'tsconfig.json'), '--typeRoots', join(ROOT, 'node_modules/@types')], { cwd: dir }).catch((e) => e);
    expect(r.stdout ?? '', r.stderr).toBe('');
    expect(r.code ?? 0).toBe(0);
  }, 60_000);

  it('tsc rejects a script that misuses the k6 API (the check is real)', async () => {
    const { dir } = exports.smoke;
    const script = await readFile(join(dir, 'script.js'), 'utf8');
    const bad = join(tmp, 'bad');
    const built = { ...exports.smoke.built, files: { ...exports.smoke.built.files, 'script.js': script.replace('http.expectedStatuses(', 'http.expectedStatusez(') } };
    await writeK6Export(bad, built);
    const r = await run(TSC, ['-p', join(bad, 'tsconfig.json'), '--typeRoots', join(ROOT, 'node_modules/@types')], { cwd: bad }).catch((e) => e);
    expect(r.code).not.toBe(0);
    expect(String(r.stdout)).toMatch(/expectedStatusez/);
  }, 60_000);

  it.each(['smoke', 'rednote-jan-2025'])('%s: one ramping-arrival-rate scenario per cohort whose stages track the plan', (name) => {
    const { built, expected, wallMs } = exports[name];
    const script = built.files['script.js'];
    for (const c of built.cohorts) {
      expect(script).toContain(`"${c.key}": {\n      "executor": "ramping-arrival-rate"`);
      expect(c.fit.error.integralError).toBeLessThanOrEqual(BOUND.integralError);
      expect(c.fit.error.l1Error).toBeLessThanOrEqual(BOUND.l1Error);
      expect(c.fit.error.maxRateError).toBeLessThanOrEqual(BOUND.maxRateError);
      // Independently of the fit's own bookkeeping: what k6 will start, read back from the stages as k6 does.
      const played = k6Arrivals(c.fit.startRate, c.fit.unitSec, c.fit.stages);
      expect(Math.abs(played - expected[c.cohort.name]) / expected[c.cohort.name]).toBeLessThanOrEqual(BOUND.integralError);
      const totalMs = c.fit.stages.reduce((n, s) => n + Number(s.duration.replace(/ms$/, '')), 0);
      expect(totalMs).toBe(wallMs);
      expect(c.preAllocatedVUs).toBeGreaterThanOrEqual(Math.ceil(c.fit.peakRate * c.iterationSec));
      expect(c.maxVUs).toBeGreaterThan(c.preAllocatedVUs);
    }
    expect(built.files['README.md']).toContain('k6 run -o experimental-prometheus-rw');
    expect(built.files['README.md']).toContain('K6_PROMETHEUS_RW_SERVER_URL=');
  });

  it('ships bounded people and content, tagged requests and the target from __ENV', async () => {
    const { dir, built } = exports['rednote-jan-2025'];
    const people = JSON.parse(await readFile(join(dir, 'data/people.json'), 'utf8')) as Record<string, { handle: string }[]>;
    for (const c of built.cohorts) {
      expect(people[c.key].length).toBe(Math.min(2000, c.cohort.people));
      expect(new Set(people[c.key].map((p) => p.handle)).size).toBe(people[c.key].length);
    }
    expect((await stat(join(dir, 'data/posts.json'))).size).toBeLessThan(1_000_000);
    const script = built.files['script.js'];
    expect(script).toContain('__ENV.FLASHCROWD_TARGET');
    expect(script).toContain("new SharedArray(`people/${name}`");
    expect(script).toContain('idempotencyKey');
    expect(script).toContain("import { createTarget } from './adapter.js';");
    expect(built.files['adapter.js']).toContain('/v1/feed/');
    for (const endpoint of ['signup', 'login', 'follow', 'post', 'feed_following', 'feed_discover', 'like', 'comment', 'translate']) {
      expect(script).toContain(`'${endpoint}'`);
    }
  });

  it('writes a k6-operator TestRun and the ConfigMap command with --k8s', () => {
    const { built } = exports.smoke;
    const testrun = built.files['k8s/testrun.yaml'];
    expect(testrun).toMatch(/^apiVersion: k6\.io\/v1alpha1$/m);
    expect(testrun).toMatch(/^kind: TestRun$/m);
    expect(testrun).toMatch(/^  parallelism: 3$/m);
    expect(testrun).toMatch(/configMap:\n\s+name: flashcrowd-smoke\n\s+file: script\.js/);
    const doc = parseYaml(testrun);
    expect(doc.spec.runner.env).toEqual(expect.arrayContaining([{ name: 'FLASHCROWD_DATA_DIR', value: '/test' }, { name: 'FLASHCROWD_TARGET', value: 'http://127.0.0.1:8080' }]));
    expect(doc.spec.arguments).toContain('-o experimental-prometheus-rw');
    expect(built.files['k8s/configmap.sh']).toContain('kubectl create configmap flashcrowd-smoke');
    expect(built.files['README.md']).toContain('--execution-segment');
  });
});

describe('fitStages', () => {
  it('is exact on piecewise-linear curves with enough stages', () => {
    const triangle = (t: number) => (t < 30 ? t * 10 : (60 - t) * 10);
    const fit = fitStages(triangle, 60, 2);
    expect(fit.stages).toEqual([
      { duration: '30000ms', target: 18000 },
      { duration: '30000ms', target: 0 },
    ]);
    expect(fit.timeUnit).toBe('1m'); // peak 300/s: per second the targets would step by 0.3 % of the peak
    expect(fit.error.integralError).toBeLessThan(1e-6);
    expect(fit.error.maxRateError).toBeLessThan(1e-6);
  });

  it('fits closer with more stages and picks a timeUnit that keeps targets precise', () => {
    const flash = (t: number) => 0.5 * Math.exp(-((t - 20) ** 2) / 50);
    const errs = [4, 8, 16, 32].map((n) => fitStages(flash, 100, n).error.l1Error);
    for (let i = 1; i < errs.length; i++) expect(errs[i]).toBeLessThan(errs[i - 1]);
    const fit = fitStages(flash, 100, 32);
    expect(fit.timeUnit).toBe('1h'); // 0.5/s = 1800/h; per minute it would be 30 (3 % rounding steps)
    expect(Math.max(...fit.stages.map((s) => s.target))).toBeGreaterThanOrEqual(1000);
  });
});

describe('mapThresholds', () => {
  it('translates what k6 measures and names the rest with a reason', () => {
    const m = mapThresholds(
      ['p99(signup) < 800ms', 'p50(post) < 1s', 'max(like) <= 2s', 'errors.rate < 0.05', 'errorRate(post) < 1%', 'dropped.rate < 0.01', 'corrected.p99(post) < 1s', 'freshness.p95 < 5s', 'lostWrites == 0'],
      1000,
    );
    expect(m.k6).toEqual({
      'http_req_duration{endpoint:signup}': ['p(99)<800'],
      'http_req_duration{endpoint:post}': ['med<1000'],
      'http_req_duration{endpoint:like}': ['max<=2000'],
      http_req_failed: ['rate<0.05'],
      'http_req_failed{endpoint:post}': ['rate<0.01'],
      dropped_iterations: ['count<10'],
    });
    expect(m.untranslated.map((u) => u.expr)).toEqual(['corrected.p99(post) < 1s', 'freshness.p95 < 5s', 'lostWrites == 0']);
    for (const u of m.untranslated) expect(u.why.length).toBeGreaterThan(10);
  });
});

const k6 = spawnSync('k6', ['version'], { encoding: 'utf8' });
const hasK6 = !k6.error && k6.status === 0;
if (!hasK6) console.warn('[skip] k6 run of the exported script: no k6 binary on PATH (install k6 to run it)');

describe.skipIf(!hasK6)('k6 runs the export', () => {
  it('plays the smoke export against the reference backend without script errors', async () => {
    const { startBackend } = await import('../../src/backend/launch.ts');
    const backend = await startBackend({ trustProxy: true, logLevel: 'error' });
    try {
      const { plan } = await loadScenario(join(ROOT, 'scenarios/smoke.ts'), { compress: '20m->10s' });
      const dir = join(tmp, 'k6-run');
      await writeK6Export(dir, buildK6Export({ plan, scenarioFile: 'scenarios/smoke.ts', adapter: reference }));
      const r = await run('k6', ['run', '--quiet', '--summary-export', join(dir, 'summary.json'), join(dir, 'script.js')], {
        env: { ...process.env, FLASHCROWD_TARGET: backend.url },
        timeout: 120_000,
      }).catch((e) => e);
      expect([0, 99]).toContain(r.code ?? 0); // 99: a k6 threshold failed, which is a verdict, not a script error
      const summary = JSON.parse(await readFile(join(dir, 'summary.json'), 'utf8'));
      expect(summary.metrics.http_reqs.count).toBeGreaterThan(0);
      expect(summary.metrics.iterations.count).toBeGreaterThan(0);
    } finally {
      await backend.close();
    }
  }, 180_000);
});

/**
 * Without a k6 binary, the script's session logic still runs here: the k6 modules are replaced by recording stubs
 * (helpers/k6-stub.ts: http.asyncRequest performs real HTTP, here against a stateful stand-in for the reference API
 * served on loopback), and setup() and `session()` play iterations of every cohort, one after another.
 */
describe('exported session logic (k6 modules stubbed)', () => {
  async function play(api = referenceStandIn(), opts: { setup?: boolean; perCohort?: number } = {}) {
    const { dir, built } = exports.smoke;
    const server = await serveResponder(api);
    try {
      const script = await loadExportedScript(dir, built.files, { target: `${server.url}/` });
      if (opts.setup !== false) await script.setup!();
      const perSession: { cohort: (typeof built.cohorts)[number]; i: number; calls: typeof script.requests }[] = [];
      for (const c of built.cohorts) {
        for (let i = 0; i < (opts.perCohort ?? 30); i++) {
          script.at.name = c.key;
          script.at.iteration = i;
          const before = script.requests.length;
          await script.session();
          perSession.push({ cohort: c, i, calls: script.requests.slice(before) });
        }
      }
      return { ...script, api, url: server.url, perSession };
    } finally {
      await server.close();
    }
  }

  it('plays sessions of every cohort against the reference API shape', async () => {
    const { built } = exports.smoke;
    const files = built.files;
    expect(Object.keys((await loadExportedScript(exports.smoke.dir, files, { target: 'http://127.0.0.1:9' })).options.scenarios)).toEqual(built.cohorts.map((c) => c.key));
    const run = await play();
    const people = JSON.parse(files['data/people.json']) as Record<string, { handle: string }[]>;
    for (const { cohort: c, i, calls: mine } of run.perSession) {
      expect(mine.length).toBeGreaterThan(1);
      // Identity first: the n-th newcomer iteration signs up person n (or, for the returning share, logs in as
      // someone an earlier iteration signed up); a preexisting person logs in (setup() created the account).
      if (c.cohort.preexisting) expect(mine[0].tags.endpoint).toBe('login');
      else if (i === 0) expect(mine[0].tags.endpoint).toBe('signup');
      else expect(['signup', 'login']).toContain(mine[0].tags.endpoint);
      if (mine[0].tags.endpoint === 'signup') expect(JSON.parse(mine[0].body!).handle).toBe(people[c.key][i].handle);
      for (const call of mine.slice(1)) expect(call.headers.authorization).toMatch(/^Bearer t\d+$/);
    }
    const calls = run.requests;
    expect(calls.every((c) => c.url.startsWith(`${run.url}/v1/`))).toBe(true);
    const posts = calls.filter((c) => c.tags.endpoint === 'post');
    expect(posts.length).toBeGreaterThan(0);
    expect(new Set(posts.map((p) => p.headers['idempotency-key'])).size).toBe(posts.length);
    for (const p of posts) expect(JSON.parse(p.body!).text.length).toBeGreaterThan(0);
    const seen = new Set(calls.map((c) => c.tags.endpoint));
    for (const e of ['feed_following', 'feed_discover', 'like', 'comment', 'translate', 'follow']) expect(seen, e).toContain(e);
    expect(calls.filter((c) => c.tags.endpoint === 'translate').every((c) => /\?translate=\w+/.test(c.url))).toBe(true);
    expect(run.checks.filter((c) => !c.pass)).toEqual([]);
  });

  it('a healthy run is green: setup() creates the preexisting people, every check passes, no failed request', async () => {
    const { built } = exports.smoke;
    const preexisting = built.cohorts.filter((c) => c.cohort.preexisting);
    expect(preexisting.length).toBeGreaterThan(0);
    const people = JSON.parse(built.files['data/people.json']) as Record<string, { handle: string }[]>;

    const green = await play(referenceStandIn(), { perCohort: 40 });
    const setupCalls = green.requests.filter((r) => r.tags.endpoint === 'setup_signup');
    expect(setupCalls.length).toBe(preexisting.reduce((n, c) => n + people[c.key].length, 0));
    for (const c of preexisting) for (const p of people[c.key]) expect(green.api.accounts.has(p.handle)).toBe(true);
    expect(green.checks.length).toBeGreaterThan(200);
    expect(green.checks.filter((c) => !c.pass)).toEqual([]);
    expect(green.requests.filter((r) => r.failed).map((r) => `${r.method} ${r.url} ${r.status}`)).toEqual([]);
    expect(green.requests.filter((r) => r.tags.endpoint === 'login' && r.status !== 200)).toEqual([]);

    // A second run on the same target: setup's signups answer 409 (the outcome 'exists', expected), still green.
    const again = await play(green.api, { perCohort: 10 });
    expect(again.requests.filter((r) => r.tags.endpoint === 'setup_signup').every((r) => r.status === 409 && !r.failed)).toBe(true);
    expect(again.checks.filter((c) => !c.pass)).toEqual([]);
    expect(again.requests.filter((r) => r.failed)).toEqual([]);

    // The check is real: without setup(), preexisting people's logins fail (what issue 17 saw in k6).
    const red = await play(referenceStandIn(), { setup: false, perCohort: 10 });
    expect(red.requests.filter((r) => r.tags.endpoint === 'login' && r.status === 401).length).toBeGreaterThan(0);
    expect(red.requests.some((r) => r.failed)).toBe(true);
    expect(red.checks.some((c) => !c.pass)).toBe(true);
  });

  it('declares a setupTimeout sized for the people setup() signs up', () => {
    const { built } = exports.smoke;
    expect(built.files['script.js']).toMatch(/"setupTimeout": "\d+s"/);
    expect(built.files['README.md']).toContain('`setup()` signs up the 40 people');
  });
});
