import { describe, expect, it } from 'vitest';
import {
  createThresholdAbortPlugin,
  evaluateThresholds,
  parseThreshold,
  parseThresholds,
  ThresholdParseError,
} from '../../src/report/thresholds/index.ts';
import { UsageError } from '../../src/errors/exit-codes.ts';
import type { Summary } from '../../src/run/summary.ts';
import { makeSummary } from './fixtures.ts';

const summary = makeSummary() as Summary;

function errorOf(expr: string): ThresholdParseError {
  try {
    parseThreshold(expr);
  } catch (err) {
    return err as ThresholdParseError;
  }
  throw new Error(`expected "${expr}" to be rejected`);
}

describe('threshold parsing', () => {
  it('converts units to the figure’s own unit', () => {
    expect(parseThreshold('p99(signup) < 800ms').bound).toBe(800);
    expect(parseThreshold('p95(feed_following) <= 1.5s').bound).toBe(1500);
    expect(parseThreshold('corrected.p99(post) < 2s').bound).toBe(2000);
    expect(parseThreshold('p99(post) < 1m').bound).toBe(60_000);
    expect(parseThreshold('freshness.p95 < 5s').bound).toBe(5);
    expect(parseThreshold('freshness.p95 < 500ms').bound).toBe(0.5);
    expect(parseThreshold('moderationLag.p95 < 1m').bound).toBe(60);
    expect(parseThreshold('errors.rate < 1%').bound).toBeCloseTo(0.01);
    expect(parseThreshold('schedule.lag.p99 < 50ms').bound).toBe(50);
    expect(parseThreshold('recall.mean >= 0.95').bound).toBe(0.95);
    expect(parseThreshold('  lostWrites==0 ').expr).toBe('lostWrites==0');
  });

  it('names the column of the problem', () => {
    const e = errorOf('p99(signup) 800ms');
    expect(e).toBeInstanceOf(UsageError);
    expect(e.exitCode).toBe(2);
    expect(e.col).toBe(13);
    expect(e.message).toContain('col 13: expected a comparison operator');

    expect(errorOf('p99(signup) < fast').message).toContain('col 15: expected a number');
    expect(errorOf('p99(signup) < 800 ms').col).toBe(19);
    expect(errorOf('p99(signup) < 800kb').message).toContain('col 18: unknown unit');
    expect(errorOf('recall.mean >= 95s').message).toMatch(/col 18: a time unit does not apply/);
    expect(errorOf('p99(signup) < 5%').message).toMatch(/col 16: "%" only applies to ratios/);
    expect(errorOf('recal.mean > 0.9').message).toMatch(/col 1: unknown figure "recal.mean"/);
    expect(errorOf('p99 < 800ms').message).toContain('expected an endpoint');
    expect(errorOf('p99(signup < 800ms').message).toContain('col 12: expected ")"');
    expect(errorOf('').col).toBe(1);
  });

  it('reports every bad expression at once', () => {
    expect(() => parseThresholds(['p99(signup) < 1s', 'nope < 1', 'errors.rate 1%'])).toThrow(/nope[\s\S]*errors\.rate 1%/);
  });
});

