// export k6 --adapter: the adapter is bundled into adapter.js with the k6/http client, and the exported session
// logic, run with stubbed k6 modules whose http.asyncRequest performs real HTTP, talks to the adapter's API: a
// "Chirp" server that lacks report, translate and the following listing, and the real reference backend through
// the built-in reference adapter. Adapters k6 cannot run are refused with exit 2.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { loadScenario } from '../../src/scenario/index.ts';
import { buildK6Export, writeK6Export, prepareK6Adapter, AdapterBundleError, type K6Export } from '../../src/export/index.ts';
import { createK6HttpClient, kindOfK6Error } from '../../src/export/k6-http-client.ts';
import { TransportError } from '../../src/target/errors.ts';
import { loadExportedScript, type LoadedScript } from './helpers/k6-stub.ts';
import { startChirpServer, type ChirpServer } from './helpers/chirp-server.ts';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');
const TSC = join(ROOT, 'node_modules/.bin/tsc');
const BIN = join(ROOT, 'bin/flashcrowd.js');
const PORTABLE_CHIRP = 'test/export/helpers/chirp-portable-adapter.ts';
const EXAMPLE = 'fixtures/adapters/example-adapter.ts';

// The example adapter becomes portable when it does its HTTP through options.http (contract v2); until then the
// export refuses it, and its test below says why it is skipped.
const exampleRefused = await prepareK6Adapter(EXAMPLE, { url: 'http://127.0.0.1:1', cwd: ROOT }).then(
  () => undefined,
  (err: Error) => err.message,
);
if (exampleRefused) console.warn(`[skip] export k6 --adapter ${EXAMPLE} against Chirp: the adapter is not portable yet:\n${exampleRefused}`);

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'fc-k6-adapter-'));
});
afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

async function exportWith(adapter: string, url: string, name: string): Promise<{ dir: string; built: K6Export }> {
  const { plan } = await loadScenario(join(ROOT, 'scenarios/smoke.ts'));
  const prepared = await prepareK6Adapter(adapter, { url, cwd: ROOT });
  const built = buildK6Export({ plan, scenarioFile: 'scenarios/smoke.ts', target: url, adapter: prepared, k8s: { parallelism: 2 } });
  const dir = join(tmp, name);
  await writeK6Export(dir, built);
  return { dir, built };
}

/** setup(), then `perCohort` sessions of every cohort, one after another (one VU). */
async function play(script: LoadedScript, built: K6Export, perCohort: number): Promise<void> {
  await script.setup?.();
  for (const c of built.cohorts) {
    for (let i = 0; i < perCohort; i++) {
      script.at.name = c.key;
      script.at.iteration = i;
      await script.session();
    }
  }
}

describe('k6 HttpClient on k6/http', () => {
  it('resolves paths and query, sends JSON, tags name and endpoint, and rejects status 0 with a TransportError', async () => {
    const seen: { method: string; url: string; body: string | null; params: Record<string, any> }[] = [];
    let answer: { status: number; error_code?: number; error?: string } = { status: 200 };
    const http = {
      asyncRequest: async (method: string, url: string, body: string | null | undefined, params: any) => {
        seen.push({ method, url, body: body ?? null, params });
        return { ...answer, headers: { 'Content-Type': 'application/json', 'Retry-After': '2' }, body: '{"ok":1}' } as any;
      },
      expectedStatuses: (...s: unknown[]) => ({ s }) as any,
    };
    const client = createK6HttpClient(http, { baseUrl: 'http://h:1/api/', timeoutMs: 1500 });
    client.endpoint = 'post';
    const res = await client.request({ method: 'POST', path: '/v1/posts', query: { a: 'x y', skip: undefined, n: 2 }, json: { t: 1 }, name: '/v1/posts' });
    expect(res).toEqual({ status: 200, headers: { 'content-type': 'application/json', 'retry-after': '2' }, body: '{"ok":1}' });
    expect(seen[0].url).toBe('http://h:1/api/v1/posts?a=x%20y&n=2');
    expect(seen[0].body).toBe('{"t":1}');
    expect(seen[0].params.headers['Content-Type']).toBe('application/json');
    expect(seen[0].params.tags).toEqual({ name: '/v1/posts', endpoint: 'post' });
    expect(seen[0].params.timeout).toBe('1500ms');
    await client.request({ method: 'GET', path: 'http://other:2/x?y=1', query: { z: 3 } });
    expect(seen[1].url).toBe('http://other:2/x?y=1&z=3');
    expect(seen[1].params.tags.name).toBe('http://other:2/x'); // no query in the tag: bounded series
    answer = { status: 0, error_code: 1212, error: 'dial: connection refused' };
    const err = await client.request({ method: 'GET', path: '/x' }).catch((e) => e);
    expect(err).toBeInstanceOf(TransportError);
    expect(err.error).toMatchObject({ kind: 'connect_refused', code: 'k6:1212' });
    expect([1050, 1211, 1212, 1220, 1201, 1301, 1100, 1000].map(kindOfK6Error)).toEqual(['timeout', 'timeout', 'connect_refused', 'reset', 'reset', 'protocol', 'other', 'other']);
  });
});

