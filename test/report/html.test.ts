// The report opened in a real headless Chromium from file://, with the network blocked.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { finalizeSummary, writeRunFolder } from '../../src/report/write.ts';
import { escapeHtml, scriptJson } from '../../src/report/html/render.ts';
import { DEFAULT_THRESHOLDS, makeSummary, makeTimeline, type FixtureOptions } from './fixtures.ts';

const CHROMIUM = process.env.FLASHCROWD_CHROMIUM ?? '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) {
  if (process.env.FLASHCROWD_REQUIRE_CHROMIUM === '1') throw new Error(`FLASHCROWD_REQUIRE_CHROMIUM=1 but no Chromium at ${CHROMIUM}`);
  console.warn(`[report html test] skipped: no Chromium at ${CHROMIUM} (apt-get install chromium, or set FLASHCROWD_CHROMIUM)`);
}

const ALL_CHARTS = ['arrivals', 'throughput', 'latency', 'schedule', 'freshness', 'quality', 'languages'];

describe('html escaping helpers', () => {
  it('keeps </script> and line separators out of embedded JSON', () => {
    const s = scriptJson({ name: '</script><script>alert(1)</script>\u2028<!--' });
    expect(s).not.toMatch(/[<>\u2028]/);
    expect(JSON.parse(s)).toEqual({ name: '</script><script>alert(1)</script>\u2028<!--' });
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });
});

describe.skipIf(!haveChromium)('report.html in headless Chromium', () => {
  let browser: Browser;
  let dir: string;

  beforeAll(async () => {
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    dir = await mkdtemp(join(tmpdir(), 'fc-html-'));
  });
  afterAll(async () => {
    await browser?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function open(name: string, opts: FixtureOptions & { thresholds?: string[] } = {}) {
    const runDir = join(dir, name);
    const summary = finalizeSummary(makeSummary(opts), opts.thresholds ?? DEFAULT_THRESHOLDS);
    await writeRunFolder(runDir, {
      summary,
      timeline: makeTimeline(opts),
      plan: {
        description: 'Refugees from a banned app arrive as a flash crowd.',
        compression: 1440,
        sample: 0.002,
        scenarioStart: '2025-01-13T00:00:00Z',
        wallDurationSec: 120,
        scenarioDurationSec: 172800,
        observers: { languageBands: { zh: { foreignShareMax: 0.5, languageMatchMin: 0.9 } } },
      },
    });
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const problems: string[] = [];
    const network: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console ${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    await page.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith('file:')) return route.continue();
      network.push(url);
      return route.abort();
    });
    await page.goto(pathToFileURL(join(runDir, 'report.html')).href);
    await page.waitForFunction(() => (globalThis as { __flashcrowd?: unknown }).__flashcrowd !== undefined);
    return { page, problems, network };
  }

  function chartStats(page: Page) {
    return page.evaluate(() => {
      const reg = (globalThis as unknown as { __flashcrowd: { charts: Record<string, { points: number; series: number; uplot: { eventsDrawn?: number; guidesDrawn?: number } }>; noData: string[] } }).__flashcrowd;
      const charts: Record<string, { points: number; series: number; events: number; guides: number; inked: number }> = {};
      for (const [id, c] of Object.entries(reg.charts)) {
        // No DOM lib in this project's tsconfig: describe the few browser APIs used here.
        type Canvas = { width: number; height: number; getContext(k: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } };
        const doc = (globalThis as unknown as { document: { querySelector(s: string): Canvas } }).document;
        const canvas = doc.querySelector(`#chart-${id} canvas`);
        const px = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
        // Grid and axes are grey; count strongly coloured opaque pixels: the series lines (event markers add < 1,500).
        let inked = 0;
        for (let i = 0; i < px.length; i += 4) {
          const max = Math.max(px[i]!, px[i + 1]!, px[i + 2]!);
          const min = Math.min(px[i]!, px[i + 1]!, px[i + 2]!);
          if (px[i + 3]! > 128 && max - min > 60) inked++;
        }
        charts[id] = { points: c.points, series: c.series, events: c.uplot.eventsDrawn ?? 0, guides: c.uplot.guidesDrawn ?? 0, inked };
      }
      return { charts, noData: reg.noData };
    });
  }

  it('renders every chart with data and events, offline, without errors', async () => {
    const { page, problems, network } = await open('full');
    const { charts, noData } = await chartStats(page);
    expect(noData).toEqual([]);
    expect(Object.keys(charts).sort()).toEqual([...ALL_CHARTS].sort());
    for (const id of ALL_CHARTS) {
      expect(charts[id]!.points, id).toBeGreaterThan(100);
      expect(charts[id]!.inked, id).toBeGreaterThan(2500); // series actually drawn on the canvas
      expect(charts[id]!.events, id).toBe(4); // every scenario event marked
    }
    expect(charts.languages!.guides).toBe(2); // the scenario's zh band: foreign share max, language match min
    expect(await page.locator('h1').innerText()).toContain('rednote-jan-2025');
    expect(await page.locator('header').innerText()).toContain('1,440× (1 s wall = 24m scenario)');
    expect(await page.locator('.verdict').innerText()).toBe('FAIL');
    expect(await page.locator('tr.failed').count()).toBe(1);
    // switching the latency figure re-renders the chart with the corrected series
    await page.selectOption('#latency-mode', 'correctedLatencyMs.p99');
    expect((await chartStats(page)).charts.latency!.points).toBe(charts.latency!.points);
    await mkdir(resolve('test-artifacts'), { recursive: true });
    await page.selectOption('#latency-mode', 'latencyMs.p99');
    await page.screenshot({ path: resolve('test-artifacts/report.png'), fullPage: true });
    expect(problems).toEqual([]);
    expect(network).toEqual([]);
    await page.close();
  });

  it('shows a "no data" note for feed charts when feed quality was not measured', async () => {
    const { page, problems } = await open('nofeed', { withFeed: false, thresholds: ['p99(signup) < 5s'] });
    const { charts, noData } = await chartStats(page);
    expect(noData.sort()).toEqual(['freshness', 'languages', 'quality']);
    expect(Object.keys(charts).sort()).toEqual(['arrivals', 'latency', 'schedule', 'throughput']);
    expect(await page.locator('#chart-freshness .nodata').innerText()).toMatch(/^No data — /);
    expect(await page.locator('.verdict').innerText()).toBe('PASS');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('treats the scenario name as text, not markup or script', async () => {
    const hostile = '</script><script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">';
    const { page, problems } = await open('hostile', { scenario: hostile });
    expect(await page.evaluate(() => (globalThis as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await page.locator('h1 span').first().innerText()).toBe(hostile);
    expect((await chartStats(page)).noData).toEqual([]);
    expect(problems).toEqual([]);
    await page.close();
  });
});
