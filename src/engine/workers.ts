// The main thread's side of a multi-core run: start N worker threads (worker-entry.ts), give them the accounts made
// in setup, start them on one shared clock, relay their events into the main observer, stop and drain them.
import { Worker } from 'node:worker_threads';
import type { RunObserver } from '../run/events.ts';
import type { Account } from '../target/target.ts';
import type { FromWorker, ToWorker, WorkerInit } from './worker-entry.ts';

export interface WorkerPoolOptions extends Omit<WorkerInit, 'shard'> {
  count: number;
  observer: Required<RunObserver>;
  onAccount(personIndex: number, account: Account): void;
  startTimeoutMs?: number;
}

export class WorkerPool {
  private readonly workers: Worker[] = [];
  private readonly done: Promise<void>[] = [];
  readonly stats: Record<string, number> = {};
  boundExceeded = 0;
  failures: string[] = [];

  private constructor() {}

  static async start(options: WorkerPoolOptions): Promise<WorkerPool> {
    const pool = new WorkerPool();
    // flashcrowd's module hooks (bin/register.js: tsx for ESM and CommonJS, so a .ts entry and user files load) first.
    const hooks = new URL('../../bin/register.js', import.meta.url).href;
    const entry = new URL('./worker-entry.ts', import.meta.url).href;
    const bootstrap = `import(${JSON.stringify(hooks)}).then(() => import(${JSON.stringify(entry)}))`;
    const ready: Promise<void>[] = [];
    for (let index = 0; index < options.count; index++) {
      const init: WorkerInit = {
        scenario: options.scenario,
        overrides: options.overrides,
        target: options.target,
        accounts: options.accounts,
        batchMs: options.batchMs,
        shard: { index, count: options.count },
      };
      const worker = new Worker(bootstrap, { eval: true, workerData: init });
      pool.workers.push(worker);
      let markReady!: () => void;
      let markFailed!: (e: Error) => void;
      ready.push(new Promise<void>((res, rej) => ((markReady = res), (markFailed = rej))));
      let markDone!: () => void;
      pool.done.push(new Promise<void>((res) => (markDone = res)));
      worker.on('message', (m: FromWorker) => {
        switch (m.type) {
          case 'ready':
            return markReady();
          case 'events':
            return pool.relay(m.events, options);
          case 'done':
            for (const [k, v] of Object.entries(m.stats)) pool.stats[k] = (pool.stats[k] ?? 0) + v;
            pool.boundExceeded += m.boundExceeded;
            return markDone();
          case 'failed':
            pool.failures.push(m.error);
            markFailed(new Error(`worker ${index} failed: ${m.error}`));
            return markDone();
        }
      });
      worker.on('error', (err) => {
        pool.failures.push(String(err));
        markFailed(err);
        markDone();
      });
      worker.on('exit', () => markDone());
    }
    const timeout = options.startTimeoutMs ?? 60_000;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([Promise.all(ready), new Promise((_, rej) => (timer = setTimeout(() => rej(new Error(`workers not ready within ${timeout} ms`)), timeout)))]);
    } catch (err) {
      await pool.close();
      throw err;
    } finally {
      clearTimeout(timer);
    }
    return pool;
  }

  begin(startEpoch: number): void {
    this.post({ type: 'start', startEpoch });
  }
  stop(): void {
    this.post({ type: 'stop' });
  }
  abort(): void {
    this.post({ type: 'abort' });
  }
  /** Resolves when every worker has drained and reported. */
  allDone(): Promise<void> {
    return Promise.all(this.done).then(() => undefined);
  }
  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private post(m: ToWorker): void {
    for (const w of this.workers) w.postMessage(m);
  }

  private relay(events: [keyof RunObserver | 'account', unknown][], options: WorkerPoolOptions): void {
    const o = options.observer;
    for (const [name, payload] of events) {
      if (name === 'account') {
        const { personIndex, account } = payload as { personIndex: number; account: Account };
        options.onAccount(personIndex, account);
      } else if (name === 'onSessionStart' || name === 'onSessionEnd') {
        const [cohort, at] = payload as [string, number];
        o[name](cohort, at);
      } else (o[name] as (p: unknown) => void)(payload);
    }
  }
}
