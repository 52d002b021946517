// `flashcrowd stack atproto` and `--adapter atproto` refuse clearly (exit 2) what the user has to fix; no stack needed.
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { main } from '../../src/cli/index.ts';

async function capture(argv: string[]): Promise<{ code: number; err: string; out: string }> {
  let err = '';
  let out = '';
  const we = process.stderr.write;
  const wo = process.stdout.write;
  process.stderr.write = ((c: string | Uint8Array) => ((err += String(c)), true)) as typeof process.stderr.write;
  process.stdout.write = ((c: string | Uint8Array) => ((out += String(c)), true)) as typeof process.stdout.write;
  try {
    return { code: await main(argv), err, out };
  } finally {
    process.stderr.write = we;
    process.stdout.write = wo;
  }
}

describe('flashcrowd stack atproto / --adapter atproto: usage errors', () => {
  const saved = process.env.FLASHCROWD_ATPROTO_DIR;
  afterEach(() => {
    if (saved === undefined) delete process.env.FLASHCROWD_ATPROTO_DIR;
    else process.env.FLASHCROWD_ATPROTO_DIR = saved;
  });

  it('exits 2 with the install command when targets/atproto is not installed', async () => {
    const empty = mkdtempSync(path.join(tmpdir(), 'fc-no-atproto-'));
    try {
      process.env.FLASHCROWD_ATPROTO_DIR = empty;
      const r = await capture(['stack', 'atproto', '--db', 'postgres://postgres@127.0.0.1:5432/test']);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/not installed/);
      expect(r.err).toMatch(/npm ci --prefix .* --engine-strict/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('exits 2 for a missing or unknown stack kind and a bad --db', async () => {
    expect((await capture(['stack'])).code).toBe(2);
    expect((await capture(['stack', 'mastodon'])).err).toMatch(/expected the kind of stack: 'atproto'/);
    expect((await capture(['stack', 'atproto', '--db', 'mysql://x'])).code).toBe(2);
    expect((await capture(['stack', 'atproto', '--schema', 'bad-name'])).err).toMatch(/letters and _ only/);
    expect((await capture(['--help'])).out).toMatch(/stack\s+start a throwaway AT Protocol stack/);
  });

  it('--adapter atproto without --target is refused before anything starts', async () => {
    const r = await capture(['run', 'scenarios/smoke.ts', '--adapter', 'atproto']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--adapter atproto needs --target <PDS URL>.*flashcrowd stack atproto/);
  });
});
