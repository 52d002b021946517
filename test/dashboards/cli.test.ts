import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/index.ts';
import { renderDashboards } from '../../src/dashboards/index.ts';

describe('flashcrowd dashboards', () => {
  const dirs: string[] = [];
  afterEach(() => {
    vi.restoreAllMocks();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  const quiet = () => {
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    return vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  };

  it('writes every dashboard to --out, and --check passes on the result', async () => {
    quiet();
    const out = mkdtempSync(path.join(tmpdir(), 'flashcrowd-dash-'));
    dirs.push(out);
    expect(await main(['dashboards', '--out', out])).toBe(0);
    const rendered = renderDashboards();
    expect(readdirSync(out).sort()).toEqual([...rendered.keys()].sort());
    for (const [file, json] of rendered) expect(readFileSync(path.join(out, file), 'utf8')).toBe(json);
    expect(await main(['dashboards', '--out', out, '--check'])).toBe(0);
  });

  it('--check exits 1 naming a stale or missing file', async () => {
    const stderr = quiet();
    const out = mkdtempSync(path.join(tmpdir(), 'flashcrowd-dash-'));
    dirs.push(out);
    await main(['dashboards', '--out', out]);
    writeFileSync(path.join(out, 'feed-quality.json'), '{}\n');
    rmSync(path.join(out, 'surge-overview.json'));
    expect(await main(['dashboards', '--out', out, '--check'])).toBe(1);
    const message = stderr.mock.calls.map((c) => String(c[0])).join('');
    expect(message).toContain('feed-quality.json (differs)');
    expect(message).toContain('surge-overview.json (missing)');
  });

  it('rejects unknown options with a usage error', async () => {
    const stderr = quiet();
    expect(await main(['dashboards', '--outt', 'x'])).toBe(2);
    expect(stderr.mock.calls.map((c) => String(c[0])).join('')).toContain("'--outt'");
  });
});
