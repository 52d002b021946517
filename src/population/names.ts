// Handles, display names and passwords for one person, from (seed, index) alone.
import { readFileSync } from 'node:fs';
import { hash32, Rng } from '../random/index.ts';
import { fakerFor, localeInfo } from './locales.ts';
import { DEFAULT_POLICY, mergeIdentityPolicies, resolveIdentityPolicy, type ResolvedIdentityPolicy } from '../target/identity-policy.ts';
import type { IdentityPolicy } from '../target/target.ts';

export const MAX_HANDLE_LENGTH = 30;
export const HANDLE_PATTERN = /^[a-z0-9_]{1,30}$/;

interface ZhNames {
  surnames: [string, string][];
  given: [string, string][];
  nicknames: [string, string][];
  nicknameSuffixes: [string, string][];
}

let zhNames: ZhNames | undefined;
function zh(): ZhNames {
  zhNames ??= JSON.parse(readFileSync(new URL('../../fixtures/content/names-zh.json', import.meta.url), 'utf8')) as ZhNames;
  return zhNames;
}

const NAME_STREAM = 0x4e414d45; // 'NAME'

/** Lowercase ASCII slug: diacritics dropped, anything outside [a-z0-9_] becomes '_'. */
export function slug(s: string): string {
  return s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '_')
    .replace(/_+/g, '_')
    .replace(/^_|_$/g, '');
}

/**
 * Unique, API-valid handle: `<base><sep><index>` where the index part never contains the separator, so the last
 * separator always splits it off and two indexes can never produce the same handle, whatever their bases. Default
 * policy: `<base>_<index in base 36>`, at most 30 characters. A charset without '_', '-' or '.' gets a
 * self-delimiting index instead: `<base><index><length of the index>`, read from the end. The policy's suffix
 * (e.g. '.test') is appended after the length limit.
 */
export function makeHandle(base: string, index: number, policy: ResolvedIdentityPolicy = DEFAULT_POLICY): string {
  const idx = encodeIndex(index, policy.alphabet);
  const sep = policy.separator;
  const tail = sep !== undefined ? sep + idx : idx + policy.alphabet[idx.length];
  let b = policy.isDefault ? slug(base) : fitCharset(slug(base), policy);
  b ||= policy.isDefault ? 'user' : fitCharset('user', policy) || policy.alphabet[policy.alphabet.length - 1];
  const room = Math.max(0, policy.maxLength - tail.length);
  b = trimSeparators(b.slice(0, room), sep);
  if (!b && room > 0) b = policy.allows('u') ? 'u' : policy.alphabet[policy.alphabet.length - 1];
  const pad = policy.allows('x') ? 'x' : policy.alphabet[policy.alphabet.length - 1];
  while (b.length + tail.length < policy.minLength) b += pad;
  return b + tail + policy.suffix;
}

/** A handle for an account the harness itself needs (probe readers, the auditor), shaped by the same policy. */
export function harnessHandle(label: string, policy: ResolvedIdentityPolicy = DEFAULT_POLICY): string {
  return makeHandle(label, hash32(label.length, [...label].reduce((h, c) => Math.imul(h ^ c.charCodeAt(0), 16777619) >>> 0, 2166136261)), policy);
}

/**
 * Handle, email and password of an account the harness itself needs (a probe reader, the auditor), under the run's
 * identity policy (the target's, with the scenario's merged over it). Without a policy the label is the handle.
 */
export function harnessAccount(label: string, password: string, target?: IdentityPolicy, scenario?: IdentityPolicy): { handle: string; email: string; password: string } {
  const merged = mergeIdentityPolicies(target, scenario);
  if (!merged) return { handle: label, email: `${label}@${DEFAULT_POLICY.emailDomain}`, password };
  const policy = resolveIdentityPolicy(merged);
  const handle = harnessHandle(label, policy);
  return { handle, email: emailOf(handle, policy), password: fitPassword(password, label.length, password.length, policy) };
}

/** The generated email of a handle: its part before the policy suffix at the policy's domain; unique with it. */
export function emailOf(handle: string, policy: ResolvedIdentityPolicy = DEFAULT_POLICY): string {
  const local = policy.suffix && handle.endsWith(policy.suffix) ? handle.slice(0, -policy.suffix.length) : handle;
  return `${local.replace(/[^a-z0-9._-]/gi, '-')}@${policy.emailDomain}`;
}

