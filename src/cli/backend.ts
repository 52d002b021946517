// `flashcrowd backend`: run the reference social backend until SIGINT/SIGTERM.
import { parseArgs } from 'node:util';
import type { Command } from './command.ts';
import { EXIT_OK, UsageError } from '../errors/exit-codes.ts';
import { ConfigError, loadConfigFile, resolveConfig, type BackendConfig, type BackendConfigInput } from '../backend/config.ts';
import { startBackend } from '../backend/launch.ts';
import { rotateTokenSecret, TokenSecretRotationError } from '../backend/auth/token-secret.ts';
import { checkClusterConfig, startCluster } from '../backend/cluster.ts';
import { resolveSurgeConfig } from '../backend/surge-config.ts';
import { ContainerRuntimeUnavailable, StackUsageError, startContainerStack, takeStackFlag, type ContainerStack } from '../stack/containers.ts';

const usage = `Usage: flashcrowd backend [options]

Runs the reference social backend (the API of DESIGN.md §4) until SIGINT/SIGTERM, then closes gracefully.
Prints its URL on stdout.

Options:
  --port N             port to listen on (default 8080; 0 picks a free port)
  --host ADDR          address to bind (default 127.0.0.1)
  --db DB              'embedded' (PGlite in memory, default) or postgres://user@host:5432/db
  --schema NAME        Postgres schema for the tables (default public; created if missing)
  --pool-size N        Postgres connection pool size (default 20)
  --redis R            'memory' (in-process, default) or redis://host:6379
  --scrypt-cost N      scrypt N for password hashing, a power of two (default 16384)
  --token-secret S     HMAC secret for bearer tokens (at least 16 characters). Default: generated
                       once and kept in the database, so restarts and replicas on the same database
                       accept each other's tokens (an in-memory embedded database: new per start)
  --rotate-token-secret
                       replace the secret kept in the database (--db, --schema or the config file's
                       embeddedDataDir) with a new random one and exit without serving; every token
                       issued before is then rejected (401) once the backend processes restart
  --trust-proxy        take the client address from X-Forwarded-For (rate limits per client IP)
  --log-level L        fatal|error|warn|info|debug|trace|silent (default info)
  --log-requests       one log line per request
  --workers N          processes sharing the port (default 1; above 1 needs --db postgres://… and
                       --redis redis://…)
  --config FILE        JSON file with any config key (see docs/backend.md); flags win over it
  --stack containers   start a throwaway Postgres and Redis with testcontainers (needs Docker or
                       Podman; removed on exit) and use them instead of --db/--redis
  -h, --help           this help
`;

const OPTIONS = {
  port: { type: 'string' },
  host: { type: 'string' },
  db: { type: 'string' },
  schema: { type: 'string' },
  'pool-size': { type: 'string' },
  redis: { type: 'string' },
  'scrypt-cost': { type: 'string' },
  'token-secret': { type: 'string' },
  'rotate-token-secret': { type: 'boolean' },
  'trust-proxy': { type: 'boolean' },
  'log-level': { type: 'string' },
  'log-requests': { type: 'boolean' },
  workers: { type: 'string' },
  config: { type: 'string' },
} as const;

function integer(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new UsageError(`--${flag} must be a non-negative integer, got '${value}'`);
  return Number(value);
}

/** Flags -> config layer; a flag not given stays undefined so the config file's value survives. */
export function parseBackendFlags(argv: string[]): { layer: BackendConfigInput; configFile?: string; rotateTokenSecret: boolean } {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: false }));
  } catch (err) {
    throw new UsageError(`${(err as Error).message}\n\n${usage}`);
  }
  const layer: BackendConfigInput = {
    port: integer('port', values.port),
    host: values.host,
    db: values.db,
    schema: values.schema,
    poolSize: integer('pool-size', values['pool-size']),
    redis: values.redis,
    scryptCost: integer('scrypt-cost', values['scrypt-cost']),
    tokenSecret: values['token-secret'],
    trustProxy: values['trust-proxy'],
    logLevel: values['log-level'] as BackendConfig['logLevel'] | undefined,
    logRequests: values['log-requests'],
    workers: integer('workers', values.workers),
  };
  return { layer, configFile: values.config, rotateTokenSecret: values['rotate-token-secret'] ?? false };
}

