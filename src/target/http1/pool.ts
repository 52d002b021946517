// A per-origin pool of HTTP/1.1 keep-alive connections on `net` sockets, for NodeHttpClient's `http:` origins
// (issue 15: undici's per-request machinery was a large share of the session engine's CPU per request). One request at
// a time per connection (pipelining 1), at most `connections` connections, requests beyond that queued in order.
//
// Per request there is no closure, no timer and no AbortSignal: the request is an `Exchange` the caller made (its
// bytes prebuilt as one string), a connection keeps one reusable parser, and timeouts (connect, headers, body idle)
// are checked by the caller's periodic `sweep(now)`. A GET or HEAD sent on a reused connection that failed before
// any byte of the answer (a keep-alive connection the server had just closed) is retried once on a fresh connection.
import net from 'node:net';
import { classifyThrown } from '../errors.ts';
import type { OpError } from '../target.ts';
import { ResponseParser, ResponseParseError } from './response-parser.ts';

/** One request, as the pool sees it; the caller settles it through onResponse/onFailure (each called at most once). */
export interface Exchange {
  readonly method: string;
  /** The whole request (head and body), UTF-8 on the wire. */
  readonly wire: string;
  /** Settled (or failed from outside): a queued exchange that is done is skipped. */
  done: boolean;
  retried: boolean;
  /** The connection serving it, while it is served. */
  conn: Connection | null;
  onResponse(status: number, head: string, body: string): void;
  onFailure(error: OpError): void;
}

export interface Http1PoolOptions {
  connections: number;
  keepAliveMs: number;
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
  connectTimeoutMs: number;
  maxResponseBytes: number;
}

export class Http1Pool {
  private readonly all = new Set<Connection>();
  /** Free connections, most recently used last (reused first: the others may expire). */
  private readonly idle: Connection[] = [];
  private queue: (Exchange | undefined)[] = [];
  private queueHead = 0;
  private closed = false;
  private onDrained: (() => void) | undefined;
  /** `host: …` and `connection: keep-alive` lines, the same for every request. */
  readonly fixedHeaders: string;

  constructor(
    readonly hostname: string,
    readonly port: number,
    hostHeader: string,
    readonly options: Http1PoolOptions,
  ) {
    this.fixedHeaders = `host: ${hostHeader}\r\nconnection: keep-alive\r\n`;
  }

  get size(): number {
    return this.all.size;
  }

  dispatch(x: Exchange): void {
    if (this.closed) {
      x.onFailure({ kind: 'aborted', code: 'CLIENT_CLOSED', message: 'the HTTP client is closed' });
      return;
    }
    const c = this.takeIdle(performance.now());
    if (c) c.send(x);
    else if (this.all.size < this.options.connections) this.open().send(x);
    else this.queue.push(x);
  }

  private takeIdle(now: number): Connection | undefined {
    for (let c = this.idle.pop(); c; c = this.idle.pop()) {
      if (c.usable(now)) return c;
      c.destroy();
    }
    return undefined;
  }

  private open(): Connection {
    const c = new Connection(this);
    this.all.add(c);
    return c;
  }

  private nextQueued(): Exchange | undefined {
    while (this.queueHead < this.queue.length) {
      const x = this.queue[this.queueHead];
      this.queue[this.queueHead++] = undefined;
      if (x && !x.done) return x;
    }
    if (this.queueHead > 0) {
      this.queue = [];
      this.queueHead = 0;
    }
    return undefined;
  }

  /** A connection finished an answer and stays open. */
  released(c: Connection, now: number): void {
    const x = this.nextQueued();
    if (x) c.send(x);
    else if (this.closed) c.destroy();
    else {
      c.idleSince = now;
      c.socket.unref();
      this.idle.push(c);
    }
  }

  /** A connection closed (its exchange, if any, already handled). */
  gone(c: Connection): void {
    this.all.delete(c);
    const i = this.idle.lastIndexOf(c);
    if (i >= 0) this.idle.splice(i, 1);
    // Queued requests waited for a free connection: open one in its place.
    while (this.all.size < this.options.connections) {
      const x = this.nextQueued();
      if (!x) break;
      this.open().send(x);
    }
    if (this.closed && this.all.size === 0) this.onDrained?.();
  }

  /** Send a request again on a new connection (the connection it was sent on was stale). */
  retry(x: Exchange): void {
    if (this.closed) x.onFailure({ kind: 'aborted', code: 'CLIENT_CLOSED', message: 'the HTTP client is closed' });
    else if (this.all.size < this.options.connections) this.open().send(x);
    else this.queue.splice(this.queueHead, 0, x);
  }

  /** Timeouts of the requests being served. */
  sweep(now: number): void {
    for (const c of this.all) c.check(now);
  }

  /** Waits for the requests in flight and queued, then closes every connection. */
  close(): Promise<void> {
    this.closed = true;
    for (const c of this.idle.splice(0)) c.destroy();
    if (this.all.size === 0) return Promise.resolve();
    return new Promise((resolve) => (this.onDrained = resolve));
  }
}

const IDEMPOTENT_RETRY = new Set(['GET', 'HEAD']);

/**
 * Every connection reads into this one buffer (net's `onread`: no Buffer and no stream 'data' event per read). Reads
 * are handled one at a time on this thread and the parser copies whatever must outlive a read, so sharing is safe.
 */
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);

