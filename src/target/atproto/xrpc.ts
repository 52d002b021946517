// A minimal XRPC client (AT Protocol's HTTP RPC: GET /xrpc/<nsid>?params for queries, POST /xrpc/<nsid> with a
// JSON body for procedures) on an undici Pool: keep-alive connections with an explicit limit, timeouts, a hard
// deadline per call and a cap on response size. The harness does not import @atproto packages; this is all the
// protocol it needs.
import { Pool } from 'undici';
import type { Dispatcher } from 'undici';
import type { CallContext, OpError } from '../target.ts';
import { classifyThrown, parseRetryAfter, protocolError } from '../errors.ts';

export const MAX_XRPC_RESPONSE_BYTES = 8 * 1024 * 1024;

export type XrpcResult = { ok: true; status: number; body: unknown } | { ok: false; error: OpError };
export type QueryParams = Record<string, string | number | boolean | readonly string[] | undefined>;

export interface XrpcClientOptions {
  url: string;
  connections?: number;
  timeoutMs?: number;
}

export class XrpcClient {
  private readonly pool: Pool;
  private readonly basePath: string;
  private readonly deadlineMs: number;

  constructor(options: XrpcClientOptions) {
    const url = new URL(options.url);
    const timeout = options.timeoutMs ?? 10_000;
    this.deadlineMs = 2 * timeout;
    this.basePath = url.pathname.replace(/\/+$/, '');
    this.pool = new Pool(url.origin, {
      connections: options.connections ?? 512,
      pipelining: 1,
      keepAliveTimeout: 30_000,
      headersTimeout: timeout,
      bodyTimeout: timeout,
      connectTimeout: Math.min(timeout, 10_000),
      maxResponseSize: MAX_XRPC_RESPONSE_BYTES,
    });
  }

  query(ctx: CallContext, nsid: string, params: QueryParams = {}): Promise<XrpcResult> {
    return this.call(ctx, 'GET', nsid + queryString(params));
  }

  procedure(ctx: CallContext, nsid: string, body: unknown): Promise<XrpcResult> {
    return this.call(ctx, 'POST', nsid, body);
  }

  close(): Promise<void> {
    return this.pool.close();
  }

  private async call(ctx: CallContext, method: Dispatcher.HttpMethod, pathAndQuery: string, body?: unknown): Promise<XrpcResult> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (ctx.token) headers.authorization = `Bearer ${ctx.token}`;
    const deadline = new AbortController();
    const onAbort = () => deadline.abort(ctx.signal!.reason);
    if (ctx.signal?.aborted) onAbort();
    else ctx.signal?.addEventListener('abort', onAbort, { once: true });
    let expired = false;
    const timer = setTimeout(() => ((expired = true), deadline.abort()), this.deadlineMs);
    const nsid = pathAndQuery.split('?')[0];
    let res: Dispatcher.ResponseData;
    let text: string;
    try {
      res = await this.pool.request({
        method,
        path: `${this.basePath}/xrpc/${pathAndQuery}`,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: deadline.signal,
      });
      text = await res.body.text();
    } catch (err) {
      if (expired) return { ok: false, error: { kind: 'timeout', code: 'DEADLINE_EXCEEDED', message: `${nsid}: no complete answer in ${this.deadlineMs} ms` } };
      return { ok: false, error: classifyThrown(err) };
    } finally {
      clearTimeout(timer);
      ctx.signal?.removeEventListener('abort', onAbort);
    }
    let parsed: unknown;
    if (text.length) {
      try {
        parsed = JSON.parse(text);
      } catch {
        if (res.statusCode < 400) return { ok: false, error: protocolError(`unparseable JSON from ${nsid}`, res.statusCode) };
      }
    }
    if (res.statusCode >= 400) return { ok: false, error: xrpcError(res.statusCode, parsed, res.headers['retry-after'], nsid) };
    return { ok: true, status: res.statusCode, body: parsed };
  }
}

/** XRPC errors are `{error: "Name", message: "..."}` (flat, unlike the reference API's nested error object). */
export function xrpcError(status: number, body: unknown, retryAfter: string | string[] | undefined, nsid: string): OpError {
  const b = body as { error?: unknown; message?: unknown } | undefined;
  const out: OpError = {
    kind: status >= 500 ? 'http_5xx' : 'http_4xx',
    status,
    code: typeof b?.error === 'string' ? b.error : undefined,
    message: `${nsid}: ${typeof b?.message === 'string' ? b.message : `HTTP ${status}`}`,
  };
  const ms = parseRetryAfter(Array.isArray(retryAfter) ? retryAfter[0] : retryAfter);
  if (ms !== undefined) out.retryAfterMs = ms;
  return out;
}

/** Arrays repeat the key (`uris=a&uris=b`), as XRPC expects. */
export function queryString(params: QueryParams): string {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined) continue;
    if (Array.isArray(v)) for (const item of v) qs.append(k, String(item));
    else qs.append(k, String(v));
  }
  const s = qs.toString();
  return s ? `?${s}` : '';
}
