// Handles, display names and passwords for one person, from (seed, index) alone.
import { readFileSync } from 'node:fs';
import { base36, hash32, Rng } from './random.ts';
import { fakerFor, localeInfo } from './locales.ts';

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
 * Unique, API-valid handle: `<base>_<index in base 36>`. The suffix never contains '_', so the last '_' always
 * separates it and two indexes can never produce the same handle, whatever their bases.
 */
export function makeHandle(base: string, index: number): string {
  const suffix = '_' + base36(index);
  let b = slug(base) || 'user';
  b = b.slice(0, MAX_HANDLE_LENGTH - suffix.length).replace(/_$/, '') || 'u';
  return b + suffix;
}

export interface Identity {
  handle: string;
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
export function identityOf(seed: number, index: number, locale: string): Identity {
  const rng = new Rng(seed, NAME_STREAM, index);
  const info = localeInfo(locale);
  const { base, displayName } = info.nameSource === 'zh' ? zhIdentity(rng) : fakerIdentity(locale, hash32(seed, NAME_STREAM, index, 1));
  const password = 'Fc-' + hash32(seed, index, 0x50415353).toString(36).padStart(7, '0') + hash32(seed, index, 0x574f5244).toString(36).padStart(7, '0');
  return { handle: makeHandle(base, index), displayName: displayName.slice(0, 64), password };
}
