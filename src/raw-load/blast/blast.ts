// `flashcrowd blast`: raw constant-rate HTTP/1.1 load (open model, wrk2-style), latency corrected for coordinated
// omission. Request i is *intended* at start + i/rate whatever happened before it; when no connection is free at
// that moment it waits in a bounded backlog (its wait counts in the corrected latency), and when the backlog is
// full it is dropped and counted, never silently delayed. With rate 0 each connection sends back to back
// (closed loop, for maximum throughput), and corrected equals service time.
//
// Hot path (issue 15): plain-TCP connections read through `onread` into one reused buffer (no stream chunk, no
// 'data' event per read), the parser works on bytes in place, and the request bytes are built once. The run is a
// `Blaster` whose phases are named methods: plan (planBlast), connect, send/next work, response, failure,
// tick (arrivals, timeouts, progress, stop), finish.
import net from 'node:net';
import tls from 'node:tls';
import { performance } from 'node:perf_hooks';
import * as hdr from 'hdr-histogram-js';
import { ResponseParser } from './response-parser.ts';

export interface BlastOptions {
  url: string;
  /** Requests per second; 0 = as fast as the connections allow (closed loop). */
  rate: number;
  durationSec: number;
  connections: number;
  method?: string;
  body?: string | Buffer;
  headers?: Record<string, string>;
  /** A request without a complete response after this long counts as a timeout error. */
  timeoutMs?: number;
  /** Requests that may wait for a free connection; beyond it arrivals are dropped. Default: one second of arrivals. */
  maxBacklog?: number;
  signal?: AbortSignal;
  onProgress?: (progress: BlastProgress) => void;
}

export interface BlastProgress {
  elapsedSec: number;
  requests: number;
  errors: number;
  dropped: number;
}

export interface LatencySummary {
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
}

export interface BlastResult {
  intendedRate: number;
  achievedRate: number;
  requests: number;
  errors: number;
  dropped: number;
  latencyMs: LatencySummary;
  correctedLatencyMs: LatencySummary;
  /** Extensions. */
  durationSec: number;
  connections: number;
  statusCodes: Record<string, number>;
  errorsByKind: Record<string, number>;
  scheduleLagMs: { p50: number; p99: number; max: number };
}

const TICK_MS = 1;
/** Reads of all plain-TCP connections land here in turn (each is parsed before the next read). */
const READ_BUFFER_BYTES = 64 * 1024;
const TIMEOUT_SWEEP_MS = 50;
const RECONNECT_DELAY_MS = 100;

function newHistogram(): hdr.Histogram {
  // Microseconds, 1 µs .. 1 h, 3 significant digits.
  return hdr.build({ bitBucketSize: 32, autoResize: true, lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 3, useWebAssembly: false });
}

function summarise(h: hdr.Histogram): LatencySummary {
  if (h.totalCount === 0) return { p50: 0, p90: 0, p99: 0, p999: 0, max: 0 };
  const ms = (us: number) => Math.round(us) / 1000;
  return {
    p50: ms(h.getValueAtPercentile(50)),
    p90: ms(h.getValueAtPercentile(90)),
    p99: ms(h.getValueAtPercentile(99)),
    p999: ms(h.getValueAtPercentile(99.9)),
    max: ms(h.maxValue),
  };
}

export function buildRequest(url: URL, method: string, body: Buffer | undefined, headers: Record<string, string>): Buffer {
  const lines = [`${method} ${url.pathname}${url.search} HTTP/1.1`, `Host: ${url.host}`, 'Connection: keep-alive'];
  let hasUserAgent = false;
  for (const [name, value] of Object.entries(headers)) {
    if (/[\r\n]/.test(name) || /[\r\n]/.test(value)) throw new Error(`header ${JSON.stringify(name)} contains a line break`);
    if (name.toLowerCase() === 'user-agent') hasUserAgent = true;
    lines.push(`${name}: ${value}`);
  }
  if (!hasUserAgent) lines.push('User-Agent: flashcrowd-blast');
  if (body && body.length > 0) lines.push(`Content-Length: ${body.length}`);
  else if (method !== 'GET' && method !== 'HEAD') lines.push('Content-Length: 0');
  const head = Buffer.from(lines.join('\r\n') + '\r\n\r\n', 'latin1');
  return body && body.length > 0 ? Buffer.concat([head, body]) : head;
}

