import { execFileSync, spawnSync } from 'node:child_process';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createMetricsPlugin, OUTCOMES } from '../../src/metrics/harness-metrics.ts';
import { ENDPOINTS } from '../../src/target/target.ts';
import type { FeedReadSample } from '../../src/run/events.ts';
import { parseExposition, valueOf } from './exposition.ts';
import { testContext } from './run-fixture.ts';

async function scrape(registry: Registry) {
  return parseExposition(await registry.metrics());
}

function feedRead(items: { lang: string; translated?: boolean }[], degraded?: string): FeedReadSample {
  return {
    readerId: 'u1',
    readerCohort: 'refugees',
    readerPrimaryLanguage: 'zh',
    readerLanguages: ['zh', 'en'],
    kind: 'discover',
    probe: false,
    firstPage: true,
    at: 1000,
    page: {
      nextCursor: null,
      degraded,
      items: items.map((it, i) => ({
        id: `p${i}`,
        authorId: 'a',
        createdAt: '2025-01-13T00:00:00Z',
        lang: it.lang,
        translation: it.translated ? { lang: 'zh', text: '...' } : undefined,
      })),
    },
  };
}

describe('metrics plugin', () => {
  it('exposes known label sets at zero from setup, with the run id on every series', async () => {
    const registry = new Registry();
    const plugin = createMetricsPlugin(registry, { runId: 'run-a' });
    await plugin.setup!(testContext());
    const samples = await scrape(registry);

    for (const s of samples) expect(s.labels.run_id, `${s.name} carries run_id`).toBe('run-a');
    const requests = samples.filter((s) => s.name === 'flashcrowd_requests_total');
    expect(requests).toHaveLength(ENDPOINTS.length * OUTCOMES.length);
    expect(requests.every((s) => s.value === 0)).toBe(true);
    expect(valueOf(samples, 'flashcrowd_arrivals_intended_total', { cohort: 'locals' })).toBe(0);
    expect(valueOf(samples, 'flashcrowd_run_info', { scenario: 'metrics-fixture', seed: '7' })).toBe(1);
    expect(valueOf(samples, 'flashcrowd_scenario_event_info', { event: 'second-shock', kind: 'shock' })).toBe(0);
    expect(valueOf(samples, 'flashcrowd_scenario_phase')).toBe(0);
  });

  it('defaults the run id to the scenario name and a UTC timestamp, exposing nothing before it is known', async () => {
    const registry = new Registry();
    const plugin = createMetricsPlugin(registry);
    plugin.observer!.onRequest!({ endpoint: 'signup', cohort: 'c', ok: true, intendedAt: 0, startedAt: 0, endedAt: 3 });
    expect(await scrape(registry)).toEqual([]);
    await plugin.setup!(testContext());
    expect(plugin.runId).toMatch(/^metrics-fixture-\d{8}T\d{6}Z$/);
    const samples = await scrape(registry);
    expect(valueOf(samples, 'flashcrowd_requests_total', { endpoint: 'signup', outcome: 'ok', run_id: plugin.runId! })).toBe(1);
  });

  it('counts arrivals, lag, requests by outcome and both latency histograms', async () => {
    const registry = new Registry();
    const plugin = createMetricsPlugin(registry, { runId: 'r' });
    const ctx = testContext();
    await plugin.setup!(ctx);
    plugin.start!(ctx);
    const o = plugin.observer!;
    o.onArrival!({ cohort: 'refugees', intendedAt: 0, outcome: 'started', startedAt: 3 });
    o.onArrival!({ cohort: 'refugees', intendedAt: 10, outcome: 'started', startedAt: 10 });
    o.onArrival!({ cohort: 'refugees', intendedAt: 20, outcome: 'dropped' });
    o.onSessionStart!('refugees', 3);
    o.onSessionStart!('refugees', 10);
    o.onSessionEnd!('refugees', 50);
    // service time 1 ms exactly (bucket bounds are inclusive), corrected 41 ms
    o.onRequest!({ endpoint: 'signup', cohort: 'refugees', ok: true, status: 201, intendedAt: 0, startedAt: 40, endedAt: 41 });
    o.onRequest!({ endpoint: 'signup', cohort: 'refugees', ok: false, errorKind: 'http_5xx', status: 503, intendedAt: 0, startedAt: 0, endedAt: 700 });
    o.onRequest!({ endpoint: 'post', cohort: 'refugees', ok: false, intendedAt: 0, startedAt: 0, endedAt: 5 });

    const s = await scrape(registry);
    expect(valueOf(s, 'flashcrowd_arrivals_intended_total', { cohort: 'refugees' })).toBe(3);
    expect(valueOf(s, 'flashcrowd_arrivals_started_total', { cohort: 'refugees' })).toBe(2);
    expect(valueOf(s, 'flashcrowd_arrivals_dropped_total', { cohort: 'refugees' })).toBe(1);
    expect(valueOf(s, 'flashcrowd_sessions_active', { cohort: 'refugees' })).toBe(1);
    expect(valueOf(s, 'flashcrowd_schedule_lag_seconds_count')).toBe(2);
    expect(valueOf(s, 'flashcrowd_schedule_lag_seconds_bucket', { le: '0.002' })).toBe(1); // lag 0 only
    expect(valueOf(s, 'flashcrowd_schedule_lag_seconds_bucket', { le: '0.005' })).toBe(2); // and lag 3 ms
    expect(valueOf(s, 'flashcrowd_requests_total', { endpoint: 'signup', outcome: 'ok' })).toBe(1);
    expect(valueOf(s, 'flashcrowd_requests_total', { endpoint: 'signup', outcome: 'http_5xx' })).toBe(1);
    expect(valueOf(s, 'flashcrowd_requests_total', { endpoint: 'post', outcome: 'other' })).toBe(1);

    const bucket = (name: string, le: string) => valueOf(s, `${name}_bucket`, { endpoint: 'signup', le });
    expect(bucket('flashcrowd_request_duration_seconds', '0.001')).toBe(1);
    expect(bucket('flashcrowd_request_duration_seconds', '0.5')).toBe(1);
    expect(bucket('flashcrowd_request_duration_seconds', '1')).toBe(2);
    expect(bucket('flashcrowd_request_duration_seconds', '+Inf')).toBe(2);
    expect(bucket('flashcrowd_request_corrected_duration_seconds', '0.02')).toBe(0);
    expect(bucket('flashcrowd_request_corrected_duration_seconds', '0.05')).toBe(1);
    expect(valueOf(s, 'flashcrowd_request_duration_seconds_sum', { endpoint: 'signup' })).toBeCloseTo(0.701, 9);
    expect(valueOf(s, 'flashcrowd_request_corrected_duration_seconds_count', { endpoint: 'signup' })).toBe(2);
  });

  it('classifies feed items against the reader and counts degraded responses', async () => {
    const registry = new Registry();
    const plugin = createMetricsPlugin(registry, { runId: 'r' });
    await plugin.setup!(testContext());
    const o = plugin.observer!;
    o.onFeedRead!(feedRead([{ lang: 'zh' }, { lang: 'zh-Hans' }, { lang: 'en', translated: true }, { lang: 'en-mixed' }, { lang: 'es' }]));
    o.onFeedRead!(feedRead([{ lang: 'en' }], 'ranker-fallback'));
    o.onFeedRead!(feedRead([], 'some-policy-of-their-own'));

    const s = await scrape(registry);
    const items = (c: string) => valueOf(s, 'flashcrowd_feed_items_total', { kind: 'discover', language: 'zh', class: c });
    expect(items('native')).toBe(2);
    expect(items('readable_foreign')).toBe(3);
    expect(items('unreadable')).toBe(1);
    expect(valueOf(s, 'flashcrowd_feed_translated_items_total', { kind: 'discover', language: 'zh' })).toBe(1);
    const reads = (d: string) => valueOf(s, 'flashcrowd_feed_reads_total', { kind: 'discover', language: 'zh', degraded: d });
    expect(reads('none')).toBe(1);
    expect(reads('ranker-fallback')).toBe(1);
    expect(reads('other')).toBe(1);
    expect(valueOf(s, 'flashcrowd_feed_reads_total', { kind: 'following', language: 'zh', degraded: 'none' })).toBe(0);
  });

  it('records scenario events with their wall-clock time and advances the phase', async () => {
    const registry = new Registry();
    const plugin = createMetricsPlugin(registry, { runId: 'r' });
    const ctx = testContext();
    await plugin.setup!(ctx);
    plugin.start!(ctx);
    const before = Date.now();
    plugin.observer!.onEvent!({ at: ctx.now(), name: 'second-shock', kind: 'shock' });
    const s = await scrape(registry);
    expect(valueOf(s, 'flashcrowd_scenario_event_info', { event: 'second-shock' })).toBe(1);
    expect(valueOf(s, 'flashcrowd_scenario_event_info', { event: 'translation-launch' })).toBe(0);
    const ts = valueOf(s, 'flashcrowd_scenario_event_timestamp_seconds', { event: 'second-shock' });
    expect(Math.abs(ts * 1000 - before)).toBeLessThan(1000);
    expect(valueOf(s, 'flashcrowd_scenario_phase')).toBe(1);
    expect(valueOf(s, 'flashcrowd_planned_arrival_rate', { cohort: 'refugees' })).toBe(5);
  });

  it('copies feed-quality snapshots into gauges and tolerates a missing, throwing or odd source', async () => {
    for (const feedSnapshot of [undefined, () => { throw new Error('not yet'); }, () => 'nonsense', () => ({ byLanguage: [1, 2] })]) {
      const registry = new Registry();
      const plugin = createMetricsPlugin(registry, { runId: 'r', feedSnapshot });
      await plugin.setup!(testContext());
      const s = await scrape(registry);
      expect(s.filter((x) => x.name === 'flashcrowd_feed_freshness_seconds')).toEqual([]);
    }

    let lost = 0;
    const registry = new Registry();
    const plugin = createMetricsPlugin(registry, {
      runId: 'r',
      feedSnapshot: () => ({
        freshnessSec: { p50: 1.5, p95: 4, p99: 9 },
        recallAtK: { k: 20, mean: 0.97, p5: 0.8 },
        languageMatch: { zh: 0.9, en: 1, 'not a language!': 0.1 },
        foreignShare: { zh: 0.6, en: 0.05 },
        translationCoverage: 0.4,
        moderationLagSec: { p50: 2, p95: 30 },
        degradedShare: null,
        byLanguage: { zh: { freshnessSec: { p95: 6 }, recallAtK: { mean: 0.9 }, degradedShare: 0.25 } },
        audit: { checkedWrites: 10, lostWrites: lost },
      }),
    });
    await plugin.setup!(testContext());
    let s = await scrape(registry);
    expect(valueOf(s, 'flashcrowd_feed_freshness_seconds', { language: 'all', percentile: 'p95' })).toBe(4);
    expect(valueOf(s, 'flashcrowd_feed_freshness_seconds', { language: 'zh', percentile: 'p95' })).toBe(6);
    expect(valueOf(s, 'flashcrowd_feed_recall_ratio', { language: 'all' })).toBe(0.97);
    expect(valueOf(s, 'flashcrowd_feed_recall_p5_ratio', { language: 'all' })).toBe(0.8);
    expect(valueOf(s, 'flashcrowd_feed_recall_ratio', { language: 'zh' })).toBe(0.9);
    expect(valueOf(s, 'flashcrowd_feed_language_match_ratio', { language: 'zh' })).toBe(0.9);
    expect(s.filter((x) => x.name === 'flashcrowd_feed_language_match_ratio')).toHaveLength(2);
    expect(valueOf(s, 'flashcrowd_feed_foreign_share_ratio', { language: 'zh' })).toBe(0.6);
    expect(valueOf(s, 'flashcrowd_translation_coverage_ratio', { language: 'all' })).toBe(0.4);
    expect(valueOf(s, 'flashcrowd_moderation_lag_seconds', { percentile: 'p95' })).toBe(30);
    expect(valueOf(s, 'flashcrowd_feed_degraded_ratio', { language: 'zh' })).toBe(0.25);
    expect(s.filter((x) => x.name === 'flashcrowd_feed_degraded_ratio')).toHaveLength(1);
    expect(valueOf(s, 'flashcrowd_audit_lost_writes')).toBe(0);
    lost = 3; // polled again on the next scrape
    s = await scrape(registry);
    expect(valueOf(s, 'flashcrowd_audit_lost_writes')).toBe(3);
  });

  it('produces exposition that promtool accepts', async () => {
    const hasPromtool = spawnSync('which', ['promtool']).status === 0;
    if (!hasPromtool) {
      if (process.env.FLASHCROWD_REQUIRE_PROMETHEUS === '1') throw new Error('promtool is required (FLASHCROWD_REQUIRE_PROMETHEUS=1)');
      console.warn('[skip] promtool not installed');
      return;
    }
    const registry = new Registry();
    const plugin = createMetricsPlugin(registry, { runId: 'lint', feedSnapshot: () => ({ freshnessSec: { p50: 1 } }) });
    const ctx = testContext();
    await plugin.setup!(ctx);
    plugin.start!(ctx);
    plugin.observer!.onRequest!({ endpoint: 'feed_discover', cohort: 'locals', ok: true, intendedAt: 0, startedAt: 0, endedAt: 12 });
    plugin.observer!.onFeedRead!(feedRead([{ lang: 'en' }]));
    // promtool prints lint findings (naming, units) and exits non-zero on any.
    const out = execFileSync('promtool', ['check', 'metrics'], { input: await registry.metrics(), encoding: 'utf8' });
    expect(out).toBe('');
  });
});
