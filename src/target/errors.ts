// Failure classification shared by HTTP adapters: every failed operation gets exactly one ErrorKind.
import type { ErrorKind, OpError } from './target.ts';

const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'ERR_STREAM_PREMATURE_CLOSE']);
const TIMEOUT_CODES = new Set(['ETIMEDOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT']);
const ABORT_CODES = new Set(['UND_ERR_ABORTED', 'ABORT_ERR']);

/** Map a thrown socket/client error (undici, node:net, fetch) to an OpError. */
export function classifyThrown(err: unknown): OpError {
  const e = unwrap(err);
  const code = typeof e?.code === 'string' ? e.code : undefined;
  const message = e?.message || String(err);
  let kind: ErrorKind = 'other';
  if (e?.name === 'AbortError' || (code && ABORT_CODES.has(code))) kind = 'aborted';
  else if (code === 'ECONNREFUSED') kind = 'connect_refused';
  else if (code && RESET_CODES.has(code)) kind = 'reset';
  else if (code && TIMEOUT_CODES.has(code)) kind = 'timeout';
  else if (e?.name === 'TimeoutError') kind = 'timeout';
  else if (e instanceof SyntaxError || code === 'UND_ERR_RES_EXCEEDED_MAX_SIZE') kind = 'protocol';
  return { kind, code, message };
}

/**
 * An HTTP error status with Retry-After in ms and the body's error code and message, read from the common shapes:
 * `{error: {code, message}}` (the reference API), `{error: 'Code', message}` (XRPC), `{code | kind, message}`.
 */
export function httpError(status: number, body: unknown, retryAfter: string | string[] | undefined): OpError {
  const b = body as { error?: unknown; code?: unknown; kind?: unknown; message?: unknown } | undefined;
  const nested = b && typeof b.error === 'object' && b.error !== null ? (b.error as { code?: unknown; message?: unknown }) : undefined;
  const code = nested ? nested.code : typeof b?.error === 'string' ? b.error : (b?.code ?? b?.kind);
  const message = nested ? nested.message : b?.message;
  const out: OpError = {
    kind: status >= 500 ? 'http_5xx' : 'http_4xx',
    status,
    code: typeof code === 'string' ? code : undefined,
    message: typeof message === 'string' ? message : `HTTP ${status}`,
  };
  const ms = parseRetryAfter(Array.isArray(retryAfter) ? retryAfter[0] : retryAfter);
  if (ms !== undefined) out.retryAfterMs = ms;
  return out;
}

/** Retry-After is delay-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | undefined, nowMs = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

export function protocolError(message: string, status?: number): OpError {
  return { kind: 'protocol', status, message };
}

/** Node wraps dual-stack connect failures in AggregateError and fetch puts the socket error in `cause`. */
function unwrap(err: unknown): { code?: unknown; name?: string; message?: string } | undefined {
  let e = err as { code?: unknown; name?: string; message?: string; cause?: unknown; errors?: unknown[] } | undefined;
  for (let depth = 0; depth < 4 && e; depth++) {
    if (typeof e.code === 'string' || e.name === 'AbortError' || e.name === 'TimeoutError') return e;
    if (Array.isArray(e.errors) && e.errors.length) e = e.errors[0] as typeof e;
    else if (e.cause) e = e.cause as typeof e;
    else break;
  }
  return e;
}

/** Thrown by an HttpClient (TargetOptions.http) when no HTTP answer came; `error` is already classified. */
export class TransportError extends Error {
  override readonly name = 'TransportError';
  constructor(readonly error: OpError) {
    super(error.message);
  }
}
