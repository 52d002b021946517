// Fault injection parts: the --chaos grammar, the TCP proxy (latency, cut), the fault controller's scheduling and
// its usage errors. The full runs against a real backend process are in kill-postgres and faults-services.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChaosSpecError, parseChaos } from '../../src/engine/faults/chaos-spec.ts';
import { TcpProxy } from '../../src/engine/faults/tcp-proxy.ts';
import { createFaultPlugin, faultProblems } from '../../src/engine/faults/fault-plugin.ts';
import type { RunContext } from '../../src/run/plugin.ts';
import type { RunEvent } from '../../src/run/events.ts';
import { main } from '../../src/cli/index.ts';

describe('--chaos SPEC', () => {
  it('parses kinds, wall times, durations and the slow-store latency, sorted by time', () => {
    expect(parseChaos('stall@40s:2s, kill@20s ,slow-store@1m:10s:250ms,cut-redis@50s')).toEqual([
      { kind: 'kill', atWallSec: 20, durationSec: 0 },
      { kind: 'stall', atWallSec: 40, durationSec: 2 },
      { kind: 'cut-redis', atWallSec: 50, durationSec: 5 },
      { kind: 'slow-store', atWallSec: 60, durationSec: 10, params: { latencyMs: 250 } },
    ]);
  });

  it.each([
    ['', /empty/],
    ['explode@3s', /unknown fault 'explode'/],
    ['kill', /expected KIND@AT/],
    ['kill@soon', /item 1 'kill@soon': time/],
    ['stall@1s:2s:3ms', /only slow-store takes a latency/],
    ['kill@1s,stall@2s:forever', /item 2 .*duration/],
  ])('refuses %j with a message naming the item', (spec, message) => {
    expect(() => parseChaos(spec)).toThrow(ChaosSpecError);
    expect(() => parseChaos(spec)).toThrow(message);
  });
});

describe('TcpProxy', () => {
  let echo: net.Server;
  let echoPort = 0;
  const proxies: TcpProxy[] = [];
  beforeAll(async () => {
    echo = net.createServer((s) => s.on('error', () => {}).pipe(s));
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
    echoPort = (echo.address() as net.AddressInfo).port;
  });
  afterAll(async () => {
    await Promise.all(proxies.map((p) => p.close()));
    await new Promise((r) => echo.close(r));
  });
  const proxy = async () => {
    const p = await new TcpProxy({ upstream: { host: '127.0.0.1', port: echoPort } }).listen();
    proxies.push(p);
    return p;
  };
  /** Connects, sends `text`, resolves with the round-trip time once it came back, or rejects on error/close. */
  const roundTrip = (port: number, text: string) =>
    new Promise<number>((resolve, reject) => {
      const start = performance.now();
      const s = net.connect(port, '127.0.0.1');
      let got = '';
      s.on('data', (d) => {
        got += d;
        if (got === text) {
          s.destroy();
          resolve(performance.now() - start);
        }
      });
      s.on('error', reject);
      s.on('close', () => reject(new Error(`closed after '${got}'`)));
      s.write(text);
    });

  it('forwards bytes unchanged and adds the configured latency to the answer, then removes it', async () => {
    const p = await proxy();
    expect(await roundTrip(p.port, 'hello')).toBeLessThan(150);
    p.setLatency(200);
    const slow = await roundTrip(p.port, 'slow');
    expect(slow).toBeGreaterThanOrEqual(195);
    p.setLatency(0);
    expect(await roundTrip(p.port, 'fast again')).toBeLessThan(150);
  });

  it('keeps order under latency across many chunks', async () => {
    const p = await proxy();
    p.setLatency(30);
    const s = net.connect(p.port, '127.0.0.1');
    let got = '';
    const want = Array.from({ length: 50 }, (_, i) => `<${i}>`).join('');
    const done = new Promise<void>((resolve) => s.on('data', (d) => ((got += d), got.length >= want.length && resolve())));
    for (let i = 0; i < 50; i++) {
      s.write(`<${i}>`);
      await new Promise((r) => setTimeout(r, 1));
    }
    await done;
    s.destroy();
    expect(got).toBe(want);
  });

  it('cut() drops open connections and refuses new ones until restore()', async () => {
    const p = await proxy();
    const open = net.connect(p.port, '127.0.0.1');
    await new Promise((r) => open.once('connect', r));
    await new Promise((r) => setTimeout(r, 20));
    const closed = new Promise((r) => open.once('close', r));
    open.on('error', () => {});
    p.cut();
    await closed;
    await expect(roundTrip(p.port, 'refused')).rejects.toThrow();
    expect(p.stats.refused).toBeGreaterThanOrEqual(1);
    expect(p.stats.cutConnections).toBeGreaterThanOrEqual(1);
    p.restore();
    expect(await roundTrip(p.port, 'back')).toBeGreaterThan(0);
  });
});

