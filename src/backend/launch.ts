// Programmatic entry for the harness's launcher, the demo and tests: start a backend, get its URL, close it.
import type { FastifyInstance } from 'fastify';
import { resolveConfig, type BackendConfigInput, type ServingConfig } from './config.ts';
import { buildServer, type BuildOptions } from './server.ts';

export interface RunningBackend {
  url: string;
  port: number;
  /** The resolved config, with the token secret the backend serves with (configured or kept in its database). */
  config: ServingConfig;
  /** The Fastify instance (tests use app.inject). */
  app: FastifyInstance;
  /** Ends everything: server, services, store (pool or PGlite), cache (Redis). */
  close(): Promise<void>;
}

/** Defaults: 127.0.0.1, a free port (0), embedded database, in-memory cache, quiet logs. */
export async function startBackend(options: BackendConfigInput = {}, runtime: BuildOptions = {}): Promise<RunningBackend> {
  const config = resolveConfig({ port: 0, logLevel: 'warn' }, options);
  const app = await buildServer(config, runtime);
  try {
    await app.listen({ host: config.host, port: config.port });
  } catch (err) {
    await app.close();
    throw err;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${port}`,
    port,
    config: app.backendConfig,
    app,
    close: () => (closing ??= app.close().then(() => undefined)),
  };
}

export type { BackendConfig, BackendConfigInput, ServingConfig } from './config.ts';
