// blast against small local servers: exact arrival counts at a fixed rate, coordinated-omission correction
// through a stall, and failure classification. Traffic goes only to 127.0.0.1 and is bounded.
import http from 'node:http';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { runBlast } from '../../src/raw-load/blast/blast.ts';

const servers: http.Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => (s.closeAllConnections(), s.close(r)))));
});

async function serve(handler: http.RequestListener): Promise<string> {
  const server = http.createServer({ keepAliveTimeout: 10_000 }, handler);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as net.AddressInfo).port}/`;
}

async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

describe('blast', () => {
  it('sends exactly rate x duration requests at a fixed rate below capacity', async () => {
    let received = 0;
    const url = await serve((req, res) => {
      received++;
      res.end('ok');
    });
    const r = await runBlast({ url, rate: 200, durationSec: 1.5, connections: 4 });
    expect(r.requests).toBe(300);
    expect(received).toBe(300);
    expect(r.errors).toBe(0);
    expect(r.dropped).toBe(0);
    expect(r.statusCodes).toEqual({ '200': 300 });
    expect(r.intendedRate).toBe(200);
  });

  it('charges a stall to the requests that waited for it (corrected), not only to those in flight', async () => {
    const stallFrom = Date.now() + 500;
    const stallMs = 400;
    const url = await serve((req, res) => {
      const now = Date.now();
      const wait = now >= stallFrom && now < stallFrom + stallMs ? stallFrom + stallMs - now : 0;
      setTimeout(() => res.end('ok'), wait);
    });
    // 2 connections: during the stall both are held, so later arrivals queue in the backlog.
    const r = await runBlast({ url, rate: 100, durationSec: 1.5, connections: 2 });
    expect(r.requests).toBe(150);
    expect(r.errors).toBe(0);
    // ~40 of 150 arrivals fall in the stall: their corrected latency spreads over 0..400 ms.
    expect(r.correctedLatencyMs.max).toBeGreaterThanOrEqual(stallMs * 0.8);
    expect(r.correctedLatencyMs.p90).toBeGreaterThan(100);
    // Only the two requests in flight when the stall began saw it as service time.
    expect(r.latencyMs.p90).toBeLessThan(r.correctedLatencyMs.p90 / 2);
  });

  it('counts arrivals beyond the backlog as dropped instead of delaying them silently', async () => {
    const url = await serve((req, res) => {
      setTimeout(() => res.end('slow'), 300);
    });
    const r = await runBlast({ url, rate: 200, durationSec: 1, connections: 1, maxBacklog: 10, timeoutMs: 2000 });
    expect(r.dropped).toBeGreaterThan(100);
    expect(r.requests + r.dropped).toBeLessThanOrEqual(200);
    expect(r.requests).toBeGreaterThan(0);
  });

  it('classifies refused connections and 5xx responses', async () => {
    const port = await closedPort();
    const refused = await runBlast({ url: `http://127.0.0.1:${port}/`, rate: 50, durationSec: 0.5, connections: 2, maxBacklog: 5 });
    expect(refused.requests).toBe(0);
    expect(refused.errorsByKind.connect_refused).toBeGreaterThan(0);
    expect(refused.dropped).toBeGreaterThan(0);

    const url = await serve((req, res) => {
      res.statusCode = 503;
      res.end('busy');
    });
    const r = await runBlast({ url, rate: 100, durationSec: 0.5, connections: 2 });
    expect(r.requests).toBe(50);
    expect(r.errors).toBe(50);
    expect(r.errorsByKind).toEqual({ http_5xx: 50 });
  });
});
