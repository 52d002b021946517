// The HttpClient flashcrowd hands adapters under Node (contract v2, TargetOptions.http): a pool per origin with
// keep-alive connections and an explicit limit, header/body timeouts, a hard per-request deadline and a cap on
// response size. Resolves for every HTTP status; rejects with a TransportError when no complete answer came.
//
// Hot path (issue 15): `http:` origins are served by flashcrowd's own HTTP/1.1 client on `net` sockets
// (./http1/pool.ts: one reusable parser per connection, the request's bytes prebuilt as one string), which costs
// less per request than undici's. `https:` origins keep an undici Pool (TLS, ALPN and certificate handling are not
// worth re-implementing for a load generator's rarer case). Either way a request is one `Flight` (undici's handler,
// or the http1 pool's exchange), so no response stream, no AbortController/AbortSignal and no timer are made per
// request. Deadlines are swept by one interval timer per client (flights are kept in start order, and every flight
// has the same deadline, so the deadline sweep stops at the first one still in time; the same tick checks the http1
// connections' connect, header and body-idle timeouts); a caller's abort signal gets one listener per signal.
import type { Dispatcher, Pool } from 'undici';
import type { HttpClient, HttpRequest, HttpResponse } from './target.ts';
import { classifyThrown, TransportError } from './errors.ts';
import type { OpError } from './target.ts';
import { Http1Pool, type Connection, type Exchange, type Http1PoolOptions } from './http1/pool.ts';
import { parseHeaderBlock } from './http1/response-parser.ts';

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

type AnyPool = LazyUndiciPool | Http1Pool;

/**
 * An undici Pool for an `https:` origin, undici loaded on first use (importing it costs ~80 ms of CPU and ~20 MB of
 * RSS, which a run against an `http:` target need not pay). Requests dispatched before it is loaded wait for it.
 */
class LazyUndiciPool {
  private pool: Pool | undefined;
  private readonly ready: Promise<Pool | undefined>;
  constructor(origin: string, options: Pool.Options) {
    this.ready = import('undici').then(
      (undici) => (this.pool = new undici.Pool(origin, options)),
      () => undefined,
    );
  }

  dispatch(options: Dispatcher.DispatchOptions, handler: Flight): void {
    if (this.pool) this.pool.dispatch(options, handler);
    else
      void this.ready.then((p) => {
        if (p) p.dispatch(options, handler);
        else handler.onError(Object.assign(new Error('undici could not be loaded'), { code: 'ERR_MODULE_NOT_FOUND' }));
      });
  }

  async close(): Promise<void> {
    await (await this.ready)?.close();
  }
}

export class NodeHttpClient implements HttpClient {
  private readonly pools = new Map<string, AnyPool>();
  private readonly http1Pools: Http1Pool[] = [];
  private readonly pool: AnyPool;
  private readonly basePath: string;
  private readonly deadlineMs: number;
  private readonly poolOptions: Pool.Options;
  private readonly http1Options: Http1PoolOptions;
  private closing: Promise<void> | undefined;
  /** In start order (Set iteration order), which is deadline order. */
  private readonly inflight = new Set<Flight>();
  private sweeper: ReturnType<typeof setInterval> | undefined;
  private readonly sweepEveryMs: number;
  /** Flights per caller signal, with one abort listener per signal. */
  private readonly bySignal = new WeakMap<AbortSignal, Set<Flight>>();

  constructor(options: NodeHttpClientOptions) {
    const url = new URL(options.url);
    const timeout = options.timeoutMs ?? 10_000;
    // headersTimeout and bodyTimeout bound waits between bytes; a body dripping a byte a second would pass both
    // forever (and hang a run's final audit). No request outlives twice the timeout.
    this.deadlineMs = 2 * timeout;
    // A deadline is met within 5 % of itself (a 20 s deadline is checked every second).
    this.sweepEveryMs = Math.max(5, Math.min(1000, this.deadlineMs / 20));
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
    this.http1Options = {
      connections: this.poolOptions.connections!,
      keepAliveMs: 30_000,
      headersTimeoutMs: timeout,
      bodyTimeoutMs: timeout,
      connectTimeoutMs: Math.min(timeout, 10_000),
      maxResponseBytes: options.maxResponseBytes ?? MAX_RESPONSE_BYTES,
    };
    this.pool = this.poolFor(url.origin);
  }