/** Float64 ring buffer of intended send times waiting for a free connection. */
class Backlog {
  private readonly items: Float64Array;
  private head = 0;
  size = 0;
  constructor(readonly capacity: number) {
    this.items = new Float64Array(Math.max(1, capacity));
  }
  push(value: number): boolean {
    if (this.size >= this.capacity) return false;
    this.items[(this.head + this.size) % this.items.length] = value;
    this.size++;
    return true;
  }
  shift(): number {
    const value = this.items[this.head];
    this.head = (this.head + 1) % this.items.length;
    this.size--;
    return value;
  }
}

function classifySocketError(err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'ECONNREFUSED':
      return 'connect_refused';
    case 'ECONNRESET':
    case 'EPIPE':
      return 'reset';
    case 'ETIMEDOUT':
      return 'timeout';
    default:
      return 'other';
  }
}

/** What a run needs, derived from the options once. */
interface BlastPlan {
  secure: boolean;
  host: string;
  port: number;
  method: string;
  request: Buffer;
  rate: number;
  closedLoop: boolean;
  durationMs: number;
  timeoutMs: number;
  totalIntended: number;
  intervalMs: number;
  backlogCapacity: number;
}

export function planBlast(options: BlastOptions): BlastPlan {
  const url = new URL(options.url);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`blast supports http and https URLs, not ${url.protocol}`);
  const secure = url.protocol === 'https:';
  const method = (options.method ?? 'GET').toUpperCase();
  const body = options.body === undefined ? undefined : Buffer.isBuffer(options.body) ? options.body : Buffer.from(options.body);
  const rate = options.rate;
  const closedLoop = rate <= 0;
  return {
    secure,
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: Number(url.port) || (secure ? 443 : 80),
    method,
    request: buildRequest(url, method, body, options.headers ?? {}),
    rate,
    closedLoop,
    durationMs: options.durationSec * 1000,
    timeoutMs: options.timeoutMs ?? 10_000,
    totalIntended: closedLoop ? Infinity : Math.floor(rate * options.durationSec),
    intervalMs: closedLoop ? 0 : 1000 / rate,
    backlogCapacity: closedLoop ? 0 : (options.maxBacklog ?? Math.max(100, Math.ceil(rate))),
  };
}

export async function runBlast(options: BlastOptions): Promise<BlastResult> {
  return new Blaster(planBlast(options), options).run();
}

class Conn {
  socket: net.Socket | null = null;
  busy = false;
  sentAt = 0;
  intendedAt = 0;
  connected = false;
  reconnectTimer: NodeJS.Timeout | null = null;
  readonly parser: ResponseParser;
  constructor(onResponse: (c: Conn, status: number, keepAlive: boolean) => void, noBody: boolean) {
    this.parser = new ResponseParser((status, keepAlive) => onResponse(this, status, keepAlive), noBody);
  }
}

/** One blast run: connections, the arrival schedule, the backlog and the figures. */
class Blaster {
  private readonly service = newHistogram();
  private readonly corrected = newHistogram();
  private readonly lag = newHistogram();
  private readonly statusCounts = new Float64Array(1000);
  private readonly errorsByKind: Record<string, number> = {};
  private readonly conns: Conn[] = [];
  private readonly free: Conn[] = [];
  private readonly backlog: Backlog;
  private readonly readBuffer = Buffer.allocUnsafe(READ_BUFFER_BYTES);
  private completed = 0;
  private errors = 0;
  private dropped = 0;
  private issued = 0; // arrivals scheduled so far (sent, waiting or dropped)
  private startAt = 0;
  private stopping = false;
  private finished = false;
  private lastSweep = 0;
  private lastProgress = 0;
  private drainDeadline = Infinity;
  private resolve: (result: BlastResult) => void = () => {};

