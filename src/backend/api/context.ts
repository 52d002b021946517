// What the backend decorates onto Fastify (once, in server.ts), and the per-route options the hooks read.
import type { Cache } from '../cache/cache.ts';
import type { ServingConfig } from '../config.ts';
import type { TokenClaims } from '../auth/tokens.ts';
import type { BackendMetrics } from '../metrics.ts';
import type { AdmissionTicket, Priority } from '../services.ts';
import type { BackendServices } from '../services-factory.ts';
import type { Store } from '../store/store.ts';

declare module 'fastify' {
  interface FastifyInstance {
    store: Store;
    cache: Cache;
    services: BackendServices;
    /** The config with the token secret resolved. */
    backendConfig: ServingConfig;
    metrics: BackendMetrics;
  }
  interface FastifyRequest {
    /** Claims of the bearer token; set by the auth hook on routes with `config.auth`. */
    user: TokenClaims | null;
    admissionTicket: AdmissionTicket | null;
  }
  interface FastifyContextConfig {
    /** Admission class; routes without one (health, metrics) bypass admission control. */
    priority?: Priority;
    /** Requires a valid bearer token (default false). */
    auth?: boolean;
  }
}

export {};
