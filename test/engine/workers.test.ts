import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { loadScenario } from '../../src/scenario/load.ts';
import { createPopulation } from '../../src/population/store.ts';
import { createContentGenerator } from '../../src/content/generator.ts';
import { runPlan } from '../../src/engine/run.ts';
import { ArrivalStream } from '../../src/engine/arrivals.ts';
import { Rng } from '../../src/random/index.ts';
import { HttpTarget } from '../../src/target/http-target.ts';
import type { RunPlugin } from '../../src/run/plugin.ts';
import { LatencyRecorder } from '../../src/observe/latency.ts';
import { ScheduleRecorder } from '../../src/observe/recorder.ts';
import { startMiniBackend, type MiniBackend } from './helpers/mini-backend.ts';

describe('--workers N', () => {
  let backend: MiniBackend;
  beforeAll(async () => {
    backend = await startMiniBackend();
  });
  afterAll(async () => {
    await backend?.close();
  });

  it('runs disjoint shards in worker threads and relays every event to the main thread', async () => {
    const scenario = path.resolve('scenarios/smoke.ts');
    const overrides = { durationSec: '3m' };
    const { plan } = await loadScenario(scenario, overrides);
    const population = createPopulation(plan);
    const target = new HttpTarget({ url: backend.url, connections: 8, timeoutMs: 5000 });
    let accountsSeenByPlugins = 0;
    let posts = 0;
    const spy: RunPlugin = {
      name: 'spy',
      observer: { onPost: () => void posts++ },
      finish: async (ctx) => ((accountsSeenByPlugins = ctx.accounts.size), {}),
    };
    try {
      const out = await runPlan({
        plan,
        target,
        population,
        content: createContentGenerator(plan.seed),
        plugins: [spy],
        workers: { count: 2, scenario, overrides, target: { url: backend.url } },
      });
      const s = out.summary;
      // The union of the shards is exactly the single-thread arrival stream for this seed.
      const whole = plan.cohorts.reduce((n, c, i) => {
        const stream = new ArrivalStream(c.rate, c.peakRate, plan.wallDurationSec, Rng.derive(plan.seed, `arrivals/${c.name}`, i));
        let k = 0;
        while (stream.nextMs() !== Infinity) k++;
        return n + k;
      }, 0);
      expect(s.schedule.intendedArrivals).toBe(whole);
      expect(s.totals.signups).toBeGreaterThan(0);
      // Disjoint segments: no person signed up twice (the server answers 409 to a taken handle).
      expect(s.endpoints.signup.errors).toBe(0);
      expect(backend.stats.signups).toBe(40 + s.totals.signups);
      expect(accountsSeenByPlugins).toBe(40 + s.totals.signups);
      expect(posts).toBeGreaterThan(0);
      expect(s.totals.requests).toBe(out.timeline.buckets.reduce((n, b) => n + b.requests, 0));
      expect(s.totals.errors).toBe(0);
    } finally {
      await target.close();
    }
  });

  it('sharded runs (--segment i/N) split arrivals, people and setup, and merge exactly', async () => {
    const { plan } = await loadScenario(path.resolve('scenarios/smoke.ts'), { durationSec: '2m' });
    const population = createPopulation(plan);
    const fresh = await startMiniBackend(); // the same people, so a server that has not met them yet
    const target = new HttpTarget({ url: fresh.url, connections: 8, timeoutMs: 5000 });
    try {
      const runs = await Promise.all(
        [0, 1].map((index) => runPlan({ plan, target, population, content: createContentGenerator(plan.seed), shard: { index, count: 2 } })),
      );
      const whole = plan.cohorts.reduce((n, c, i) => {
        const stream = new ArrivalStream(c.rate, c.peakRate, plan.wallDurationSec, Rng.derive(plan.seed, `arrivals/${c.name}`, i));
        let k = 0;
        while (stream.nextMs() !== Infinity) k++;
        return n + k;
      }, 0);
      expect(runs[0].setup.accounts + runs[1].setup.accounts).toBe(40);
      for (const r of runs) expect(r.summary.endpoints.signup?.errors ?? 0).toBe(0); // nobody signed up twice (409)
      expect(fresh.stats.signups).toBe(40 + runs[0].summary.totals.signups + runs[1].summary.totals.signups);
      const latency = new LatencyRecorder();
      const schedule = new ScheduleRecorder();
      for (const r of runs) {
        latency.mergeEncoded(JSON.parse(JSON.stringify(r.recorders.latency)));
        schedule.mergeEncoded(JSON.parse(JSON.stringify(r.recorders.schedule)));
      }
      expect(schedule.intended).toBe(whole);
      expect(latency.requests).toBe(runs[0].summary.totals.requests + runs[1].summary.totals.requests);
      expect(runs[0].summary.shard).toEqual({ index: 0, count: 2 });
    } finally {
      await target.close();
      await fresh.close();
    }
  });
});