  constructor(
    private readonly plan: BlastPlan,
    private readonly options: BlastOptions,
  ) {
    this.backlog = new Backlog(plan.backlogCapacity);
    const onResponse = (c: Conn, status: number, keepAlive: boolean) => this.onResponse(c, status, keepAlive);
    for (let i = 0; i < options.connections; i++) this.conns.push(new Conn(onResponse, plan.method === 'HEAD'));
  }

  run(): Promise<BlastResult> {
    return new Promise<BlastResult>((resolve) => {
      this.resolve = resolve;
      this.startAt = this.lastSweep = this.lastProgress = performance.now();
      for (const c of this.conns) this.connect(c);
      setTimeout(this.tick, 0);
    });
  }

  // --- connections ---

  private connect(c: Conn): void {
    const { secure, host, port } = this.plan;
    let socket: net.Socket;
    const onread = { buffer: this.readBuffer, callback: (n: number, buf: Uint8Array): boolean => this.onRead(c, socket, n, buf) };
    socket = secure ? tls.connect({ host, port, servername: net.isIP(host) ? undefined : host, rejectUnauthorized: false }) : net.connect({ host, port, onread });
    socket.setNoDelay(true);
    c.socket = socket;
    socket.once(secure ? 'secureConnect' : 'connect', () => {
      c.connected = true;
      this.nextWork(c);
    });
    if (secure) socket.on('data', (chunk: Buffer) => void this.onRead(c, socket, chunk.length, chunk));
    socket.on('error', (err: NodeJS.ErrnoException) => this.fail(c, classifySocketError(err)));
    socket.on('close', () => {
      if (c.socket === socket) this.fail(c, 'reset');
    });
  }

  /** Always true: keep reading (onread's contract: false pauses the socket). */
  private onRead(c: Conn, socket: net.Socket, n: number, buf: Uint8Array): boolean {
    if (c.socket !== socket) return true;
    try {
      c.parser.feed(buf as Buffer, n);
    } catch {
      this.fail(c, 'protocol');
    }
    return true;
  }

  private detach(c: Conn): void {
    const idx = this.free.indexOf(c);
    if (idx >= 0) this.free.splice(idx, 1);
    if (c.socket) {
      c.socket.removeAllListeners();
      c.socket.on('error', () => {});
      c.socket.destroy();
      c.socket = null;
    }
    c.connected = false;
    c.parser.reset();
  }

  private reconnect(c: Conn): void {
    this.detach(c);
    if (!this.finished) this.connect(c);
  }

  // --- requests and responses ---

  private send(c: Conn, intendedAt: number): void {
    const now = performance.now();
    c.busy = true;
    c.sentAt = now;
    c.intendedAt = intendedAt;
    if (!this.plan.closedLoop) this.lag.recordValue(Math.max(0, Math.round((now - intendedAt) * 1000)));
    c.socket!.write(this.plan.request);
  }

  private nextWork(c: Conn): void {
    if (this.plan.closedLoop) {
      if (!this.stopping) this.send(c, performance.now());
      return;
    }
    if (this.backlog.size > 0) {
      this.send(c, this.backlog.shift());
      return;
    }
    this.free.push(c);
  }

  private onResponse(c: Conn, status: number, keepAlive: boolean): void {
    const now = performance.now();
    c.busy = false;
    this.completed++;
    this.statusCounts[status] += 1;
    if (status >= 400) this.countError(status >= 500 ? 'http_5xx' : 'http_4xx');
    this.service.recordValue(Math.max(1, Math.round((now - c.sentAt) * 1000)));
    this.corrected.recordValue(Math.max(1, Math.round((now - c.intendedAt) * 1000)));
    if (keepAlive) this.nextWork(c);
    else this.reconnect(c); // the server ends this connection (e.g. nginx's keepalive_requests): not an error
  }

  private countError(kind: string): void {
    this.errors++;
    this.errorsByKind[kind] = (this.errorsByKind[kind] ?? 0) + 1;
  }

