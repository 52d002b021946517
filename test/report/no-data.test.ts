// Verdicts that cannot pass on nothing: latency figures count successful responses (the all-requests view is
// `p99(ep, all)`), and a figure with no successful sample, or an audit that checked nothing while writes were
// acknowledged, is `no data` and fails — in the result, summary.md, junit.xml, report.html and the verdict line.
import { describe, expect, it } from 'vitest';
import { evaluateThresholds, parseThreshold } from '../../src/report/thresholds/index.ts';
import { finalizeSummary } from '../../src/report/write.ts';
import { renderMarkdown } from '../../src/report/markdown.ts';
import { renderJunit } from '../../src/report/junit.ts';
import { renderHtml } from '../../src/report/html/render.ts';
import { renderVerdictLine } from '../../src/report/text.ts';
import { LatencyRecorder } from '../../src/observe/latency.ts';
import { compareSummaries, parseFailOn, renderComparison } from '../../src/report/compare.ts';
import type { RequestSample } from '../../src/run/events.ts';
import type { Summary } from '../../src/run/summary.ts';
import { makeSummary, makeTimeline } from './fixtures.ts';

const req = (ok: boolean, ms: number, status?: number): RequestSample => ({
  endpoint: 'signup',
  cohort: 'c',
  ok,
  errorKind: ok ? undefined : 'http_4xx',
  status,
  startedAt: 10,
  intendedAt: 10,
  endedAt: 10 + ms,
});

/** A summary whose signups were all refused with 429 in ~4 ms, recorded by the real LatencyRecorder. */
function refusedSignups(): Summary {
  const rec = new LatencyRecorder();
  for (let i = 0; i < 40; i++) rec.onRequest(req(false, 4, 429));
  const parts = makeSummary();
  parts.endpoints = { ...parts.endpoints, ...rec.summarize(10) };
  return parts as Summary;
}

describe('latency counts successful responses', () => {
  it('keeps failures out of latencyMs and in allLatencyMs', () => {
    const rec = new LatencyRecorder();
    for (let i = 0; i < 90; i++) rec.onRequest(req(true, 900));
    for (let i = 0; i < 10; i++) rec.onRequest(req(false, 3, 503));
    const s = rec.summarize(1).signup;
    expect(s.latencyMs!.p50).toBeCloseTo(900, -1);
    expect(s.latencyMs!.p99).toBeCloseTo(900, -1); // the ten fast refusals do not pull it down
    expect(s.allLatencyMs!.p50).toBeCloseTo(900, -1);
    expect(s.allLatencyMs!.p50).toBeLessThanOrEqual(s.latencyMs!.p50);
    const r = evaluateThresholds(['p50(signup) < 500ms', 'p99(signup, all) > 800ms'], { endpoints: { signup: s } });
    expect(r[0]).toMatchObject({ pass: false, observed: s.latencyMs!.p50 });
    expect(r[1]).toMatchObject({ pass: true });
  });

  it('is null when nothing succeeded, and merges exactly across workers', () => {
    const a = new LatencyRecorder();
    for (let i = 0; i < 5; i++) a.onRequest(req(false, 4, 429));
    expect(a.summarize(1).signup.latencyMs).toBeNull();
    expect(a.summarize(1).signup.allLatencyMs!.max).toBeCloseTo(4, 1);
    const b = new LatencyRecorder();
    b.onRequest(req(true, 700));
    const merged = new LatencyRecorder();
    merged.mergeEncoded(JSON.parse(JSON.stringify(a.encode())));
    merged.mergeEncoded(JSON.parse(JSON.stringify(b.encode())));
    const s = merged.summarize(1).signup;
    expect(s.count).toBe(6);
    expect(s.latencyMs!.max).toBeCloseTo(700, 0);
    expect(s.allLatencyMs!.p50).toBeCloseTo(4, 1);
  });

  it('merges histograms written before successes were kept apart only when they are exact', () => {
    const old = new LatencyRecorder();
    old.onRequest(req(false, 4, 429));
    const encoded = old.encode();
    for (const e of Object.values(encoded.endpoints)) {
      delete e.okService;
      delete e.okCorrected;
    }
    const merged = new LatencyRecorder();
    merged.mergeEncoded(encoded);
    expect(merged.summarize(1).signup.latencyMs).toBeNull(); // the failure is not passed off as a success
  });
});

