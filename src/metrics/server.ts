// Serves a prom-client Registry at /metrics for `flashcrowd run --metrics-port` (and the tests' Prometheus).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export interface MetricsServerOptions {
  /** 0 picks a free port. */
  port: number;
  /**
   * Default: $FLASHCROWD_METRICS_HOST, else 127.0.0.1. In a container whose metrics another container scrapes
   * (docker-compose.yml), set FLASHCROWD_METRICS_HOST=0.0.0.0.
   */
  host?: string;
  registry: Registry;
  /**
   * When something has scraped this server, close() waits up to this long for one more scrape, so the figures set
   * at the end of a run (audit, pass) reach Prometheus. Default 5000; 0 closes at once. Never waits if nothing
   * ever scraped.
   */
  finalScrapeWaitMs?: number;
}

export interface MetricsServer {
  /** e.g. http://127.0.0.1:9464/metrics */
  url: string;
  port: number;
  /** Number of /metrics responses served. */
  readonly scrapes: number;
  close(): Promise<void>;
}

export async function startMetricsServer({
  port,
  host = process.env.FLASHCROWD_METRICS_HOST || '127.0.0.1',
  registry,
  finalScrapeWaitMs = 5_000,
}: MetricsServerOptions): Promise<MetricsServer> {
  let scrapes = 0;
  let onScrape: (() => void) | undefined;
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('flashcrowd metrics: see /metrics\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('method not allowed\n');
      return;
    }
    registry.metrics().then(
      (body) => {
        res.writeHead(200, { 'content-type': registry.contentType });
        res.end(req.method === 'HEAD' ? undefined : body, () => {
          scrapes++;
          onScrape?.();
        });
      },
      (err: unknown) => {
        res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics collection failed: ${String(err)}\n`);
      },
    );
  });
  // A scraper's keep-alive connection must not hold close() open.
  server.keepAliveTimeout = 5_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const hostPart = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  const finalScrape = async () => {
    if (scrapes === 0 || finalScrapeWaitMs <= 0) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, finalScrapeWaitMs);
      onScrape = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    onScrape = undefined;
  };
  let closing: Promise<void> | undefined;
  return {
    url: `http://${hostPart}:${address.port}/metrics`,
    port: address.port,
    get scrapes() {
      return scrapes;
    },
    close: () =>
      (closing ??= finalScrape().then(
        () =>
          new Promise<void>((resolve, reject) => {
            server.close((err) => (err ? reject(err) : resolve()));
            server.closeAllConnections();
          }),
      )),
  };
}
