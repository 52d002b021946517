// The HttpClient flashcrowd hands adapters under Node (contract v2, TargetOptions.http): an undici Pool per origin
// with keep-alive connections and an explicit limit, header/body timeouts, a hard per-request deadline and a cap on
// response size. Resolves for every HTTP status; rejects with a TransportError when no complete answer came.
// The per-request work is the path string, one AbortController, one timer and the body text: nothing else.
import { Pool } from 'undici';
import type { Dispatcher } from 'undici';
import type { HttpClient, HttpRequest, HttpResponse } from './target.ts';
import { classifyThrown, TransportError } from './errors.ts';

/** Larger answers fail as 'protocol' errors (undici's UND_ERR_RES_EXCEEDED_MAX_SIZE). */
export const MAX_RESPONSE_BYTES = 8 * 1024 * 1024;

export interface NodeHttpClientOptions {
  /** Base URL: relative request paths are resolved against it, its path prefix kept. */
  url: string;
  /** Max connections per origin (default 512). */
  connections?: number;
  /** Header and body (idle) timeout; a request's hard deadline is twice this (default 10 s). */
  timeoutMs?: number;
  maxResponseBytes?: number;
}

export class NodeHttpClient implements HttpClient {
  private readonly pools = new Map<string, Pool>();
  private readonly pool: Pool;
  private readonly basePath: string;
  private readonly deadlineMs: number;
  private readonly poolOptions: Pool.Options;
  private closing: Promise<void> | undefined;

  constructor(options: NodeHttpClientOptions) {
    const url = new URL(options.url);
    const timeout = options.timeoutMs ?? 10_000;
    // headersTimeout and bodyTimeout bound waits between bytes; a body dripping a byte a second would pass both
    // forever (and hang a run's final audit). No request outlives twice the timeout.
    this.deadlineMs = 2 * timeout;
    this.basePath = url.pathname.replace(/\/+$/, '');
    this.poolOptions = {
      connections: options.connections ?? 512,
      pipelining: 1,
      keepAliveTimeout: 30_000,
      headersTimeout: timeout,
      bodyTimeout: timeout,
      connectTimeout: Math.min(timeout, 10_000),
      // bodyTimeout is an idle timeout: a target streaming a body without end would never trip it and the
      // harness would buffer it all.
      maxResponseSize: options.maxResponseBytes ?? MAX_RESPONSE_BYTES,
    };
    this.pool = this.poolFor(url.origin);
  }

  async request(req: HttpRequest): Promise<HttpResponse> {
    if (this.closing) throw new TransportError({ kind: 'aborted', code: 'CLIENT_CLOSED', message: 'the HTTP client is closed' });
    let pool = this.pool;
    let path = req.path;
    if (path.charCodeAt(0) === 47 /* '/' */) path = this.basePath + path;
    else if (path.startsWith('http://') || path.startsWith('https://')) {
      const u = new URL(path);
      pool = this.poolFor(u.origin);
      path = u.pathname + u.search;
    } else path = `${this.basePath}/${path}`;
    if (req.query) path += queryString(req.query, path.includes('?'));
    let headers = req.headers;
    let body = req.body;
    if (req.json !== undefined) {
      body = JSON.stringify(req.json);
      if (!headers?.['content-type']) headers = { ...headers, 'content-type': 'application/json' };
    }
    const deadline = new AbortController();
    const outer = req.signal;
    const onAbort = () => deadline.abort(outer!.reason);
    if (outer?.aborted) onAbort();
    else outer?.addEventListener('abort', onAbort, { once: true });
    let expired = false;
    const timer = setTimeout(() => ((expired = true), deadline.abort()), this.deadlineMs);
    let res: Dispatcher.ResponseData;
    let text: string;
    try {
      res = await pool.request({ method: req.method, path, headers, body, signal: deadline.signal });
      text = await res.body.text();
    } catch (err) {
      if (expired) throw new TransportError({ kind: 'timeout', code: 'DEADLINE_EXCEEDED', message: `${req.method} ${path}: no complete answer in ${this.deadlineMs} ms` });
      throw new TransportError(classifyThrown(err));
    } finally {
      clearTimeout(timer);
      outer?.removeEventListener('abort', onAbort);
    }
    return { status: res.statusCode, headers: flatHeaders(res.headers), body: text };
  }

  /** Idempotent: the harness and an adapter may both close the client they share. */
  close(): Promise<void> {
    this.closing ??= Promise.all([...this.pools.values()].map((p) => p.close())).then(() => undefined);
    return this.closing;
  }

  private poolFor(origin: string): Pool {
    let p = this.pools.get(origin);
    if (!p) this.pools.set(origin, (p = new Pool(origin, this.poolOptions)));
    return p;
  }
}

export function createNodeHttpClient(options: NodeHttpClientOptions): HttpClient {
  return new NodeHttpClient(options);
}

/** `?a=1&b=x` (or `&...` after an existing query); undefined values are left out. */
export function queryString(query: NonNullable<HttpRequest['query']>, hasQuery = false): string {
  let out = '';
  for (const key in query) {
    const v = query[key];
    if (v === undefined) continue;
    out += `${out || hasQuery ? '&' : '?'}${encodeURIComponent(key)}=${encodeURIComponent(String(v))}`;
  }
  return out;
}

/** undici gives repeated headers (set-cookie) as arrays; the contract promises strings. */
function flatHeaders(h: Record<string, string | string[] | undefined>): Record<string, string> {
  for (const k in h) {
    if (typeof h[k] !== 'string') return Object.fromEntries(Object.entries(h).filter(([, v]) => v !== undefined).map(([key, v]) => [key, Array.isArray(v) ? v.join(', ') : v!]));
  }
  return h as Record<string, string>;
}