function encodeIndex(n: number, alphabet: string): string {
  if (alphabet.length === 36) return n.toString(36);
  const radix = alphabet.length;
  let out = '';
  let v = Math.max(0, Math.floor(n));
  do {
    out = alphabet[v % radix] + out;
    v = Math.floor(v / radix);
  } while (v > 0);
  return out;
}

/** Characters outside the charset become the separator (or go, without one); runs of separators collapse. */
function fitCharset(b: string, policy: ResolvedIdentityPolicy): string {
  const sep = policy.separator ?? '';
  let out = '';
  for (const ch of b) {
    const c = policy.allows(ch) && !(SEPARATOR_CHARS.has(ch) && ch !== sep) ? ch : sep;
    if (c === sep && (out.length === 0 || out.endsWith(sep))) continue;
    out += c;
  }
  return trimSeparators(out, policy.separator);
}

const SEPARATOR_CHARS = new Set(['_', '-', '.']);

function trimSeparators(b: string, sep: string | undefined): string {
  if (!sep) return b;
  while (b.startsWith(sep)) b = b.slice(sep.length);
  while (b.endsWith(sep)) b = b.slice(0, -sep.length);
  return b;
}

/** Meets the policy's password rules; the default policy leaves the password as it always was. */
function fitPassword(password: string, seed: number, index: number, policy: ResolvedIdentityPolicy): string {
  let pw = password;
  for (let k = 2; pw.length < policy.passwordMinLength; k++) pw += hash32(seed, index, 0x50415353 + k).toString(36);
  if (pw.length > policy.passwordMinLength && policy.passwordMinLength > password.length) pw = pw.slice(0, policy.passwordMinLength);
  const need: Record<string, [RegExp, string]> = { lower: [/[a-z]/, 'q'], upper: [/[A-Z]/, 'Q'], digit: [/[0-9]/, '7'], symbol: [/[^A-Za-z0-9]/, '!'] };
  for (const c of policy.passwordRequire) if (!need[c][0].test(pw)) pw += need[c][1];
  return pw;
}

export interface Identity {
  handle: string;
  email: string;
  displayName: string;
  password: string;
}

function zhIdentity(rng: Rng): { base: string; displayName: string } {
  const names = zh();
  const [sh, sp] = rng.pick(names.surnames);
  const g1 = rng.pick(names.given);
  const g2 = rng.chance(0.7) ? rng.pick(names.given) : undefined;
  const givenHanzi = g1[0] + (g2 ? g2[0] : '');
  const givenPinyin = g1[1] + (g2 ? g2[1] : '');
  const u = rng.next();
  let displayName: string;
  if (u < 0.6) displayName = sh + givenHanzi;
  else if (u < 0.85) {
    const [nh] = rng.pick(names.nicknames);
    displayName = nh + rng.pick(names.nicknameSuffixes)[0];
  } else displayName = rng.pick(names.nicknames)[0] + givenHanzi;
  const style = rng.int(5);
  const year = String(1985 + rng.int(25));
  const base =
    style === 0 ? sp + givenPinyin
    : style === 1 ? `${givenPinyin}_${sp}`
    : style === 2 ? `${sp}${givenPinyin}${year.slice(2)}`
    : style === 3 ? `${rng.pick(names.nicknames)[1]}_${sp}`
    : `${sp[0]}${g1[1][0]}${g2 ? g2[1][0] : ''}_${year}`;
  return { base, displayName };
}

function fakerIdentity(locale: string, seed: number): { base: string; displayName: string } {
  const f = fakerFor(locale);
  f.seed(seed);
  const firstName = f.person.firstName();
  const lastName = f.person.lastName();
  return { base: f.internet.username({ firstName, lastName }), displayName: `${firstName} ${lastName}` };
}

/** Everything about a person that is text; O(1) in the index (one faker reseed, no other people generated). */
export function identityOf(seed: number, index: number, locale: string, policy: ResolvedIdentityPolicy = DEFAULT_POLICY): Identity {
  const rng = new Rng(seed, NAME_STREAM, index);
  const info = localeInfo(locale);
  const { base, displayName } = info.nameSource === 'zh' ? zhIdentity(rng) : fakerIdentity(locale, hash32(seed, NAME_STREAM, index, 1));
  let password = 'Fc-' + hash32(seed, index, 0x50415353).toString(36).padStart(7, '0') + hash32(seed, index, 0x574f5244).toString(36).padStart(7, '0');
  if (!policy.isDefault) password = fitPassword(password, seed, index, policy);
  const handle = makeHandle(base, index, policy);
  return { handle, email: emailOf(handle, policy), displayName: displayName.slice(0, 64), password };
}
