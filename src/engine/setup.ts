// The setup phase: accounts of preexisting cohorts (incumbents) are created before t = 0 at a bounded concurrency,
// then they follow each other and seed posts, so the surge lands on a lived-in network. Progress is reported.
import type { SessionRunner } from './session.ts';
import type { PopulationView } from '../run/plugin.ts';
import type { Plan } from '../scenario/plan.ts';

export interface SetupProgress {
  phase: 'setup';
  step: 'account' | 'network';
  done: number;
  total: number;
  failed: number;
}

export interface SetupResult {
  accounts: number;
  failedAccounts: number;
  networkSteps: number;
  elapsedMs: number;
}

export async function runSetup(
  plan: Plan,
  population: PopulationView,
  runner: SessionRunner,
  options: {
    concurrency: number;
    signal: AbortSignal;
    onProgress?: (p: SetupProgress) => void;
    /** A sharded run prepares only the preexisting people whose offset in their cohort ≡ shard.index (mod count). */
    shard?: { index: number; count: number };
  },
): Promise<SetupResult> {
  const started = performance.now();
  const work: { cohort: number; person: number }[] = [];
  plan.cohorts.forEach((c, cohort) => {
    if (!c.preexisting) return;
    const { start, count } = population.cohortRange(c.name);
    const step = options.shard?.count ?? 1;
    for (let i = options.shard?.index ?? 0; i < count; i += step) work.push({ cohort, person: start + i });
  });
  const result: SetupResult = { accounts: 0, failedAccounts: 0, networkSteps: 0, elapsedMs: 0 };
  for (const step of ['account', 'network'] as const) {
    let next = 0;
    let done = 0;
    let failed = 0;
    let lastReport = 0;
    const report = (force = false) => {
      const now = performance.now();
      if (!force && now - lastReport < 1000) return;
      lastReport = now;
      options.onProgress?.({ phase: 'setup', step, done, total: work.length, failed });
    };
    const worker = async () => {
      while (next < work.length && !options.signal.aborted) {
        const item = work[next++];
        const ok = await runner.prepare(item.cohort, item.person, step);
        done++;
        if (!ok) failed++;
        report();
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency, work.length)) }, worker));
    report(true);
    if (step === 'account') {
      result.accounts = done - failed;
      result.failedAccounts = failed;
    } else result.networkSteps = done - failed;
  }
  result.elapsedMs = performance.now() - started;
  return result;
}
