// `flashcrowd report` and `flashcrowd compare` through the CLI dispatcher, on run folders written by writeRunFolder.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/index.ts';
import { finalizeSummary, writeRunFolder } from '../../src/report/write.ts';
import { parseFailOn } from '../../src/report/compare.ts';
import { DEFAULT_THRESHOLDS, makeSummary, makeTimeline, type FixtureOptions } from './fixtures.ts';

let root: string;
const dir = (name: string) => join(root, name);

async function writeRun(name: string, opts: FixtureOptions = {}, thresholds = DEFAULT_THRESHOLDS) {
  await writeRunFolder(dir(name), { summary: finalizeSummary(makeSummary(opts), thresholds), timeline: makeTimeline({ ...opts, seconds: 20 }) });
}

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
  try {
    const code = await main(argv);
    return { code, out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'fc-cli-report-'));
  await writeRun('base');
  await writeRun('same');
  await writeRun('slower', { latencyFactor: 1.5, recallMean: 0.93 });
  await writeRun('passing', {}, ['p99(signup) < 5s']);
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('flashcrowd compare', () => {
  const rules = 'p99(feed_following) +20%, recall.mean -0.02, lostWrites +0';

  it('passes an equal run', async () => {
    const r = await cli('compare', dir('base'), dir('same'), '--fail-on', rules);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^p99\(feed_following\)\s+189ms\s+189ms\s+0ms \(0\.0%\)\s*$/m);
    expect(r.out).toContain('no regression beyond the rules');
  });

  it('flags an injected regression with exit 1', async () => {
    const r = await cli('compare', dir('base'), dir('slower'), '--fail-on', rules);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^p99\(feed_following\)\s+189ms\s+284ms\s+\+94\.5ms \(\+50\.0%\)\s+worse$/m);
    expect(r.out).toMatch(/✗ p99\(feed_following\) \+20%\s+p99\(feed_following\): 189ms -> 284ms \(50\.0% worse\)/);
    expect(r.out).toMatch(/✗ recall\.mean -0\.02\s+recall\.mean: 0\.962 -> 0\.93 \(0\.032 worse\)/);
    expect(r.out).toMatch(/✓ lostWrites \+0/);
    expect(r.out).toContain('REGRESSION: 2 rule(s) violated');
  });

  it('tolerates a regression within the rule, and an improvement', async () => {
    expect((await cli('compare', dir('base'), dir('slower'), '--fail-on', 'p99(feed_following) +60%, recall.mean -0.05')).code).toBe(0);
    expect((await cli('compare', dir('slower'), dir('base'), '--fail-on', rules)).code).toBe(0);
  });

  it('prints JSON with --json', async () => {
    const r = await cli('compare', dir('base'), dir('slower'), '--fail-on', 'p99(signup) +100ms', '--json');
    expect(r.code).toBe(1);
    const j = JSON.parse(r.out);
    const row = j.rows.find((x: { figure: string }) => x.figure === 'p99(signup)');
    expect(row).toMatchObject({ baseline: 972, better: 'lower', worse: true });
    expect(row.current).toBeCloseTo(1458);
    expect(j.rules).toEqual([{ rule: 'p99(signup) +100ms', pass: false, message: 'p99(signup): 972ms -> 1458ms (486ms worse)' }]);
    expect(j.pass).toBe(false);
  });

  it('prints Markdown with --markdown', async () => {
    const r = await cli('compare', dir('base'), dir('slower'), '--fail-on', 'p99(feed_following) +20%', '--markdown');
    expect(r.code).toBe(1);
    expect(r.out.split('\n')[0]).toBe('## flashcrowd compare — ❌ regression');
    expect(r.out).toContain('| ✗ | `p99(feed_following) +20%` | p99(feed_following): 189ms -&gt; 284ms (50.0% worse) |');
    expect(r.out).toMatch(/\| `p99\(signup\)` \| 972ms \| 1458ms \| \+486ms \(\+50\.0%\) \| 🔺 worse \|/);
  });

  it('exits 2 on usage errors', async () => {
    expect((await cli('compare', dir('base'))).code).toBe(2);
    const bad = await cli('compare', dir('base'), dir('same'), '--fail-on', 'recall.mean +0.02');
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('for recall.mean higher is better, so a regression is a fall (-)');
    const missing = await cli('compare', dir('base'), dir('nope'));
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/nope\/summary\.json: not found/);
    expect(() => parseFailOn('p99(signup) +5kb')).toThrow(/expected `<figure> <\+\|->/);
    expect(() => parseFailOn('recall.mean -5ms')).toThrow(/a time unit does not apply/);
  });
});

describe('flashcrowd report', () => {
  it('re-renders the human files and exits 99 when thresholds fail', async () => {
    const md = join(dir('base'), 'summary.md');
    await writeFile(md, 'stale');
    const before = await readFile(join(dir('base'), 'summary.json'), 'utf8');
    const r = await cli('report', dir('base'));
    expect(r.code).toBe(99);
    expect(r.out).toMatch(/^FAIL  rednote-jan-2025: 7\/8 thresholds passed, 0 lost writes/);
    expect(r.out).toContain('✗ foreignShare.zh <= 0.4');
    expect(await readFile(md, 'utf8')).toContain('❌ FAIL');
    expect(await readFile(join(dir('base'), 'summary.json'), 'utf8')).toBe(before);
  });

  it('re-evaluates with --threshold overrides', async () => {
    const r = await cli('report', dir('base'), '--threshold', 'p99(signup) < 5s', '--threshold', 'recall.mean > 0.9');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^PASS  rednote-jan-2025: 2\/2 thresholds passed/);
    const junit = await readFile(join(dir('base'), 'junit.xml'), 'utf8');
    expect(junit).toContain('tests="3" failures="0"');
    const out = join(root, 'rendered');
    expect((await cli('report', dir('passing'), '--out', out)).code).toBe(0);
    expect(JSON.parse(await readFile(join(out, 'summary.json'), 'utf8')).pass).toBe(true);
  });

  it('exits 2 on a bad threshold or a folder that is not a run', async () => {
    const bad = await cli('report', dir('base'), '--threshold', 'p99(signup) 800ms');
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('col 13: expected a comparison operator');
    expect((await cli('report', root)).code).toBe(2);
  });
});
