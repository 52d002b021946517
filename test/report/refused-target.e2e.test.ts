// A CI gate must not say PASS on a run where nobody could sign up. Against a real HTTP target that answers 429 to
// every request, `flashcrowd run --quiet` with `p99(signup) < 2000ms` exits 99 with the reason (no data) in the
// final line, junit.xml, summary.md and report.html — and, being quiet, prints nothing else on stdout and no
// progress lines (the audit's included) on stderr.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/index.ts';

let server: http.Server;
let url: string;
let dir: string;
let refused = 0;
let result: { code: number; out: string; err: string };

beforeAll(async () => {
  server = http.createServer((req, res) => {
    req.resume();
    refused++;
    res.writeHead(429, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { code: 'rate_limited', message: 'try later' } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  dir = await mkdtemp(join(tmpdir(), 'fc-refused-'));
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
  try {
    const code = await main(['run', 'scenarios/minimal.json', '--target', url, '--compress', '10m->3s', '--threshold', 'p99(signup) < 2000ms', '--out', join(dir, 'run'), '--quiet']);
    result = { code, out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}, 90_000);

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

describe('a target refusing every signup with 429', () => {
  it('fails the run (exit 99): a latency threshold never passes on refusals', () => {
    expect(refused).toBeGreaterThan(10);
    expect(result.code).toBe(99);
  });

  it('says why, in the one line a quiet run prints', () => {
    const lines = result.out.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^FAIL \(.*p99\(signup\) < 2000ms: no data: none of the \d+ requests to "signup" succeeded \(failures: 429 ×\d+\)/);
    expect(lines[0]).toContain(join(dir, 'run'));
    // Quiet: no progress or audit lines, only warnings (e.g. the auditor account could not sign up).
    expect(result.err).not.toMatch(/audit: (checking|\d+\/\d+ done|done in)/);
    expect(result.err).not.toMatch(/^setup: |starting the/m);
  });

  it('records no data in summary.json, junit.xml, summary.md and report.html', async () => {
    const summary = JSON.parse(await readFile(join(dir, 'run', 'summary.json'), 'utf8'));
    const t = summary.thresholds.find((x: { expr: string }) => x.expr === 'p99(signup) < 2000ms');
    expect(t).toMatchObject({ pass: false, observed: null, noData: true });
    expect(summary.endpoints.signup.latencyMs).toBeNull();
    expect(summary.endpoints.signup.allLatencyMs.p50).toBeGreaterThan(0); // the refusals' own times (what used to "pass")
    expect(summary.pass).toBe(false);
    expect(await readFile(join(dir, 'run', 'junit.xml'), 'utf8')).toMatch(/type="NoData"/);
    expect(await readFile(join(dir, 'run', 'summary.md'), 'utf8')).toMatch(/\| ✗ no data \| `p99\(signup\) < 2000ms` \| no data \| no data: none of the/);
    expect(await readFile(join(dir, 'run', 'report.html'), 'utf8')).toContain('✗ no data');
  });
});
