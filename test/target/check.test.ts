// flashcrowd check: the conformance run against the Chirp test server and the reference backend, and exit codes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { instantiateAdapter, loadAdapter } from '../../src/target/load-adapter.ts';
import { runConformance, type CheckReport } from '../../src/target/conformance.ts';
import { startBackend } from '../../src/backend/launch.ts';
import { startChirpServer, CHIRP_UNSUPPORTED_ROUTES, type ChirpServer } from './chirp-server.ts';

const CHIRP = 'fixtures/adapters/example-adapter.ts';

async function conformance(adapter: string, url: string, visibilityTimeoutMs = 5000): Promise<CheckReport> {
  const target = await instantiateAdapter(await loadAdapter(adapter), { url, timeoutMs: 5000 });
  try {
    return await runConformance(target, { visibilityTimeoutMs, pollIntervalMs: 100 });
  } finally {
    await target.close();
  }
}
const row = (r: CheckReport, step: string) => r.rows.find((x) => x.step === step);
/** The CLI in a child process (async: the servers under test live in this process's event loop). */
function cli(...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['bin/flashcrowd.js', 'check', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const timer = setTimeout(() => child.kill(), 60_000);
  return new Promise((resolve) => child.on('close', (status) => (clearTimeout(timer), resolve({ status, stdout, stderr }))));
}

describe('flashcrowd check', () => {
  let chirp: ChirpServer;
  let broken: ChirpServer;
  let backend: Awaited<ReturnType<typeof startBackend>>;
  const dir = mkdtempSync(path.join(tmpdir(), 'fc-check-'));
  beforeAll(async () => {
    [chirp, broken, backend] = await Promise.all([startChirpServer(), startChirpServer(), startBackend({ logLevel: 'silent', scryptCost: 1024 })]);
  });
  afterAll(async () => {
    await Promise.all([chirp?.close(), broken?.close(), backend?.close()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('passes the Chirp adapter: every declared capability works, the rest skipped with the reason, nothing unsupported sent', async () => {
    const report = await conformance(CHIRP, chirp.url);
    expect(report.rows.filter((r) => r.status === 'failed')).toEqual([]);
    expect(report.pass).toBe(true);
    expect(row(report, 'report')).toMatchObject({ status: 'skipped', detail: 'not supported: Chirp has no endpoint to flag a status' });
    expect(row(report, 'translate')?.status).toBe('skipped');
    expect(row(report, 'list following')?.status).toBe('skipped');
    expect(row(report, 'signup again (outcome exists)')?.status).toBe('worked');
    expect(row(report, 'follow again (outcome already)')?.detail).toBe('HTTP 422, outcome already');
    expect(row(report, "post visible in follower's following feed")?.status).toBe('worked');
    for (const s of ['feed discover', 'list comments', 'get user', 'unfollow', 'comment', 'like']) expect(row(report, s)?.status, s).toBe('worked');
    for (const route of CHIRP_UNSUPPORTED_ROUTES) expect(chirp.hits[route] ?? 0, route).toBe(0);
  });

  it('passes the reference adapter against the reference backend, optional operations included', async () => {
    const report = await conformance('reference', backend.url);
    expect(report.rows.filter((r) => r.status === 'failed')).toEqual([]);
    for (const s of ['report', 'translate', 'list following', 'list comments', 'get user', 'unfollow', 'feed discover']) expect(row(report, s)?.status, s).toBe('worked');
    expect(row(report, 'signup again (outcome exists)')?.status).toBe('worked');
    expect(row(report, 'like again (outcome already)')?.detail).toMatch(/outcome already/);
  });

  it('fails feed items without lang and a post that never reaches the follower', async () => {
    broken.sabotage.omitLanguage = true;
    broken.sabotage.hideFromHome = true;
    const report = await conformance(CHIRP, broken.url, 600);
    expect(report.pass).toBe(false);
    expect(row(report, 'feed discover')).toMatchObject({ status: 'failed', detail: expect.stringMatching(/item\(s\) lack lang/) });
    expect(row(report, "post visible in follower's following feed")).toMatchObject({ status: 'failed', detail: expect.stringMatching(/not within 600 ms/) });
  });

  it('exits 0 when everything declared works, 1 when something fails, 2 for a bad adapter or usage', async () => {
    const ok = await cli('--adapter', CHIRP, '--target', chirp.url);
    expect(ok.stdout).toMatch(/skip\s+report\s+.*Chirp has no endpoint to flag a status/);
    expect(ok.stdout).toMatch(/worked, \d+ skipped \(not supported\), 0 failed: PASS/);
    expect(ok.status, ok.stderr).toBe(0);

    const failing = await cli('--adapter', CHIRP, '--target', broken.url, '--visibility-timeout', '500ms', '--json');
    expect(failing.status, failing.stderr).toBe(1);
    expect(JSON.parse(failing.stdout)).toMatchObject({ pass: false, adapter: CHIRP });

    const bad = path.join(dir, 'bad.ts');
    writeFileSync(bad, `export default () => ({ name: 'bad', capabilities: { supports: ['report'] }, signup() {}, login() {}, follow() {}, post() {}, getPost() {}, comment() {}, like() {}, feed() {}, async close() {} });\n`);
    const refused = await cli('--adapter', bad, '--target', chirp.url);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/declares report but has no report\(\) method/);

    const usage = await cli('--adapter', CHIRP);
    expect(usage.status).toBe(2);
    expect(usage.stderr).toMatch(/--target URL is required/);
  });
});
