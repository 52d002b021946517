// The fault controller: a RunPlugin that applies the plan's faults at their wall times during the measured phase
// and marks each window (start to recovery) as a `fault` RunEvent, so timeline.json, the report and the metrics
// show it. Faults on the same actuator run one after another (a second kill waits for the first restart).
// stop() ends whatever is still active and waits until the backend answers /readyz again, because the plugins
// that finish after it (the lost-write audit) need a live target.
import type { FaultPlan } from '../../scenario/plan.ts';
import type { RunContext, RunPlugin } from '../../run/plugin.ts';
import type { Summary } from '../../run/summary.ts';
import type { ManagedBackend } from './managed-backend.ts';
import type { TcpProxy } from './tcp-proxy.ts';
import { DEFAULT_SLOW_STORE_LATENCY_MS } from './chaos-spec.ts';

export interface FaultActuators {
  /** The backend process (kill, stall). */
  backend?: ManagedBackend;
  /** Proxy between the backend and Postgres (slow-store). */
  store?: TcpProxy;
  /** Proxy between the backend and Redis (cut-redis). */
  redis?: TcpProxy;
}

export interface FaultWindow {
  kind: FaultPlan['kind'];
  name: string;
  /** Planned start (wall s since the start of the measured phase). */
  plannedAtSec: number;
  /** Actual window, s; endSec is when the system was back (restart ready, SIGCONT sent, latency removed). */
  atSec: number;
  endSec: number;
  description: string;
  /** Set when applying or recovering failed. */
  error?: string;
}

type Actuator = 'process' | 'store' | 'redis';
const ACTUATOR: Record<FaultPlan['kind'], Actuator> = { kill: 'process', stall: 'process', 'slow-store': 'store', 'cut-redis': 'redis' };

/** Every reason the faults cannot be applied with these actuators (empty when they can). */
export function faultProblems(faults: FaultPlan[], a: FaultActuators): string[] {
  const problems: string[] = [];
  const kinds = new Set(faults.map((f) => f.kind));
  if ((kinds.has('kill') || kinds.has('stall')) && !a.backend) problems.push('kill and stall faults need the reference backend started by the harness (run without --target)');
  if (kinds.has('slow-store') && !a.store) problems.push('slow-store needs the backend on Postgres (a postgres:// store the harness can proxy)');
  if (kinds.has('cut-redis') && !a.redis) problems.push('cut-redis needs the backend on Redis (a redis:// cache the harness can proxy)');
  return problems;
}

export interface FaultPlugin extends RunPlugin {
  windows(): FaultWindow[];
}

export function createFaultPlugin(faults: FaultPlan[], actuators: FaultActuators): FaultPlugin {
  const windows: FaultWindow[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const chains: Record<Actuator, Promise<void>> = { process: Promise.resolve(), store: Promise.resolve(), redis: Promise.resolve() };
  const stopping = new AbortController();
  let ctx: RunContext | undefined;
  const counts: Partial<Record<FaultPlan['kind'], number>> = {};

  /** Resolves after ms, or at once when the run stops. */
  const hold = (ms: number) =>
    new Promise<void>((resolve) => {
      if (stopping.signal.aborted || ms <= 0) return resolve();
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        stopping.signal.removeEventListener('abort', done);
        resolve();
      }
      stopping.signal.addEventListener('abort', done, { once: true });
    });

  async function apply(fault: FaultPlan, name: string): Promise<string> {
    const { backend, store, redis } = actuators;
    switch (fault.kind) {
      case 'kill': {
        const pid = backend!.pid;
        await backend!.kill();
        await hold(fault.durationSec * 1000);
        await backend!.start();
        return `${name}: SIGKILL pid ${pid}, down ${fault.durationSec}s, restarted as pid ${backend!.pid} on port ${backend!.port}`;
      }
      case 'stall': {
        backend!.stall();
        await hold(fault.durationSec * 1000);
        backend!.resume();
        return `${name}: SIGSTOP for ${fault.durationSec}s, then SIGCONT`;
      }
      case 'slow-store': {
        const latencyMs = Number(fault.params?.latencyMs ?? DEFAULT_SLOW_STORE_LATENCY_MS);
        store!.setLatency(latencyMs);
        await hold(fault.durationSec * 1000);
        store!.setLatency(0);
        return `${name}: +${latencyMs} ms on every store round trip for ${fault.durationSec}s`;
      }
      case 'cut-redis': {
        redis!.cut();
        await hold(fault.durationSec * 1000);
        redis!.restore();
        return `${name}: Redis connections cut and refused for ${fault.durationSec}s`;
      }
    }
  }

  function schedule(fault: FaultPlan): void {
    const n = (counts[fault.kind] = (counts[fault.kind] ?? 0) + 1);
    const name = `${fault.kind} #${n}`;
    const run = async () => {
      const c = ctx!;
      if (stopping.signal.aborted) return;
      const atMs = c.now();
      let description: string;
      let error: string | undefined;
      try {
        description = await apply(fault, name);
      } catch (err) {
        error = (err as Error).message;
        description = `${name}: failed: ${error}`;
        c.log(`fault ${description}`);
      }
      const endMs = c.now();
      windows.push({ kind: fault.kind, name, plannedAtSec: fault.atWallSec, atSec: atMs / 1000, endSec: endMs / 1000, description, ...(error ? { error } : {}) });
      c.observer.onEvent?.({ at: atMs, endAt: endMs, name, kind: 'fault', description });
    };
    const actuator = ACTUATOR[fault.kind];
    const t = setTimeout(() => {
      timers.delete(t);
      chains[actuator] = chains[actuator].then(run);
    }, Math.max(0, fault.atWallSec * 1000 - ctx!.now()));
    timers.add(t);
  }

  return {
    name: 'faults',
    windows: () => windows.slice(),
    start(c) {
      ctx = c;
      for (const f of faults) schedule(f);
    },
    async stop() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      stopping.abort();
      await Promise.all(Object.values(chains));
      // Whatever happened, leave the system whole for the audit.
      actuators.store?.setLatency(0);
      actuators.redis?.restore();
      const b = actuators.backend;
      if (b) {
        b.resume();
        try {
          if (!b.running) await b.start();
          else await b.waitReady(30_000);
        } catch (err) {
          ctx?.log(`faults: the backend did not come back after the run: ${(err as Error).message}`);
        }
      }
    },
    async finish(): Promise<Partial<Summary>> {
      return { faults: windows.map((w) => ({ ...w, atSec: round(w.atSec), endSec: round(w.endSec) })) };
    },
  };
}

const round = (s: number) => Math.round(s * 1000) / 1000;
