import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { finalizeSummary, writeRunFolder } from '../../src/report/write.ts';
import { renderJunit } from '../../src/report/junit.ts';
import { renderMarkdown } from '../../src/report/markdown.ts';
import { stableStringify } from '../../src/report/stable-json.ts';
import { DEFAULT_THRESHOLDS, makeSummary, makeTimeline } from './fixtures.ts';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

function parseJunit(xml: string) {
  expect(XMLValidator.validate(xml)).toBe(true);
  const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (name) => name === 'testcase' }).parse(xml);
  return doc.testsuites;
}

describe('finalizeSummary', () => {
  it('evaluates thresholds and fails the run on any failed threshold', () => {
    const s = finalizeSummary(makeSummary(), DEFAULT_THRESHOLDS);
    expect(s.thresholds).toHaveLength(DEFAULT_THRESHOLDS.length);
    expect(s.thresholds.filter((t) => !t.pass).map((t) => t.expr)).toEqual(['foreignShare.zh <= 0.4']);
    expect(s.pass).toBe(false);
    const ok = finalizeSummary(makeSummary(), DEFAULT_THRESHOLDS.filter((t) => !t.startsWith('foreignShare')));
    expect(ok.pass).toBe(true);
  });

  it('fails the run on lost writes even without a threshold naming them', () => {
    const s = finalizeSummary(makeSummary({ lostWrites: 3 }), ['p99(signup) < 5s']);
    expect(s.thresholds.every((t) => t.pass)).toBe(true);
    expect(s.pass).toBe(false);
  });
});

describe('junit.xml', () => {
  it('is valid XML with one testcase per threshold plus the audit, failures carrying observed values', () => {
    const s = finalizeSummary(makeSummary({ lostWrites: 2 }), [...DEFAULT_THRESHOLDS, 'p99(signup) < 100ms']);
    const suites = parseJunit(renderJunit(s));
    const suite = suites.testsuite;
    expect(suite.name).toBe('flashcrowd.rednote-jan-2025');
    expect(Number(suite.tests)).toBe(DEFAULT_THRESHOLDS.length + 2);
    expect(Number(suite.failures)).toBe(4); // foreignShare, lostWrites threshold, p99(signup), audit case
    const failed = suite.testcase.filter((c: { failure?: unknown }) => c.failure !== undefined);
    expect(failed).toHaveLength(4);
    const p99 = suite.testcase.find((c: { name: string }) => c.name === 'p99(signup) < 100ms');
    expect(p99.failure.message).toBe('p99(signup) = 972ms, wanted < 100ms');
    expect(suite['system-out']).toContain('feed freshness p95');
    const audit = suite.testcase.at(-1);
    expect(audit.failure.message).toContain('2 of 8200 acknowledged writes are missing');
  });

  it('escapes hostile scenario names and expressions', () => {
    const s = finalizeSummary(makeSummary({ scenario: 'a<b>&"c\'\u0001' }), ['totals.signups < 1', 'p99(signup) < 1s && 1']);
    const xml = renderJunit(s);
    const suite = parseJunit(xml).testsuite;
    expect(suite.name).toBe('flashcrowd.a<b>&"c\''); // decoded back to the original (minus the control character)
    expect(suite.testcase).toHaveLength(3);
    expect(xml).not.toContain('\u0001');
  });
});

describe('summary.md', () => {
  it('leads with the verdict and lists figures, endpoints, feed quality and thresholds', () => {
    const s = finalizeSummary(makeSummary(), DEFAULT_THRESHOLDS);
    const md = renderMarkdown(s);
    expect(md.split('\n')[0]).toBe('## flashcrowd · rednote-jan-2025 — ❌ FAIL');
    expect(md).toContain('**FAIL**: 1 of 8 thresholds failed.');
    expect(md).toMatch(/\| error rate \| 1\.\d+% \(\d+\) \|/);
    expect(md).toContain('| `signup` | 1,000 | 8.33 | 12 (1.20%) | 180ms | 605ms | 972ms |');
    expect(md).toContain('| discover, zh readers: language match / foreign share | 91.0% / 46.0% |');
    expect(md).toContain('| ✗ | `foreignShare.zh <= 0.4` | 0.46 | foreignShare.zh = 0.46, wanted \\<= 0.4 |'); // `<` escaped: GitHub renders HTML in summaries
    expect(md).toContain('| ✓ | `errors.rate < 2%` | 1.');
    expect(md).toContain('| `feed_following` | 6,000 |'); // no backslash escapes inside code spans (GitHub shows them)
    expect(md).toContain('|  | threshold | observed | note |\n| :---: | --- | ---: | --- |');
  });

  it('says why a run stopped early', () => {
    const s = finalizeSummary({ ...makeSummary(), stoppedEarly: 'threshold lost for good: lostWrites = 1, wanted == 0' }, []);
    expect(renderMarkdown(s)).toContain('**Stopped early:** threshold lost for good: lostWrites = 1, wanted == 0');
  });

  it('says "no data" rather than inventing figures when feed quality was not measured', () => {
    const s = finalizeSummary(makeSummary({ withFeed: false }), ['freshness.p95 < 5s']);
    const md = renderMarkdown(s);
    expect(md).toContain('| freshness p50 / p95 / p99 | — |');
    expect(md).toContain('| ✗ no data | `freshness.p95 < 5s` | no data | no data: no feed freshness was measured in this run |');
    expect(md).toContain('**FAIL**: 1 of 1 thresholds failed (1 with no data).');
  });
});

describe('writeRunFolder', () => {
  it('writes all five files; summary.json has a stable key order and round-trips', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fc-report-'));
    dirs.push(dir);
    const summary = finalizeSummary(makeSummary(), DEFAULT_THRESHOLDS);
    const timeline = makeTimeline({ seconds: 30 });
    const { files } = await writeRunFolder(dir, { summary, timeline });
    expect(files.map((f) => f.slice(dir.length + 1)).sort()).toEqual(['junit.xml', 'report.html', 'summary.json', 'summary.md', 'timeline.json']);
    const text = await readFile(join(dir, 'summary.json'), 'utf8');
    expect(JSON.parse(text)).toEqual(summary);
    expect(Object.keys(JSON.parse(text))).toEqual(['scenario', 'seed', 'startedAt', 'wallSeconds', 'target', 'totals', 'endpoints', 'schedule', 'feedQuality', 'audit', 'thresholds', 'pass']);
    // the same summary with keys in another order serializes identically
    const shuffled = Object.fromEntries(Object.entries(summary).reverse());
    expect(stableStringify(shuffled)).toBe(text);
    expect(JSON.parse(await readFile(join(dir, 'timeline.json'), 'utf8')).buckets).toHaveLength(30);
  });
});

describe('terminal summary', () => {
  it('shows verdict, figures, endpoints, feed quality and failed thresholds with the reason', async () => {
    const { renderSummaryText } = await import('../../src/report/text.ts');
    const text = renderSummaryText(finalizeSummary(makeSummary(), DEFAULT_THRESHOLDS));
    expect(text.split('\n')[0]).toBe('rednote-jan-2025 — FAIL (seed 20250113, 2m wall, target http://127.0.0.1:3999)');
    expect(text).toMatch(/^\s+signup\s+1,000\s+8\.33\s+1\.20%\s+180ms\s+972ms\s+1\.90s$/m);
    expect(text).toMatch(/zh readers: match \/ foreign\s+91\.0% \/ 46\.0%/);
    expect(text).toMatch(/✗ foreignShare\.zh <= 0\.4\s+0\.46\s+foreignShare\.zh = 0\.46, wanted <= 0\.4/);
  });
});
