// The reference backend as a child process the harness owns, so faults can hit a real process: SIGKILL and restart
// on the same port, SIGSTOP/SIGCONT. It runs `node bin/flashcrowd.js backend --config <file> --port P` (the harness
// never imports backend code); options go through a JSON config file so every backend key is available.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FaultPlan } from '../../scenario/plan.ts';
import { proxyServiceUrl, type TcpProxy } from './tcp-proxy.ts';
import { createFaultPlugin, faultProblems, type FaultPlugin } from './fault-plugin.ts';
import { ChaosSpecError, parseChaos } from './chaos-spec.ts';
import { UsageError } from '../../errors/exit-codes.ts';

export interface ManagedBackendOptions {
  /** Backend config keys (docs/backend.md), written to a config file; `port` and `host` are managed here. */
  config?: Record<string, unknown>;
  /** Max wait for /readyz after a start or restart. */
  readyTimeoutMs?: number;
  /** Where the child's stderr goes (default: discarded except the last lines kept for error messages). */
  stderr?: NodeJS.WritableStream;
  /** Extra Node.js flags for the child (e.g. `--heapsnapshot-signal=SIGUSR2` for a soak's heap snapshots). */
  nodeArgs?: string[];
}

const BIN = fileURLToPath(new URL('../../../bin/flashcrowd.js', import.meta.url));
const KEEP_STDERR_CHARS = 4000;

export class ManagedBackend {
  private child?: ChildProcess;
  private exited?: Promise<void>;
  private readonly dir: string;
  private readonly configFile: string;
  private stderrTail = '';
  private stopped = false;
  private closing?: Promise<void>;
  port = 0;
  /** Starts (first start included), for reports. */
  starts = 0;

  constructor(private readonly options: ManagedBackendOptions = {}) {
    this.dir = mkdtempSync(path.join(tmpdir(), 'flashcrowd-backend-'));
    this.configFile = path.join(this.dir, 'backend.json');
    const { port: _p, host: _h, ...config } = options.config ?? {};
    writeFileSync(this.configFile, JSON.stringify({ host: '127.0.0.1', ...config }), { mode: 0o600 });
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return Boolean(this.child && this.child.exitCode === null && this.child.signalCode === null);
  }

