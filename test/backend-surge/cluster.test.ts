// --workers N: processes sharing a port, Postgres and Redis.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, test } from 'vitest';
import { checkClusterConfig, startCluster, type RunningCluster } from '../../src/backend/cluster.ts';
import { resolveConfig } from '../../src/backend/config.ts';
import { serviceUrl } from '../helpers/services.ts';

describe('cluster configuration', () => {
  test('refuses several processes on the embedded database or the in-memory cache, with the fix in the message', () => {
    expect(() => checkClusterConfig(resolveConfig({ workers: 2 }))).toThrow(/embedded database .*--db postgres:\/\//);
    expect(() => checkClusterConfig(resolveConfig({ workers: 2, db: 'postgres://x@127.0.0.1/db' }))).toThrow(/--redis redis:\/\//);
    expect(() => checkClusterConfig(resolveConfig({ workers: 1 }))).not.toThrow();
  });
});

const pgUrl = await serviceUrl('postgres');
const redisUrl = await serviceUrl('redis');
const schema = `surge_cluster_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
let running: RunningCluster | undefined;
const ADMIN = 'cluster-admin-token-0123456789';

afterAll(async () => {
  await running?.close();
  if (redisUrl) {
    const { Redis } = await import('ioredis');
    const r = new Redis(redisUrl);
    const keys = await r.keys(`fc-test-${schema}:*`);
    if (keys.length) await r.del(...keys);
    await r.quit();
  }
  if (pgUrl) {
    const c = new pg.Client({ connectionString: pgUrl });
    await c.connect();
    await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await c.end();
  }
});

describe.runIf(pgUrl && redisUrl)('two backend processes on Postgres and Redis', () => {
  test('share the port, the data and the token secret; close ends both', async () => {
    running = await startCluster(
      resolveConfig({ port: 0, workers: 2, db: pgUrl!, schema, redis: redisUrl!, redisKeyPrefix: `fc-test-${schema}:`, logLevel: 'warn', scryptCost: 1024,
        surge: { translation: { adminToken: ADMIN, latencyMedianMs: 1, latencySigma: 0 } } }),
    );
    expect(running.port).toBeGreaterThan(0);
    const handle = `c${randomUUID().slice(0, 8)}`;
    const signup = await fetch(`${running.url}/v1/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ handle, password: 'correct horse battery', displayName: 'C', locale: 'en', languages: ['en'], country: 'US', tz: 'UTC' }),
    });
    expect(signup.status).toBe(201);
    const { id, token } = (await signup.json()) as { id: string; token: string };
    // Every process accepts the token and sees the user; the requests are spread over both processes, so no
    // single process's /metrics has counted all eight.
    for (let i = 0; i < 8; i++) {
      const me = await fetch(`${running.url}/v1/users/${id}`, { headers: { authorization: `Bearer ${token}`, connection: 'close' } });
      expect(me.status).toBe(200);
    }
    const counted: number[] = [];
    for (let i = 0; i < 4; i++) {
      const text = await (await fetch(`${running.url}/metrics`, { headers: { connection: 'close' } })).text();
      const m = /social_http_request_duration_seconds_count\{route="\/v1\/users\/:id",method="GET",status_code="200"\} (\d+)/.exec(text);
      counted.push(m ? Number(m[1]) : 0);
    }
    expect(Math.max(...counted)).toBeGreaterThan(0);
    expect(Math.max(...counted)).toBeLessThan(8);
    // The primary's endpoint sums both processes.
    const summed = await (await fetch(running.metricsUrl)).text();
    expect(summed).toMatch(/social_http_request_duration_seconds_count\{route="\/v1\/users\/:id",method="GET",status_code="200"\} 8\b/);

    // The translation switch flipped on one process reaches the other through Redis.
    const post = await fetch(`${running.url}/v1/posts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'hello friends', lang: 'en', tags: [], media: [] }),
    });
    const postId = ((await post.json()) as { id: string }).id;
    const on = await fetch(`${running.url}/v1/admin/translation`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json', connection: 'close' },
      body: JSON.stringify({ enabled: true }),
    });
    expect(on.status).toBe(200);
    await new Promise((r) => setTimeout(r, 1200));
    for (let i = 0; i < 4; i++) {
      const res = await fetch(`${running.url}/v1/posts/${postId}?translate=zh`, { headers: { authorization: `Bearer ${token}`, connection: 'close' } });
      const body = (await res.json()) as { translation?: { text: string } };
      expect(body.translation?.text, JSON.stringify(body)).toBe('你好朋友们');
    }
    await running.close();
    await expect(fetch(`${running.url}/healthz`)).rejects.toThrow();
    running = undefined;
  });
});
