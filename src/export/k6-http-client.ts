// The HttpClient of contract v2 (TargetOptions.http) on k6/http: what a portable adapter gets when the k6 export
// runs it. Bundled (esbuild, platform neutral) together with the user's adapter into adapter.js beside script.js,
// so the adapter's TransportError and this one are the same class. No Node API here: k6 runs this file.
//
//   - every request is `http.asyncRequest` (the adapter awaits it; k6 keeps one VU's requests in its event loop);
//   - tags: `name` (the request's name, else its path without query: bounded, one series per endpoint shape) and
//     `endpoint` (the flashcrowd operation the session is in: signup, post, ...), so per-endpoint thresholds work;
//   - status 0 (no HTTP answer) rejects with TransportError, its kind mapped from k6's error_code;
//   - `expect(fn)` lets the script declare which statuses are expected (k6's responseCallback) while it runs a
//     step whose "failures" are part of the protocol (setup signups of people a previous run created).
import type { Params, RefinedResponse, ResponseType } from 'k6/http';
import type { ErrorKind, HttpClient, HttpRequest, HttpResponse } from '../target/target.ts';
import { TransportError } from '../target/errors.ts';

/** k6's opaque responseCallback type (not exported by @types/k6). */
type ExpectedStatusesCallback = NonNullable<Params['responseCallback']>;

/** The part of the k6/http module this client uses (the script passes the real module in). */
export interface K6Http {
  asyncRequest(method: string, url: string, body?: string | null, params?: Params): Promise<RefinedResponse<ResponseType | undefined>>;
  expectedStatuses(...statuses: (number | { min: number; max: number })[]): ExpectedStatusesCallback;
}

export interface K6HttpClient extends HttpClient {
  /** The flashcrowd endpoint the following requests belong to (the `endpoint` tag). */
  endpoint: string;
  /** k6 responseCallback for the following requests; undefined = k6's default (200-399 expected). */
  expected: ExpectedStatusesCallback | undefined;
  /** Requests sent so far by this client (for the script's own bookkeeping and tests). */
  readonly sent: number;
}

export interface K6HttpClientOptions {
  /** Target base URL; relative paths resolve against it, keeping its path prefix. */
  baseUrl: string;
  /** Per-request timeout in ms (k6's `timeout` param; k6's default is 60 s). */
  timeoutMs?: number;
}

/**
 * k6 error codes (https://grafana.com/docs/k6/latest/javascript-api/error-codes/) to flashcrowd's ErrorKind.
 * 1050 request timeout, 1211 dial timeout; 1212 dial refused; 1201/1202 write broken pipe, 1220 reset by peer;
 * TLS (13xx) and HTTP/2 (16xx) framing failures are protocol errors; DNS (11xx) and the rest are 'other'.
 */
export function kindOfK6Error(code: number): ErrorKind {
  if (code === 1050 || code === 1211) return 'timeout';
  if (code === 1212) return 'connect_refused';
  if (code === 1201 || code === 1202 || code === 1220) return 'reset';
  if ((code >= 1300 && code < 1400) || (code >= 1600 && code < 1700)) return 'protocol';
  return 'other';
}

export function createK6HttpClient(http: K6Http, options: K6HttpClientOptions): K6HttpClient {
  const base = options.baseUrl.replace(/\/+$/, '');
  const timeout = options.timeoutMs && options.timeoutMs > 0 ? `${Math.round(options.timeoutMs)}ms` : undefined;
  let sent = 0;
  const client: K6HttpClient = {
    endpoint: 'other',
    expected: undefined,
    get sent() {
      return sent;
    },
    async request(req: HttpRequest): Promise<HttpResponse> {
      // k6 cannot cancel a request in flight; an already aborted one is not sent.
      if (req.signal?.aborted) throw new TransportError({ kind: 'aborted', message: `${req.method} ${req.path}: aborted before it was sent` });
      const path = /^https?:\/\//i.test(req.path) ? req.path : `${base}${req.path.startsWith('/') ? '' : '/'}${req.path}`;
      const url = path + queryString(req.query, path.includes('?'));
      const headers: Record<string, string> = { ...req.headers };
      let body: string | null = null;
      if (req.json !== undefined) {
        body = JSON.stringify(req.json);
        if (!hasHeader(headers, 'content-type')) headers['Content-Type'] = 'application/json';
      } else if (req.body !== undefined) body = req.body;
      const params: Params = {
        headers,
        responseType: 'text',
        tags: { name: req.name ?? req.path.replace(/\?.*$/, ''), endpoint: client.endpoint },
      };
      if (timeout) params.timeout = timeout;
      if (client.expected) params.responseCallback = client.expected;
      sent++;
      const res = await http.asyncRequest(req.method, url, body, params);
      if (!res.status) {
        const code = Number(res.error_code) || 1000;
        throw new TransportError({ kind: kindOfK6Error(code), code: `k6:${code}`, message: `${req.method} ${req.path}: ${res.error || `k6 error ${code}`}` });
      }
      const lower: Record<string, string> = {};
      for (const [k, v] of Object.entries(res.headers ?? {})) lower[k.toLowerCase()] = String(v);
      return { status: res.status, headers: lower, body: typeof res.body === 'string' ? res.body : '' };
    },
    async close() {
      // k6 owns the connections.
    },
  };
  return client;
}

function hasHeader(headers: Record<string, string>, name: string): boolean {
  return Object.keys(headers).some((k) => k.toLowerCase() === name);
}

function queryString(query: HttpRequest['query'], hasQuery: boolean): string {
  if (!query) return '';
  const parts: string[] = [];
  for (const [k, v] of Object.entries(query)) if (v !== undefined) parts.push(`${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`);
  return parts.length ? (hasQuery ? '&' : '?') + parts.join('&') : '';
}
