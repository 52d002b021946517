import { describe, expect, it } from 'vitest';
import { resolveIdentityPolicy, mergeIdentityPolicies } from '../../src/target/identity-policy.ts';
import { buildPopulation } from '../../src/population/store.ts';
import { makeHandle } from '../../src/population/names.ts';
import { compilePlan } from '../../src/scenario/compile.ts';

const spec = (identity?: Parameters<typeof resolveIdentityPolicy>[0]) => ({
  seed: 7,
  identity,
  cohorts: [{ name: 'c', people: 3000, locales: { en_US: 0.5, zh_CN: 0.3, de_DE: 0.2 }, timeZones: { UTC: 1 } }],
});

describe('identity policy', () => {
  it('shapes handles, emails and passwords deterministically and keeps handles unique', () => {
    const policy = { handle: { charset: 'a-z0-9', minLength: 5, maxLength: 12, suffix: '.test' }, email: { domain: 'chirp.test' }, password: { minLength: 20, require: ['digit', 'upper', 'symbol'] as const } };
    const a = buildPopulation(spec(policy));
    const b = buildPopulation(spec(policy));
    const handles = new Set<string>();
    const emails = new Set<string>();
    for (let i = 0; i < a.size; i++) {
      const p = a.person(i);
      expect(p.handle).toMatch(/^[a-z0-9]{5,12}\.test$/);
      expect(p.email).toMatch(/^[a-z0-9]{5,12}@chirp\.test$/);
      expect(p.password.length).toBeGreaterThanOrEqual(20);
      expect(p.password).toMatch(/[0-9]/);
      expect(p.password).toMatch(/[A-Z]/);
      expect(p.password).toMatch(/[^A-Za-z0-9]/);
      expect(b.person(i)).toEqual(p);
      handles.add(p.handle);
      emails.add(p.email);
    }
    expect(handles.size).toBe(a.size);
    expect(emails.size).toBe(a.size);
  });

  it('keeps the index recoverable without a separator, for any base (self-delimiting index)', () => {
    const policy = resolveIdentityPolicy({ handle: { charset: 'a-z0-9', maxLength: 10 } });
    const seen = new Map<string, number>();
    const bases = ['ab', 'ab1', 'a', '', '1', 'zz9', 'x'.repeat(40)];
    for (let i = 0; i < 20_000; i++) {
      const h = makeHandle(bases[i % bases.length], i, policy);
      expect(h.length).toBeLessThanOrEqual(10);
      expect(seen.has(h), `${h} for ${i} and ${seen.get(h)}`).toBe(false);
      seen.set(h, i);
    }
  });

  it('uses "-" as the separator when the charset has it but not "_"', () => {
    const policy = resolveIdentityPolicy({ handle: { charset: 'a-z0-9-' } });
    expect(makeHandle('Zoë O’Brien', 35, policy)).toBe('zoe-o-brien-z');
  });

  it('leaves the default identities as they were', () => {
    expect(makeHandle('Zoë O’Brien', 35)).toBe('zoe_o_brien_z');
    const p = buildPopulation(spec()).person(3);
    expect(p.handle).toMatch(/^[a-z0-9_]{1,30}$/);
    expect(p.email).toBe(`${p.handle}@example.test`);
  });

  it('refuses a bad policy naming the field', () => {
    expect(() => resolveIdentityPolicy({ handle: { charset: 'a-f' } })).toThrow(/identity\.handle\.charset: must allow at least 16/);
    expect(() => resolveIdentityPolicy({ handle: { charset: 'a-z]' } }, 'adapter.identity')).toThrow(/adapter\.identity\.handle\.charset/);
    expect(() => resolveIdentityPolicy({ handle: { minLength: 20, maxLength: 10 } })).toThrow(/handle\.minLength: greater than maxLength/);
    expect(() => resolveIdentityPolicy({ email: { domain: 'no domain' } })).toThrow(/email\.domain/);
    expect(() => resolveIdentityPolicy({ password: { require: ['emoji' as 'digit'] } })).toThrow(/password\.require\[0\]: unknown class 'emoji'/);
  });

  it('merges the scenario over the adapter field by field', () => {
    expect(mergeIdentityPolicies({ handle: { charset: 'a-z0-9', suffix: '.test' }, email: { domain: 'a.test' } }, { email: { domain: 'b.test' } })).toEqual({
      handle: { charset: 'a-z0-9', suffix: '.test' },
      email: { domain: 'b.test' },
      password: {},
    });
  });

  it('is a scenario field, validated with its path', () => {
    const base = { name: 's', timeline: { start: '2025-01-13T00:00:00Z', duration: '1h', wall: '10s' }, cohorts: [{ name: 'c', size: 10 }] };
    expect(compilePlan({ ...base, identity: { handle: { charset: 'a-z0-9' } } }).identity).toEqual({ handle: { charset: 'a-z0-9' } });
    expect(() => compilePlan({ ...base, identity: { handle: { charset: 'a-c' } } })).toThrow(/identity\.handle\.charset/);
    expect(() => compilePlan({ ...base, identity: { handle: { maxLength: 2 } } })).toThrow(/identity\.handle\.maxLength/);
  });
});
