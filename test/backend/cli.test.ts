// `flashcrowd backend` as a user runs it: prints its URL, serves, and exits 0 on SIGTERM; bad flags exit 2.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/flashcrowd.js');

function run(args: string[]) {
  const child = spawn(process.execPath, [BIN, 'backend', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return { child, out: () => stdout, err: () => stderr };
}

describe('flashcrowd backend', () => {
  it('serves the API on the printed URL and closes gracefully on SIGTERM', async () => {
    const p = run(['--db', 'embedded', '--port', '0', '--scrypt-cost', '16', '--log-level', 'warn']);
    try {
      const deadline = Date.now() + 90_000;
      while (!/^http:\/\/127\.0\.0\.1:\d+\n/.test(p.out()) && Date.now() < deadline && p.child.exitCode === null) {
        await new Promise((r) => setTimeout(r, 100));
      }
      const url = p.out().split('\n')[0];
      expect(url, p.err()).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(await (await fetch(`${url}/readyz`)).json()).toMatchObject({ status: 'ready', store: 'pglite' });
      const signup = await fetch(`${url}/v1/users`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ handle: 'cli_user', password: 'password123', displayName: 'C', locale: 'en', languages: ['en'], country: 'US', tz: 'UTC' }),
      });
      expect(signup.status).toBe(201);
      p.child.kill('SIGTERM');
      const [code] = await once(p.child, 'exit');
      expect(code).toBe(0);
      expect(p.err()).toContain('SIGTERM, closing');
    } finally {
      if (p.child.exitCode === null) p.child.kill('SIGKILL');
    }
  });

  // Flag and config validation is covered in units.test.ts; this checks the exit code path once.
  it('exits 2 with a message for a bad config value', async () => {
    const p = run(['--db', 'mysql://x']);
    const [code] = await once(p.child, 'exit');
    expect(code).toBe(2);
    expect(p.err()).toMatch(/flashcrowd backend: backend config: db: /);
  });
});
