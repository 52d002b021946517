// Every knob of the reference backend, with its default, in one place. Sources, weakest first:
// DEFAULTS < config file (JSON, --config) < command-line flags / startBackend() options.
import { readFileSync } from 'node:fs';
import { z } from 'zod';

const window = z.strictObject({
  /** Hits allowed per window; 0 disables the limit. */
  limit: z.number().int().min(0),
  windowSec: z.number().int().min(1).max(86_400),
});

export const BackendConfigSchema = z.strictObject({
  host: z.string().min(1),
  /** 0 picks a free port. */
  port: z.number().int().min(0).max(65_535),
  /** 'embedded' (PGlite) or a postgres:// URL. */
  db: z.string().refine((v) => v === 'embedded' || /^postgres(ql)?:\/\//.test(v), "use 'embedded' or a postgres:// URL"),
  /** Directory for a persistent embedded database; unset: in memory. */
  embeddedDataDir: z.string().min(1).optional(),
  /** Postgres schema holding the tables (created if missing). */
  schema: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, 'lower-case identifier'),
  poolSize: z.number().int().min(1).max(1000),
  /** Max wait for a pooled connection before answering 503. */
  connectionTimeoutMs: z.number().int().min(1),
  statementTimeoutMs: z.number().int().min(0),
  /** 'memory' (in-process) or a redis:// URL. */
  redis: z.string().refine((v) => v === 'memory' || /^rediss?:\/\//.test(v), "use 'memory' or a redis:// URL"),
  redisKeyPrefix: z.string(),
  /** scrypt N (CPU/memory cost), a power of two. */
  scryptCost: z
    .number()
    .int()
    .min(2)
    .max(1 << 20)
    .refine((n) => (n & (n - 1)) === 0, 'must be a power of two'),
  /**
   * HMAC key for bearer tokens; every process behind one load balancer needs the same. Unset: generated once and
   * kept in the database (auth/token-secret.ts), so restarts and replicas on the same database share it.
   */
  tokenSecret: z.string().min(16).optional(),
  tokenTtlSec: z.number().int().min(1),
  /** Take the client address from X-Forwarded-For (only behind a proxy, or for the harness's synthetic IPs). */
  trustProxy: z.boolean(),
  bodyLimitBytes: z.number().int().min(256),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
  /** One log line per request (expensive under load). */
  logRequests: z.boolean(),
  rateLimits: z.strictObject({
    signupPerIp: window,
    loginPerIp: window,
    writesPerAccount: window,
  }),
  /** Processes sharing the port (cluster mode); 1 = this process serves. */
  workers: z.number().int().min(1).max(256),
  /** Options for the surge mechanisms, read by services-factory.ts (fan-out, discover, translation, ...). */
  surge: z.record(z.string(), z.unknown()),
});

export type BackendConfig = z.infer<typeof BackendConfigSchema>;

/** The config a running backend serves with: the token secret resolved (configured, or read from its database). */
export type ServingConfig = BackendConfig & { tokenSecret: string };

export const DEFAULTS: Omit<BackendConfig, 'tokenSecret'> = {
  host: '127.0.0.1',
  port: 8080,
  db: 'embedded',
  schema: 'public',
  poolSize: 20,
  connectionTimeoutMs: 2_000,
  statementTimeoutMs: 10_000,
  redis: 'memory',
  redisKeyPrefix: 'social:',
  scryptCost: 16_384,
  tokenTtlSec: 24 * 3600,
  trustProxy: false,
  bodyLimitBytes: 64 * 1024,
  logLevel: 'info',
  logRequests: false,
  rateLimits: {
    signupPerIp: { limit: 0, windowSec: 60 },
    loginPerIp: { limit: 0, windowSec: 60 },
    writesPerAccount: { limit: 0, windowSec: 60 },
  },
  workers: 1,
  surge: {},
};

export type BackendConfigInput = Partial<Omit<BackendConfig, 'rateLimits'>> & {
  rateLimits?: Partial<BackendConfig['rateLimits']>;
};

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

function describe(error: z.ZodError, source: string): string {
  return error.issues
    .map((i) => `${source}: ${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`)
    .join('\n');
}

/** Layers inputs over DEFAULTS (later wins; rateLimits merged per limit) and validates the result, reporting every bad field. */
export function resolveConfig(...layers: Array<BackendConfigInput | undefined>): BackendConfig {
  const merged: Record<string, unknown> = { ...DEFAULTS, rateLimits: { ...DEFAULTS.rateLimits } };
  for (const layer of layers) {
    if (!layer) continue;
    for (const [key, value] of Object.entries(layer)) {
      if (value === undefined) continue;
      if (key === 'rateLimits' && value && typeof value === 'object') {
        merged.rateLimits = { ...(merged.rateLimits as object), ...(value as object) };
      } else {
        merged[key] = value;
      }
    }
  }
  const parsed = BackendConfigSchema.safeParse(merged);
  if (!parsed.success) throw new ConfigError(describe(parsed.error, 'backend config'));
  return parsed.data;
}

/** Reads a JSON config file; unknown keys and bad values are errors naming the field. */
export function loadConfigFile(file: string): BackendConfigInput {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError(`${file}: ${(err as Error).message}`);
  }
  const parsed = BackendConfigSchema.partial().safeParse(raw);
  if (!parsed.success) throw new ConfigError(describe(parsed.error, file));
  return parsed.data as BackendConfigInput;
}
