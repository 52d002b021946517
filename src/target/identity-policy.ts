// The identity policy (contract v2, target/target.ts IdentityPolicy) resolved once into what the generator needs:
// the characters a handle may use, how a person's index is made part of it (so handles stay unique), the length
// bounds, the email domain and the password rules. Invalid policies are refused with the field path.
import type { IdentityPolicy } from './target.ts';

const DIGITS_AND_LETTERS = '0123456789abcdefghijklmnopqrstuvwxyz';
const SEPARATORS = ['_', '-', '.'];
const PASSWORD_CLASSES = ['lower', 'upper', 'digit', 'symbol'] as const;

export interface ResolvedIdentityPolicy {
  /** Tests one lower-case character against the handle charset. */
  allows(ch: string): boolean;
  /** Digits and letters the charset allows, in base-36 digit order: the alphabet of the index part. */
  alphabet: string;
  /** The first of '_', '-', '.' the charset allows: separates the index; absent = self-delimiting index. */
  separator?: string;
  minLength: number;
  maxLength: number;
  suffix: string;
  emailDomain: string;
  passwordMinLength: number;
  passwordRequire: readonly (typeof PASSWORD_CLASSES)[number][];
  /** True for the default (no policy): handles exactly as before contract v2. */
  isDefault: boolean;
}

export const DEFAULT_HANDLE_CHARSET = 'a-z0-9_';
export const DEFAULT_HANDLE_MAX_LENGTH = 30;
export const DEFAULT_EMAIL_DOMAIN = 'example.test';

/** Scenario fields override the adapter's, field by field (the scenario knows its deployment, e.g. the email domain). */
export function mergeIdentityPolicies(adapter?: IdentityPolicy, scenario?: IdentityPolicy): IdentityPolicy | undefined {
  if (!adapter) return scenario;
  if (!scenario) return adapter;
  return {
    handle: { ...adapter.handle, ...scenario.handle },
    email: { ...adapter.email, ...scenario.email },
    password: { ...adapter.password, ...scenario.password },
  };
}

/** Validate and resolve; throws an Error naming the field (`<where>.handle.charset: ...`). */
export function resolveIdentityPolicy(policy: IdentityPolicy | undefined, where = 'identity'): ResolvedIdentityPolicy {
  const p = policy ?? {};
  const fail = (field: string, message: string): never => {
    throw new Error(`${where}.${field}: ${message}`);
  };
  const int = (field: string, v: unknown, min: number): number | undefined => {
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) fail(field, `expected a whole number >= ${min} (got ${JSON.stringify(v)})`);
    return v as number;
  };
  const str = (field: string, v: unknown): string | undefined => {
    if (v === undefined) return undefined;
    if (typeof v !== 'string') fail(field, `expected a string (got ${typeof v})`);
    return v as string;
  };
  if (typeof p !== 'object' || p === null) fail('', 'expected an object with handle, email, password');
  const charset = str('handle.charset', p.handle?.charset) ?? DEFAULT_HANDLE_CHARSET;
  let re: RegExp;
  try {
    re = new RegExp(`^[${charset}]$`);
  } catch (err) {
    return fail('handle.charset', `not a valid character class: ${(err as Error).message}`);
  }
  const alphabet = [...DIGITS_AND_LETTERS].filter((c) => re.test(c)).join('');
  if (alphabet.length < 16) fail('handle.charset', `must allow at least 16 of [a-z0-9] (allows ${alphabet.length}: '${alphabet}'), so handles can carry a unique index`);
  const separator = SEPARATORS.find((c) => re.test(c));
  const suffix = str('handle.suffix', p.handle?.suffix) ?? '';
  const minLength = int('handle.minLength', p.handle?.minLength, 1) ?? 1;
  const maxLength = int('handle.maxLength', p.handle?.maxLength, 6) ?? DEFAULT_HANDLE_MAX_LENGTH;
  if (minLength > maxLength) fail('handle.minLength', `greater than maxLength (${minLength} > ${maxLength})`);
  const domain = str('email.domain', p.email?.domain) ?? DEFAULT_EMAIL_DOMAIN;
  if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/i.test(domain)) fail('email.domain', `expected a domain like example.test (got '${domain}')`);
  const passwordMinLength = int('password.minLength', p.password?.minLength, 1) ?? 1;
  if (passwordMinLength > 128) fail('password.minLength', 'at most 128');
  const require = p.password?.require ?? [];
  if (!Array.isArray(require)) fail('password.require', `expected an array of ${PASSWORD_CLASSES.join(', ')}`);
  for (const [i, c] of require.entries()) {
    if (!(PASSWORD_CLASSES as readonly string[]).includes(c)) fail(`password.require[${i}]`, `unknown class '${c}' (known: ${PASSWORD_CLASSES.join(', ')})`);
  }
  return {
    allows: (ch) => re.test(ch),
    alphabet,
    separator,
    minLength,
    maxLength,
    suffix,
    emailDomain: domain.toLowerCase(),
    passwordMinLength,
    passwordRequire: require,
    isDefault: policy === undefined,
  };
}

export const DEFAULT_POLICY = resolveIdentityPolicy(undefined);
