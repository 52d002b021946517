import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createMetricsPlugin } from '../../src/metrics/harness-metrics.ts';
import { startMetricsServer } from '../../src/metrics/server.ts';
import { parseExposition, valueOf } from './exposition.ts';

describe('metrics server', () => {
  it('serves the registry at /metrics on loopback and closes with a scraper connected', async () => {
    const registry = new Registry();
    const plugin = createMetricsPlugin(registry, { runId: 'srv' });
    plugin.observer!.onArrival!({ cohort: 'c', intendedAt: 0, outcome: 'dropped' });
    const server = await startMetricsServer({ port: 0, registry, finalScrapeWaitMs: 0 });
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
      const res = await fetch(server.url);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/plain; version=0.0.4');
      const samples = parseExposition(await res.text());
      expect(valueOf(samples, 'flashcrowd_arrivals_dropped_total', { cohort: 'c', run_id: 'srv' })).toBe(1);

      const other = await fetch(server.url.replace('/metrics', '/'));
      expect(other.status).toBe(404);
      await other.text();
      const post = await fetch(server.url, { method: 'POST' });
      expect(post.status).toBe(405);
      await post.text();
    } finally {
      await server.close();
    }
    await expect(fetch(server.url)).rejects.toThrow();
  });

  it('reports a port in use as an error', async () => {
    const registry = new Registry();
    const a = await startMetricsServer({ port: 0, registry });
    try {
      await expect(startMetricsServer({ port: a.port, registry })).rejects.toThrow(/EADDRINUSE/);
    } finally {
      await a.close();
    }
  });
});

describe('metrics server final scrape', () => {
  it('closes at once when nothing ever scraped it', async () => {
    const server = await startMetricsServer({ port: 0, registry: new Registry(), finalScrapeWaitMs: 10_000 });
    const t = performance.now();
    await server.close();
    expect(performance.now() - t).toBeLessThan(1_000);
  });

  it('waits for one more scrape after close() once a scraper is around, so final figures are collected', async () => {
    const registry = new Registry();
    const plugin = createMetricsPlugin(registry, { runId: 'final' });
    const server = await startMetricsServer({ port: 0, registry, finalScrapeWaitMs: 10_000 });
    await (await fetch(server.url)).text();
    expect(server.scrapes).toBe(1);

    let closed = false;
    const closing = server.close().then(() => (closed = true));
    // The run's last figures are set after close() was asked for; the pending scrape still sees them.
    plugin.observer!.onArrival!({ cohort: 'late', intendedAt: 0, outcome: 'dropped' });
    await new Promise((r) => setTimeout(r, 100));
    expect(closed).toBe(false);
    const text = await (await fetch(server.url)).text();
    expect(valueOf(parseExposition(text), 'flashcrowd_arrivals_dropped_total', { cohort: 'late' })).toBe(1);
    await closing;
    expect(server.scrapes).toBe(2);
  });
});