  /** Starts the process (on a free port the first time, on the same port after) and waits for /readyz. */
  async start(): Promise<void> {
    if (this.running) throw new Error('backend already running');
    const child = spawn(process.execPath, [...(this.options.nodeArgs ?? []), BIN, 'backend', '--config', this.configFile, '--port', String(this.port)], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    this.child = child;
    // If the harness itself dies without closing us, the backend must not outlive it.
    process.once('exit', this.onParentExit);
    child.once('exit', () => process.off('exit', this.onParentExit));
    this.stopped = false;
    this.starts++;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    child.stderr!.on('data', (chunk: Buffer) => {
      this.options.stderr?.write(chunk);
      this.stderrTail = (this.stderrTail + chunk.toString('utf8')).slice(-KEEP_STDERR_CHARS);
    });
    const timeoutMs = this.options.readyTimeoutMs ?? 60_000;
    const listening = new Promise<number>((resolve, reject) => {
      let out = '';
      const onData = (chunk: Buffer) => {
        out += chunk.toString('utf8');
        const m = /^http:\/\/[^\s:]+:(\d+)\s*$/m.exec(out);
        if (m) {
          child.stdout!.off('data', onData);
          child.stdout!.resume();
          resolve(Number(m[1]));
        }
      };
      child.stdout!.on('data', onData);
      child.once('exit', (code, signal) => reject(new Error(`backend exited (${signal ?? code}) before listening: ${this.stderrTail.trim().slice(-1000)}`)));
    });
    const timer = new Promise<never>((_, reject) => {
      const t = setTimeout(() => reject(new Error(`backend not listening within ${timeoutMs} ms: ${this.stderrTail.trim().slice(-1000)}`)), timeoutMs);
      child.once('exit', () => clearTimeout(t));
      listening.finally(() => clearTimeout(t)).catch(() => {});
    });
    try {
      this.port = await Promise.race([listening, timer]);
      await this.waitReady(timeoutMs);
    } catch (err) {
      this.hardKill();
      await this.exited;
      throw err;
    }
  }

  /** Polls GET /readyz until 200. */
  async waitReady(timeoutMs = this.options.readyTimeoutMs ?? 60_000): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      if (!this.running) throw new Error(`backend exited while waiting for /readyz: ${this.stderrTail.trim().slice(-1000)}`);
      try {
        const res = await fetch(`${this.url}/readyz`, { signal: AbortSignal.timeout(1000) });
        await res.arrayBuffer();
        if (res.status === 200) return;
      } catch {
        // not yet
      }
      if (performance.now() > deadline) throw new Error(`backend not ready (/readyz) within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** SIGKILL: no graceful close, in-flight requests and unflushed state die with it. Resolves once it is gone. */
  async kill(): Promise<void> {
    if (!this.running) return;
    this.hardKill();
    await this.exited;
  }

  /** Freeze the process (SIGSTOP): connections stay open, nothing answers. */
  stall(): void {
    if (this.running && !this.stopped) {
      this.child!.kill('SIGSTOP');
      this.stopped = true;
    }
  }

  resume(): void {
    if (this.running && this.stopped) {
      this.child!.kill('SIGCONT');
      this.stopped = false;
    }
  }

  get stalled(): boolean {
    return this.stopped;
  }

  /** Graceful stop (SIGTERM, then SIGKILL after 10 s) and removal of the config file. Idempotent. */
  close(): Promise<void> {
    return (this.closing ??= (async () => {
      if (this.running) {
        this.resume();
        this.child!.kill('SIGTERM');
        let t: NodeJS.Timeout | undefined;
        await Promise.race([this.exited, new Promise<void>((r) => (t = setTimeout(r, 10_000)))]);
        clearTimeout(t);
        if (this.running) await this.kill();
      }
      rmSync(this.dir, { recursive: true, force: true });
    })());
  }

  private readonly onParentExit = () => {
    this.child?.kill('SIGKILL');
  };

  private hardKill(): void {
    if (!this.running) return;
    this.child!.kill('SIGKILL');
    this.stopped = false;
  }
}

// `run` with faults (scenario `faults` or --chaos): the backend above with TCP proxies in front of Postgres and Redis
// (when it uses them) for slow-store and cut-redis, and the fault controller plugin.

export interface FaultableBackend {
  url: string;
  label: string;
  plugin: FaultPlugin;
  backend: ManagedBackend;
  close(): Promise<void>;
}

/** The plan's faults plus those of --chaos (a bad spec is a usage error). */
export function faultsOf(planFaults: FaultPlan[], chaos: string | undefined): FaultPlan[] {
  if (chaos === undefined) return planFaults;
  try {
    return [...planFaults, ...parseChaos(chaos)].sort((a, b) => a.atWallSec - b.atWallSec);
  } catch (err) {
    if (err instanceof ChaosSpecError) throw new UsageError(err.message);
    throw err;
  }
}

export async function startFaultableBackend(faults: FaultPlan[], options: Record<string, unknown>, stderr?: NodeJS.WritableStream): Promise<FaultableBackend> {
  // No token secret is passed: like an operator's plain `flashcrowd backend`, every incarnation reads the one kept in
  // its database (Postgres, or the embedded data directory below), so tokens issued before a kill stay valid after
  // the restart. A user's own tokenSecret in `options` still wins.
  const config: Record<string, unknown> = { ...options };
  const closers: (() => Promise<void> | void)[] = [];
  const closeAll = async () => {
    while (closers.length) await Promise.resolve(closers.pop()!()).catch(() => {});
  };
  try {
    let store: TcpProxy | undefined;
    let redis: TcpProxy | undefined;
    const db = typeof config.db === 'string' ? config.db : 'embedded';
    if (db !== 'embedded') {
      const p = await proxyServiceUrl(db, 5432);
      store = p.proxy;
      config.db = p.url;
      closers.push(() => p.proxy.close());
    } else if (config.embeddedDataDir === undefined && faults.some((f) => f.kind === 'kill')) {
      // An in-memory database dies with the process; a kill test of the harness needs the data to outlive it.
      const dir = mkdtempSync(path.join(tmpdir(), 'flashcrowd-pglite-'));
      config.embeddedDataDir = dir;
      closers.push(() => rmSync(dir, { recursive: true, force: true }));
    }
    if (typeof config.redis === 'string' && config.redis !== 'memory') {
      const p = await proxyServiceUrl(config.redis, 6379);
      redis = p.proxy;
      config.redis = p.url;
      closers.push(() => p.proxy.close());
    }
    const backend = new ManagedBackend({ config, stderr });
    closers.push(() => backend.close());
    const problems = faultProblems(faults, { backend, store, redis });
    if (problems.length) throw new UsageError(`faults: ${problems.join('; ')}`);
    try {
      await backend.start();
    } catch (err) {
      throw new Error(`could not start the reference backend process: ${(err as Error).message}`);
    }
    const plugin = createFaultPlugin(faults, { backend, store, redis });
    const where = `${db === 'embedded' ? 'embedded store' : 'Postgres'}${redis ? ' + Redis' : ''}`;
    return {
      url: backend.url,
      label: `reference backend process (${backend.url}, ${where}; ${faults.length} fault(s))`,
      plugin,
      backend,
      close: closeAll,
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}
