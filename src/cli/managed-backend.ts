// `run` with faults (scenario `faults` or --chaos): the reference backend as a child process the harness can
// SIGKILL, restart and SIGSTOP, with TCP proxies in front of Postgres and Redis (when it uses them) for slow-store
// and cut-redis. Returns the URL to load, the fault controller plugin, and close().
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FaultPlan } from '../scenario/plan.ts';
import { ManagedBackend } from '../engine/faults/managed-backend.ts';
import { proxyServiceUrl, type TcpProxy } from '../engine/faults/tcp-proxy.ts';
import { createFaultPlugin, faultProblems, type FaultPlugin } from '../engine/faults/fault-plugin.ts';
import { ChaosSpecError, parseChaos } from '../engine/faults/chaos-spec.ts';
import { UsageError } from '../errors/exit-codes.ts';

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
