// A TCP proxy on 127.0.0.1 between the reference backend and one of its services (Postgres, Redis), for fault
// injection: `setLatency(ms)` delays every chunk the service sends back (each query round trip gets slower, like a
// slow disk or a far replica), `cut()` drops every open connection and refuses new ones until `restore()`.
// Order is kept per direction; a direction whose delayed backlog passes `maxQueuedBytes` pauses its source.
import net from 'node:net';

export interface TcpProxyOptions {
  /** host:port the proxy forwards to. */
  upstream: { host: string; port: number };
  /** Port to listen on (127.0.0.1); 0 picks a free one. */
  port?: number;
  maxQueuedBytes?: number;
}

export interface TcpProxyStats {
  accepted: number;
  refused: number;
  open: number;
  cutConnections: number;
}

export class TcpProxy {
  private server?: net.Server;
  private readonly sockets = new Set<net.Socket>();
  private latencyMs = 0;
  private cutActive = false;
  private readonly maxQueuedBytes: number;
  readonly stats: TcpProxyStats = { accepted: 0, refused: 0, open: 0, cutConnections: 0 };
  port = 0;

  constructor(private readonly options: TcpProxyOptions) {
    this.maxQueuedBytes = options.maxQueuedBytes ?? 4 * 1024 * 1024;
  }

  async listen(): Promise<this> {
    const server = net.createServer((client) => this.accept(client));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: '127.0.0.1', port: this.options.port ?? 0 }, () => (server.off('error', reject), resolve()));
    });
    this.port = (server.address() as net.AddressInfo).port;
    return this;
  }

  /** Added delay on the service -> backend direction, per chunk, in ms (0 = none). */
  setLatency(ms: number): void {
    this.latencyMs = Math.max(0, ms);
  }

  get latency(): number {
    return this.latencyMs;
  }

  /** Drop every open connection and refuse new ones (accept, then reset at once) until restore(). */
  cut(): void {
    this.cutActive = true;
    for (const s of this.sockets) {
      this.stats.cutConnections++;
      s.resetAndDestroy();
    }
  }

  restore(): void {
    this.cutActive = false;
  }

  get isCut(): boolean {
    return this.cutActive;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private accept(client: net.Socket): void {
    if (this.cutActive) {
      this.stats.refused++;
      client.on('error', () => {});
      client.resetAndDestroy();
      return;
    }
    this.stats.accepted++;
    const upstream = net.connect(this.options.upstream);
    this.track(client);
    this.track(upstream);
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    client.pipe(upstream);
    this.delayedPipe(upstream, client);
  }

  private track(s: net.Socket): void {
    this.sockets.add(s);
    this.stats.open = this.sockets.size;
    s.once('close', () => {
      this.sockets.delete(s);
      this.stats.open = this.sockets.size;
    });
  }

  /** Like pipe, but each chunk is written `latencyMs` after it arrived (in order). */
  private delayedPipe(from: net.Socket, to: net.Socket): void {
    const queue: { due: number; chunk: Buffer }[] = [];
    let queuedBytes = 0;
    let timer: NodeJS.Timeout | undefined;
    let ended = false;
    const flush = () => {
      timer = undefined;
      const now = performance.now();
      while (queue.length && queue[0].due <= now) {
        const { chunk } = queue.shift()!;
        queuedBytes -= chunk.length;
        if (!to.destroyed) to.write(chunk);
      }
      if (queuedBytes < this.maxQueuedBytes && from.isPaused()) from.resume();
      if (queue.length) timer = setTimeout(flush, Math.max(0, queue[0].due - performance.now()));
      else if (ended && !to.destroyed) to.end();
    };
    from.on('data', (chunk: Buffer) => {
      if (this.latencyMs === 0 && queue.length === 0) {
        if (!to.write(chunk)) {
          from.pause();
          to.once('drain', () => from.resume());
        }
        return;
      }
      queue.push({ due: performance.now() + this.latencyMs, chunk });
      queuedBytes += chunk.length;
      if (queuedBytes >= this.maxQueuedBytes) from.pause();
      if (!timer) timer = setTimeout(flush, Math.max(0, queue[0].due - performance.now()));
    });
    from.on('end', () => {
      ended = true;
      if (!queue.length && !to.destroyed) to.end();
    });
    from.on('close', () => timer && clearTimeout(timer));
  }
}

/** Starts a proxy to the host:port of a postgres:// or redis:// URL and returns it with the URL rewritten to use it. */
export async function proxyServiceUrl(url: string, defaultPort: number): Promise<{ proxy: TcpProxy; url: string }> {
  const u = new URL(url);
  const host = u.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1';
  const proxy = await new TcpProxy({ upstream: { host, port: Number(u.port) || defaultPort } }).listen();
  u.hostname = '127.0.0.1';
  u.port = String(proxy.port);
  return { proxy, url: u.toString() };
}
