// ---- flashcrowd session on the reference API (k6 side) -------------------------------------------------------------
// Copied verbatim into a script exported without --adapter, after k6-common.js. One iteration = one arrival = one
// session, as in flashcrowd's engine: signup (new person) or login (returning), a newcomer's onboarding (a discover
// read, follows, intro posts), then a geometric number of actions with exponential think times, chosen by the
// cohort's weights. Endpoint names match flashcrowd's (`endpoint` tag), so dashboards line up.

const SETUP_BATCH = 50;

/**
 * @param {string} endpoint @param {string} name @param {string | undefined} token
 * @param {Record<string, string>} [extra] @param {number[]} [alsoExpected] statuses that are part of the protocol
 *   here (409 on signup: the account exists, log in), declared expected so http_req_failed counts only failures
 * @returns {import('k6/http').Params}
 */
function params(endpoint, name, token, extra = {}, alsoExpected = []) {
  /** @type {Record<string, string>} */
  const headers = { 'Content-Type': 'application/json', ...extra };
  if (token) headers.Authorization = `Bearer ${token}`;
  /** @type {import('k6/http').Params} */
  const p = { headers, tags: { endpoint, name } };
  if (alsoExpected.length) p.responseCallback = http.expectedStatuses({ min: 200, max: 399 }, ...alsoExpected);
  return p;
}

/** @param {import('k6/http').RefinedResponse<'text'>} res */
function json(res) {
  try {
    return /** @type {Record<string, any>} */ (res.json());
  } catch (_) {
    return {};
  }
}

/** The reference API's signup body for a person. @param {Person} p */
function signupBody(p) {
  return JSON.stringify({ handle: p.handle, password: p.password, displayName: p.displayName, locale: p.locale, languages: p.languages, country: p.country, tz: p.tz });
}

/** 201 created; 409 "handle taken" (an earlier run or attempt created it: log in) is expected too. @param {Person} p */
function signup(p) {
  const res = http.post(`${TARGET}/v1/users`, signupBody(p), params('signup', '/v1/users', undefined, {}, [409]));
  check(res, { 'signup 201 or 409': (r) => r.status === 201 || r.status === 409 });
  return res;
}

/**
 * @param {Person} p @param {boolean} tryOnly a returning newcomer whose signup may not have happened yet: 401/404
 *   are expected answers (the session signs the person up next), so they are neither checked nor failed requests
 */
function login(p, tryOnly = false) {
  const res = http.post(`${TARGET}/v1/sessions`, JSON.stringify({ handle: p.handle, password: p.password }), params('login', '/v1/sessions', undefined, {}, tryOnly ? [401, 404] : []));
  if (!tryOnly || res.status === 200) check(res, { 'login 200': (r) => r.status === 200 });
  return res;
}

/**
 * Signup a new person (409 -> log in) or log a returning one in. Preexisting people were created by setup(), so
 * their login is checked strictly (a 401/404 there means setup failed or the target lost the account; the session
 * then signs the person up); a returning newcomer's login is a try (see login).
 * @param {string} cohort @param {Person} person @param {boolean} isNew @param {boolean} maybeNew
 */
function identify(cohort, person, isNew, maybeNew) {
  let res = isNew ? signup(person) : login(person, maybeNew);
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

/**
 * Before the arrivals: sign up the preexisting cohorts' people (k6 runs setup() once), 50 requests per batch.
 * 409 means a previous run on this target created the person: expected, so a healthy run shows no failed request.
 */
export function setup() {
  const people = preexistingPeople();
  let created = 0;
  let existing = 0;
  for (let i = 0; i < people.length; i += SETUP_BATCH) {
    const batch = people.slice(i, i + SETUP_BATCH).map((p) => /** @type {import('k6/http').BatchRequest} */ ({
      method: 'POST',
      url: `${TARGET}/v1/users`,
      body: signupBody(p),
      params: params('setup_signup', '/v1/users', undefined, {}, [409]),
    }));
    for (const res of http.batch(batch)) {
      check(res, { 'setup signup 201 or 409': (r) => r.status === 201 || r.status === 409 });
      if (res.status === 201) created++;
      else if (res.status === 409) existing++;
    }
  }
  return { people: people.length, created, existing };
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

/** One arrival of the cohort this k6 scenario plays. */
export function session() {
  const name = exec.scenario.name;
  const cohort = COHORTS[name];
  const pool = PEOPLE[name];
  if (!cohort || !pool || pool.length === 0) return;
  const { person, isNew, maybeNew } = whoArrives(name, cohort, pool, exec.scenario.iterationInTest);
  const s = identify(name, person, isNew, maybeNew);
  if (!s) return;
  if (isNew) {
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
