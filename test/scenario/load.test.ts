import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { loadScenario } from '../../src/scenario/load.ts';
import { ScenarioError } from '../../src/scenario/errors.ts';
import { describePlan } from '../../src/scenario/describe.ts';
import { main } from '../../src/cli/index.ts';

const root = resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'flashcrowd-scenario-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

async function problemsOf(file: string) {
  try {
    await loadScenario(file);
  } catch (err) {
    expect(err).toBeInstanceOf(ScenarioError);
    return err as ScenarioError;
  }
  throw new Error('expected a ScenarioError');
}

describe('shipped scenarios', () => {
  const files = readdirSync(join(root, 'scenarios')).filter((f) => /\.(ts|json)$/.test(f) && !f.endsWith('.schema.json'));

  it('includes the flagship and the smoke scenario', () => {
    expect(files).toEqual(expect.arrayContaining(['rednote-jan-2025.ts', 'smoke.ts', 'flash-crowd.ts', 'cat-tax-storm.ts', 'diurnal-bilingual.ts', 'exodus.ts']));
  });

  it.each(files)('%s loads, compiles and describes itself', async (file) => {
    const { scenario, plan } = await loadScenario(join(root, 'scenarios', file));
    expect(plan.name).toBe(scenario.name);
    expect(plan.source).toBe(join(root, 'scenarios', file));
    expect(plan.cohorts.length).toBeGreaterThan(0);
    for (const c of plan.cohorts) {
      expect(c.expectedArrivals).toBeGreaterThan(0);
      expect(c.peakRate).toBeGreaterThan(0);
      expect(Number.isFinite(c.rate(plan.wallDurationSec / 2))).toBe(true);
    }
    expect(describePlan(plan)).toContain(`${plan.name}:`);
  });

  it('smoke runs under 30 s wall with probe readers in en and zh and thresholds', async () => {
    const { plan } = await loadScenario(join(root, 'scenarios/smoke.ts'));
    expect(plan.wallDurationSec + plan.gracefulStopSec).toBeLessThan(30);
    expect(plan.observers.probeReaders).toMatchObject({ en: expect.any(Number), zh: expect.any(Number) });
    expect(plan.cohorts.some((c) => c.preexisting && c.locales.zh_CN)).toBe(true);
    expect(plan.cohorts.some((c) => !c.preexisting && c.content.markerShare > 0)).toBe(true);
    expect(plan.thresholds.length).toBeGreaterThan(0);
  });

  it('rednote: the 48 h demo window keeps its rates and fits in 90 s', async () => {
    const path = join(root, 'scenarios/rednote-jan-2025.ts');
    const full = (await loadScenario(path)).plan;
    const demo = (await loadScenario(path, { durationSec: '54h', compress: '54h->90s', sample: 0.0005 })).plan;
    expect(demo.wallDurationSec).toBeCloseTo(90, 9);
    const us = (p: typeof full) => p.cohorts.find((c) => c.name === 'newcomers-us')!;
    // the same scenario moment (20 h after start) has the same scenario rate, rescaled by compression * sample
    const t = 20 * 3600;
    expect(us(demo).rate(t / demo.compression) / (demo.compression * demo.sample)).toBeCloseTo(
      us(full).rate(t / full.compression) / (full.compression * full.sample),
      9,
    );
    // the flagship's events are all inside its story, in order
    expect(full.events.map((e) => e.name)).toEqual(['onset', 'app-store-1', 'images-down', 'second-shock', 'translation-launch', 'exodus']);
  });

  it('rednote: 750 K signups in the first 48 h after the onset (assumption A5)', async () => {
    const { plan } = await loadScenario(join(root, 'scenarios/rednote-jan-2025.ts'), { sample: 1 });
    const onset = 6 * 3600;
    const signups = plan.cohorts
      .filter((c) => !c.preexisting)
      .reduce((a, c) => {
        const w = (s: number) => s / plan.compression;
        // composite Simpson over the wall rate between onset and onset + 48 h
        const n = 4000;
        const [lo, hi] = [w(onset), w(onset + 48 * 3600)];
        const h = (hi - lo) / n;
        let s = c.rate(lo) + c.rate(hi);
        for (let i = 1; i < n; i++) s += (i % 2 ? 4 : 2) * c.rate(lo + i * h);
        return a + ((s * h) / 3) * (1 - c.returningShare);
      }, 0);
    expect(signups / 750_000).toBeCloseTo(1, 3);
  });
});

