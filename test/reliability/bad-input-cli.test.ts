// Bad input to the harness itself gets a clear message and exit 2, never a stack trace and exit 1: invalid scenario
// fields (all of them, with paths), scenario and adapter modules that throw, an unreachable target. An adapter that
// throws during the run is the target's failure, not the harness's: the run completes and counts the errors.
import net from 'node:net';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/index.ts';
import type { Summary } from '../../src/run/summary.ts';

const fixtures = 'test/reliability/fixtures';
const dir = mkdtempSync(path.join(tmpdir(), 'fc-badinput-'));
let listener: net.Server;
let url = '';

beforeAll(async () => {
  // Accepts connections (so the reachability check passes); the throwing adapter never talks to it.
  listener = net.createServer((s) => s.destroy());
  await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(listener.address() as net.AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((r) => listener.close(r));
  rmSync(dir, { recursive: true, force: true });
});

async function cli(argv: string[]): Promise<{ code: number; stderr: string }> {
  let stderr = '';
  const write = process.stderr.write;
  const writeOut = process.stdout.write;
  process.stderr.write = ((chunk: unknown) => ((stderr += String(chunk)), true)) as typeof process.stderr.write;
  process.stdout.write = (() => true) as typeof process.stdout.write;
  try {
    return { code: await main(argv), stderr };
  } finally {
    process.stderr.write = write;
    process.stdout.write = writeOut;
  }
}

describe('bad input to flashcrowd run', () => {
  it('an invalid scenario: exit 2 naming every bad field with its path', async () => {
    const { code, stderr } = await cli(['run', `${fixtures}/bad-fields.json`, '--quiet']);
    expect(code).toBe(2);
    for (const field of ['name', 'timeline.start', 'timeline.duration', 'cohorts[0].size', 'faults[0].kind']) expect(stderr).toContain(field);
    expect(stderr).toMatch(/line \d+/);
    expect(stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('a scenario module that throws while loading: exit 2 with its message', async () => {
    const { code, stderr } = await cli(['run', `${fixtures}/throwing-scenario.ts`, '--quiet']);
    expect(code).toBe(2);
    expect(stderr).toContain('scenario author forgot an import');
  });

  it('adapters that fail to load or to build: exit 2 with their message', async () => {
    const a = await cli(['run', 'scenarios/smoke.ts', '--target', url, '--adapter', `${fixtures}/import-throws-adapter.ts`, '--quiet']);
    expect(a.code).toBe(2);
    expect(a.stderr).toContain('this adapter cannot even load');
    const b = await cli(['run', 'scenarios/smoke.ts', '--target', url, '--adapter', `${fixtures}/factory-throws-adapter.ts`, '--quiet']);
    expect(b.code).toBe(2);
    expect(b.stderr).toContain('MY_API_KEY is not set');
  });

  it('an unreachable target: exit 2 saying so, before any load', async () => {
    const closed = net.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as net.AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const { code, stderr } = await cli(['run', 'scenarios/smoke.ts', '--target', `http://127.0.0.1:${port}`, '--quiet']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/unreachable \(ECONNREFUSED\)/);
  });

  it('an adapter whose every call throws: the run completes, every request is an error, nothing crashes', async () => {
    const out = path.join(dir, 'throwing');
    const { code, stderr } = await cli(['run', 'scenarios/smoke.ts', '--duration', '3m', '--target', url, '--adapter', `${fixtures}/throwing-adapter.ts`, '--out', out, '--quiet']);
    expect(code, stderr).toBe(99); // thresholds fail; not 1 (crash) and not 2
    const s = JSON.parse(readFileSync(path.join(out, 'summary.json'), 'utf8')) as Summary;
    expect(s.totals.requests).toBeGreaterThan(0);
    expect(s.totals.errors).toBe(s.totals.requests);
    expect(s.wallSeconds).toBeLessThan(3 + 6);
  }, 60_000);
});
