// `--chaos SPEC`: faults on the command line, in WALL time from the start of the measured phase.
//   SPEC  = FAULT ("," FAULT)*
//   FAULT = KIND "@" AT [":" DURATION [":" LATENCY]]
// e.g. "kill@20s,stall@40s:2s,slow-store@30s:10s:200ms,cut-redis@50s:5s".
// kill: DURATION is the down time before the restart (default 0: restart at once, like a supervisor would);
// stall/slow-store/cut-redis: how long the fault lasts (default 5s); LATENCY only for slow-store (default 200ms).
import { parseDuration } from '../../scenario/clock.ts';
import { FAULT_KINDS } from '../../scenario/schema.ts';
import type { FaultPlan } from '../../scenario/plan.ts';

export const DEFAULT_SLOW_STORE_LATENCY_MS = 200;
const DEFAULT_WINDOW_SEC = 5;

export class ChaosSpecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ChaosSpecError';
  }
}

export function parseChaos(spec: string): FaultPlan[] {
  const faults: FaultPlan[] = [];
  const items = spec.split(',').map((s) => s.trim());
  if (items.every((s) => s === '')) throw new ChaosSpecError(`--chaos '${spec}': empty; expected e.g. "kill@20s,stall@40s:2s"`);
  for (const [i, item] of items.entries()) {
    const where = `--chaos item ${i + 1} '${item}'`;
    const m = /^([a-z-]+)@([^:]+)(?::([^:]+))?(?::([^:]+))?$/.exec(item);
    if (!m) throw new ChaosSpecError(`${where}: expected KIND@AT[:DURATION[:LATENCY]], e.g. kill@20s or stall@40s:2s`);
    const kind = m[1] as FaultPlan['kind'];
    if (!(FAULT_KINDS as readonly string[]).includes(kind)) throw new ChaosSpecError(`${where}: unknown fault '${m[1]}' (one of ${FAULT_KINDS.join(', ')})`);
    const seconds = (what: string, text: string) => {
      try {
        return parseDuration(text);
      } catch (err) {
        throw new ChaosSpecError(`${where}: ${what}: ${(err as Error).message}`);
      }
    };
    const fault: FaultPlan = {
      kind,
      atWallSec: seconds('time', m[2]),
      durationSec: m[3] === undefined ? (kind === 'kill' ? 0 : DEFAULT_WINDOW_SEC) : seconds('duration', m[3]),
    };
    if (m[4] !== undefined) {
      if (kind !== 'slow-store') throw new ChaosSpecError(`${where}: only slow-store takes a latency`);
      fault.params = { latencyMs: seconds('latency', m[4]) * 1000 };
    }
    faults.push(fault);
  }
  return faults.sort((a, b) => a.atWallSec - b.atWallSec);
}
