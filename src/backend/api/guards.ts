// Small helpers the route handlers share: who is calling, and rate limits.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TokenClaims } from '../auth/tokens.ts';
import { ApiError } from '../errors.ts';

/** The caller's claims; only routes with `config.auth` have them (the auth hook rejects the rest with 401). */
export function caller(req: FastifyRequest): TokenClaims {
  if (!req.user) throw new ApiError(401, 'unauthenticated', 'missing Authorization: Bearer <token>', { field: 'headers.authorization' });
  return req.user;
}

/** Counts one hit against a configured window; 429 + Retry-After when over it. A limit of 0 is off. */
export async function enforceLimit(
  app: FastifyInstance,
  key: string,
  window: { limit: number; windowSec: number },
): Promise<void> {
  if (window.limit <= 0) return;
  const retryAfterSec = await app.services.rateLimiter.hit(key, window.limit, window.windowSec);
  if (retryAfterSec > 0) {
    throw new ApiError(429, 'rate_limited', `too many requests; retry in ${retryAfterSec}s`, { retryAfterSec });
  }
}