describe('threshold evaluation', () => {
  const eval1 = (expr: string, s: Partial<Summary> = summary) => evaluateThresholds([expr], s)[0]!;

  it('reads each kind of figure', () => {
    expect(eval1('p99(signup) < 800ms')).toMatchObject({ observed: 180 * 4.5 * 1.2, pass: false });
    expect(eval1('p99(signup) < 800ms').message).toBe('p99(signup) = 972ms, wanted < 800ms');
    expect(eval1('p99(signup) < 0.9s').message).toBe('p99(signup) = 0.972s, wanted < 0.9s');
    expect(eval1('p50(signup) < 200ms').pass).toBe(true);
    expect(eval1('corrected.p50(signup) > 200ms')).toMatchObject({ observed: 180 * 1.3, pass: true });
    const rate = summary.totals.errors / summary.totals.requests;
    expect(eval1('errors.rate < 1%')).toMatchObject({ observed: rate, pass: false });
    expect(eval1('errors.rate < 1%').message).toMatch(/errors\.rate = 1\.\d+%, wanted < 1%/);
    expect(eval1('dropped.rate < 1%')).toMatchObject({ observed: 38 / 5238, pass: true });
    expect(eval1('freshness.p95 < 5s')).toMatchObject({ observed: 4.2, pass: true });
    expect(eval1('freshness.p95 < 4000ms').pass).toBe(false);
    expect(eval1('recall.mean >= 0.95')).toMatchObject({ observed: 0.962, pass: true });
    expect(eval1('foreignShare.zh <= 0.4')).toMatchObject({ observed: 0.46, pass: false });
    expect(eval1('languageMatch.zh >= 0.9').pass).toBe(true);
    expect(eval1('translationCoverage > 0.5').pass).toBe(true);
    expect(eval1('moderationLag.p95 < 60s').pass).toBe(true);
    expect(eval1('degradedShare < 0.1').pass).toBe(true);
    expect(eval1('lostWrites == 0').pass).toBe(true);
    expect(eval1('schedule.lag.p99 < 50ms')).toMatchObject({ observed: 31.5, pass: true });
    expect(eval1('totals.signups > 0')).toMatchObject({ observed: 3100, pass: true });
    expect(eval1('endpoints.post.latencyMs.p99 < 0.1s')).toMatchObject({ observed: 25 * 4.5 * 1.2, pass: false });
    expect(eval1('rps(feed_following) > 10').pass).toBe(true);
    expect(eval1('errors.rate(signup) < 5%')).toMatchObject({ observed: 12 / 1000, pass: true });
  });

  it('fails a missing figure with a clear message', () => {
    const noFeed = makeSummary({ withFeed: false }) as Summary;
    expect(eval1('freshness.p95 < 5s', noFeed)).toEqual({
      expr: 'freshness.p95 < 5s',
      observed: null,
      pass: false,
      noData: true,
      message: 'no data: no feed freshness was measured in this run',
    });
    expect(eval1('foreignShare.ja <= 0.4').message).toBe('no data: no foreignShare for ja readers was measured in this run');
    expect(eval1('p99(report) < 1s').message).toBe('no data: endpoint "report" has no requests in this run');
    expect(eval1('totals.nothing > 0').message).toContain('no figure at "totals.nothing"');
  });

  it('turns a malformed expression into a failed result instead of throwing', () => {
    const r = eval1('p99(signup) 800ms');
    expect(r.pass).toBe(false);
    expect(r.message).toContain('col 13');
  });
});

describe('abort-on-fail plugin', () => {
  it('aborts at once on a monotone figure that is lost', () => {
    let lost = 0;
    const p = createThresholdAbortPlugin(['lostWrites == 0', 'p99(signup) < 10ms'], () => ({ ...summary, audit: { checkedWrites: 1, lostWrites: lost } }), {
      elapsedSec: () => 1,
    });
    expect(p.shouldAbort!()).toBeUndefined(); // p99 failing, but too early
    lost = 1;
    expect(p.shouldAbort!()).toMatch(/lost for good: lostWrites = 1, wanted == 0/);
  });

  it('aborts on other failures only after the minimum time and a sustained streak', () => {
    let now = 0;
    const p = createThresholdAbortPlugin(['p99(signup) < 10ms'], () => summary, { elapsedSec: () => now, minElapsedSec: 30, sustainChecks: 3 });
    for (now = 0; now < 30; now++) expect(p.shouldAbort!()).toBeUndefined();
    // streak already long when time is reached
    expect(p.shouldAbort!()).toMatch(/failing for \d+ consecutive checks after 30s/);
  });

  it('resets the streak when a threshold recovers, and never aborts without data', () => {
    let s: Partial<Summary> = summary;
    const now = 100;
    const p = createThresholdAbortPlugin(['p99(signup) < 10ms', 'freshness.p95 < 10s'], () => s, { elapsedSec: () => now, sustainChecks: 3 });
    expect(p.shouldAbort!()).toBeUndefined();
    expect(p.shouldAbort!()).toBeUndefined();
    s = { ...summary, endpoints: {} }; // no data: streak resets
    expect(p.shouldAbort!()).toBeUndefined();
    s = summary;
    expect(p.shouldAbort!()).toBeUndefined();
    expect(p.shouldAbort!()).toBeUndefined();
    s = makeSummary({ withFeed: false }) as Summary;
    expect(p.shouldAbort!()).toMatch(/p99\(signup\)/);
  });
});
