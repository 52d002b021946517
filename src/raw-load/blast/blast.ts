// `flashcrowd blast`: raw constant-rate HTTP/1.1 load (open model, wrk2-style), latency corrected for coordinated
// omission. Request i is *intended* at start + i/rate whatever happened before it; when no connection is free at
// that moment it waits in a bounded backlog (its wait counts in the corrected latency), and when the backlog is
// full it is dropped and counted, never silently delayed. With rate 0 each connection sends back to back
// (closed loop, for maximum throughput), and corrected equals service time.
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

export async function runBlast(options: BlastOptions): Promise<BlastResult> {
  const url = new URL(options.url);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`blast supports http and https URLs, not ${url.protocol}`);
  const secure = url.protocol === 'https:';
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = Number(url.port) || (secure ? 443 : 80);
  const method = (options.method ?? 'GET').toUpperCase();
  const body = options.body === undefined ? undefined : Buffer.isBuffer(options.body) ? options.body : Buffer.from(options.body);
  const request = buildRequest(url, method, body, options.headers ?? {});
  const rate = options.rate;
  const closedLoop = rate <= 0;
  const durationMs = options.durationSec * 1000;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const totalIntended = closedLoop ? Infinity : Math.floor(rate * options.durationSec);
  const intervalMs = closedLoop ? 0 : 1000 / rate;
  const backlog = new Backlog(closedLoop ? 0 : options.maxBacklog ?? Math.max(100, Math.ceil(rate)));

  const service = newHistogram();
  const corrected = newHistogram();
  const lag = newHistogram();
  const statusCounts = new Float64Array(1000);
  const errorsByKind: Record<string, number> = {};
  let completed = 0;
  let errors = 0;
  let dropped = 0;
  let issued = 0; // arrivals scheduled so far (sent, waiting or dropped)
  let startAt = 0;
  let stopping = false;
  let finished = false;

  const countError = (kind: string) => {
    errors++;
    errorsByKind[kind] = (errorsByKind[kind] ?? 0) + 1;
  };

  interface Conn {
    socket: net.Socket | null;
    parser: ResponseParser;
    busy: boolean;
    sentAt: number;
    intendedAt: number;
    connected: boolean;
    reconnectTimer: NodeJS.Timeout | null;
  }
  const conns: Conn[] = [];
  const free: Conn[] = [];

  const send = (c: Conn, intendedAt: number) => {
    const now = performance.now();
    c.busy = true;
    c.sentAt = now;
    c.intendedAt = intendedAt;
    if (!closedLoop) lag.recordValue(Math.max(0, Math.round((now - intendedAt) * 1000)));
    c.socket!.write(request);
  };

  const nextWork = (c: Conn) => {
    if (closedLoop) {
      if (!stopping) send(c, performance.now());
      return;
    }
    if (backlog.size > 0) {
      send(c, backlog.shift());
      return;
    }
    free.push(c);
  };

  const onResponse = (c: Conn, status: number, keepAlive: boolean) => {
    const now = performance.now();
    c.busy = false;
    completed++;
    statusCounts[status] += 1;
    if (status >= 400) countError(status >= 500 ? 'http_5xx' : 'http_4xx');
    service.recordValue(Math.max(1, Math.round((now - c.sentAt) * 1000)));
    corrected.recordValue(Math.max(1, Math.round((now - c.intendedAt) * 1000)));
    if (keepAlive) nextWork(c);
    else reconnect(c); // the server ends this connection (e.g. nginx's keepalive_requests): not an error
  };

  const detach = (c: Conn) => {
    const idx = free.indexOf(c);
    if (idx >= 0) free.splice(idx, 1);
    if (c.socket) {
      c.socket.removeAllListeners();
      c.socket.on('error', () => {});
      c.socket.destroy();
      c.socket = null;
    }
    c.connected = false;
    c.parser.reset();
  };

  const reconnect = (c: Conn) => {
    detach(c);
    if (!finished) connect(c);
  };

  const fail = (c: Conn, kind: string) => {
    if (!c.connected && !c.busy) countError(kind); // a failed connection attempt (wrk's "socket errors: connect")
    if (c.busy) {
      c.busy = false;
      completed++;
      countError(kind);
      const now = performance.now();
      corrected.recordValue(Math.max(1, Math.round((now - c.intendedAt) * 1000)));
    }
    detach(c);
    if (!finished && !c.reconnectTimer) {
      c.reconnectTimer = setTimeout(() => {
        c.reconnectTimer = null;
        if (!finished) connect(c);
      }, RECONNECT_DELAY_MS);
    }
  };

  const connect = (c: Conn) => {
    const socket = secure
      ? tls.connect({ host, port, servername: net.isIP(host) ? undefined : host, rejectUnauthorized: false })
      : net.connect({ host, port });
    socket.setNoDelay(true);
    c.socket = socket;
    socket.once(secure ? 'secureConnect' : 'connect', () => {
      c.connected = true;
      nextWork(c);
    });
    socket.on('data', (chunk: Buffer) => {
      try {
        c.parser.feed(chunk);
      } catch {
        fail(c, 'protocol');
      }
    });
    socket.on('error', (err: NodeJS.ErrnoException) => fail(c, classifySocketError(err)));
    socket.on('close', () => {
      if (c.socket === socket) fail(c, 'reset');
    });
  };

  for (let i = 0; i < options.connections; i++) {
    const c: Conn = { socket: null, parser: null as unknown as ResponseParser, busy: false, sentAt: 0, intendedAt: 0, connected: false, reconnectTimer: null };
    c.parser = new ResponseParser((status, keepAlive) => onResponse(c, status, keepAlive), method === 'HEAD');
    conns.push(c);
  }

  return await new Promise<BlastResult>((resolve) => {
    startAt = performance.now();
    for (const c of conns) connect(c);
    let lastSweep = startAt;
    let lastProgress = startAt;
    let drainDeadline = Infinity;

    const finish = () => {
      finished = true;
      for (const c of conns) {
        if (c.reconnectTimer) clearTimeout(c.reconnectTimer);
        if (c.busy) {
          c.busy = false;
          countError('timeout');
        }
        c.socket?.removeAllListeners();
        c.socket?.on('error', () => {});
        c.socket?.destroy();
      }
      dropped += backlog.size;
      const elapsedSec = Math.min(durationMs, performance.now() - startAt) / 1000;
      const statusCodes: Record<string, number> = {};
      statusCounts.forEach((n, code) => {
        if (n > 0) statusCodes[String(code)] = n;
      });
      const lagSummary = summarise(lag);
      resolve({
        intendedRate: closedLoop ? 0 : rate,
        achievedRate: Math.round((completed / Math.max(elapsedSec, 1e-9)) * 100) / 100,
        requests: completed,
        errors,
        dropped,
        latencyMs: summarise(service),
        correctedLatencyMs: summarise(corrected),
        durationSec: Math.round(elapsedSec * 1000) / 1000,
        connections: options.connections,
        statusCodes,
        errorsByKind,
        scheduleLagMs: { p50: lagSummary.p50, p99: lagSummary.p99, max: lagSummary.max },
      });
    };

    const tick = () => {
      const now = performance.now();
      const elapsed = now - startAt;
      if (!closedLoop && !stopping) {
        const due = Math.min(totalIntended, Math.floor(elapsed / intervalMs) + 1);
        while (issued < due) {
          const intendedAt = startAt + issued * intervalMs;
          issued++;
          const c = free.pop();
          if (c) send(c, intendedAt);
          else if (!backlog.push(intendedAt)) dropped++;
        }
      }
      if (!stopping && (elapsed >= durationMs || options.signal?.aborted)) {
        stopping = true;
        drainDeadline = options.signal?.aborted ? now : now + Math.min(timeoutMs, 5_000);
      }
      if (now - lastSweep >= TIMEOUT_SWEEP_MS) {
        lastSweep = now;
        for (const c of conns) if (c.busy && now - c.sentAt > timeoutMs) fail(c, 'timeout');
      }
      if (options.onProgress && now - lastProgress >= 1000) {
        lastProgress = now;
        options.onProgress({ elapsedSec: elapsed / 1000, requests: completed, errors, dropped });
      }
      if (stopping) {
        const idle = backlog.size === 0 && conns.every((c) => !c.busy);
        const unreachable = conns.every((c) => !c.connected && !c.busy); // nothing could serve the backlog
        if (idle || unreachable || now >= drainDeadline) {
          finish();
          return;
        }
      }
      setTimeout(tick, TICK_MS);
    };
    setTimeout(tick, 0);
  });
}