describe('no data fails', () => {
  it('fails p99(signup) when every signup was refused, with the reason; the all view still reads', () => {
    const s = refusedSignups();
    const [p99, all, corrected] = evaluateThresholds(['p99(signup) < 2000ms', 'p99(signup, all) < 2000ms', 'corrected.p99(signup) < 2s'], s);
    expect(p99).toMatchObject({ pass: false, observed: null, noData: true });
    expect(p99.message).toBe('no data: none of the 40 requests to "signup" succeeded (failures: 429 ×40); p99(signup, all) includes failures');
    expect(all).toMatchObject({ pass: true });
    expect(all.observed).toBeCloseTo(4, 1);
    expect(corrected).toMatchObject({ pass: false, noData: true });
  });

  it('reads a whole endpoint as no data in summaries written before success-only latency', () => {
    const legacy = makeSummary() as Summary;
    legacy.endpoints.signup = { ...legacy.endpoints.signup, errors: legacy.endpoints.signup.count };
    expect(evaluateThresholds(['p99(signup) < 5s'], legacy)[0]).toMatchObject({ pass: false, noData: true });
    expect(evaluateThresholds(['p99(signup, all) < 5s'], legacy)[0]).toMatchObject({ pass: true });
  });

  it('fails lostWrites when the audit checked nothing while writes were acknowledged', () => {
    const base = makeSummary() as Summary;
    const nothingChecked = { ...base, audit: { checkedWrites: 0, lostWrites: 0, unchecked: 57, acknowledged: { post: 40, follow: 17, comment: 0 } } };
    const [lost, path, est] = evaluateThresholds(['lostWrites == 0', 'audit.lostWrites == 0', 'audit.estimatedLostWrites == 0'], { ...nothingChecked, audit: { ...nothingChecked.audit, estimatedLostWrites: 0 } });
    expect(lost).toMatchObject({ pass: false, noData: true, message: 'no data: the audit checked none of the 57 acknowledged writes; 57 could not be checked' });
    expect(path).toMatchObject({ pass: false, noData: true });
    expect(est).toMatchObject({ pass: false, noData: true });
    // Skipped audits say so; with nothing acknowledged there was nothing to lose.
    expect(evaluateThresholds(['lostWrites == 0'], { ...base, audit: { checkedWrites: 0, lostWrites: 0, skipped: true } })[0].message).toBe('no data: the audit was skipped (no write was checked)');
    expect(evaluateThresholds(['lostWrites == 0'], { ...base, audit: { checkedWrites: 0, lostWrites: 0, acknowledged: { post: 0, follow: 0, comment: 0 } } })[0].pass).toBe(true);
    expect(evaluateThresholds(['lostWrites == 0'], base)[0].pass).toBe(true);
  });

  it('parses the all view and rejects what it does not apply to', () => {
    expect(parseThreshold('p99(signup, all) < 2s').figure.name).toBe('p99(signup, all)');
    expect(parseThreshold('corrected.p999( post ,all ) < 2s').figure.name).toBe('corrected.p999(post, all)');
    expect(() => parseThreshold('p99(signup, ok) < 2s')).toThrow(/col 13: expected "all" after ","/);
    expect(() => parseThreshold('rps(signup, all) > 2')).toThrow(/", all" applies to latency percentiles/);
  });

  it('shows no data in summary.md, junit.xml, report.html and the verdict line', () => {
    const s = finalizeSummary(refusedSignups(), ['p99(signup) < 2000ms', 'errors.rate < 50%']);
    expect(s.pass).toBe(false);
    const md = renderMarkdown(s);
    expect(md).toContain('| ✗ no data | `p99(signup) < 2000ms` | no data | no data: none of the 40 requests to "signup" succeeded (failures: 429 ×40); p99(signup, all) includes failures |');
    expect(md).toMatch(/thresholds failed \(1 with no data\)/);
    const junit = renderJunit(s);
    expect(junit).toMatch(/<testcase name="p99\(signup\) &lt; 2000ms"[^>]*>\s*<failure message="no data: none of the 40 requests to &quot;signup&quot; succeeded[^"]*" type="NoData">/);
    const html = renderHtml({ summary: s, timeline: makeTimeline({ seconds: 10 }) });
    expect(html).toContain('✗ no data');
    expect(html).toContain('no data: none of the 40 requests to &quot;signup&quot; succeeded');
    const line = renderVerdictLine(s, '/tmp/run');
    expect(line).toMatch(/^FAIL \(p99\(signup\) < 2000ms: no data: none of the 40 requests to "signup" succeeded/);
    expect(line.split('\n')).toHaveLength(1);
  });
});

describe('compare with no data', () => {
  it('marks a figure the baseline had and the run has no data for as worse, and fails a rule on it with the reason', () => {
    const baseline = makeSummary() as Summary;
    const run = refusedSignups();
    const cmp = compareSummaries(baseline, run, parseFailOn('p99(signup) +20%, p99(login) +20%'));
    const row = cmp.rows.find((r) => r.figure === 'p99(signup)')!;
    expect(row).toMatchObject({ current: null, worse: true, delta: null });
    expect(row.display.current).toBe('no data');
    expect(cmp.rules[0]).toMatchObject({ pass: false });
    expect(cmp.rules[0].message).toMatch(/^no data for p99\(signup\) in the run: none of the 40 requests to "signup" succeeded/);
    expect(cmp.rules[1].pass).toBe(true);
    expect(cmp.pass).toBe(false);
    expect(renderComparison(cmp, { baseline: 'a', current: 'b' })).toMatch(/p99\(signup\)\s+\S+\s+no data\s+—\s+worse \(no data\)/);
    // The other way round: a baseline without data checks nothing.
    const back = compareSummaries(run, baseline, parseFailOn('p99(signup) +20%'));
    expect(back.rules[0]).toMatchObject({ pass: true });
    expect(back.rules[0].message).toMatch(/^not checked: the baseline has no data for p99\(signup\)/);
  });
});