export function backendConfigFromArgs(argv: string[]): BackendConfig {
  const { layer, configFile } = parseBackendFlags(argv);
  try {
    const fileLayer = configFile ? loadConfigFile(configFile) : undefined;
    const config = resolveConfig(fileLayer, layer);
    resolveSurgeConfig(config.surge); // every bad surge knob is a usage error before anything starts
    return config;
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageError(err.message);
    throw err;
  }
}

function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (signal: NodeJS.Signals) => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      resolve(signal);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}

const command: Command = {
  name: 'backend',
  summary: 'run the reference social backend (Fastify on PGlite or Postgres, Redis or in-memory cache)',
  usage,
  async run(argv) {
    const containers = await startStackIfAsked(argv);
    try {
      return await runBackend(containers ? [...containers.rest, '--db', containers.stack.databaseUrl, '--redis', containers.stack.redisUrl] : argv);
    } finally {
      await containers?.stack.close();
    }
  },
};

/** `--stack containers`: Postgres and Redis through testcontainers; no runtime -> a usage error (exit 2). */
async function startStackIfAsked(argv: string[]): Promise<{ stack: ContainerStack; rest: string[] } | undefined> {
  let taken;
  try {
    taken = takeStackFlag(argv);
  } catch (err) {
    if (err instanceof StackUsageError) throw new UsageError(err.message);
    throw err;
  }
  if (!taken.stack) return undefined;
  try {
    const stack = await startContainerStack({ log: (line) => process.stderr.write(`flashcrowd backend: ${line}\n`) });
    return { stack, rest: taken.rest };
  } catch (err) {
    if (err instanceof ContainerRuntimeUnavailable) throw new UsageError(err.message);
    throw err;
  }
}

/** The backend until SIGINT/SIGTERM (or, with --rotate-token-secret, a new stored token secret and exit). */
async function runBackend(argv: string[]): Promise<number> {
  const config = backendConfigFromArgs(argv);
  if (parseBackendFlags(argv).rotateTokenSecret) return rotate(config);
  let backend: { url: string; close(): Promise<void> };
  if (config.workers > 1) {
    try {
      checkClusterConfig(config);
    } catch (err) {
      if (err instanceof ConfigError) throw new UsageError(err.message);
      throw err;
    }
    const running = await startCluster(config);
    process.stderr.write(`flashcrowd backend: metrics of all ${config.workers} processes, summed: ${running.metricsUrl}\n`);
    backend = running;
  } else {
    backend = await startBackend(config);
  }
  const db = config.db === 'embedded' ? 'embedded (PGlite)' : new URL(config.db).host;
  const cache = config.redis === 'memory' ? 'in-memory' : new URL(config.redis).host;
  process.stdout.write(`${backend.url}\n`);
  const procs = config.workers > 1 ? `, ${config.workers} processes` : '';
  process.stderr.write(`flashcrowd backend: listening on ${backend.url} (db: ${db}, schema: ${config.schema}, cache: ${cache}${procs}); Ctrl-C stops\n`);
  const signal = await untilSignal();
  process.stderr.write(`flashcrowd backend: ${signal}, closing\n`);
  await backend.close();
  return EXIT_OK;
}

/** `--rotate-token-secret`: never prints the secret (it would end up in terminals and CI logs). */
async function rotate(config: BackendConfig): Promise<number> {
  try {
    await rotateTokenSecret(config);
  } catch (err) {
    if (err instanceof TokenSecretRotationError) throw new UsageError(`--rotate-token-secret: ${err.message}`);
    throw err;
  }
  const where = config.db === 'embedded' ? `embedded database ${config.embeddedDataDir}` : `${new URL(config.db).host}, schema ${config.schema}`;
  process.stderr.write(
    `flashcrowd backend: token secret rotated (${where}). Restart every backend process on this database: ` +
      'tokens issued before are rejected with 401 invalid_token, so clients log in again.\n',
  );
  return EXIT_OK;
}

export default command;
