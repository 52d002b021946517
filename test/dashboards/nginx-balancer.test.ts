// deploy/nginx.conf with a real nginx in front of two real backend replicas on 127.0.0.1: requests are spread over
// both, the harness's X-Forwarded-For reaches the backend first in the chain, and /metrics is not served through
// the balancer (Prometheus scrapes each replica).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serviceUrl } from '../helpers/services.ts';
import { startBackendUnderTest, type BackendUnderTest } from './backend-under-test.ts';
import { freePort } from './prometheus-process.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));

function nginxAvailable(): boolean {
  if (spawnSync('which', ['nginx']).status === 0) return true;
  if (process.env.FLASHCROWD_REQUIRE_PROMETHEUS === '1') throw new Error('nginx is required (FLASHCROWD_REQUIRE_PROMETHEUS=1)');
  console.warn('[skip] nginx not installed');
  return false;
}

/** The compose config, pointed at local replicas and a private prefix (pid, temp files) instead of Docker's. */
function localConfig(dir: string, listen: number, replicas: string[]): string {
  const conf = readFileSync(path.join(root, 'deploy/nginx.conf'), 'utf8');
  const upstream = /^(\s*)server backend:8080([^;]*);$/m;
  expect(conf).toMatch(upstream);
  return conf
    .replace(upstream, (_m, indent: string, params: string) => replicas.map((r) => `${indent}server ${r}${params};`).join('\n'))
    .replace(/listen \d+;/, `listen 127.0.0.1:${listen};`)
    .replaceAll('/tmp/', `${dir}/`);
}

async function requestsServed(backend: BackendUnderTest): Promise<number> {
  const text = await (await fetch(`${backend.url}/metrics`)).text();
  return text
    .split('\n')
    .filter((l) => l.startsWith('social_http_request_duration_seconds_count{') && l.includes('route="/healthz"'))
    .reduce((n, l) => n + Number(l.split(' ').pop()), 0);
}

describe.runIf(nginxAvailable())('nginx load balancer (deploy/nginx.conf)', () => {
  let dir: string;
  let nginx: ChildProcess;
  let replicas: BackendUnderTest[] = [];
  let lb: string;
  let redisUrl: string | undefined;
  const redisKeyPrefix = `fc_lb_${process.pid}_${Date.now().toString(36)}:`;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'flashcrowd-lb-'));
    // Replicas share Redis (as in docker-compose.yml) when it is reachable, so a per-address limit spans both.
    redisUrl = await serviceUrl('redis');
    const options = {
      trustProxy: true,
      rateLimits: { signupPerIp: { limit: 1, windowSec: 60 } },
      ...(redisUrl ? { redis: redisUrl, redisKeyPrefix } : {}),
    };
    replicas = await Promise.all([startBackendUnderTest(options), startBackendUnderTest(options)]);
    const port = await freePort();
    lb = `http://127.0.0.1:${port}`;
    writeFileSync(path.join(dir, 'nginx.conf'), localConfig(dir, port, replicas.map((r) => new URL(r.url).host)));
    nginx = spawn('nginx', ['-p', dir, '-c', path.join(dir, 'nginx.conf'), '-e', path.join(dir, 'error.log'), '-g', 'daemon off;'], {
      stdio: 'ignore',
    });
    const deadline = Date.now() + 10_000;
    for (;;) {
      try {
        const res = await fetch(`${lb}/healthz`);
        await res.text();
        if (res.ok) break;
      } catch {
        // not listening yet
      }
      if (nginx.exitCode !== null || Date.now() > deadline) {
        throw new Error(`nginx did not start: ${readFileSync(path.join(dir, 'error.log'), 'utf8')}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }, 30_000);

  afterAll(async () => {
    if (nginx && nginx.exitCode === null) {
      const exited = new Promise((r) => nginx.once('exit', r));
      nginx.kill('SIGQUIT');
      await exited;
    }
    await Promise.all(replicas.map((r) => r.close()));
    if (redisUrl) {
      const redis = new Redis(redisUrl);
      const keys = await redis.keys(`${redisKeyPrefix}*`);
      if (keys.length) await redis.del(...keys);
      await redis.quit();
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('spreads requests over every replica', async () => {
    const before = await Promise.all(replicas.map(requestsServed));
    for (let i = 0; i < 40; i++) {
      const res = await fetch(`${lb}/healthz`);
      expect(res.status).toBe(200);
      await res.text();
    }
    const served = (await Promise.all(replicas.map(requestsServed))).map((n, i) => n - before[i]);
    expect(served.reduce((a, b) => a + b, 0)).toBe(40);
    for (const n of served) expect(n).toBeGreaterThan(0);
  });

  it('passes the synthetic client address first in X-Forwarded-For', async (ctx) => {
    if (!redisUrl) ctx.skip();
    // One signup per client address per minute across both replicas: the backend must see the harness's address,
    // not the balancer's (which would make the second address look like the first).
    const signup = async (ip: string) => {
      const res = await fetch(`${lb}/v1/users`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': ip },
        body: JSON.stringify({
          handle: `lb_${Math.random().toString(36).slice(2, 10)}`,
          password: 'correct horse battery',
          displayName: 'LB',
          locale: 'en_US',
          languages: ['en'],
          country: 'US',
          tz: 'UTC',
        }),
      });
      await res.text();
      return res.status;
    };
    expect(await signup('198.51.100.7')).toBe(201);
    expect(await signup('198.51.100.7')).toBe(429);
    expect(await signup('198.51.100.8')).toBe(201);
  });

  it('does not serve replica metrics through the balancer', async () => {
    const res = await fetch(`${lb}/metrics`);
    await res.text();
    expect(res.status).toBe(404);
  });
});
