// A throwaway Postgres + Redis for one backend or one run (`--stack containers`), through testcontainers: CI
// pipelines with a Docker engine get real services without a compose file, and everything is removed on close()
// (testcontainers' Ryuk reaper also removes the containers if this process dies).
//
// Without a reachable container runtime we fail at once with what to do instead: testcontainers finds no runtime
// strategy within milliseconds, and the check is bounded by a timeout anyway, so nothing hangs.

export const POSTGRES_IMAGE = 'postgres:16-alpine';
export const REDIS_IMAGE = 'redis:7-alpine';

export interface ContainerStack {
  /** postgres://… reachable from this host. */
  databaseUrl: string;
  /** redis://… reachable from this host. */
  redisUrl: string;
  /** Stops and removes both containers. Safe to call twice. */
  close(): Promise<void>;
}

/** The flags a command offers instead of --stack (backend: --db/--redis; run: --backend-db/--backend-redis). */
export interface AlternativeFlags {
  db: string;
  redis: string;
  /** run also takes --target: an already running system under test. */
  target?: boolean;
}

/** No container runtime: the message names the alternatives (the CLI prints it and exits 2). */
export class ContainerRuntimeUnavailable extends Error {
  constructor(
    readonly reason: string,
    flags: AlternativeFlags = { db: '--db', redis: '--redis' },
  ) {
    const lines = [
      `  ${flags.db} postgres://user@127.0.0.1:5432/db ${flags.redis} redis://127.0.0.1:6379   your own Postgres and Redis`,
      `  ${flags.db} embedded   PGlite in-process (the default), in-memory cache`,
      '  docker compose up -d postgres redis   the services of docker-compose.yml (then the first line)',
    ];
    if (flags.target) lines.push('  --target http://127.0.0.1:8080   a backend that is already running');
    super(
      `--stack containers needs a container runtime (Docker or Podman), and none is reachable: ${reason}\n` +
        `Alternatives:\n${lines.join('\n')}\n` +
        'Set DOCKER_HOST if your engine listens somewhere else than the default socket.',
    );
    this.name = 'ContainerRuntimeUnavailable';
  }
}

/** Resolves when a container runtime answers; throws ContainerRuntimeUnavailable otherwise (within timeoutMs). */
export async function checkContainerRuntime(timeoutMs = 15_000, flags?: AlternativeFlags): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    await Promise.race([
      getContainerRuntimeClient(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
        timer.unref();
      }),
    ]);
  } catch (err) {
    // testcontainers is an optional peer dependency of the published package: say how to add it.
    const missing = (err as NodeJS.ErrnoException)?.code === 'ERR_MODULE_NOT_FOUND' && /testcontainers/.test(String(err));
    const reason = missing ? 'testcontainers is not installed (npm install --save-dev testcontainers @testcontainers/postgresql @testcontainers/redis)' : ((err as Error)?.message ?? String(err));
    throw new ContainerRuntimeUnavailable(reason, flags);
  } finally {
    clearTimeout(timer);
  }
}

export interface StackOptions {
  postgresImage?: string;
  redisImage?: string;
  runtimeTimeoutMs?: number;
  log?: (line: string) => void;
  /** How the calling command spells the alternatives in the no-runtime message. */
  alternatives?: AlternativeFlags;
}

/** Start Postgres and Redis in containers (in parallel). */
export async function startContainerStack(options: StackOptions = {}): Promise<ContainerStack> {
  await checkContainerRuntime(options.runtimeTimeoutMs, options.alternatives);
  const log = options.log ?? (() => {});
  const [{ PostgreSqlContainer }, { RedisContainer }] = await Promise.all([import('@testcontainers/postgresql'), import('@testcontainers/redis')]);
  log(`starting ${options.postgresImage ?? POSTGRES_IMAGE} and ${options.redisImage ?? REDIS_IMAGE} ...`);
  const started = await Promise.allSettled([
    new PostgreSqlContainer(options.postgresImage ?? POSTGRES_IMAGE).start(),
    new RedisContainer(options.redisImage ?? REDIS_IMAGE).start(),
  ]);
  const [pg, redis] = started;
  if (pg.status === 'rejected' || redis.status === 'rejected') {
    await Promise.allSettled(started.map((s) => (s.status === 'fulfilled' ? s.value.stop() : undefined)));
    const why = started.flatMap((s) => (s.status === 'rejected' ? [String((s.reason as Error)?.message ?? s.reason)] : []));
    throw new Error(`--stack containers: could not start the containers: ${why.join('; ')}`);
  }
  let closing: Promise<void> | undefined;
  return {
    databaseUrl: pg.value.getConnectionUri(),
    redisUrl: redis.value.getConnectionUrl(),
    close() {
      closing ??= Promise.allSettled([pg.value.stop(), redis.value.stop()]).then(() => undefined);
      return closing;
    },
  };
}

/** Parse the `--stack` flag: only `containers` exists. */
export function parseStack(value: string | undefined): 'containers' | undefined {
  if (value === undefined) return undefined;
  if (value === 'containers') return 'containers';
  throw new StackUsageError(`--stack '${value}': the only stack is 'containers' (Postgres and Redis through testcontainers)`);
}

export class StackUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StackUsageError';
  }
}

/** Take `--stack X` / `--stack=X` out of argv (commands whose parsers are strict pass the rest on). */
export function takeStackFlag(argv: readonly string[]): { stack?: 'containers'; rest: string[] } {
  const rest: string[] = [];
  let value: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--stack') {
      if (i + 1 >= argv.length) throw new StackUsageError("--stack needs a value: --stack containers");
      value = argv[++i];
    } else if (a.startsWith('--stack=')) value = a.slice('--stack='.length);
    else rest.push(a);
  }
  const stack = parseStack(value);
  if (stack && rest.some((a) => a === '--db' || a.startsWith('--db=') || a === '--redis' || a.startsWith('--redis='))) {
    throw new StackUsageError('--stack containers provides the database and Redis: drop --db/--redis, or drop --stack');
  }
  return { stack, rest };
}
