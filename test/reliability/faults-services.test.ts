// slow-store, cut-redis and stall against the reference backend process on real Postgres and Redis (through the
// harness's TCP proxies): the run keeps measuring, each window shows in the timeline, the backend answers an
// outage of its cache with 503 (not 500), and no acknowledged write is lost.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { serviceUrl } from '../helpers/services.ts';
import { deleteRedisPrefix } from '../backend/helpers.ts';
import { executeRun } from '../../src/cli/pipeline.ts';

const pgUrl = await serviceUrl('postgres');
const redisUrl = await serviceUrl('redis');
const suffix = `${process.pid}_${randomBytes(3).toString('hex')}`;
const schema = `fc_relsvc_${suffix}`;
const prefix = `fc_test:relsvc_${suffix}:`;
const dir = mkdtempSync(path.join(tmpdir(), 'fc-faults-'));

afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  if (pgUrl) {
    const client = new pg.Client({ connectionString: pgUrl });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.end();
  }
  if (redisUrl) await deleteRedisPrefix(redisUrl, prefix);
});

describe.skipIf(!pgUrl || !redisUrl)('store and cache faults on Postgres + Redis', () => {
  it('slows the store, cuts Redis and stalls the process, and the run measures each window', async () => {
    let log = '';
    const sink = new Writable({ write: (c, _e, cb) => ((log += String(c)), cb()) });
    const { summary, timeline } = await executeRun({
      scenario: 'scenarios/smoke.ts',
      duration: '12m',
      chaos: 'slow-store@1s:3s:300ms,cut-redis@5s:3s,stall@9s:1s',
      backend: { db: pgUrl, redis: redisUrl, schema, redisKeyPrefix: prefix, scryptCost: 16, poolSize: 4 },
      out: path.join(dir, 'run'),
      handleSignals: false,
      stdout: sink,
      stderr: sink,
    });
    const faults = summary.faults as { kind: string; atSec: number; endSec: number; error?: string }[];
    expect(faults.map((f) => f.kind), log).toEqual(['slow-store', 'cut-redis', 'stall']);
    expect(faults.every((f) => !f.error)).toBe(true);
    expect(timeline.events.filter((e) => e.kind === 'fault').map((e) => e.name)).toEqual(['slow-store #1', 'cut-redis #1', 'stall #1']);

    const worstP99 = (from: number, to: number) =>
      Math.max(0, ...timeline.buckets.filter((b) => b.t >= from && b.t < to).flatMap((b) => Object.values(b.latencyMs).map((v) => v.p99)));
    // Every request that touches the store pays >= 300 ms per round trip while it is slow.
    expect(worstP99(faults[0].atSec + 1, faults[0].endSec)).toBeGreaterThanOrEqual(300);

    // Cache outage: 503s (overload/unavailable), never a 500; the run keeps going.
    const statuses: Record<string, number> = {};
    for (const e of Object.values(summary.endpoints)) for (const [s, n] of Object.entries(e.errorsByStatus ?? {})) statuses[s] = (statuses[s] ?? 0) + n;
    expect(statuses['500'] ?? 0).toBe(0);
    expect(summary.wallSeconds).toBeGreaterThanOrEqual(11);
    expect(summary.totals.requests).toBeGreaterThan(summary.totals.errors * 2);
    expect(summary.audit.checkedWrites).toBeGreaterThan(50);
    expect(summary.audit.lostWrites).toBe(0);
  }, 240_000);
});
