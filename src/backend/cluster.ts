// `--workers N`: N backend processes (node:cluster) sharing one port, Postgres and Redis (DESIGN.md §5: stateless
// processes). The primary resolves the config once, forks the workers (each reads the token secret kept in the
// database, or the configured one, so every process signs tokens with the same secret), restarts one that dies
// (a bounded number of times per minute), and on close() asks each to drain and exit.
// Embedded PGlite and the in-memory cache live inside one process, so they refuse N > 1.
// This file is also the workers' entry: a forked process runs it with FLASHCROWD_CLUSTER_CONFIG set.
import cluster, { type Worker } from 'node:cluster';
import http from 'node:http';
import { AggregatorRegistry } from 'prom-client';
import { ConfigError, type BackendConfig } from './config.ts';

const CONFIG_ENV = 'FLASHCROWD_CLUSTER_CONFIG';
const MAX_RESTARTS_PER_MINUTE = 5;

export interface RunningCluster {
  url: string;
  port: number;
  workers: number;
  /**
   * The primary's Prometheus endpoint: every process's social_* metrics summed (counters, histograms, gauges), since
   * a scrape of `url`/metrics is answered by whichever single process accepts the connection.
   */
  metricsUrl: string;
  /** Asks every worker to close its backend (server, services, store, cache), then waits for them to exit. */
  close(): Promise<void>;
}

type WorkerMessage = { type: 'ready'; url: string; port: number } | { type: 'failed'; error: string } | { type: 'closed' };

/** Throws a ConfigError when the configuration cannot run in several processes. */
export function checkClusterConfig(config: BackendConfig): void {
  if (config.workers <= 1) return;
  const problems: string[] = [];
  if (config.db === 'embedded') {
    problems.push('the embedded database (PGlite) lives inside one process: use --db postgres://… with --workers > 1');
  }
  if (config.redis === 'memory') {
    problems.push('the in-memory cache is per process (timelines, rate limits, fan-out queue): use --redis redis://… with --workers > 1');
  }
  if (problems.length) throw new ConfigError(`--workers ${config.workers}: ${problems.join('; ')}`);
  clusterMetricsPort(config);
}

/** Forks config.workers processes and resolves when all of them listen on the shared port. */
export async function startCluster(config: BackendConfig, startTimeoutMs = 60_000): Promise<RunningCluster> {
  checkClusterConfig(config);
  if (!cluster.isPrimary) throw new Error('startCluster must run in the primary process');
  cluster.setupPrimary({
    exec: new URL(import.meta.url).pathname,
    // Workers load TypeScript sources through the same loader the CLI uses.
    execArgv: [...process.execArgv, '--import', import.meta.resolve('tsx/esm')],
  });

  let closing = false;
  const restarts: number[] = [];
  const env = { [CONFIG_ENV]: JSON.stringify(config) };

  const fork = (): Promise<{ worker: Worker; url: string; port: number }> => {
    const worker = cluster.fork(env);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`backend worker ${worker.id} did not start within ${startTimeoutMs} ms`)), startTimeoutMs);
      const early = (code: number) => {
        clearTimeout(timer);
        reject(new Error(`backend worker ${worker.id} exited (${code}) before it was ready`));
      };
      worker.once('exit', early);
      worker.on('message', (m: WorkerMessage) => {
        if (m.type === 'ready') clearTimeout(timer), worker.off('exit', early), resolve({ worker, url: m.url, port: m.port });
        if (m.type === 'failed') clearTimeout(timer), reject(new Error(`backend worker ${worker.id} failed to start: ${m.error}`));
      });
    });
  };

  const workers = new Set<Worker>();
  const supervise = (worker: Worker) => {
    workers.add(worker);
    worker.once('exit', (code, signal) => {
      workers.delete(worker);
      if (closing) return;
      const now = Date.now();
      while (restarts.length && now - restarts[0] > 60_000) restarts.shift();
      if (restarts.length >= MAX_RESTARTS_PER_MINUTE) {
        process.stderr.write(`flashcrowd backend: worker ${worker.id} exited (${signal ?? code}); restart limit reached, running with ${workers.size}\n`);
        return;
      }
      restarts.push(now);
      process.stderr.write(`flashcrowd backend: worker ${worker.id} exited (${signal ?? code}); starting a replacement\n`);
      fork().then(({ worker: w }) => supervise(w), (err: Error) => process.stderr.write(`flashcrowd backend: ${err.message}\n`));
    });
  };

  const closeAll = async () => {
    closing = true;
    await Promise.all(
      [...workers].map(
        (w) =>
          new Promise<void>((resolve) => {
            const kill = setTimeout(() => w.process.kill('SIGKILL'), 15_000);
            w.once('exit', () => (clearTimeout(kill), resolve()));
            if (w.isConnected()) w.send({ type: 'close' });
            else w.process.kill('SIGTERM');
          }),
      ),
    );
  };

  // The first worker picks the port (0 = free port); the rest share it, whatever config.port says.
  let first: { worker: Worker; url: string; port: number };
  try {
    first = await fork();
    supervise(first.worker);
    const rest = await Promise.all(Array.from({ length: config.workers - 1 }, () => fork()));
    for (const r of rest) supervise(r.worker);
  } catch (err) {
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGKILL');
    throw err;
  }
  let metrics: { url: string; close(): Promise<void> };
  try {
    metrics = await serveClusterMetrics(config.host, clusterMetricsPort(config));
  } catch (err) {
    await closeAll();
    throw err;
  }
  let closed: Promise<void> | undefined;
  return {
    url: first.url,
    port: first.port,
    workers: config.workers,
    metricsUrl: metrics.url,
    close: () => (closed ??= Promise.all([closeAll(), metrics.close()]).then(() => undefined)),
  };
}

