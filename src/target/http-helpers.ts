// Helpers for adapters that speak HTTP through the client flashcrowd hands them (TargetOptions.http): turn an
// HttpResponse or a thrown TransportError into an OpResult, so an adapter method is one request and one mapping.
//
//   follow(ctx, userId) {
//     return send(this.http, { method: 'PUT', path: `/api/following/${userId}`, headers: auth(ctx) }, () => undefined);
//   }
//
// Portable: no Node built-ins, so an adapter using them can be bundled into the k6 export.
import type { HttpClient, HttpRequest, HttpResponse, OpError, OpResult } from './target.ts';
import { classifyThrown, httpError, protocolError } from './errors.ts';

/** Thrown by a `parse` function when the body is not what the adapter expects: becomes a 'protocol' error. */
export class ShapeError extends Error {
  override readonly name = 'ShapeError';
}

/**
 * Map a response: a status >= 400 becomes an OpError (kind http_4xx/http_5xx, the real status, the body's error
 * code and message, Retry-After in ms); a 2xx/3xx body is parsed as JSON ('' = undefined) and handed to `parse`.
 * An unparseable body or a `parse` that throws is a 'protocol' error naming the request.
 */
export function jsonResult<T>(res: HttpResponse, parse: (body: any, res: HttpResponse) => T): OpResult<T> {
  let body: unknown;
  if (res.body.length) {
    try {
      body = JSON.parse(res.body);
    } catch {
      if (res.status < 400) return { ok: false, error: protocolError(`unparseable JSON (HTTP ${res.status})`, res.status) };
    }
  }
  if (res.status >= 400) return { ok: false, error: httpError(res.status, body, res.headers['retry-after']) };
  try {
    return { ok: true, status: res.status, value: parse(body, res) };
  } catch (err) {
    return { ok: false, error: protocolError(`unexpected response (HTTP ${res.status}): ${(err as Error)?.message ?? err}`, res.status) };
  }
}

/** The failure of a request that got no HTTP answer (a TransportError from the client, or anything thrown). */
export function transportError(err: unknown): { ok: false; error: OpError } {
  const e = err as { name?: string; error?: OpError } | undefined;
  // Duck-typed rather than instanceof: a bundled adapter (k6 export) carries its own copy of the class.
  if (e?.name === 'TransportError' && e.error && typeof e.error.kind === 'string') return { ok: false, error: e.error };
  return { ok: false, error: classifyThrown(err) };
}

/** One request, mapped: `jsonResult` for an answer, `transportError` for none. Never throws. */
export async function send<T>(http: HttpClient, req: HttpRequest, parse: (body: any, res: HttpResponse) => T): Promise<OpResult<T>> {
  let res: HttpResponse;
  try {
    res = await http.request(req);
  } catch (err) {
    return transportError(err);
  }
  return jsonResult(res, parse);
}

/** A required string field of a parsed body, or a ShapeError naming it. */
export function field(body: unknown, name: string): string {
  const v = (body as Record<string, unknown> | undefined)?.[name];
  if (typeof v !== 'string' && typeof v !== 'number') throw new ShapeError(`response lacks ${name}`);
  return String(v);
}