describe('export k6 --adapter (Chirp: no report, translate or following listing)', () => {
  let chirp: ChirpServer;
  let exported: { dir: string; built: K6Export };
  beforeAll(async () => {
    chirp = await startChirpServer();
    exported = await exportWith(PORTABLE_CHIRP, chirp.url, 'chirp');
  }, 60_000);
  afterAll(async () => {
    await chirp?.close();
  });

  it('bundles the adapter beside the script, leaves unsupported actions out of the weights, and says so', () => {
    const { files } = exported.built;
    expect(files['adapter.js']).toContain('export {');
    expect(files['adapter.js']).not.toMatch(/from\s+['"](node:|undici)/);
    expect(files['script.js']).toContain("import { createTarget } from './adapter.js';");
    const cohorts = JSON.parse(files['script.js'].match(/const COHORTS = (\{[\s\S]*?\n\});/)![1]) as Record<string, { weights: Record<string, number> }>;
    for (const c of Object.values(cohorts)) {
      expect(Object.keys(c.weights)).not.toContain('report');
      expect(Object.keys(c.weights)).not.toContain('translate');
      expect(Object.keys(c.weights)).toContain('readDiscover');
    }
    const readme = files['README.md'];
    expect(readme).toContain(`carries the adapter \`chirp-portable\` from \`${PORTABLE_CHIRP}\``);
    expect(readme).toMatch(/`report` \(needs `report`\): Chirp has no flagging endpoint/);
    expect(readme).toMatch(/`translate` \(needs `translate`\): Chirp does not translate/);
    expect(files['k8s/configmap.sh']).toContain('--from-file=adapter.js');
    // The adapter's identity policy shapes the exported people, as in flashcrowd run.
    const people = Object.values(JSON.parse(files['data/people.json']) as Record<string, { handle: string; email: string }[]>).flat();
    expect(people.length).toBeGreaterThan(50);
    for (const p of people) expect(p.handle).toMatch(/^[a-z0-9]+\.chirp$/);
    expect(people.every((p) => p.email.includes('@'))).toBe(true);
  });

  it('type-checks with tsc against @types/k6 (adapter.d.ts describes the bundle)', async () => {
    const r = await run(TSC, ['-p', join(exported.dir, 'tsconfig.json'), '--typeRoots', join(ROOT, 'node_modules/@types')], { cwd: exported.dir }).catch((e) => e);
    expect(r.stdout ?? '', r.stderr).toBe('');
    expect(r.code ?? 0).toBe(0);
    // The check is real: a call the adapter's Target does not have is an error.
    const bad = join(tmp, 'chirp-bad');
    await writeK6Export(bad, { ...exported.built, files: { ...exported.built.files, 'script.js': exported.built.files['script.js'].replace('t.feed({', 't.feedz({') } });
    const r2 = await run(TSC, ['-p', join(bad, 'tsconfig.json'), '--typeRoots', join(ROOT, 'node_modules/@types')], { cwd: bad }).catch((e) => e);
    expect(r2.code).not.toBe(0);
    expect(String(r2.stdout)).toMatch(/feedz/);
  }, 60_000);

  it('plays sessions that talk to the Chirp server through the adapter: green, nothing unsupported sent', async () => {
    const script = await loadExportedScript(exported.dir, exported.built.files, { target: chirp.url });
    await play(script, exported.built, 25);
    const hits = chirp.hits;
    // setup() created the 40 incumbents, newcomers signed up, and the sessions did what Chirp serves.
    expect(hits['POST /api/accounts']).toBeGreaterThanOrEqual(40 + 1);
    expect(chirp.state.accounts).toBe(hits['POST /api/accounts']);
    expect(hits['POST /api/auth/login']).toBeGreaterThan(0);
    expect(chirp.state.statuses).toBeGreaterThan(0);
    expect(chirp.state.follows).toBeGreaterThan(0);
    expect(hits['GET /api/timelines/home']).toBeGreaterThan(0);
    expect(hits['GET /api/timelines/explore']).toBeGreaterThan(0);
    expect(chirp.state.replies + chirp.state.favourites).toBeGreaterThan(0);
    // Nothing Chirp lacks was sent (the smoke scenario's weights include report and translate).
    expect(Object.keys(hits).filter((r) => r.includes('/api/flags') || r.endsWith('?lang') || r.endsWith('/following'))).toEqual([]);
    expect(Object.keys(hits).every((r) => r.startsWith('GET /api/') || r.startsWith('POST /api/') || r.startsWith('PUT /api/'))).toBe(true);
    // What k6 would show: every request tagged, every check passing, http_req_failed 0.
    for (const r of script.requests) {
      expect(r.tags.endpoint, r.url).toMatch(/^(setup_signup|signup|login|follow|post|get_post|comment|like|feed_following|feed_discover)$/);
      expect(r.tags.name).toMatch(/^\/api\//);
      expect(r.headers['x-auth-token'] ?? '').not.toBe('undefined');
    }
    expect(script.requests.filter((r) => r.tags.endpoint === 'setup_signup').length).toBe(40);
    expect(script.checks.length).toBeGreaterThan(100);
    expect(script.checks.filter((c) => !c.pass)).toEqual([]);
    expect(script.requests.filter((r) => r.failed).map((r) => `${r.method} ${r.url} ${r.status}`)).toEqual([]);
    expect(script.requests.length).toBe(Object.values(hits).reduce((a, b) => a + b, 0));
    // Follows of someone already followed were answered 422 'already_following': the outcome 'already', a success
    // (check passed above), and, declared expected, not a failed request.
    expect(script.requests.filter((r) => r.tags.endpoint === 'follow' && r.status === 422).length).toBeGreaterThan(0);

    // Again on the same server: setup's signups are 'exists' (422 taken, declared expected), sessions log in.
    const again = await loadExportedScript(exported.dir, exported.built.files, { target: chirp.url });
    await play(again, exported.built, 5);
    expect(again.requests.filter((r) => r.tags.endpoint === 'setup_signup').every((r) => r.status === 422 && !r.failed)).toBe(true);
    expect(again.checks.filter((c) => !c.pass)).toEqual([]);
  }, 60_000);

  it('checks fail when the API fails (the checks are real)', async () => {
    const script = await loadExportedScript(exported.dir, exported.built.files, { target: 'http://127.0.0.1:9' });
    script.at.name = exported.built.cohorts[1].key;
    script.at.iteration = 0;
    await script.session();
    expect(script.requests[0].status).toBe(0);
    expect(script.checks).toEqual([{ name: 'signup ok', pass: false }]);
  });
});

describe.skipIf(exampleRefused !== undefined)(`export k6 --adapter ${EXAMPLE}`, () => {
  it('plays sessions that reach the Chirp server through the example adapter, sending nothing it lacks', async () => {
    const chirp = await startChirpServer();
    try {
      const { dir, built } = await exportWith(EXAMPLE, chirp.url, 'example');
      const script = await loadExportedScript(dir, built.files, { target: chirp.url });
      await play(script, built, 20);
      expect(chirp.state.accounts).toBeGreaterThan(40);
      expect(chirp.state.statuses).toBeGreaterThan(0);
      expect(chirp.state.follows).toBeGreaterThan(0);
      expect(chirp.hits['GET /api/timelines/home']).toBeGreaterThan(0);
      const lacking = Object.keys(chirp.hits).filter((r) => r.includes('/api/flags') || r.endsWith('?lang') || r.endsWith('/following'));
      const a = await prepareK6Adapter(EXAMPLE, { url: chirp.url, cwd: ROOT });
      // The example's Chirp lacks report, translate and the following listing: none of it is sent.
      expect(a.supports).not.toContain('report');
      expect(a.supports).not.toContain('translate');
      expect(lacking).toEqual([]);
      expect(built.files['README.md']).toMatch(/`report` \(needs `report`\)/);
      expect(script.checks.filter((c) => !c.pass)).toEqual([]);
      expect(script.requests.filter((r) => r.failed).map((r) => `${r.method} ${r.url} ${r.status}`)).toEqual([]);
    } finally {
      await chirp.close();
    }
  }, 60_000);
});

describe('export k6 against the real reference backend', () => {
  // The built-in reference adapter (the default), and the adapter `flashcrowd init` scaffolds (it imports
  // 'flashcrowd/target', resolved to this copy of flashcrowd when bundling).
  it.each([
    ['reference', 'reference-http'],
    ['templates/init/adapter.ts', undefined],
  ])('plays a green smoke run through the bundled adapter %s', async (adapterName, targetName) => {
    const { startBackend } = await import('../../src/backend/launch.ts');
    // A low scrypt cost: this test is about the requests, not password hashing on a busy CI machine.
    const backend = await startBackend({ trustProxy: true, logLevel: 'error', scryptCost: 1024 });
    try {
      const { dir, built } = await exportWith(adapterName, backend.url, adapterName.replace(/\W+/g, '-'));
      if (targetName) expect(built.files['README.md']).toContain(`carries the adapter \`${targetName}\` from \`${adapterName}\``);
      const script = await loadExportedScript(dir, built.files, { target: backend.url });
      await play(script, built, Number(process.env.FC_K6_PER_COHORT ?? 15));
      const byEndpoint = (e: string) => script.requests.filter((r) => r.tags.endpoint === e);
      expect(byEndpoint('setup_signup').length).toBe(40);
      expect(byEndpoint('setup_signup').every((r) => r.status === 201)).toBe(true);
      for (const e of ['signup', 'login', 'post', 'feed_following', 'feed_discover']) expect(byEndpoint(e).length, e).toBeGreaterThan(0);
      expect(script.requests.every((r) => r.url.startsWith(`${backend.url}/v1/`))).toBe(true);
      const odd = script.requests.filter((r) => r.status >= 400).map((r) => `${r.tags.endpoint} ${r.method} ${r.url} ${r.status}`);
      expect(script.checks.filter((c) => !c.pass), odd.join('\n')).toEqual([]);
      expect(script.requests.filter((r) => r.failed).map((r) => `${r.method} ${r.url} ${r.status}`)).toEqual([]);
    } finally {
      await backend.close();
    }
  }, 120_000);
});

describe('export k6 --adapter refuses what k6 cannot run', () => {
  it('an adapter importing node:fs: exit 2 naming the import and the file', async () => {
    const dir = join(tmp, 'bad');
    await writeFile(
      join(tmp, 'fs-adapter.ts'),
      `import { readFileSync } from 'node:fs';\nimport type { TargetFactory } from '${join(ROOT, 'src/target/target.ts')}';\nconst f: TargetFactory = () => { readFileSync('x'); return {} as never; };\nexport default f;\n`,
    );
    await expect(prepareK6Adapter(join(tmp, 'fs-adapter.ts'), { url: 'http://127.0.0.1:1' })).rejects.toBeInstanceOf(AdapterBundleError);
    const r = await run(process.execPath, [BIN, 'export', 'k6', 'scenarios/smoke.ts', '--out', dir, '--adapter', join(tmp, 'fs-adapter.ts')], { cwd: ROOT }).catch((e) => e);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("'node:fs' (a Node built-in), imported by");
    expect(r.stderr).toContain('fs-adapter.ts');
    await expect(readFile(join(dir, 'script.js'))).rejects.toThrow(); // nothing written
  }, 60_000);

  it('Node-only packages and globals k6 lacks are named too', async () => {
    await writeFile(join(tmp, 'undici-adapter.ts'), `import { request } from 'undici';\nexport default () => ({ request });\n`);
    await expect(prepareK6Adapter(join(tmp, 'undici-adapter.ts'), { url: 'http://127.0.0.1:1', cwd: ROOT })).rejects.toThrow(/'undici' \(a package that only runs on Node\), imported by .*undici-adapter\.ts/);
    await writeFile(join(tmp, 'fetch-adapter.ts'), `export default () => ({ signup: () => fetch('http://x'), t: AbortSignal.timeout(5) });\n`);
    await expect(prepareK6Adapter(join(tmp, 'fetch-adapter.ts'), { url: 'http://127.0.0.1:1' })).rejects.toThrow(/the global 'fetch' .*fetch-adapter\.ts[\s\S]*the global 'AbortSignal'/);
    await expect(prepareK6Adapter('atproto', { url: 'http://127.0.0.1:1' })).rejects.toThrow(/'undici'.*src\/target\/atproto\/xrpc\.ts/);
  }, 60_000);
});