/**
 * `surge.cluster.metricsPort` (validated with the rest of `surge` by surge-config.ts in every worker; read here
 * without it, so the primary does not load the detector's n-gram tables it never uses).
 */
function clusterMetricsPort(config: BackendConfig): number {
  const port = (config.surge.cluster as { metricsPort?: unknown } | undefined)?.metricsPort ?? 0;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new ConfigError('backend config: surge.cluster.metricsPort: expected a port number (0-65535)');
  }
  return port;
}

/** GET /metrics on the primary: the workers' registries, aggregated over IPC by prom-client's AggregatorRegistry. */
async function serveClusterMetrics(host: string, port: number): Promise<{ url: string; close(): Promise<void> }> {
  const aggregator = new AggregatorRegistry();
  const server = http.createServer((req, res) => {
    if (req.method !== 'GET' || req.url !== '/metrics') {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"code":"route_not_found","message":"GET /metrics"}}');
      return;
    }
    aggregator.clusterMetrics().then(
      (text) => res.writeHead(200, { 'content-type': aggregator.contentType }).end(text),
      (err: Error) => res.writeHead(503, { 'content-type': 'text/plain', 'retry-after': '1' }).end(`metrics unavailable: ${err.message}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as { port: number };
  const h = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${h}:${address.port}/metrics`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function runWorker(raw: string): Promise<void> {
  const send = (m: WorkerMessage) => process.send?.(m);
  try {
    const { startBackend } = await import('./launch.ts');
    const backend = await startBackend(JSON.parse(raw) as BackendConfig);
    // Answer the primary's metric requests with this process's registry (constructing the aggregator adds the listener).
    AggregatorRegistry.setRegistries([backend.app.metrics.registry]);
    new AggregatorRegistry();
    process.on('message', (m: { type?: string }) => {
      if (m?.type !== 'close') return;
      backend.close().finally(() => process.disconnect());
    });
    // The primary owns signals: a Ctrl-C reaches the whole process group, and the primary asks each worker to close.
    process.on('SIGINT', () => undefined);
    send({ type: 'ready', url: backend.url, port: backend.port });
  } catch (err) {
    send({ type: 'failed', error: String((err as Error)?.stack ?? err) });
    process.exitCode = 1;
    process.disconnect();
  }
}

if (!cluster.isPrimary && process.env[CONFIG_ENV]) await runWorker(process.env[CONFIG_ENV]);