  private fail(c: Conn, kind: string): void {
    if (!c.connected && !c.busy) this.countError(kind); // a failed connection attempt (wrk's "socket errors: connect")
    if (c.busy) {
      c.busy = false;
      this.completed++;
      this.countError(kind);
      this.corrected.recordValue(Math.max(1, Math.round((performance.now() - c.intendedAt) * 1000)));
    }
    this.detach(c);
    if (!this.finished && !c.reconnectTimer) {
      c.reconnectTimer = setTimeout(() => {
        c.reconnectTimer = null;
        if (!this.finished) this.connect(c);
      }, RECONNECT_DELAY_MS);
    }
  }

  // --- the clock ---

  private readonly tick = (): void => {
    const now = performance.now();
    const elapsed = now - this.startAt;
    if (!this.plan.closedLoop && !this.stopping) this.arrive(elapsed);
    if (!this.stopping && (elapsed >= this.plan.durationMs || this.options.signal?.aborted)) {
      this.stopping = true;
      this.drainDeadline = this.options.signal?.aborted ? now : now + Math.min(this.plan.timeoutMs, 5_000);
    }
    if (now - this.lastSweep >= TIMEOUT_SWEEP_MS) {
      this.lastSweep = now;
      for (const c of this.conns) if (c.busy && now - c.sentAt > this.plan.timeoutMs) this.fail(c, 'timeout');
    }
    if (this.options.onProgress && now - this.lastProgress >= 1000) {
      this.lastProgress = now;
      this.options.onProgress({ elapsedSec: elapsed / 1000, requests: this.completed, errors: this.errors, dropped: this.dropped });
    }
    if (this.stopping && this.drained(now)) {
      this.finish();
      return;
    }
    setTimeout(this.tick, TICK_MS);
  };

  /** Every arrival due by now: to a free connection, else into the backlog, else dropped. */
  private arrive(elapsed: number): void {
    const { intervalMs, totalIntended } = this.plan;
    const due = Math.min(totalIntended, Math.floor(elapsed / intervalMs) + 1);
    while (this.issued < due) {
      const intendedAt = this.startAt + this.issued * intervalMs;
      this.issued++;
      const c = this.free.pop();
      if (c) this.send(c, intendedAt);
      else if (!this.backlog.push(intendedAt)) this.dropped++;
    }
  }

  private drained(now: number): boolean {
    const idle = this.backlog.size === 0 && this.conns.every((c) => !c.busy);
    const unreachable = this.conns.every((c) => !c.connected && !c.busy); // nothing could serve the backlog
    return idle || unreachable || now >= this.drainDeadline;
  }

  private finish(): void {
    this.finished = true;
    for (const c of this.conns) {
      if (c.reconnectTimer) clearTimeout(c.reconnectTimer);
      if (c.busy) {
        c.busy = false;
        this.countError('timeout');
      }
      c.socket?.removeAllListeners();
      c.socket?.on('error', () => {});
      c.socket?.destroy();
    }
    this.dropped += this.backlog.size;
    this.resolve(this.result());
  }

  private result(): BlastResult {
    const elapsedSec = Math.min(this.plan.durationMs, performance.now() - this.startAt) / 1000;
    const statusCodes: Record<string, number> = {};
    this.statusCounts.forEach((n, code) => {
      if (n > 0) statusCodes[String(code)] = n;
    });
    const lagSummary = summarise(this.lag);
    return {
      intendedRate: this.plan.closedLoop ? 0 : this.plan.rate,
      achievedRate: Math.round((this.completed / Math.max(elapsedSec, 1e-9)) * 100) / 100,
      requests: this.completed,
      errors: this.errors,
      dropped: this.dropped,
      latencyMs: summarise(this.service),
      correctedLatencyMs: summarise(this.corrected),
      durationSec: Math.round(elapsedSec * 1000) / 1000,
      connections: this.options.connections,
      statusCodes,
      errorsByKind: this.errorsByKind,
      scheduleLagMs: { p50: lagSummary.p50, p99: lagSummary.p99, max: lagSummary.max },
    };
  }
}
