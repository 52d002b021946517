// Bearer tokens: "v1.<payload>.<signature>", payload = base64url JSON {sub, lng, exp}, signature = HMAC-SHA256.
// Self-contained, so any process sharing the secret verifies them without a store round trip; the reader's
// languages travel in the token because every feed request needs them.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { ApiError } from '../errors.ts';

export interface TokenClaims {
  /** User id. */
  sub: string;
  /** The user's languages, primary first. */
  lng: string[];
  /** Expiry, epoch seconds. */
  exp: number;
}

function sign(secret: string, payload: string): string {
  return createHmac('sha256', secret).update(`v1.${payload}`).digest('base64url');
}

export function issueToken(secret: string, claims: Omit<TokenClaims, 'exp'>, ttlSec: number, nowMs = Date.now()): string {
  const payload = Buffer.from(JSON.stringify({ ...claims, exp: Math.floor(nowMs / 1000) + ttlSec })).toString('base64url');
  return `v1.${payload}.${sign(secret, payload)}`;
}

const unauthorized = (code: string, message: string) => new ApiError(401, code, message, { field: 'headers.authorization' });

/** Claims of a valid token; ApiError 401 for a missing, malformed, forged or expired one. */
export function verifyToken(secret: string, header: string | undefined, nowMs = Date.now()): TokenClaims {
  if (!header) throw unauthorized('unauthenticated', 'missing Authorization: Bearer <token>');
  const m = /^Bearer ([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/.exec(header);
  if (!m || m[1] !== 'v1') throw unauthorized('invalid_token', 'malformed bearer token');
  const expected = Buffer.from(sign(secret, m[2]));
  const given = Buffer.from(m[3]);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw unauthorized('invalid_token', 'token signature is invalid');
  let claims: TokenClaims;
  try {
    claims = JSON.parse(Buffer.from(m[2], 'base64url').toString('utf8')) as TokenClaims;
  } catch {
    throw unauthorized('invalid_token', 'malformed token payload');
  }
  if (typeof claims.sub !== 'string' || !Array.isArray(claims.lng) || typeof claims.exp !== 'number') {
    throw unauthorized('invalid_token', 'malformed token payload');
  }
  if (claims.exp * 1000 <= nowMs) throw unauthorized('token_expired', 'token has expired; log in again');
  return claims;
}
