// Start and stop the AT Protocol stack of targets/atproto (PLC, PDS, AppView, Ozone) as a child process, for
// `flashcrowd stack atproto` and for tests. The stack is installed separately (its own package.json and lockfile)
// so the harness never depends on @atproto packages; this module only spawns targets/atproto/start-stack.mjs and
// reads its READY line. The child owns its Postgres schemas and TMPDIR and removes them when it stops; it also
// stops when this process goes away (its IPC channel closes), even if this process is killed.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const READY_PREFIX = 'FLASHCROWD_ATPROTO_READY ';

/** targets/atproto of this checkout, or $FLASHCROWD_ATPROTO_DIR (another install of the same folder). */
export function atprotoStackDir(): string {
  const override = process.env.FLASHCROWD_ATPROTO_DIR;
  return override ? path.resolve(override) : path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../targets/atproto');
}

export interface AtprotoStackInfo {
  pdsUrl: string;
  appviewUrl: string;
  ozoneUrl: string;
  plcUrl: string;
  handleDomain: string;
  /** Postgres schemas the stack created (and drops when it stops). */
  schemas: string[];
  /** The stack's own TMPDIR (PDS account SQLite files, blobs). */
  tmpdir: string;
  pid: number;
  /** Time from spawn to ready, ms. */
  startMs: number;
}

export interface AtprotoStack extends AtprotoStackInfo {
  /** Stop the stack and wait until it has dropped its schemas and removed its files. Idempotent. */
  stop(): Promise<void>;
  /** Resolves when the child exits (for whatever reason) with its exit code. */
  readonly exited: Promise<number | null>;
}

export interface StartAtprotoStackOptions {
  /** Postgres URL (default $DATABASE_URL). */
  db?: string;
  /** Schema name suffix, letters and _ only (default: random). */
  schema?: string;
  dir?: string;
  /** Give up (and kill the child) when it is not ready by then. Default 180 s (a loaded 2-core machine). */
  timeoutMs?: number;
  /** The child's output lines (stdout and stderr), e.g. to show them. */
  onLine?: (line: string) => void;
  env?: NodeJS.ProcessEnv;
}

export class AtprotoStackError extends Error {
  override readonly name = 'AtprotoStackError';
  constructor(
    message: string,
    /** 'not-installed' and 'no-database' are the user's to fix (exit 2); 'failed' is the stack's. */
    readonly reason: 'not-installed' | 'no-database' | 'failed',
  ) {
    super(message);
  }
}

export function isAtprotoStackInstalled(dir = atprotoStackDir()): boolean {
  return existsSync(path.join(dir, 'node_modules', '@atproto', 'dev-env', 'package.json')) && existsSync(path.join(dir, 'start-stack.mjs'));
}

export function installHint(dir = atprotoStackDir()): string {
  const rel = path.relative(process.cwd(), dir) || '.';
  return `npm ci --prefix ${rel} --engine-strict --no-audit --no-fund`;
}

export async function startAtprotoStack(options: StartAtprotoStackOptions = {}): Promise<AtprotoStack> {
  const dir = options.dir ?? atprotoStackDir();
  if (!isAtprotoStackInstalled(dir)) {
    throw new AtprotoStackError(`the AT Protocol stack is not installed in ${dir}; install it with: ${installHint(dir)}`, 'not-installed');
  }
  const db = options.db ?? options.env?.DATABASE_URL ?? process.env.DATABASE_URL;
  if (!db) throw new AtprotoStackError('the AT Protocol stack needs PostgreSQL: pass --db postgres://… or set DATABASE_URL', 'no-database');
  const args = [path.join(dir, 'start-stack.mjs'), '--db', db];
  if (options.schema) args.push('--schema', options.schema);
  const started = performance.now();
  const child = spawn(process.execPath, args, {
    cwd: dir,
    env: { ...process.env, ...options.env },
    // The IPC channel is how the child notices that we are gone.
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code, signal) => resolve(code ?? (signal ? null : 0))));
  const tail: string[] = [];
  const onLine = (line: string) => {
    tail.push(line);
    if (tail.length > 40) tail.shift();
    options.onLine?.(line);
  };
  const info = await new Promise<AtprotoStackInfo>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      reject(new AtprotoStackError(`the AT Protocol stack was not ready in ${options.timeoutMs ?? 180_000} ms:\n${tail.join('\n')}`, 'failed'));
    }, options.timeoutMs ?? 180_000);
    lines(child.stderr!, onLine);
    lines(child.stdout!, (line) => {
      if (line.startsWith(READY_PREFIX)) {
        clearTimeout(timer);
        try {
          const parsed = JSON.parse(line.slice(READY_PREFIX.length)) as Omit<AtprotoStackInfo, 'startMs'>;
          resolve({ ...parsed, startMs: Math.round(performance.now() - started) });
        } catch (e) {
          reject(new AtprotoStackError(`unreadable READY line from the stack: ${(e as Error).message}`, 'failed'));
        }
      } else onLine(line);
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new AtprotoStackError(`the AT Protocol stack exited (code ${code}) before it was ready:\n${tail.join('\n')}`, 'failed'));
    });
  });
  // Do not keep this process alive for the child's sake; stop() is how it ends.
  child.unref();
  (child.channel as { unref?: () => void } | undefined)?.unref?.();
  let stopping: Promise<void> | undefined;
  return {
    ...info,
    exited,
    stop: () => (stopping ??= stopChild(child, exited, tail)),
  };
}

async function stopChild(child: ChildProcess, exited: Promise<number | null>, tail: string[]): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const code = await Promise.race([exited, new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), 30_000)))]);
  clearTimeout(timer);
  if (code === 'timeout') {
    child.kill('SIGKILL');
    await exited;
    throw new AtprotoStackError(`the AT Protocol stack did not stop within 30 s and was killed; its schemas may be left:\n${tail.join('\n')}`, 'failed');
  }
  if (code !== 0) throw new AtprotoStackError(`the AT Protocol stack stopped with code ${code}; cleanup may be incomplete:\n${tail.slice(-10).join('\n')}`, 'failed');
}

function lines(stream: NodeJS.ReadableStream, onLine: (line: string) => void): void {
  let buf = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    buf += chunk;
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      onLine(buf.slice(0, i));
      buf = buf.slice(i + 1);
    }
  });
  stream.on('end', () => buf && onLine(buf));
}