export class Connection {
  readonly socket: net.Socket;
  private readonly parser: ResponseParser;
  private current: Exchange | null = null;
  private connected = false;
  private reused = false;
  private gotBytes = false;
  private dead = false;
  private error: Error | null = null;
  private readonly openedAt = performance.now();
  private sentAt = 0;
  private lastByteAt = 0;
  idleSince = 0;
  /** How long this connection may stay idle (the server's Keep-Alive timeout hint, less a second, caps it). */
  private keepAliveMs: number;

  constructor(private readonly pool: Http1Pool) {
    this.parser = new ResponseParser(pool.options.maxResponseBytes);
    this.keepAliveMs = pool.options.keepAliveMs;
    this.socket = net.connect({
      host: pool.hostname,
      port: pool.port,
      noDelay: true,
      keepAlive: true,
      keepAliveInitialDelay: 60_000,
      onread: { buffer: READ_BUFFER, callback: this.onRead },
    });
    this.socket.on('connect', this.onConnect);
    this.socket.on('error', this.onError);
    this.socket.on('close', this.onClose);
  }

  usable(now: number): boolean {
    return !this.dead && !this.socket.destroyed && this.socket.writable && now - this.idleSince < this.keepAliveMs;
  }

  send(x: Exchange): void {
    this.current = x;
    x.conn = this;
    this.gotBytes = false;
    this.parser.begin(x.method === 'HEAD');
    if (this.reused) this.socket.ref();
    this.sentAt = this.lastByteAt = performance.now();
    // Before the connection is up, net buffers the write.
    this.socket.write(x.wire);
  }

  /** The exchange was failed from outside (deadline, caller's abort): stop reading its answer. */
  abandon(x: Exchange): void {
    if (this.current !== x) return;
    this.current = null;
    x.conn = null;
    this.destroy();
  }

  destroy(): void {
    this.dead = true;
    this.socket.destroy();
  }

  check(now: number): void {
    const x = this.current;
    if (!x) return;
    const o = this.pool.options;
    let error: OpError | undefined;
    if (!this.connected) {
      if (now - this.openedAt > o.connectTimeoutMs) error = { kind: 'timeout', code: 'UND_ERR_CONNECT_TIMEOUT', message: `connect timeout (${o.connectTimeoutMs} ms)` };
    } else if (this.parser.status === 0) {
      if (now - this.sentAt > o.headersTimeoutMs) error = { kind: 'timeout', code: 'UND_ERR_HEADERS_TIMEOUT', message: `headers timeout (${o.headersTimeoutMs} ms)` };
    } else if (now - this.lastByteAt > o.bodyTimeoutMs) {
      error = { kind: 'timeout', code: 'UND_ERR_BODY_TIMEOUT', message: `body timeout (${o.bodyTimeoutMs} ms)` };
    }
    if (!error) return;
    this.current = null;
    x.conn = null;
    this.destroy();
    x.onFailure(error);
  }

  private readonly onConnect = (): void => {
    this.connected = true;
    this.sentAt = this.lastByteAt = performance.now();
  };

  /** net's onread callback: buf[0, len) is valid only during the call. Returns true (false would pause reading). */
  private readonly onRead = (len: number, buf: Uint8Array): boolean => {
    const x = this.current;
    if (!x) {
      this.destroy(); // bytes nobody asked for
      return true;
    }
    this.gotBytes = true;
    const p = this.parser;
    try {
      if (!p.feed(buf as Buffer, len)) {
        this.lastByteAt = performance.now();
        return true;
      }
    } catch (err) {
      this.current = null;
      x.conn = null;
      this.destroy();
      x.onFailure(parseFailure(err));
      return true;
    }
    this.finish(x, p.keepAlive && !p.trailingBytes, performance.now());
    return true;
  };

  private finish(x: Exchange, reuse: boolean, now: number): void {
    const p = this.parser;
    const status = p.status;
    const head = p.head;
    const body = p.body();
    this.current = null;
    x.conn = null;
    if (reuse) {
      // The server's hint is read once per connection (it does not change between its answers).
      const hint = this.reused ? -1 : keepAliveHint(head);
      if (hint >= 0) this.keepAliveMs = Math.min(this.pool.options.keepAliveMs, hint);
      this.pool.released(this, now);
    } else this.destroy();
    this.reused = true;
    x.onResponse(status, head, body);
  }

  private readonly onError = (err: Error): void => {
    this.error ??= err;
  };

  private readonly onClose = (): void => {
    this.dead = true;
    const x = this.current;
    this.current = null;
    if (x) {
      x.conn = null;
      if (this.error === null && this.parser.closed()) {
        this.finish(x, false, performance.now());
      } else if (this.reused && !this.gotBytes && !x.retried && !x.done && IDEMPOTENT_RETRY.has(x.method)) {
        x.retried = true;
        this.pool.gone(this);
        this.pool.retry(x);
        return;
      } else {
        x.onFailure(this.error ? classifyThrown(this.error) : { kind: 'reset', code: 'UND_ERR_SOCKET', message: 'other side closed' });
      }
    }
    this.pool.gone(this);
  };
}

function parseFailure(err: unknown): OpError {
  if (err instanceof ResponseParseError) return { kind: 'protocol', code: err.code, message: err.message };
  return classifyThrown(err);
}

/** `Keep-Alive: timeout=5` → 4000 (ms, a second early, as undici does), else -1. Only looks when the header is there. */
function keepAliveHint(head: string): number {
  if (!head.includes('timeout=')) return -1;
  const m = /^keep-alive:[^\r\n]*timeout=(\d+)/im.exec(head);
  if (!m) return -1;
  return Math.max(0, Number(m[1]) * 1000 - 1000);
}
