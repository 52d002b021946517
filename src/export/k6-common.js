// ---- flashcrowd k6 common part ------------------------------------------------------------------------------------
// Copied verbatim into every exported script after the generated constants (DEFAULT_TARGET, COHORTS, options),
// before the session code (k6-adapter-session.js): the data files, random helpers, the action choice and who a
// session is.

const TARGET = (__ENV.FLASHCROWD_TARGET || DEFAULT_TARGET).replace(/\/+$/, '');
// Data files beside the script; in k6-operator a ConfigMap is mounted flat at /test (FLASHCROWD_DATA_DIR=/test).
const DATA_DIR = (__ENV.FLASHCROWD_DATA_DIR || './data').replace(/\/+$/, '');
const FEED_LIMIT = 20;
const MAX_ONBOARDING_FOLLOWS = 50;
const REPORT_REASONS = ['spam', 'scam', 'abuse', 'other'];

/** @type {Record<string, Person[]>} */
const PEOPLE = {};
/** @type {Record<string, GeneratedPost[]>} */
const POSTS = {};
/** @type {Record<string, string[]>} */
const COMMENTS = {};
for (const name of Object.keys(COHORTS)) {
  PEOPLE[name] = /** @type {Person[]} */ (
    /** @type {unknown} */ (new SharedArray(`people/${name}`, () => JSON.parse(open(`${DATA_DIR}/people.json`))[name] || []))
  );
  POSTS[name] = /** @type {GeneratedPost[]} */ (
    /** @type {unknown} */ (new SharedArray(`posts/${name}`, () => JSON.parse(open(`${DATA_DIR}/posts.json`))[name] || []))
  );
  COMMENTS[name] = /** @type {string[]} */ (
    /** @type {unknown} */ (new SharedArray(`comments/${name}`, () => JSON.parse(open(`${DATA_DIR}/comments.json`))[name] || []))
  );
}

/**
 * @typedef {{ handle: string, email: string, password: string, displayName: string, locale: string, languages: string[],
 *   primaryLanguage: string, country: string, tz: string }} Person
 * @typedef {{ text: string, tags: string[], media: { kind: string, bytes: number }[], lang: string }} GeneratedPost
 * @typedef {{ id: string, authorId: string, lang: string }} FeedItem
 * @typedef {{ cohort: string, person: Person, token: string, userId: string, seen: FeedItem[], seq: number }} Session
 */

/** @param {number} mean */
function exponential(mean) {
  return mean > 0 ? -Math.log(1 - Math.random()) * mean : 0;
}

/** Geometric count with the given mean, at least 1. @param {number} mean */
function geometric(mean) {
  if (mean <= 1) return 1;
  return 1 + Math.floor(Math.log(1 - Math.random()) / Math.log(1 - 1 / mean));
}

/** Integer part plus a coin flip for the fraction. @param {number} mean */
function fractional(mean) {
  const whole = Math.floor(Math.max(0, mean));
  return whole + (Math.random() < mean - whole ? 1 : 0);
}

/** @template T @param {T[]} list @returns {T | undefined} */
function pick(list) {
  return list.length ? list[Math.floor(Math.random() * list.length)] : undefined;
}


/** @param {Record<string, number>} weights */
function chooseAction(weights) {
  let total = 0;
  for (const w of Object.values(weights)) total += w;
  let x = Math.random() * total;
  for (const [name, w] of Object.entries(weights)) {
    x -= w;
    if (x < 0) return name;
  }
  return 'readDiscover';
}

/** A deterministic number in [0, 1) for (salt, n): the same on every k6 instance. @param {string} salt @param {number} n */
function unit(salt, n) {
  let h = 2166136261;
  for (let i = 0; i < salt.length; i++) h = Math.imul(h ^ salt.charCodeAt(i), 16777619);
  h = (h ^ n) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x45d9f3b);
  h = Math.imul(h ^ (h >>> 16), 0x45d9f3b);
  return ((h ^ (h >>> 16)) >>> 0) / 4294967296;
}

/**
 * Whether the cohort's iteration n is a returning person. Decided by (cohort, n), not by chance at run time, so any
 * instance knows which earlier iterations signed someone up (k6 VUs and runners share no state).
 * @param {string} name @param {CohortConfig} cohort @param {Person[]} pool @param {number} n
 */
function returningAt(name, cohort, pool, n) {
  return cohort.preexisting || n >= pool.length || (n > 0 && unit(name, n) < cohort.returningShare);
}

/**
 * Who the cohort's iteration n plays. iterationInTest is unique across instances (execution segments), so parallel
 * runners sign up disjoint people: iteration n signs up person n. A returning newcomer is someone an earlier
 * iteration m signed up (m < n and not returning itself; iteration 0 always signs up); that signup may still be in
 * flight, or on another runner, so its login is a try (`maybeNew`): a failed login signs the person up.
 * @param {string} name @param {CohortConfig} cohort @param {Person[]} pool @param {number} n
 * @returns {{ person: Person, isNew: boolean, maybeNew: boolean }}
 */
function whoArrives(name, cohort, pool, n) {
  if (!returningAt(name, cohort, pool, n)) return { person: pool[n], isNew: true, maybeNew: false };
  const upTo = Math.min(pool.length, Math.max(1, n));
  if (cohort.preexisting) return { person: pool[Math.floor(Math.random() * upTo)], isNew: false, maybeNew: false };
  let m = 0;
  for (let tries = 0; tries < 8; tries++) {
    const k = Math.floor(Math.random() * upTo);
    if (!returningAt(name, cohort, pool, k)) {
      m = k;
      break;
    }
  }
  return { person: pool[m], isNew: false, maybeNew: true };
}

/** Setup: the people of preexisting cohorts, created before the arrivals (as flashcrowd's setup phase does). */
function preexistingPeople() {
  /** @type {Person[]} */
  const people = [];
  for (const [name, cohort] of Object.entries(COHORTS)) if (cohort.preexisting) for (const p of PEOPLE[name] || []) people.push(p);
  return people;
}
