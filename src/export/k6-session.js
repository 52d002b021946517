// ---- flashcrowd session (k6 side) --------------------------------------------------------------------------------
// Copied verbatim into every exported script after the generated constants (DEFAULT_TARGET, COHORTS, options).
// One iteration = one arrival = one session, as in flashcrowd's engine: signup (new person) or login (returning),
// a newcomer's onboarding (follows, intro posts), then a geometric number of actions with exponential think times,
// chosen by the cohort's weights. Endpoint names match flashcrowd's (`endpoint` tag), so dashboards line up.

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
 * @typedef {{ handle: string, password: string, displayName: string, locale: string, languages: string[],
 *   primaryLanguage: string, country: string, tz: string }} Person
 * @typedef {{ text: string, tags: string[], media: { kind: string, bytes: number }[], lang: string }} GeneratedPost
 * @typedef {{ id: string, authorId: string, lang: string }} FeedItem
 * @typedef {{ cohort: string, person: Person, token: string, userId: string, seen: FeedItem[], seq: number }} Session
 */

/** @param {string} endpoint @param {string} name */
function params(endpoint, name, /** @type {string | undefined} */ token, /** @type {Record<string, string>} */ extra = {}) {
  /** @type {Record<string, string>} */
  const headers = { 'Content-Type': 'application/json', ...extra };
  if (token) headers.Authorization = `Bearer ${token}`;
  return { headers, tags: { endpoint, name } };
}

/** @param {import('k6/http').RefinedResponse<'text'>} res */
function json(res) {
  try {
    return /** @type {Record<string, any>} */ (res.json());
  } catch (_) {
    return {};
  }
}

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

/** @param {Person} p */
function signup(p) {
  const body = { handle: p.handle, password: p.password, displayName: p.displayName, locale: p.locale, languages: p.languages, country: p.country, tz: p.tz };
  const res = http.post(`${TARGET}/v1/users`, JSON.stringify(body), params('signup', '/v1/users', undefined));
  check(res, { 'signup 201': (r) => r.status === 201 || r.status === 409 });
  return res;
}

/** @param {Person} p */
function login(p) {
  const res = http.post(`${TARGET}/v1/sessions`, JSON.stringify({ handle: p.handle, password: p.password }), params('login', '/v1/sessions', undefined));
  check(res, { 'login 200': (r) => r.status === 200 });
  return res;
}

/** Signup a new person (409 "handle taken" -> log in) or log a returning one in (401/404 -> sign up first). */
function identify(/** @type {string} */ cohort, /** @type {Person} */ person, /** @type {boolean} */ isNew) {
  let res = isNew ? signup(person) : login(person);
  if (isNew && res.status === 409) res = login(person);
  else if (!isNew && (res.status === 401 || res.status === 404)) {
    const created = signup(person);
    res = created.status === 409 ? login(person) : created;
  }
  if (res.status !== 200 && res.status !== 201) return undefined;
  const body = json(res);
  const token = String(body.token || '');
  const userId = String(body.userId || body.id || '');
  if (!token) return undefined;
  /** @type {Session} */
  const session = { cohort, person, token, userId, seen: [], seq: 0 };
  return session;
}

