// Pure parts of the backend: config layering, cursors, tokens, password hashes, the simple language detector.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError, DEFAULTS, loadConfigFile, resolveConfig } from '../../src/backend/config.ts';
import { decodeCursor, encodeCursor } from '../../src/backend/cursor.ts';
import { InvalidCursorError } from '../../src/backend/errors.ts';
import { issueToken, verifyToken } from '../../src/backend/auth/tokens.ts';
import { hashPassword, verifyPassword } from '../../src/backend/auth/passwords.ts';
import { backendConfigFromArgs } from '../../src/cli/backend.ts';
import { UsageError } from '../../src/errors/exit-codes.ts';

describe('config', () => {
  it('layers defaults < file < flags and merges rate limits per limit', () => {
    const c = resolveConfig({ port: 9000, rateLimits: { signupPerIp: { limit: 5, windowSec: 60 } } }, { port: 9001 });
    expect(c.port).toBe(9001);
    expect(c.db).toBe(DEFAULTS.db);
    expect(c.rateLimits.signupPerIp).toEqual({ limit: 5, windowSec: 60 });
    expect(c.rateLimits.writesPerAccount).toEqual(DEFAULTS.rateLimits.writesPerAccount);
    expect(c.tokenSecret).toBeUndefined(); // unset: the backend keeps one in its database (auth/token-secret.ts)
  });

  it('reports every bad field by path', () => {
    const bad = () => resolveConfig({ port: -1, scryptCost: 1000, db: 'mysql://x' } as never);
    expect(bad).toThrow(ConfigError);
    try {
      bad();
    } catch (err) {
      const msg = (err as Error).message;
      expect(msg).toContain('port');
      expect(msg).toContain('scryptCost');
      expect(msg).toContain('db');
    }
  });

  it('reads a JSON file, rejects unknown keys, and lets flags win', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'fc-cfg-'));
    const good = path.join(dir, 'good.json');
    writeFileSync(good, JSON.stringify({ port: 7000, poolSize: 3, trustProxy: true }));
    expect(loadConfigFile(good)).toMatchObject({ port: 7000, poolSize: 3 });
    const c = backendConfigFromArgs(['--config', good, '--port', '7001', '--scrypt-cost', '1024']);
    expect(c).toMatchObject({ port: 7001, poolSize: 3, trustProxy: true, scryptCost: 1024 });
    const typo = path.join(dir, 'typo.json');
    writeFileSync(typo, JSON.stringify({ prot: 1 }));
    expect(() => loadConfigFile(typo)).toThrow(/prot/);
    expect(() => backendConfigFromArgs(['--config', typo])).toThrow(UsageError);
    expect(() => backendConfigFromArgs(['--port', 'eighty'])).toThrow(UsageError);
    expect(() => backendConfigFromArgs(['--bogus'])).toThrow(UsageError);
    expect(() => backendConfigFromArgs(['--db', 'sqlite://x'])).toThrow(/db/);
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('cursors', () => {
  it('round-trips seqs and rejects anything else', () => {
    expect(decodeCursor(encodeCursor(12345)!)).toBe(12345);
    expect(encodeCursor(null)).toBeNull();
    expect(decodeCursor(undefined)).toBeUndefined();
    for (const bad of ['', 'AAAA', Buffer.from('s-1').toString('base64url'), Buffer.from('s1e5').toString('base64url'), 'a+b/', 'x'.repeat(40)]) {
      expect(() => decodeCursor(bad), bad).toThrow(InvalidCursorError);
    }
  });
});

describe('tokens', () => {
  const secret = 'test-secret-0123456789abcdef';
  it('verifies its own tokens and carries the languages', () => {
    const t = issueToken(secret, { sub: 'u1', lng: ['zh', 'en'] }, 60);
    expect(verifyToken(secret, `Bearer ${t}`)).toMatchObject({ sub: 'u1', lng: ['zh', 'en'] });
  });
  it('refuses expired, forged and foreign tokens with 401', () => {
    const t = issueToken(secret, { sub: 'u1', lng: ['en'] }, 60, 0);
    expect(() => verifyToken(secret, `Bearer ${t}`)).toThrow(expect.objectContaining({ statusCode: 401, code: 'token_expired' }));
    const fresh = issueToken(secret, { sub: 'u1', lng: ['en'] }, 60);
    expect(() => verifyToken('another-secret-0123456789', `Bearer ${fresh}`)).toThrow(expect.objectContaining({ code: 'invalid_token' }));
    expect(() => verifyToken(secret, undefined)).toThrow(expect.objectContaining({ code: 'unauthenticated' }));
    expect(() => verifyToken(secret, `Bearer v2.${fresh.slice(3)}`)).toThrow(expect.objectContaining({ statusCode: 401 }));
  });
});

describe('passwords', () => {
  it('hashes with the configured cost and verifies only the right password', async () => {
    const h = await hashPassword('s3cret-pass', 1024);
    expect(h).toMatch(/^scrypt\$1024\$8\$1\$/);
    expect(await verifyPassword('s3cret-pass', h)).toBe(true);
    expect(await verifyPassword('s3cret-pasS', h)).toBe(false);
    expect(await verifyPassword('s3cret-pass', 'garbage')).toBe(false);
    expect(await hashPassword('s3cret-pass', 1024)).not.toBe(h); // salted
  });
});

describe('error mapping', () => {
  it('turns overload into 503 + Retry-After and unknown faults into a bare 500', async () => {
    const { mapError } = await import('../../src/backend/api/errors.ts');
    const { StoreError } = await import('../../src/backend/store/errors.ts');
    expect(mapError(new Error('timeout exceeded when trying to connect'))).toMatchObject({ status: 503, code: 'overloaded', retryAfterSec: 1 });
    expect(mapError(Object.assign(new Error('canceling statement due to statement timeout'), { code: '57014' }))).toMatchObject({ status: 503 });
    expect(mapError(Object.assign(new Error('provider saturated'), { retryAfterSec: 2.2 }))).toMatchObject({ status: 503, retryAfterSec: 3 });
    expect(mapError(new StoreError('gone', 'removed', 'postId'))).toMatchObject({ status: 410, code: 'gone', field: 'postId' });
    expect(mapError(new StoreError('invalid', 'bad'))).toMatchObject({ status: 400 });
    expect(mapError(Object.assign(new Error('x'), { code: 'FST_ERR_CTP_BODY_TOO_LARGE', statusCode: 413 }))).toMatchObject({ status: 413, code: 'payload_too_large' });
    expect(mapError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }))).toMatchObject({ status: 503, code: 'unavailable' });
    expect(mapError(new Error('Connection is closed.'))).toMatchObject({ status: 503, code: 'unavailable' });
    const validation = Object.assign(new Error('v'), {
      validationContext: 'params',
      validation: [{ keyword: 'pattern', instancePath: '/id', params: { pattern: (await import('../../src/backend/api/schemas.ts')).UUID_PATTERN }, message: 'x' }],
    });
    expect(mapError(validation)).toEqual({ status: 400, code: 'invalid_request', message: 'params.id must be a UUID', field: 'params.id' });
    const internal = mapError(new TypeError('secret internals'));
    expect(internal).toEqual({ status: 500, code: 'internal', message: 'internal server error' });
  });
});
