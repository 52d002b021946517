// A worker thread of a multi-core run (--workers N): recompiles the same plan, runs shard `index` of every cohort's
// arrivals (see arrivals.ts) and signs up only its own segment of each cohort (accounts.ts), and forwards every
// observer event to the main thread in batches, where the recorders and plugins see them exactly as in a
// single-thread run. Times are measured against the run's shared start (epoch ms), so all threads agree on t.
import { parentPort, workerData } from 'node:worker_threads';
import { setMaxListeners } from 'node:events';
import type { CompileOverrides } from '../scenario/compile.ts';
import { loadWorld } from '../run/world.ts';
import type { Account } from '../target/target.ts';
import { openTarget } from './assembly.ts';
import type { RunObserver } from '../run/events.ts';
import { Accounts } from './accounts.ts';
import { createPlanScheduler, type Scheduler } from './scheduler.ts';
import { SessionRunner } from './session.ts';

export interface WorkerInit {
  scenario: string;
  overrides: CompileOverrides;
  target: { url: string; adapter?: string; connections: number; timeoutMs: number };
  shard: { index: number; count: number };
  accounts: [number, Account][];
  batchMs: number;
}

export type ToWorker = { type: 'start'; startEpoch: number } | { type: 'stop' } | { type: 'abort' };
export type FromWorker =
  | { type: 'ready' }
  | { type: 'events'; events: [keyof RunObserver, unknown][] }
  | { type: 'done'; stats: Record<string, number>; boundExceeded: number }
  | { type: 'failed'; error: string };

const port = parentPort!;
const init = workerData as WorkerInit;
const send = (m: FromWorker) => port.postMessage(m);

async function main(): Promise<void> {
  const target = await openTarget(init.target);
  const { plan, population, content, follows } = await loadWorld(init.scenario, init.overrides, target.identity);
  const accounts = new Accounts(population, init.shard);
  for (const [index, account] of init.accounts) accounts.set(index, account);

  let startEpoch = Infinity;
  const now = () => performance.timeOrigin + performance.now() - startEpoch;
  let batch: [keyof RunObserver, unknown][] = [];
  const flush = () => {
    if (!batch.length) return;
    send({ type: 'events', events: batch });
    batch = [];
  };
  const forward = (name: keyof RunObserver) => (payload: unknown) => void batch.push([name, payload]);
  const observer: Required<RunObserver> = {
    onArrival: forward('onArrival'),
    onRequest: forward('onRequest'),
    onSessionStart: (cohort, at) => void batch.push(['onSessionStart', [cohort, at]]),
    onSessionEnd: (cohort, at) => void batch.push(['onSessionEnd', [cohort, at]]),
    onAccount: forward('onAccount'),
    onFollow: forward('onFollow'),
    onPost: forward('onPost'),
    onComment: forward('onComment'),
    onFeedRead: forward('onFeedRead'),
    onPostLookup: forward('onPostLookup'),
    onEvent: forward('onEvent'),
  };
  const stopping = new AbortController();
  const hard = new AbortController();
  setMaxListeners(0, hard.signal);
  let scheduler: Scheduler | undefined;
  const runner = new SessionRunner({
    plan,
    target,
    population,
    accounts: accountsWithForwarding(accounts, (personIndex, account) => batch.push(['account' as keyof RunObserver, { personIndex, account }])),
    observer,
    content,
    follows,
    now,
    sleepUntil: (at) => scheduler!.sleepUntil(at),
    stopping: () => stopping.signal.aborted,
    requestSignal: hard.signal,
  });
  scheduler = createPlanScheduler(
    plan,
    { shard: init.shard, inFlightShare: 1 / init.shard.count },
    { now, startSession: (cohort, intended, _started, ordinal) => runner.run(cohort, intended, ordinal) },
    observer,
  );
  const flusher = setInterval(flush, init.batchMs);

  const stop = () => {
    stopping.abort();
    scheduler!.stopArrivals();
    scheduler!.cancelSleepers();
  };
  port.on('message', (m: ToWorker) => {
    if (m.type === 'start') {
      startEpoch = m.startEpoch;
      const wait = Math.max(0, startEpoch - (performance.timeOrigin + performance.now()));
      setTimeout(() => scheduler!.start(), wait);
    } else if (m.type === 'stop') stop();
    else if (m.type === 'abort') {
      stop();
      hard.abort();
    }
  });
  send({ type: 'ready' });
  await new Promise<void>((resolve) => {
    const check = setInterval(() => {
      if (startEpoch !== Infinity) {
        clearInterval(check);
        resolve();
      }
    }, 5);
  });
  await Promise.race([scheduler.arrivalsFinished, new Promise<void>((r) => stopping.signal.addEventListener('abort', () => r(), { once: true }))]);
  stop();
  await scheduler.drained();
  scheduler.close();
  clearInterval(flusher);
  flush();
  await target.close();
  send({ type: 'done', stats: { ...runner.stats }, boundExceeded: scheduler.boundExceeded });
}

/** New accounts made in this worker are told to the main thread (plugins' AccountDirectory), tokens included. */
function accountsWithForwarding(accounts: Accounts, onNew: (personIndex: number, account: Account) => void): Accounts {
  const set = accounts.set.bind(accounts);
  accounts.set = (personIndex, account) => {
    const known = accounts.has(personIndex);
    set(personIndex, account);
    if (!known) onNew(personIndex, account);
  };
  return accounts;
}

main().catch((err: unknown) => send({ type: 'failed', error: String((err as Error)?.stack ?? err) }));