describe('validation errors', () => {
  it('JSON: every bad field with its path and line:column', async () => {
    const file = write(
      'bad.json',
      `{
  "name": "bad",
  "timeline": { "start": "2025-01-13T01:00:00Z", "duration": "10q", "compress": "10d->10m" },
  "cohorts": [
    { "name": "ok", "size": 10 },
    {
      "name": "broken",
      "curve": { "kind": "flash", "peak": -5, "at": "1h", "ramp": "1h", "tau": "2h", "alpha": 1 },
      "returningShare": 1.5,
      "colour": "red"
    }
  ]
}
`,
    );
    const err = await problemsOf(file);
    const byPath = Object.fromEntries(err.problems.map((p) => [p.path, p]));
    expect(byPath['timeline.duration']).toMatchObject({ line: 3, column: 50 });
    expect(byPath['cohorts[1].curve.peak']).toMatchObject({ message: 'expected a positive number', line: 8, column: 35 });
    expect(byPath['cohorts[1].returningShare']).toMatchObject({ line: 9 });
    expect(byPath['cohorts[1].colour']).toMatchObject({ line: 10, message: expect.stringContaining("unknown field 'colour'") });
    expect(err.problems.length).toBeGreaterThanOrEqual(4);
    expect(err.message).toContain('cohorts[1].curve.peak: expected a positive number (line 8:35)');
    expect(err.exitCode).toBe(2);
  });

  it('JSON: a syntax error names the line', async () => {
    const err = await problemsOf(write('syntax.json', '{\n  "name": "x",\n  "timeline": {,\n}\n'));
    expect(err.message).toMatch(/not valid JSON \(line 3:/);
  });

  it('TypeScript: the line where the bad field is written', async () => {
    const file = write(
      'bad-scenario.ts',
      `// a scenario with mistakes
const newcomers = {
  name: 'newcomers',
  size: 100,
  curve: { kind: 'shock', peak: 3, at: '2h', rise: 'soon' },
};

export default {
  name: 'bad-ts',
  timeline: {
    start: '2025-01-13T01:00:00Z',
    duration: '2h',
    sample: 0,
  },
  cohorts: [
    { name: 'incumbents', preexisting: true },
    newcomers,
  ],
};
`,
    );
    const err = await problemsOf(file);
    const byPath = Object.fromEntries(err.problems.map((p) => [p.path, p]));
    expect(byPath['timeline.sample']).toMatchObject({ line: 13 });
    expect(byPath['cohorts[0].size']).toMatchObject({ line: 16 }); // missing: reported at its cohort
    expect(byPath['cohorts[1].curve.rise']).toMatchObject({ line: 5 }); // followed into the variable
    expect(err.message).toContain('timeline.sample: expected a number above 0 and at most 100 (a volume factor (0.01 = one person in a hundred)) (line 13)');
  });

  it('time zones, locales and languages are checked, with quoted keys located in .ts files', async () => {
    const json = await problemsOf(
      write(
        'zones.json',
        JSON.stringify({
          name: 'z',
          timeline: { start: '2025-01-13T01:00:00Z', duration: '1h' },
          cohorts: [{ name: 'a', size: 1, timeZones: { 'Mars/Olympus': 1, UTC: 1 }, locales: { english: 1 }, alsoReads: { chinese: 0.2 } }],
        }),
      ),
    );
    const byPath = Object.fromEntries(json.problems.map((p) => [p.path, p]));
    expect(byPath['cohorts[0].timeZones["Mars/Olympus"]']).toMatchObject({ message: expect.stringContaining('IANA time zone'), line: 1 });
    expect(byPath['cohorts[0].locales.english']!.message).toMatch(/expected a locale like/);
    expect(byPath['cohorts[0].alsoReads.chinese']!.message).toMatch(/ISO 639-1/);

    const ts = await problemsOf(
      write(
        'zones.ts',
        `export default {
  name: 'z',
  timeline: { start: '2025-01-13T01:00:00Z', duration: '1h' },
  cohorts: [
    {
      name: 'a',
      size: 1,
      timeZones: {
        UTC: 1,
        'Mars/Olympus': 1,
      },
    },
  ],
};
`,
      ),
    );
    expect(ts.problems).toEqual([expect.objectContaining({ path: 'cohorts[0].timeZones["Mars/Olympus"]', line: 10 })]);
  });

  it('a builder throwing at import time is reported with its line', async () => {
    const curves = JSON.stringify(resolve(root, 'src/scenario/curves.ts'));
    const file = write(
      'throws.ts',
      `import { shock } from ${curves};

const spike = shock({ peak: 3, at: 'noon', rise: '1h' });
export default { name: 'x', timeline: { start: '2025-01-13T01:00:00Z', duration: '1h' }, cohorts: [{ name: 'a', curve: spike }] };
`,
    );
    const err = await problemsOf(file);
    expect(err.message).toMatch(/could not load the scenario module \(line 3\): expected a duration/);
  });

  it('a module that does not export a scenario', async () => {
    const err = await problemsOf(write('empty.ts', 'export const x = 1;\n'));
    expect(err.message).toMatch(/default-export defineScenario/);
  });

  it('a missing file and an unknown extension', async () => {
    await expect(loadScenario(join(dir, 'nope.ts'))).rejects.toThrow(/not found/);
    await expect(loadScenario(write('x.yaml', 'name: x'))).rejects.toThrow(/\.ts, \.mts, \.cts, \.js, \.mjs, \.cjs or \.json/);
  });

  it('curve kinds and enum values are checked', async () => {
    const err = await problemsOf(
      write(
        'kinds.json',
        JSON.stringify({
          name: 'k',
          timeline: { start: '2025-01-13T01:00:00Z', duration: '1h' },
          cohorts: [{ name: 'a', curve: { kind: 'wave' }, personas: { wizard: 1 } }],
          events: [{ name: 'e', kind: 'party', at: '1m' }],
        }),
      ),
    );
    const paths = err.problems.map((p) => p.path);
    expect(paths).toEqual(expect.arrayContaining(['cohorts[0].curve.kind', 'events[0].kind']));
    expect(err.problems.find((p) => p.path === 'events[0].kind')!.message).toMatch(/expected one of .*"translation"/);
    expect(err.problems.some((p) => p.path.startsWith('cohorts[0].personas'))).toBe(true);
  });
});

describe('scenario files outside an ESM package', () => {
  it('a .ts scenario in a folder without "type": "module" loads through the CLI (tsx)', async () => {
    const { execFile } = await import('node:child_process');
    const curves = JSON.stringify(resolve(root, 'src/scenario/curves.ts'));
    const file = write(
      'outside.ts',
      `import { constant } from ${curves};
const base: number = 2;
export default { name: 'outside', timeline: { start: '2025-01-13T01:00:00Z', duration: '1m' }, cohorts: [{ name: 'a', curve: constant(base) }] };
`,
    );
    const out = await new Promise<string>((res, rej) =>
      execFile(process.execPath, [join(root, 'bin/flashcrowd.js'), 'plan', file, '--buckets', '2'], { cwd: dir }, (err, stdout, stderr) =>
        err ? rej(new Error(`${err.message}\n${stderr}`)) : res(stdout),
      ),
    );
    expect(out).toContain('outside: 1m of scenario time');
    expect(out).toMatch(/~120 arrivals/);
  }, 30_000);
});

describe('flashcrowd plan', () => {
  async function cli(argv: string[]) {
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

  it('prints the table, sparklines and events', async () => {
    const r = await cli(['plan', join(root, 'scenarios/smoke.ts'), '--buckets', '4']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/Up to [\d.]+ arrivals\/s over 20s for cohort newcomers/);
    expect(r.out).toMatch(/[▁▂▃▄▅▆▇█]/);
    expect(r.out).toContain('event translation-launch');
    expect(r.out.split('\n').filter((l) => /^\d+s\s/.test(l))).toHaveLength(4);
  });

  it('--json samples rates per bucket and applies overrides', async () => {
    const r = await cli(['plan', join(root, 'scenarios/smoke.ts'), '--json', '--buckets', '5', '--sample', '0.5', '--seed', '3']);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.out);
    expect(json.sample).toBe(0.5);
    expect(json.seed).toBe(3);
    expect(json.cohorts[1].buckets.expectedArrivals).toHaveLength(5);
    expect(json.cohorts[1].buckets.ratePerSec).toHaveLength(5);
    expect(json.cohorts[1].curve.kind).toBe('scale');
  });

  it('exits 2 on a bad scenario, a bad option and a bad threshold', async () => {
    const bad = await cli(['plan', write('cli-bad.json', JSON.stringify({ name: 'x', timeline: {}, cohorts: [] }))]);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('timeline.start');
    expect((await cli(['plan', join(root, 'scenarios/smoke.ts'), '--compress', 'fast'])).code).toBe(2);
    expect((await cli(['plan'])).code).toBe(2);
    const th = write(
      'bad-threshold.json',
      JSON.stringify({ name: 't', timeline: { start: '2025-01-13T01:00:00Z', duration: '1m' }, cohorts: [{ name: 'a', size: 1 }], thresholds: ['p99(signup) < 1s', 'wat >'] }),
    );
    const r = await cli(['plan', th]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('thresholds[1]');
  });
});
