// --stack containers: Postgres and Redis through testcontainers. Without a container runtime (as on this CI
// machine) the check fails fast with the alternatives, and the CLI exits 2 without a stack trace; with one, a
// backend runs against the containers.
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { checkContainerRuntime, ContainerRuntimeUnavailable, StackUsageError, startContainerStack, takeStackFlag } from '../../src/stack/containers.ts';

const ROOT = resolve(import.meta.dirname, '../..');

let runtime = true;
try {
  await checkContainerRuntime(10_000);
} catch (err) {
  if (!(err instanceof ContainerRuntimeUnavailable)) throw err;
  runtime = false;
  console.warn(`[skip] containers against a real runtime: ${err.reason}`);
}

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  const started = Date.now();
  return new Promise((res) => {
    const child = spawn(process.execPath, [resolve(ROOT, 'bin/flashcrowd.js'), ...args], { cwd: ROOT, env: { ...process.env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('close', (code) => (clearTimeout(timer), res({ code, stdout, stderr, ms: Date.now() - started })));
  });
}

describe('--stack flag', () => {
  it('takes --stack out of the arguments and refuses it beside --db/--redis', () => {
    expect(takeStackFlag(['--port', '0', '--stack', 'containers'])).toEqual({ stack: 'containers', rest: ['--port', '0'] });
    expect(takeStackFlag(['--stack=containers'])).toEqual({ stack: 'containers', rest: [] });
    expect(takeStackFlag(['--db', 'embedded'])).toEqual({ stack: undefined, rest: ['--db', 'embedded'] });
    expect(() => takeStackFlag(['--stack', 'containers', '--db', 'embedded'])).toThrow(StackUsageError);
    expect(() => takeStackFlag(['--stack', 'k8s'])).toThrow(/only stack is 'containers'/);
    expect(() => takeStackFlag(['--stack'])).toThrow(StackUsageError);
  });
});

describe.skipIf(runtime)('without a container runtime', () => {
  it('fails fast and names the alternatives', async () => {
    const started = Date.now();
    const err = await startContainerStack().catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(err).toBeInstanceOf(ContainerRuntimeUnavailable);
    const message = (err as Error).message;
    expect(message).toContain('--db postgres://');
    expect(message).toContain('--db embedded');
    expect(message).toContain('docker-compose.yml');
  });

  it('flashcrowd backend --stack containers exits 2 with the message and no stack trace', async () => {
    const r = await cli(['backend', '--stack', 'containers', '--port', '0']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('needs a container runtime');
    expect(r.stderr).toContain('--db embedded');
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(r.stdout).toBe(''); // no URL: nothing was started
  }, 40_000);
});

describe.skipIf(runtime)('flashcrowd run --stack containers without a runtime', () => {
  it('exits 2 before any run, naming run\'s own alternatives', async () => {
    const { main } = await import('../../src/cli/index.ts');
    const chunks: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((c: string | Uint8Array) => (chunks.push(String(c)), true)) as typeof process.stderr.write;
    let code: number;
    try {
      code = await main(['run', resolve(ROOT, 'scenarios/smoke.ts'), '--stack', 'containers', '--quiet']);
    } finally {
      process.stderr.write = write;
    }
    expect(code).toBe(2);
    const text = chunks.join('');
    expect(text).toContain('--backend-db postgres://');
    expect(text).toContain('--backend-db embedded');
    expect(text).toContain('--target');
    expect(text).not.toMatch(/^\s+at /m);
    expect(await main(['run', resolve(ROOT, 'scenarios/smoke.ts'), '--stack', 'containers', '--target', 'http://127.0.0.1:9'])).toBe(2);
  });
});

describe.skipIf(!runtime)('with a container runtime', () => {
  it('runs the reference backend against throwaway Postgres and Redis', async () => {
    const stack = await startContainerStack();
    try {
      expect(stack.databaseUrl).toMatch(/^postgres(ql)?:\/\//);
      expect(stack.redisUrl).toMatch(/^redis:\/\//);
      const { startBackend } = await import('../../src/backend/launch.ts');
      const backend = await startBackend({ db: stack.databaseUrl, redis: stack.redisUrl });
      try {
        const res = await fetch(`${backend.url}/v1/users`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ handle: 'stack_test', password: 'stack-test-password', displayName: 'Stack', locale: 'en_US', languages: ['en'], country: 'US', tz: 'UTC' }),
        });
        expect(res.status).toBe(201);
      } finally {
        await backend.close();
      }
    } finally {
      await stack.close();
    }
  }, 180_000);
});
