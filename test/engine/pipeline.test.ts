// End to end: `flashcrowd run` against the real reference backend (src/backend), as a user would run it.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import http from 'node:http';
import { Writable } from 'node:stream';
import { executeRun } from '../../src/cli/pipeline.ts';
import { main } from '../../src/cli/index.ts';
import { startBackend } from '../../src/backend/launch.ts';
import type { Summary } from '../../src/run/summary.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'fc-pipeline-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function sink() {
  let text = '';
  const stream = new Writable({ write: (chunk, _enc, cb) => ((text += String(chunk)), cb()) });
  return { stream, text: () => text };
}

describe('flashcrowd run (pipeline)', () => {
  it('runs scenarios/smoke.ts against the embedded reference backend and writes a correct run folder', async () => {
    const out = path.join(dir, 'smoke');
    const log = sink();
    const result = await executeRun({
      scenario: 'scenarios/smoke.ts',
      duration: '6m', // 6 s of wall time: the same path, shorter
      out,
      backend: { scryptCost: 1024 },
      handleSignals: false,
      stdout: log.stream,
      stderr: log.stream,
    });
    expect([0, 99]).toContain(result.exitCode);
    for (const f of ['summary.json', 'timeline.json', 'junit.xml', 'summary.md', 'report.html', 'histograms.json']) expect(existsSync(path.join(out, f))).toBe(true);
    const histograms = JSON.parse(readFileSync(path.join(out, 'histograms.json'), 'utf8'));
    expect(Object.keys(histograms.latency.endpoints)).toContain('signup');
    const s = JSON.parse(readFileSync(path.join(out, 'summary.json'), 'utf8')) as Summary;
    expect(s.scenario).toBe('smoke');
    expect(s.target).toMatch(/embedded reference backend/);
    expect(s.totals.setupAccounts).toBe(40);
    expect(s.totals.signups).toBeGreaterThan(0);
    expect(s.totals.sessionErrors).toBe(0); // no session ended on a harness exception
    expect(s.totals.posts + Number(s.totals.setupRequests)).toBeGreaterThan(0);
    expect(s.endpoints.signup.count).toBeGreaterThan(0);
    expect((s.endpoints.feed_following?.count ?? 0) + (s.endpoints.feed_discover?.count ?? 0)).toBeGreaterThan(0);
    expect(s.totals.requests).toBe(Object.values(s.endpoints).reduce((n, e) => n + e.count, 0));
    expect(s.totals.errors).toBe(Object.values(s.endpoints).reduce((n, e) => n + e.errors, 0));
    expect(s.schedule.intendedArrivals).toBe(s.schedule.achievedArrivals + s.totals.sessionsDropped);
    expect(s.schedule.intendedArrivals).toBeGreaterThan(5);
    expect(s.schedule.lagMs.p99).toBeGreaterThanOrEqual(0);
    expect(s.thresholds.length).toBe(result.plan.thresholds.length);
    expect(s.pass).toBe(s.thresholds.every((t) => t.pass) && s.audit.lostWrites === 0);
    expect(result.exitCode).toBe(s.pass ? 0 : 99);
    expect(s.audit.checkedWrites).toBeGreaterThan(0);
    const timeline = JSON.parse(readFileSync(path.join(out, 'timeline.json'), 'utf8'));
    expect(timeline.buckets.length).toBeGreaterThanOrEqual(6);
    expect(log.text()).toMatch(/run folder:/);
  });

  it('finishes, classifies the failures and writes the summary when the backend dies mid-run', async () => {
    const backend = await startBackend({ logLevel: 'silent', scryptCost: 1024 });
    const out = path.join(dir, 'outage');
    // The backend dies 1.5 s into the measured phase (after setup, whatever the machine's speed).
    const killer = { name: 'killer', start: () => void setTimeout(() => void backend.close(), 1500) };
    const result = await executeRun({ scenario: 'scenarios/smoke.ts', duration: '5m', target: backend.url, out, quiet: true, handleSignals: false, plugins: [killer] });
    await backend.close();
    const s = JSON.parse(readFileSync(path.join(out, 'summary.json'), 'utf8')) as Summary & { errorsByKind: Record<string, number> };
    expect(s.totals.errors).toBeGreaterThan(0);
    expect(s.errorsByKind.connect_refused).toBeGreaterThan(0);
    for (const kind of Object.keys(s.errorsByKind)) expect(['connect_refused', 'reset', 'timeout', 'http_5xx', 'http_4xx']).toContain(kind);
    expect(result.exitCode).toBe(99); // errors.rate < 0.01 cannot hold
    expect(s.thresholds.find((t) => t.expr.startsWith('errors.rate'))?.pass).toBe(false);
  });

  it('exits 2 for usage errors: unreachable target, bad adapter, bad threshold, workers', async () => {
    const quietly = async (argv: string[]) => {
      const write = process.stderr.write;
      process.stderr.write = (() => true) as typeof process.stderr.write;
      try {
        return await main(argv);
      } finally {
        process.stderr.write = write;
      }
    };
    expect(await quietly(['run', 'scenarios/smoke.ts', '--target', 'http://127.0.0.1:1', '--quiet'])).toBe(2);
    expect(await quietly(['run', 'scenarios/smoke.ts', '--target', 'ftp://x', '--quiet'])).toBe(2);
    expect(await quietly(['run', 'scenarios/smoke.ts', '--workers', '0', '--quiet'])).toBe(2);
    expect(await quietly(['run', 'scenarios/smoke.ts', '--threshold', 'p99(signup) <', '--quiet'])).toBe(2);
    expect(await quietly(['run', 'scenarios/nope.ts', '--quiet'])).toBe(2);
    const server = http.createServer((_req, res) => res.end('{}'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    try {
      // A module that is not an adapter (a scenario) is refused before any traffic.
      expect(await quietly(['run', 'scenarios/smoke.ts', '--target', url, '--adapter', 'scenarios/smoke.ts', '--quiet'])).toBe(2);
      expect(await quietly(['run', 'scenarios/smoke.ts', '--target', url, '--adapter', 'fixtures/adapters/missing.ts', '--quiet'])).toBe(2);
    } finally {
      server.close();
    }
  });
});
