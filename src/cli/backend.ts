// `flashcrowd backend`: run the reference social backend until SIGINT/SIGTERM.
import type { Command } from './command.ts';
import { EXIT_OK, UsageError } from '../errors/exit-codes.ts';
import { flagHelp, parseFlags, type FlagSpecs } from './flags.ts';
import { PORT, WORKERS } from '../scenario/limits.ts';
import { ConfigError, loadConfigFile, resolveConfig, type BackendConfig, type BackendConfigInput } from '../backend/config.ts';
import { startBackend } from '../backend/launch.ts';
import { rotateTokenSecret, TokenSecretRotationError } from '../backend/auth/token-secret.ts';
import { checkClusterConfig, startCluster } from '../backend/cluster.ts';
import { resolveSurgeConfig } from '../backend/surge-config.ts';
import { ContainerRuntimeUnavailable, StackUsageError, startContainerStack, takeStackFlag, type ContainerStack } from '../stack/containers.ts';

const WHOLE = { what: 'a whole number', min: 0, integer: true } as const;

const FLAGS = {
  port: { type: 'number', range: PORT, help: 'port to listen on (default 8080; 0 picks a free port)' },
  host: { type: 'string', placeholder: 'ADDR', help: 'address to bind (default 127.0.0.1)' },
  db: { type: 'string', placeholder: 'DB', help: "'embedded' (PGlite in memory, default) or postgres://user@host:5432/db" },
  schema: { type: 'string', placeholder: 'NAME', help: 'Postgres schema for the tables (default public; created if missing)' },
  'pool-size': { type: 'number', range: { ...WHOLE, min: 1 }, help: 'Postgres connection pool size (default 20)' },
  redis: { type: 'string', placeholder: 'R', help: "'memory' (in-process, default) or redis://host:6379" },
  'scrypt-cost': { type: 'number', range: { ...WHOLE, min: 2 }, help: 'scrypt N for password hashing, a power of two (default 16384)' },
  'token-secret': {
    type: 'string',
    placeholder: 'S',
    help: "HMAC secret for bearer tokens (at least 16 characters). Default: generated\nonce and kept in the database, so restarts and replicas on the same database\naccept each other's tokens (an in-memory embedded database: new per start)",
  },
  'rotate-token-secret': {
    type: 'boolean',
    help: "replace the secret kept in the database (--db, --schema or the config file's\nembeddedDataDir) with a new random one and exit without serving; every token\nissued before is then rejected (401) once the backend processes restart",
  },
  'trust-proxy': { type: 'boolean', help: 'take the client address from X-Forwarded-For (rate limits per client IP)' },
  'log-level': { type: 'string', placeholder: 'L', choices: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], help: 'fatal|error|warn|info|debug|trace|silent (default info)' },
  'log-requests': { type: 'boolean', help: 'one log line per request' },
  workers: { type: 'number', range: WORKERS, help: 'processes sharing the port (default 1; above 1 needs --db postgres://… and\n--redis redis://…)' },
  config: { type: 'string', placeholder: 'FILE', help: 'JSON file with any config key (see docs/backend.md); flags win over it' },
} as const satisfies FlagSpecs;

const usage = `Usage: flashcrowd backend [options]

Runs the reference social backend (the API of DESIGN.md §4) until SIGINT/SIGTERM, then closes gracefully.
Prints its URL on stdout.

Options:
${flagHelp(FLAGS)}
  --stack containers  start a throwaway Postgres and Redis with testcontainers (needs Docker or
                      Podman; removed on exit) and use them instead of --db/--redis
  -h, --help          this help
`;

/** Flags -> config layer; a flag not given stays undefined so the config file's value survives. */
export function parseBackendFlags(argv: string[]): { layer: BackendConfigInput; configFile?: string; rotateTokenSecret: boolean } {
  const { values } = parseFlags(argv, FLAGS, usage, { name: 'argument', min: 0, max: 0 });
  const layer: BackendConfigInput = {
    port: values.port,
    host: values.host,
    db: values.db,
    schema: values.schema,
    poolSize: values['pool-size'],
    redis: values.redis,
    scryptCost: values['scrypt-cost'],
    tokenSecret: values['token-secret'],
    trustProxy: values['trust-proxy'] || undefined,
    logLevel: values['log-level'] as BackendConfig['logLevel'] | undefined,
    logRequests: values['log-requests'] || undefined,
    workers: values.workers,
  };
  return { layer, configFile: values.config, rotateTokenSecret: values['rotate-token-secret'] };
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
  // A client library that rejects a promise nobody awaits (ioredis flushing its queue when Redis is unreachable)
  // must not take the whole service down: say so on stderr and keep serving; the failing requests already answer 503.
  process.on('unhandledRejection', (reason) => {
    process.stderr.write(`flashcrowd backend: unhandled rejection (still serving): ${(reason as Error)?.message ?? String(reason)}\n`);
  });
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