  request(req: HttpRequest): Promise<HttpResponse> {
    if (this.closing) return Promise.reject(new TransportError({ kind: 'aborted', code: 'CLIENT_CLOSED', message: 'the HTTP client is closed' }));
    const outer = req.signal;
    if (outer?.aborted) return Promise.reject(new TransportError(classifyThrown(outer.reason)));
    let pool = this.pool;
    let path = req.path;
    if (path.charCodeAt(0) === 47 /* '/' */) path = this.basePath + path;
    else if (path.startsWith('http://') || path.startsWith('https://')) {
      let u: URL;
      try {
        u = new URL(path);
      } catch (err) {
        return Promise.reject(new TransportError(classifyThrown(err)));
      }
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
    let wire: string | undefined;
    if (pool instanceof Http1Pool) {
      try {
        wire = requestBytes(req.method, path, pool.fixedHeaders, headers, body);
      } catch (err) {
        return Promise.reject(new TransportError(classifyThrown(err)));
      }
    }
    return new Promise<HttpResponse>((resolve, reject) => {
      const flight = new Flight(this, req.method, path, wire ?? '', resolve, reject, outer);
      this.inflight.add(flight);
      this.sweeper ??= setInterval(this.sweep, this.sweepEveryMs).unref();
      if (outer) this.watch(outer, flight);
      if (pool instanceof Http1Pool) pool.dispatch(flight);
      else pool.dispatch({ method: req.method, path, headers, body }, flight);
    });
  }

  /** Called once by a flight when it settles. */
  finished(flight: Flight): void {
    this.inflight.delete(flight);
    if (flight.signal) this.bySignal.get(flight.signal)?.delete(flight);
  }

  private readonly sweep = (): void => {
    const now = performance.now();
    for (const p of this.http1Pools) p.sweep(now);
    const expiredBefore = now - this.deadlineMs;
    for (const f of this.inflight) {
      if (f.startedAt > expiredBefore) break;
      f.fail({ kind: 'timeout', code: 'DEADLINE_EXCEEDED', message: `${f.method} ${f.path}: no complete answer in ${this.deadlineMs} ms` });
    }
    if (this.inflight.size === 0) {
      clearInterval(this.sweeper);
      this.sweeper = undefined;
    }
  };

  private watch(signal: AbortSignal, flight: Flight): void {
    let flights = this.bySignal.get(signal);
    if (!flights) {
      const set = (flights = new Set());
      this.bySignal.set(signal, set);
      signal.addEventListener(
        'abort',
        () => {
          const error = classifyThrown(signal.reason);
          for (const f of [...set]) f.fail(error, signal.reason);
        },
        { once: true },
      );
    }
    flights.add(flight);
  }

  /** Idempotent: the harness and an adapter may both close the client they share. */
  close(): Promise<void> {
    this.closing ??= Promise.all([...this.pools.values()].map((p) => p.close())).then(() => undefined);
    return this.closing;
  }

  private poolFor(origin: string): AnyPool {
    let p = this.pools.get(origin);
    if (!p) {
      const u = new URL(origin);
      if (u.protocol === 'http:') {
        const h1 = new Http1Pool(u.hostname.replace(/^\[|\]$/g, ''), Number(u.port || 80), u.host, this.http1Options);
        this.http1Pools.push(h1);
        p = h1;
      } else p = new LazyUndiciPool(origin, this.poolOptions); // https: (and anything else undici takes) stays on undici
      this.pools.set(origin, p);
    }
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

/**
 * One request in flight, as undici's dispatch handler (the callback interface undici's own request() builds on;
 * undici calls it without a wrapper). Collects the status, raw headers and body chunks; settles its promise once:
 * on completion, on undici's error, or when failed from outside (deadline, caller's abort) — a request still queued
 * for a connection is then answered at once and dropped by undici when its turn comes (onConnect).
 */
class Flight implements Dispatcher.DispatchHandler, Exchange {
  readonly startedAt = performance.now();
  private status = 0;
  private rawHeaders: Buffer[] | string[] | null = null;
  private chunks: Buffer[] | null = null;
  private abort: ((err?: Error) => void) | undefined;
  done = false;
  private abortReason: unknown;
  // As an http1 pool's exchange:
  retried = false;
  conn: Connection | null = null;

  constructor(
    private readonly client: NodeHttpClient,
    readonly method: string,
    readonly path: string,
    /** The request's bytes (http1 pools only). */
    public wire: string,
    private resolve: (res: HttpResponse) => void,
    private reject: (err: TransportError) => void,
    readonly signal: AbortSignal | undefined,
  ) {}

  onConnect(abort: (err?: Error) => void): void {
    if (this.done) abort(abortError(this.abortReason));
    else this.abort = abort;
  }

  onHeaders(status: number, rawHeaders: Buffer[] | string[] | null): boolean {
    // 1xx informational answers come first; the final status follows.
    if (status >= 200) {
      this.status = status;
      this.rawHeaders = rawHeaders;
    }
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.chunks) this.chunks.push(chunk);
    else this.chunks = [chunk];
    return true;
  }

  /** The http1 pool's answer: status, header block, body. */
  onResponse(status: number, head: string, body: string): void {
    if (this.done) return;
    this.done = true;
    this.client.finished(this);
    const resolve = this.resolve;
    this.release();
    resolve(response(status, head, body));
  }

  /** The http1 pool's failure (already classified). */
  onFailure(error: OpError): void {
    if (this.done) return;
    this.done = true;
    this.client.finished(this);
    const reject = this.reject;
    this.release();
    reject(new TransportError(error));
  }

  onComplete(): void {
    if (this.done) return;
    this.done = true;
    this.client.finished(this);
    const c = this.chunks;
    const body = c === null ? '' : c.length === 1 ? c[0].toString() : Buffer.concat(c).toString();
    const raw = this.rawHeaders;
    const resolve = this.resolve;
    this.release();
    resolve(response(this.status, raw, body));
  }

  /**
   * undici keeps up to 256 finished requests (and so their handlers) per connection before compacting its queue:
   * a finished flight lets go of its bytes (views into socket reads), undici's abort closure and its promise's
   * settle functions (through which the promise, and so the response it resolved with, would stay reachable).
   */
  private release(): void {
    this.chunks = null;
    this.rawHeaders = null;
    this.abort = undefined;
    this.wire = '';
    this.resolve = settled;
    this.reject = settled;
  }

  onError(err: Error): void {
    if (this.done) return;
    this.done = true;
    this.client.finished(this);
    const reject = this.reject;
    this.release();
    reject(new TransportError(classifyThrown(err)));
  }

  /** Fail from outside (deadline, caller's abort): answer now, and stop undici's work on it. */
  fail(error: OpError, reason?: unknown): void {
    if (this.done) return;
    this.done = true;
    this.abortReason = reason;
    this.client.finished(this);
    const { reject, abort, conn } = this;
    this.release();
    reject(new TransportError(error));
    abort?.(abortError(reason));
    conn?.abandon(this);
  }
}

const settled = (): void => {};

function abortError(reason: unknown): Error {
  if (reason instanceof Error) return reason;
  const e = new Error('request aborted');
  e.name = 'AbortError';
  return e;
}

/**
 * The response, its headers parsed (lower-case names, repeated ones joined by ", ") on first read. A class with the
 * getter on its prototype: an object literal with a getter costs ~0.5 µs to build (V8 creates it in the runtime),
 * a class instance ~25 ns. `headers` is read like a field; JSON.stringify includes it (toJSON).
 */
class Answer implements HttpResponse {
  // Private (#) fields are not own enumerable properties: the response's keys stay status and body.
  readonly #raw: Buffer[] | string[] | string | null;
  #parsed: Record<string, string> | undefined = undefined;
  constructor(
    readonly status: number,
    readonly body: string,
    raw: Buffer[] | string[] | string | null,
  ) {
    this.#raw = raw;
  }

  get headers(): Record<string, string> {
    const raw = this.#raw;
    return (this.#parsed ??= typeof raw === 'string' ? parseHeaderBlock(raw) : parseRawHeaders(raw));
  }

  toJSON(): HttpResponse {
    return { status: this.status, headers: this.headers, body: this.body };
  }
}

function response(status: number, raw: Buffer[] | string[] | string | null, body: string): HttpResponse {
  return new Answer(status, body, raw);
}

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);
// A header name is a token; a value has no CR, LF or NUL (undici refuses the same).
const BAD_NAME = /[^!#$%&'*+\-.^_`|~0-9A-Za-z]/;
const BAD_VALUE = /[\r\n\0]/;
// Headers the client writes itself.
const OWN_HEADERS = new Set(['host', 'connection', 'content-length', 'transfer-encoding', 'keep-alive']);

/** The request's bytes for an http1 pool: request line, fixed lines, caller's headers, content-length, body. */
function requestBytes(method: string, path: string, fixed: string, headers: Record<string, string> | undefined, body: string | undefined): string {
  if (path.length === 0 || BAD_VALUE.test(path) || path.includes(' ')) throw invalidArg(`invalid request path ${JSON.stringify(path)}`);
  let out = `${method} ${path} HTTP/1.1\r\n${fixed}`;
  if (headers) {
    for (const name in headers) {
      const value = headers[name];
      if (value === undefined) continue;
      let write = checkedNames.get(name);
      if (write === undefined) write = checkName(name);
      if (BAD_VALUE.test(value)) throw invalidArg(`invalid header ${JSON.stringify(name)}`);
      if (write) out += `${name}: ${value}\r\n`;
    }
  }
  if (body !== undefined) return `${out}content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
  return BODY_METHODS.has(method) ? `${out}content-length: 0\r\n\r\n` : `${out}\r\n`;
}

/** Header names already checked (a run uses a handful): true to write, false for a header the client writes itself. */
const checkedNames = new Map<string, boolean>();

function checkName(name: string): boolean {
  if (BAD_NAME.test(name) || name.length === 0) throw invalidArg(`invalid header ${JSON.stringify(name)}`);
  const write = !OWN_HEADERS.has(name.toLowerCase());
  if (checkedNames.size < 1024) checkedNames.set(name, write);
  return write;
}

function invalidArg(message: string): Error {
  return Object.assign(new Error(message), { code: 'UND_ERR_INVALID_ARG' });
}

function parseRawHeaders(raw: Buffer[] | string[] | null): Record<string, string> {
  const out: Record<string, string> = {};
  if (!raw) return out;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i].toString('latin1').toLowerCase();
    const value = raw[i + 1].toString('latin1');
    const had = out[name];
    out[name] = had === undefined ? value : `${had}, ${value}`;
  }
  return out;
}
