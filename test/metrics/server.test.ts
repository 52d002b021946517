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
    const server = await startMetricsServer({ port: 0, registry });
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
