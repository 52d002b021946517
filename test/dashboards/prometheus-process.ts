// Runs a real Prometheus (Debian's `prometheus` binary) for tests: temp config and TSDB, loopback only, owned and
// closed by the caller.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const PROMETHEUS_REQUIRED = process.env.FLASHCROWD_REQUIRE_PROMETHEUS === '1';

/** True when the binary is installed; throws when it is required (CI) but missing; otherwise warns and returns false. */
export function prometheusAvailable(): boolean {
  if (spawnSync('which', ['prometheus']).status === 0) return true;
  if (PROMETHEUS_REQUIRED) throw new Error('prometheus is required (FLASHCROWD_REQUIRE_PROMETHEUS=1) but not installed');
  console.warn('[skip] Prometheus tests: install the prometheus binary (apt-get install prometheus) to run them');
  return false;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export interface ScrapeJob {
  job: string;
  /** host:port on 127.0.0.1 */
  target: string;
}

export interface PrometheusInstance {
  url: string;
  /** GET an API path and return `data` (throws on a non-success status). */
  api<T = unknown>(pathAndQuery: string): Promise<T>;
  close(): Promise<void>;
}

export async function startPrometheus(jobs: ScrapeJob[]): Promise<PrometheusInstance> {
  const dir = mkdtempSync(path.join(tmpdir(), 'flashcrowd-prom-'));
  const config = [
    'global:',
    '  scrape_interval: 1s',
    '  scrape_timeout: 1s',
    'scrape_configs:',
    ...jobs.flatMap((j) => [`  - job_name: ${j.job}`, '    static_configs:', `      - targets: ['${j.target}']`]),
  ].join('\n');
  writeFileSync(path.join(dir, 'prometheus.yml'), config + '\n');
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let log = '';
  const child: ChildProcess = spawn(
    'prometheus',
    [
      `--config.file=${path.join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  child.stderr!.on('data', (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const close = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) {
      await close();
      throw new Error(`prometheus exited with ${child.exitCode}: ${log}`);
    }
    try {
      const res = await fetch(`${url}/-/ready`);
      await res.text();
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await close();
      throw new Error(`prometheus did not become ready: ${log}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }

  return {
    url,
    async api<T>(pathAndQuery: string): Promise<T> {
      const res = await fetch(url + pathAndQuery);
      const body = (await res.json()) as { status: string; data: T; error?: string };
      if (body.status !== 'success') throw new Error(`${pathAndQuery}: ${body.error ?? res.status}`);
      return body.data;
    },
    close,
  };
}