describe('fault controller', () => {
  it('names what each fault needs when the actuators are missing', () => {
    const faults = parseChaos('kill@1s,slow-store@2s,cut-redis@3s');
    const problems = faultProblems(faults, {});
    expect(problems.join('\n')).toMatch(/kill and stall .* without --target/);
    expect(problems.join('\n')).toMatch(/slow-store needs .* Postgres/);
    expect(problems.join('\n')).toMatch(/cut-redis needs .* Redis/);
  });

  it('applies faults at their times, one at a time per actuator, marks each window, and ends them on stop()', async () => {
    const calls: string[] = [];
    const t0 = performance.now();
    const at = () => Math.round((performance.now() - t0) / 10) * 10;
    const store = { setLatency: (ms: number) => calls.push(`latency ${ms} @${at()}`) };
    const redis = { cut: () => calls.push(`cut @${at()}`), restore: () => calls.push(`restore @${at()}`) };
    const events: RunEvent[] = [];
    const plugin = createFaultPlugin(parseChaos('slow-store@0.05s:0.1s:50ms,slow-store@0.06s:0.05s:70ms,cut-redis@0.1s:10s'), {
      store: store as never,
      redis: redis as never,
    });
    const ctx = { now: () => performance.now() - t0, observer: { onEvent: (e: RunEvent) => events.push(e) }, log: () => {} } as unknown as RunContext;
    plugin.start!(ctx);
    await new Promise((r) => setTimeout(r, 400));
    await plugin.stop!(); // the 10 s cut ends here, early
    const latencies = calls.filter((c) => c.startsWith('latency')).map((c) => c.split(' @')[0]);
    // Second slow-store waited for the first (same actuator); stop() resets once more.
    expect(latencies).toEqual(['latency 50', 'latency 0', 'latency 70', 'latency 0', 'latency 0']);
    expect(calls.filter((c) => c.startsWith('cut')).length).toBe(1);
    expect(calls.filter((c) => c.startsWith('restore')).length).toBe(2);
    expect(events.map((e) => [e.name, e.kind])).toEqual([
      ['slow-store #1', 'fault'],
      ['slow-store #2', 'fault'],
      ['cut-redis #1', 'fault'],
    ]);
    const [a, b, c] = events;
    expect(a.endAt! - a.at).toBeGreaterThanOrEqual(95);
    expect(b.at).toBeGreaterThanOrEqual(a.endAt!);
    expect(c.endAt! - c.at).toBeLessThan(1000);
    const summary = (await plugin.finish!(ctx)) as { faults: { name: string }[] };
    expect(summary.faults.map((f) => f.name)).toEqual(['slow-store #1', 'slow-store #2', 'cut-redis #1']);
  });
});

describe('run --chaos usage errors (exit 2)', () => {
  let stderr = '';
  const quietly = async (argv: string[]) => {
    const write = process.stderr.write;
    stderr = '';
    process.stderr.write = ((c: unknown) => ((stderr += String(c)), true)) as typeof process.stderr.write;
    try {
      return await main(argv);
    } finally {
      process.stderr.write = write;
    }
  };
  it('scenario faults go through the same checks as --chaos', async () => {
    const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const path = await import('node:path');
    const dir = mkdtempSync(path.join(tmpdir(), 'fc-faults-scenario-'));
    try {
      const file = path.join(dir, 'with-faults.json');
      writeFileSync(
        file,
        JSON.stringify({
          name: 'with-faults',
          timeline: { start: '2025-01-13T01:00:00Z', duration: '5s' },
          cohorts: [{ name: 'c', size: 5, curve: { kind: 'constant', rate: 1 } }],
          faults: [{ kind: 'slow-store', atWall: '1s', duration: '1s', params: { latencyMs: 100 } }],
        }),
      );
      // Embedded store: nothing to slow down; refused before anything starts.
      expect(await quietly(['run', file, '--quiet'])).toBe(2);
      expect(stderr).toMatch(/slow-store needs the backend on Postgres/);
      expect(await quietly(['run', file, '--target', 'http://127.0.0.1:9', '--quiet'])).toBe(2);
      expect(stderr).toMatch(/need the reference backend the harness starts/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a bad spec, faults with --target, and a store fault without the store', async () => {
    expect(await quietly(['run', 'scenarios/smoke.ts', '--chaos', 'boom@1s', '--quiet'])).toBe(2);
    expect(stderr).toMatch(/unknown fault 'boom'/);
    expect(await quietly(['run', 'scenarios/smoke.ts', '--chaos', 'kill@1s', '--target', 'http://127.0.0.1:9', '--quiet'])).toBe(2);
    expect(stderr).toMatch(/need the reference backend the harness starts/);
    expect(await quietly(['run', 'scenarios/smoke.ts', '--chaos', 'slow-store@1s', '--quiet'])).toBe(2);
    expect(stderr).toMatch(/slow-store needs/);
    expect(await quietly(['run', 'scenarios/smoke.ts', '--chaos', 'cut-redis@1s', '--backend-db', 'embedded', '--quiet'])).toBe(2);
    expect(stderr).toMatch(/cut-redis needs/);
  });
});
