// The harness against targets that fail in the ways real ones do under a surge: accept and never answer, answer
// bytes that are not HTTP, answer HTTP that is not JSON, reset every connection, stream a body without end, or drip
// one without end.
// The run must end on time with a summary, count arrivals beyond the in-flight cap as dropped, keep the number of
// open connections at the pool's limit, and classify every failure.
import net from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { executeRun } from '../../src/cli/pipeline.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'fc-hostile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CONNECTIONS = 8;
const IN_FLIGHT_CAP = 30;
const WALL_SEC = 4;
const GRACE_SEC = 1;
const TIMEOUT_MS = 1000;

// 60 arrivals/s for 4 s; each session's first request fails slowly (timeout) or fast (reset).
const scenarioFile = path.join(dir, 'hostile.json');
writeFileSync(
  scenarioFile,
  JSON.stringify({
    name: 'hostile',
    seed: 3,
    timeline: { start: '2025-01-13T01:00:00Z', duration: `${WALL_SEC}s`, gracefulStop: `${GRACE_SEC}s` },
    target: { timeout: `${TIMEOUT_MS}ms`, connections: CONNECTIONS },
    cohorts: [{ name: 'crowd', size: 60 * WALL_SEC, curve: { kind: 'constant', rate: 1 }, inFlightCap: IN_FLIGHT_CAP }],
  }),
);

type Mode = 'hang' | 'garbage' | 'not-json' | 'reset' | 'endless' | 'drip';

async function hostileServer(mode: Mode) {
  let open = 0;
  let maxOpen = 0;
  const sockets = new Set<net.Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const server = net.createServer((s) => {
    sockets.add(s);
    maxOpen = Math.max(maxOpen, ++open);
    s.on('close', () => (open--, sockets.delete(s)));
    s.on('error', () => {});
    s.on('data', () => {
      if (mode === 'hang') return;
      if (mode === 'garbage') s.end('\x00\xff\xfe not http at all \r\n\r\n');
      else if (mode === 'not-json') s.write('HTTP/1.1 201 Created\r\ncontent-type: application/json\r\ncontent-length: 9\r\n\r\n{"id": 1,');
      else if (mode === 'reset') s.resetAndDestroy();
      else if (mode === 'drip' && !s.writableLength) {
        // A body that never ends and never idles long enough for the idle timeout: only the drain can end it.
        s.write('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n');
        const t = setInterval(() => (s.destroyed ? clearInterval(t) : s.write('1\r\n \r\n')), 200);
        timers.add(t);
      } else if (mode === 'endless' && !s.writableLength) {
        s.write('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n');
        const chunk = Buffer.alloc(64 * 1024, 0x20);
        const t = setInterval(() => {
          if (s.destroyed) return clearInterval(t);
          s.write(`${chunk.length.toString(16)}\r\n`);
          s.write(chunk);
          s.write('\r\n');
        }, 5);
        timers.add(t);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    maxOpen: () => maxOpen,
    close: async () => {
      for (const t of timers) clearInterval(t);
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

describe('the harness against a hostile target', () => {
  it.each<[Mode, string]>([
    ['hang', 'timeout'],
    ['garbage', 'protocol|reset|other'],
    ['not-json', 'protocol'],
    ['reset', 'reset'],
    ['endless', 'timeout|protocol|other'],
    ['drip', 'timeout|other'],
  ])('%s: ends on time with a summary, bounded connections and classified errors', async (mode, kinds) => {
    const server = await hostileServer(mode);
    let log = '';
    const sink = new Writable({ write: (c, _e, cb) => ((log += String(c)), cb()) });
    const heapBefore = process.memoryUsage().heapUsed;
    const started = performance.now();
    try {
      const { summary, exitCode } = await executeRun({
        scenario: scenarioFile,
        target: server.url,
        out: path.join(dir, mode),
        handleSignals: false,
        stdout: sink,
        stderr: sink,
      });
      const elapsedSec = (performance.now() - started) / 1000;
      // Measured phase + grace + the 2 s the engine gives an aborted request, with slack for a loaded CI machine
      // (loading the scenario, the audit, writing the report); a harness that hangs would take the full 60 s.
      expect(elapsedSec, log).toBeLessThan(WALL_SEC + GRACE_SEC + 2 + 12);
      expect(summary.wallSeconds).toBeLessThanOrEqual(WALL_SEC + GRACE_SEC + 2 + 2);
      expect([0, 99]).toContain(exitCode);

      const { intendedArrivals, achievedArrivals } = summary.schedule;
      expect(intendedArrivals).toBeGreaterThan(200);
      expect(intendedArrivals).toBe(achievedArrivals + summary.totals.sessionsDropped);
      expect(summary.totals.requests).toBeGreaterThan(0);
      expect(summary.totals.errors).toBe(summary.totals.requests - Object.values(summary.endpoints).reduce((n, e) => n + (e.count - e.errors), 0));
      // No success against a target that never gives one.
      expect(summary.totals.signups).toBe(0);
      const errorKinds = Object.keys((summary.errorsByKind ?? {}) as Record<string, number>);
      expect(errorKinds.length, JSON.stringify(summary.errorsByKind)).toBeGreaterThan(0);
      for (const k of errorKinds) expect(k).toMatch(new RegExp(`^(${kinds}|aborted)$`));
      // While connections stay up, the pool never holds more than its limit (+1: the reachability check before the
      // run). Where the target or the harness closes them after each answer, old ones may still be closing.
      if (mode === 'hang' || mode === 'not-json') expect(server.maxOpen()).toBeLessThanOrEqual(CONNECTIONS + 1);
      if (mode === 'hang') {
        // 60/s arrive, at most 30 run, each waits out the 1 s timeout: about half must be dropped, and counted.
        expect(summary.totals.sessionsDropped).toBeGreaterThan(intendedArrivals * 0.2);
        expect(summary.errorsByKind).toHaveProperty('timeout');
      }
      // Memory: the run holds no body of the endless stream and no backlog of arrivals.
      expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(256 * 1024 * 1024);
    } finally {
      await server.close();
    }
  }, 60_000);
});
