// Rate limits per client IP (X-Forwarded-For under --trust-proxy) and per account, and logs that never carry
// passwords or tokens. Embedded store; one backend for the file.
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBackend, type RunningBackend } from '../../src/backend/launch.ts';
import { client, newAccount, type Call } from './helpers.ts';

describe('rate limits and log hygiene', () => {
  let backend: RunningBackend;
  let call: Call;
  const logs: string[] = [];

  beforeAll(async () => {
    const logStream = new Writable({
      write(chunk, _enc, done) {
        logs.push(String(chunk));
        done();
      },
    });
    backend = await startBackend(
      {
        scryptCost: 16,
        trustProxy: true,
        logLevel: 'info',
        logRequests: true,
        rateLimits: { signupPerIp: { limit: 2, windowSec: 60 }, writesPerAccount: { limit: 3, windowSec: 60 } },
        surge: { admission: { maxEventLoopDelayMs: 0 } },
      },
      { logStream },
    );
    call = client(backend);
  });
  afterAll(async () => {
    await backend?.close();
  });

  it('limits signups per client IP taken from X-Forwarded-For, with Retry-After', async () => {
    const from = (ip: string) => ({ 'x-forwarded-for': ip });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push(await call('POST', '/v1/users', { body: newAccount(), headers: from('10.1.0.1') }));
    expect(statuses.map((r) => r.status)).toEqual([201, 201, 429]);
    expect(statuses[2].body.error.code).toBe('rate_limited');
    expect(Number(statuses[2].headers['retry-after'])).toBeGreaterThan(0);
    expect((await call('POST', '/v1/users', { body: newAccount(), headers: from('10.1.0.2, 192.0.2.1') })).status).toBe(201);
  });

  it('limits writes per account, not per address', async () => {
    const a = await call('POST', '/v1/users', { body: newAccount(), headers: { 'x-forwarded-for': '10.2.0.1' } });
    const b = await call('POST', '/v1/users', { body: newAccount(), headers: { 'x-forwarded-for': '10.2.0.2' } });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await call('POST', '/v1/posts', { token: a.body.token, body: { text: `p${i}` } })).status);
    expect(statuses).toEqual([201, 201, 201, 429]);
    expect((await call('POST', '/v1/posts', { token: b.body.token, body: { text: 'other account' } })).status).toBe(201);
  });

  it('never logs a password or a token', async () => {
    const account = newAccount({ password: 'very-secret-password-42' });
    const r = await call('POST', '/v1/users', { body: account, headers: { 'x-forwarded-for': '10.3.0.1' } });
    await call('GET', '/v1/feed/following', { token: r.body.token });
    await call('GET', '/v1/feed/following', { token: r.body.token + 'forged' });
    await new Promise((resolve) => setImmediate(resolve));
    const text = logs.join('');
    expect(text).toContain('/v1/feed/following'); // request logging is on, so the check below means something
    expect(text).not.toContain('very-secret-password-42');
    expect(text).not.toContain(r.body.token.split('.')[2]);
    // Request loggers are made on first use: a request's lines still carry its id, one id per request.
    const lines = logs.flatMap((l) => l.split('\n')).filter(Boolean).map((l) => JSON.parse(l) as { reqId?: string; msg?: string });
    const incoming = lines.filter((l) => l.msg === 'incoming request');
    expect(incoming.length).toBeGreaterThanOrEqual(3);
    expect(incoming.every((l) => typeof l.reqId === 'string' && l.reqId.length > 0)).toBe(true);
    expect(new Set(incoming.map((l) => l.reqId)).size).toBe(incoming.length);
    const completed = lines.filter((l) => l.msg === 'request completed');
    expect(completed.map((l) => l.reqId).sort()).toEqual(incoming.map((l) => l.reqId).sort());
  });
});