/** @param {Session} s @param {'following' | 'discover'} kind */
function readFeed(s, kind) {
  const endpoint = kind === 'following' ? 'feed_following' : 'feed_discover';
  let cursor = '';
  for (let page = 0; page < 3; page++) {
    const url = `${TARGET}/v1/feed/${kind}?limit=${FEED_LIMIT}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const res = http.get(url, params(endpoint, `/v1/feed/${kind}`, s.token));
    check(res, { [`${endpoint} 200`]: (r) => r.status === 200 });
    if (res.status !== 200) return;
    const body = json(res);
    /** @type {FeedItem[]} */
    const items = Array.isArray(body.items) ? body.items : [];
    for (const it of items) if (it && it.id) s.seen.push({ id: String(it.id), authorId: String(it.authorId || ''), lang: String(it.lang || '') });
    if (s.seen.length > 200) s.seen.splice(0, s.seen.length - 200);
    // Most people stop after the first screen; some scroll on.
    if (!body.nextCursor || Math.random() >= 0.25) return;
    cursor = String(body.nextCursor);
  }
}

/** @param {Session} s */
function post(s) {
  const generated = pick(POSTS[s.cohort]) || { text: `hello from ${s.person.handle}`, tags: [], media: [], lang: s.person.primaryLanguage };
  const key = `fc-k6-${s.cohort}-${exec.vu.idInTest}-${exec.scenario.iterationInTest}-${s.seq++}`;
  const body = { text: generated.text, tags: generated.tags, media: generated.media };
  const res = http.post(`${TARGET}/v1/posts`, JSON.stringify(body), params('post', '/v1/posts', s.token, { 'Idempotency-Key': key }));
  check(res, { 'post 201': (r) => r.status === 201 || r.status === 200 });
}

/** @param {Session} s */
function like(s) {
  const target = pick(s.seen);
  if (!target) return readFeed(s, 'following');
  const res = http.post(`${TARGET}/v1/posts/${encodeURIComponent(target.id)}/likes`, null, params('like', '/v1/posts/:id/likes', s.token));
  check(res, { 'like 2xx': (r) => r.status === 201 || r.status === 200 });
}

/** @param {Session} s */
function comment(s) {
  const target = pick(s.seen);
  if (!target) return readFeed(s, 'discover');
  const text = pick(COMMENTS[s.cohort]) || '👍';
  const res = http.post(`${TARGET}/v1/posts/${encodeURIComponent(target.id)}/comments`, JSON.stringify({ text }), params('comment', '/v1/posts/:id/comments', s.token));
  check(res, { 'comment 201': (r) => r.status === 201 });
}

/** Ask for a translation of a post in a language the reader does not read (else a plain lookup). @param {Session} s */
function translate(s) {
  const foreign = s.seen.filter((it) => it.lang && !s.person.languages.includes(it.lang.replace(/-mixed$/, '')));
  const target = pick(foreign) || pick(s.seen);
  if (!target) return readFeed(s, 'discover');
  const endpoint = foreign.length ? 'translate' : 'get_post';
  const qs = foreign.length ? `?translate=${encodeURIComponent(s.person.primaryLanguage)}` : '';
  const res = http.get(`${TARGET}/v1/posts/${encodeURIComponent(target.id)}${qs}`, params(endpoint, '/v1/posts/:id', s.token));
  check(res, { [`${endpoint} 200`]: (r) => r.status === 200 || r.status === 410 });
}

/** @param {Session} s */
function report(s) {
  const target = pick(s.seen);
  if (!target) return readFeed(s, 'discover');
  const reason = REPORT_REASONS[Math.floor(Math.random() * REPORT_REASONS.length)];
  const res = http.post(`${TARGET}/v1/reports`, JSON.stringify({ postId: target.id, reason }), params('report', '/v1/reports', s.token));
  check(res, { 'report 202': (r) => r.status === 202 });
}

/** Follow an author seen in a feed (k6 VUs share no directory of accounts, so feeds are where people are found). */
function follow(/** @type {Session} */ s) {
  const candidates = s.seen.filter((it) => it.authorId && it.authorId !== s.userId);
  const target = pick(candidates);
  if (!target) return readFeed(s, 'discover');
  const res = http.post(`${TARGET}/v1/follows`, JSON.stringify({ userId: target.authorId }), params('follow', '/v1/follows', s.token));
  check(res, { 'follow 2xx': (r) => r.status === 201 || r.status === 200 });
}

/** @type {Record<string, (s: Session) => void>} */
const ACTIONS = {
  readFollowing: (s) => readFeed(s, 'following'),
  readDiscover: (s) => readFeed(s, 'discover'),
  like,
  comment,
  post,
  translate,
  report,
  follow,
};

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

/** One arrival of the cohort this k6 scenario plays. */
export function session() {
  const name = exec.scenario.name;
  const cohort = COHORTS[name];
  const pool = PEOPLE[name];
  if (!cohort || !pool || pool.length === 0) return;
  // iterationInTest is unique across instances (execution segments), so parallel runners sign up disjoint people.
  const n = exec.scenario.iterationInTest;
  const returning = cohort.preexisting || n >= pool.length || (n > 0 && Math.random() < cohort.returningShare);
  const person = returning ? pool[Math.floor(Math.random() * Math.min(pool.length, Math.max(1, n)))] : pool[n];
  const s = identify(name, person, !returning);
  if (!s) return;
  if (!returning) {
    readFeed(s, 'discover');
    const follows = Math.min(MAX_ONBOARDING_FOLLOWS, fractional(cohort.followCount));
    for (let i = 0; i < follows; i++) follow(s);
    const intros = fractional(cohort.introPosts);
    for (let i = 0; i < intros; i++) post(s);
  }
  const actions = geometric(cohort.actionsPerSession);
  for (let i = 0; i < actions; i++) {
    sleep(exponential(cohort.thinkTimeMs) / 1000);
    const action = ACTIONS[chooseAction(cohort.weights)];
    if (action) action(s);
  }
}
