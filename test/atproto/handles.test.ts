// The atproto target's identity mapping and XRPC helpers (no stack needed).
import { describe, expect, it } from 'vitest';
import { atprotoEmail, atprotoHandle, atprotoLabel, isValidLabel } from '../../src/target/atproto/handles.ts';
import { jwtSubject } from '../../src/target/atproto/atproto-target.ts';
import { queryString, xrpcError } from '../../src/target/atproto/xrpc.ts';
import { makeHandle } from '../../src/population/names.ts';

describe('atproto identity mapping', () => {
  it('maps generated handles to valid, unique, deterministic PDS handles', () => {
    const bases = ['li_wei', 'zhangxiaoming_1999', 'Jane.Doe-Smith', 'x', '', 'a_very_long_username_with_many_parts', '王小明'];
    const seen = new Map<string, string>();
    for (let i = 0; i < 20_000; i++) {
      const generated = makeHandle(bases[i % bases.length], i);
      const mapped = atprotoHandle(generated);
      expect(mapped).toBe(atprotoHandle(generated)); // deterministic
      expect(mapped.endsWith('.test')).toBe(true);
      const label = mapped.slice(0, -'.test'.length);
      expect(isValidLabel(label), `${generated} -> ${mapped}`).toBe(true);
      expect(seen.get(mapped), `${generated} and ${seen.get(mapped)} both map to ${mapped}`).toBeUndefined();
      seen.set(mapped, generated);
    }
  });

  it('keeps handles that already fit, and hashes what is not generated', () => {
    expect(atprotoHandle('alice.test')).toBe('alice.test');
    expect(atprotoHandle('alice2')).toBe('alice2.test'); // shaped by an identity policy, without the suffix
    expect(atprotoHandle('li_wei_2f')).toBe('liwei-2f.test');
    const odd = atprotoLabel('Some Person!!');
    expect(isValidLabel(odd)).toBe(true);
    expect(odd).not.toBe(atprotoLabel('Some Person??'));
    expect(atprotoEmail('liwei-2f.test')).toBe('liwei-2f@example.com');
    expect(isValidLabel('-ab')).toBe(false);
    expect(isValidLabel('ab')).toBe(false);
    expect(isValidLabel('a'.repeat(19))).toBe(false);
  });

  it('reads the DID from an access token and builds XRPC queries and errors', () => {
    const payload = Buffer.from(JSON.stringify({ sub: 'did:plc:abc', scope: 'com.atproto.access' })).toString('base64url');
    expect(jwtSubject(`eyJhbGciOiJIUzI1NiJ9.${payload}.sig`)).toBe('did:plc:abc');
    expect(jwtSubject('not-a-jwt')).toBeUndefined();
    expect(queryString({ uris: ['at://a/b/c', 'at://d/e/f'], limit: 5, cursor: undefined })).toBe('?uris=at%3A%2F%2Fa%2Fb%2Fc&uris=at%3A%2F%2Fd%2Fe%2Ff&limit=5');
    expect(queryString({ q: ' ' })).toBe('?q=+');
    const e = xrpcError(400, { error: 'InvalidRequest', message: 'Handle already taken: x.test' }, '2', 'com.atproto.server.createAccount');
    expect(e).toMatchObject({ kind: 'http_4xx', status: 400, code: 'InvalidRequest', retryAfterMs: 2000 });
    expect(e.message).toMatch(/createAccount: Handle already taken/);
  });
});
