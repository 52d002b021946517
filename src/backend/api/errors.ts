// Every failure leaves as {error: {code, message, field?}}. Client mistakes are 4xx whatever layer catches them
// (body parser, schema validation, handlers, the store); only genuine server faults are 5xx.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '../errors.ts';
import { StoreError } from '../store/errors.ts';
import { UUID_PATTERN } from './schemas.ts';

interface Mapped {
  status: number;
  code: string;
  message: string;
  field?: string;
  retryAfterSec?: number;
}

/** Fastify's own client-error codes. */
const FASTIFY_CODES: Record<string, { status: number; code: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, code: 'payload_too_large' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, code: 'unsupported_media_type' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, code: 'invalid_content_length' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, code: 'invalid_json' },
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, code: 'invalid_json' },
  FST_ERR_CTP_EMPTY_TYPE: { status: 415, code: 'unsupported_media_type' },
  FST_ERR_CTP_INVALID_TYPE: { status: 415, code: 'unsupported_media_type' },
  FST_ERR_BAD_URL: { status: 400, code: 'invalid_url' },
  FST_ERR_MAX_PARAM_LENGTH: { status: 400, code: 'invalid_url' },
  FST_ERR_ASYNC_CONSTRAINT: { status: 400, code: 'invalid_request' },
};

const STORE_KINDS: Record<StoreError['kind'], { status: number; code: string }> = {
  not_found: { status: 404, code: 'not_found' },
  gone: { status: 410, code: 'gone' },
  conflict: { status: 409, code: 'conflict' },
  invalid: { status: 400, code: 'invalid_request' },
};

/** Postgres conditions that mean "too busy right now" rather than "broken": answer 503 + Retry-After. */
const OVERLOAD_SQLSTATES = new Set(['57014', '53300', '53400', '55P03', '40P01', '40001']);
/** The database or Redis is unreachable or restarting: 503 + Retry-After, so clients back off instead of giving up. */
const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', '57P01', '57P02', '57P03']);
const UNAVAILABLE_MESSAGE = /Connection terminated|Connection is closed|Client has encountered a connection error|Reached the max retries per request limit|Command timed out/i;

const CONTEXT_NAMES: Record<string, string> = { querystring: 'query', body: 'body', params: 'params', headers: 'headers' };

function validationField(err: FastifyError): string | undefined {
  const first = err.validation?.[0];
  if (!first) return undefined;
  const where = CONTEXT_NAMES[err.validationContext ?? ''] ?? err.validationContext ?? 'request';
  const pathParts = first.instancePath.split('/').filter(Boolean);
  const missing = (first.params as { missingProperty?: string }).missingProperty;
  if (missing) pathParts.push(missing);
  return [where, ...pathParts].join('.');
}

