// The report on a real run: the pipeline against the embedded reference backend, then report.html in Chromium,
// `report` and `compare` on the run folder. Catches drift between what the engine writes and what the report reads.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { executeRun, type ExecuteRunResult } from '../../src/cli/pipeline.ts';
import { main } from '../../src/cli/index.ts';
import { TIMELINE_SPILL_FILE } from '../../src/report/write.ts';

const CHROMIUM = process.env.FLASHCROWD_CHROMIUM ?? '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && process.env.FLASHCROWD_REQUIRE_CHROMIUM === '1') throw new Error(`FLASHCROWD_REQUIRE_CHROMIUM=1 but no Chromium at ${CHROMIUM}`);

const dir = mkdtempSync(join(tmpdir(), 'fc-real-report-'));
let result: ExecuteRunResult;

beforeAll(async () => {
  const sink = new Writable({ write: (_c, _e, cb) => cb() });
  result = await executeRun({
    scenario: 'scenarios/smoke.ts',
    compress: '20m->12s', // the whole story, including the translation launch, in 12 s of wall time
    out: join(dir, 'run'),
    backend: { scryptCost: 1024, logLevel: 'silent' },
    handleSignals: false,
    stdout: sink,
    stderr: sink,
  });
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function cli(...argv: string[]) {
  let out = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    return { code: await main(argv), out };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

describe('report on a real run', () => {
  it('keeps event times on the same clock as the buckets', () => {
    expect(result.timeline.events.map((e) => e.name)).toContain('translation-launch');
    const ev = result.timeline.events.find((e) => e.name === 'translation-launch')!;
    expect(ev.at).toBeGreaterThan(4);
    expect(ev.at).toBeLessThan(8); // scenario +10m at 20m->12s: 6 s of wall time
    expect(result.timeline.buckets.at(-1)!.t).toBeGreaterThan(ev.at);
  });

  it('writes timeline.json whole, with the seconds spilled during the run, and removes the spill file', () => {
    const onDisk = JSON.parse(readFileSync(join(result.runDir, 'timeline.json'), 'utf8'));
    expect(onDisk.buckets.length).toBeGreaterThan(10);
    expect(JSON.stringify(onDisk.buckets)).toBe(JSON.stringify(result.timeline.buckets));
    expect(onDisk.buckets.map((b: { t: number }) => b.t)).toEqual(onDisk.buckets.map((_: unknown, i: number) => i));
    expect(onDisk.buckets.some((b: { feed?: unknown }) => b.feed !== undefined)).toBe(true);
    expect(existsSync(join(result.runDir, TIMELINE_SPILL_FILE))).toBe(false);
  });

  it('re-renders and compares the run folder', async () => {
    const runDir = result.runDir;
    const r = await cli('report', runDir);
    expect(r.code).toBe(result.exitCode);
    expect(readFileSync(join(runDir, 'summary.md'), 'utf8')).toMatch(/^## flashcrowd · smoke — /);
    const c = await cli('compare', runDir, runDir, '--fail-on', 'p99(signup) +1%, lostWrites +0');
    expect(c.code).toBe(0);
    expect(c.out).toMatch(/^p99\(signup\)\s/m);
  });

  it.skipIf(!haveChromium)('renders the load charts with the event marked, without errors', async () => {
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
    try {
      const page = await browser.newPage({ viewport: { width: 1300, height: 900 } });
      const problems: string[] = [];
      page.on('console', (m) => void (m.type() === 'error' && problems.push(m.text())));
      page.on('pageerror', (e) => problems.push(e.message));
      await page.route('**/*', (route) => (route.request().url().startsWith('file:') ? route.continue() : route.abort()));
      await page.goto(pathToFileURL(join(result.runDir, 'report.html')).href);
      const stats = await page.evaluate(() => {
        const reg = (globalThis as unknown as { __flashcrowd: { charts: Record<string, { points: number; uplot: { eventsDrawn?: number } }>; noData: string[] } }).__flashcrowd;
        return { charts: Object.fromEntries(Object.entries(reg.charts).map(([id, c]) => [id, { points: c.points, events: c.uplot.eventsDrawn ?? 0 }])), noData: reg.noData };
      });
      for (const id of ['arrivals', 'throughput', 'latency', 'schedule']) {
        expect(stats.charts[id]?.points, id).toBeGreaterThan(5);
        expect(stats.charts[id]?.events, id).toBeGreaterThanOrEqual(1);
      }
      // every chart either drew data or says why not
      expect(Object.keys(stats.charts).length + stats.noData.length).toBe(7);
      expect(problems).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