export function mapError(err: unknown): Mapped {
  if (err instanceof ApiError) {
    return { status: err.statusCode, code: err.code, message: err.message, field: err.field, retryAfterSec: err.retryAfterSec };
  }
  if (err instanceof StoreError) {
    const m = STORE_KINDS[err.kind];
    return { status: m.status, code: m.code, message: err.message, field: err.field };
  }
  const e = err as FastifyError & { retryAfterSec?: unknown };
  if (e?.validation) {
    const field = validationField(e);
    const first = e.validation[0];
    const missing = first && (first.params as { missingProperty?: string }).missingProperty;
    const uuid = first?.keyword === 'pattern' && (first.params as { pattern?: string }).pattern === UUID_PATTERN;
    const detail = missing ? 'is required' : uuid ? 'must be a UUID' : (first?.message ?? 'is invalid');
    return { status: 400, code: 'invalid_request', message: `${field ?? 'request'} ${detail}`, field };
  }
  if (typeof e?.code === 'string' && FASTIFY_CODES[e.code]) {
    const m = FASTIFY_CODES[e.code];
    return { status: m.status, code: m.code, message: e.message };
  }
  if (typeof e?.retryAfterSec === 'number') {
    return { status: 503, code: 'overloaded', message: e.message, retryAfterSec: Math.max(1, Math.ceil(e.retryAfterSec)) };
  }
  if (typeof e?.code === 'string' && OVERLOAD_SQLSTATES.has(e.code)) {
    return { status: 503, code: 'overloaded', message: 'the database is overloaded; retry shortly', retryAfterSec: 1 };
  }
  if ((typeof e?.code === 'string' && UNAVAILABLE_CODES.has(e.code)) || (e instanceof Error && UNAVAILABLE_MESSAGE.test(e.message))) {
    return { status: 503, code: 'unavailable', message: 'a backing service is unavailable; retry shortly', retryAfterSec: 2 };
  }
  if (e instanceof Error && /timeout exceeded when trying to connect|too many clients/i.test(e.message)) {
    return { status: 503, code: 'overloaded', message: 'no database connection available; retry shortly', retryAfterSec: 1 };
  }
  if (typeof e?.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return { status: e.statusCode, code: 'bad_request', message: e.message };
  }
  return { status: 500, code: 'internal', message: 'internal server error' };
}

export function sendError(reply: FastifyReply, m: Mapped): FastifyReply {
  if (m.retryAfterSec !== undefined) reply.header('retry-after', String(m.retryAfterSec));
  const error: { code: string; message: string; field?: string } = { code: m.code, message: m.message };
  if (m.field) error.field = m.field;
  return reply.status(m.status).type('application/json; charset=utf-8').send({ error });
}

/** A body of bytes that is not UTF-8, or JSON that is not JSON, is the client's error (400), never a 500. */
function installJsonParser(app: FastifyInstance, bodyLimit: number): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  // JSON only: Fastify's default text/plain parser would hand a string to body schemas (a 400 instead of 415).
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit }, (req, body, done) => {
    const buf = body as Buffer;
    if (buf.length === 0) return done(null, undefined);
    let text: string;
    try {
      text = utf8.decode(buf);
    } catch {
      return done(new ApiError(400, 'invalid_utf8', 'request body is not valid UTF-8', { field: 'body' }), undefined);
    }
    parseJson(req, text, (err, value) => {
      if (err) return done(new ApiError(400, 'invalid_json', `request body is not valid JSON: ${err.message}`, { field: 'body' }), undefined);
      // Postgres text cannot hold NUL; reject it here rather than fail in SQL.
      if (text.includes('\\u0000') && safeContainsNul(value)) {
        return done(new ApiError(400, 'invalid_request', 'strings must not contain NUL (\\u0000)', { field: 'body' }), undefined);
      }
      done(null, value);
    });
  });
}

/** True for NUL anywhere, and for structures too deep to walk (rejected as well). */
function safeContainsNul(v: unknown): boolean {
  try {
    return containsNul(v);
  } catch {
    return true;
  }
}

function containsNul(v: unknown): boolean {
  if (typeof v === 'string') return v.includes('\u0000');
  if (Array.isArray(v)) return v.some(containsNul);
  if (v && typeof v === 'object') return Object.entries(v).some(([k, x]) => k.includes('\u0000') || containsNul(x));
  return false;
}

export function installErrorHandling(app: FastifyInstance, bodyLimit: number): void {
  installJsonParser(app, bodyLimit);
  app.setErrorHandler((err: unknown, req: FastifyRequest, reply: FastifyReply) => {
    const m = mapError(err);
    if (m.status >= 500 && m.code === 'internal') req.log.error({ err }, 'request failed');
    else if (m.status >= 500) req.log.warn({ code: m.code, msg: m.message }, 'request shed');
    return sendError(reply, m);
  });
  app.setNotFoundHandler((req, reply) =>
    sendError(reply, { status: 404, code: 'route_not_found', message: `no route ${req.method} ${req.url.split('?')[0]}` }),
  );
}
