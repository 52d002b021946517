// ---- flashcrowd session through the bundled adapter (k6 side) -----------------------------------------------------
// Copied verbatim into every exported script, after k6-common.js. One iteration = one arrival = one session, as in
// flashcrowd's engine: signup (new person) or login (returning), a newcomer's onboarding (a discover read, follows,
// intro posts), then a geometric number of actions with exponential think times, chosen by the cohort's weights.
// Every request goes through the adapter's Target methods (adapter.js beside this script: the built-in reference
// adapter or the user's, with flashcrowd's HttpClient on k6/http, bundled by esbuild), so k6 speaks its API:
//   - declared capabilities: unsupported actions are not in COHORTS' weights (renormalised at export) and are
//     never called here; a discover read falls back to the following feed when discover is unsupported;
//   - typed outcomes: a signup answered 'exists' logs in; a follow or like answered 'already' is a success;
//   - one check per operation on its typed result (`<endpoint> ok`), and every request tagged `endpoint` (the
//     operation) and `name` (the adapter's request name or path).

const SETUP_CONCURRENCY = 20;

/**
 * @typedef {import('./adapter.js').AdapterTarget} AdapterTarget
 * @typedef {import('./adapter.js').AdapterClient} AdapterClient
 * @typedef {import('./adapter.js').OpResult} OpResult
 */

/** Per VU: the adapter's Target on k6/http, built on first use (a factory may be async). */
/** @type {Promise<{ target: AdapterTarget, client: AdapterClient }> | undefined} */
let built;
function adapter() {
  // No logical assignment (ES2021): k6's JavaScript engine targets ES2020 and earlier.
  if (!built) built = createTarget(http, { url: TARGET, timeoutMs: REQUEST_TIMEOUT_MS });
  return built;
}

/** @param {string} capability */
function supports(capability) {
  return ADAPTER.supports.includes(capability);
}

/**
 * Operations whose typed outcomes an API may signal with a 4xx (signup 'exists', follow and like 'already': Chirp
 * answers 422; a like or comment on a post gone since it was seen: 404/410). k6 decides http_req_failed from the status alone, before the adapter maps it, so for these the 4xx
 * are declared expected and the operation's check on its typed result is the verdict (a 4xx that is not an outcome
 * fails the check); 5xx and transport failures still count as failed requests.
 */
const OUTCOME_4XX = ['signup', 'follow', 'like', 'comment'];

/**
 * A like or comment on a post that is gone (404, or 410: removed by moderation since the reader saw it in a feed) is
 * the backend answering correctly, not a failure: a healthy run with moderation has a few. @param {OpResult} r
 */
const gone = (r) => !r.ok && (r.error.status === 404 || r.error.status === 410);

/**
 * Run one Target operation as flashcrowd endpoint `endpoint`: its requests are tagged with it, and its typed result
 * is checked (`accept`, default r.ok). An adapter that throws is a failed operation, not a crashed iteration.
 * @param {string} endpoint @param {(t: AdapterTarget) => Promise<OpResult>} call
 * @param {{ accept?: (r: OpResult) => boolean, checked?: boolean }} [how]
 * @returns {Promise<OpResult>}
 */
async function op(endpoint, call, how = {}) {
  const { target, client } = await adapter();
  client.endpoint = endpoint;
  const own = client.expected === undefined && OUTCOME_4XX.includes(endpoint);
  if (own) client.expected = http.expectedStatuses({ min: 200, max: 499 });
  /** @type {OpResult} */
  let r;
  try {
    r = await call(target);
  } catch (err) {
    r = { ok: false, error: { kind: 'other', message: String(err) } };
  } finally {
    if (own) client.expected = undefined;
  }
  const accept = how.accept || ((/** @type {OpResult} */ x) => x.ok);
  if (how.checked !== false) check(r, { [`${endpoint} ok`]: accept });
  return r;
}

/** The adapter's NewAccount for a person. @param {Person} p */
function account(p) {
  return { handle: p.handle, email: p.email, password: p.password, displayName: p.displayName, locale: p.locale, languages: p.languages, country: p.country, tz: p.tz };
}

/** @param {OpResult} r */
const exists = (r) => !r.ok && (r.outcome === 'exists' || r.error.status === 409);

/**
 * Signup a new person ('exists' -> log in) or log a returning one in (a failed login -> sign up, then log in if the
 * account turns out to exist). A returning newcomer's first login is a try: its 4xx is expected (k6 responseCallback)
 * and unchecked, because an earlier iteration may not have signed the person up yet.
 * @param {string} cohort @param {Person} person @param {boolean} isNew @param {boolean} maybeNew
 */
async function identify(cohort, person, isNew, maybeNew) {
  /** @type {OpResult} */
  let r;
  if (isNew) {
    r = await op('signup', (t) => t.signup({}, account(person)), { accept: (x) => x.ok || exists(x) });
    if (exists(r)) r = await op('login', (t) => t.login({}, person.handle, person.password));
  } else {
    const { client } = await adapter();
    if (maybeNew) client.expected = http.expectedStatuses({ min: 200, max: 499 });
    r = await op('login', (t) => t.login({}, person.handle, person.password), { checked: !maybeNew });
    client.expected = undefined;
    if (maybeNew && (r.ok || r.error.kind !== 'http_4xx')) check(r, { 'login ok': (x) => x.ok });
    if (!r.ok && r.error.kind === 'http_4xx') {
      const created = await op('signup', (t) => t.signup({}, account(person)), { accept: (x) => x.ok || exists(x) });
      r = exists(created) ? await op('login', (t) => t.login({}, person.handle, person.password)) : created;
    }
  }
  if (!r.ok || !r.value || !r.value.token) return undefined;
  /** @type {Session} */
  const session = { cohort, person, token: String(r.value.token), userId: String(r.value.userId || ''), seen: [], seq: 0 };
  return session;
}

/** @param {Session} s @param {'following' | 'discover'} kind */
async function readFeed(s, kind) {
  if (kind === 'discover' && !supports('discover')) kind = 'following';
  const endpoint = kind === 'following' ? 'feed_following' : 'feed_discover';
  /** @type {string | undefined} */
  let cursor;
  for (let page = 0; page < 3; page++) {
    const r = await op(endpoint, (t) => t.feed({ token: s.token }, kind, FEED_LIMIT, cursor));
    if (!r.ok) return;
    /** @type {{ id?: unknown, authorId?: unknown, lang?: unknown }[]} */
    const items = r.value && Array.isArray(r.value.items) ? r.value.items : [];
    for (const it of items) if (it && it.id) s.seen.push({ id: String(it.id), authorId: String(it.authorId || ''), lang: String(it.lang || '') });
    if (s.seen.length > 200) s.seen.splice(0, s.seen.length - 200);
    // Most people stop after the first screen; some scroll on.
    if (!r.value.nextCursor || Math.random() >= 0.25) return;
    cursor = String(r.value.nextCursor);
  }
}

/** @param {Session} s */
async function post(s) {
  const generated = pick(POSTS[s.cohort]) || { text: `hello from ${s.person.handle}`, tags: [], media: [], lang: s.person.primaryLanguage };
  const idempotencyKey = `fc-k6-${s.cohort}-${exec.vu.idInTest}-${exec.scenario.iterationInTest}-${s.seq++}`;
  const media = generated.media.map((m) => ({ kind: m.kind, bytes: m.bytes }));
  await op('post', (t) => t.post({ token: s.token }, { text: generated.text, tags: generated.tags, media, idempotencyKey }));
}

/** @param {Session} s */
async function like(s) {
  const target = pick(s.seen);
  if (!target) return readFeed(s, 'following');
  await op('like', (t) => t.like({ token: s.token }, target.id), { accept: (r) => r.ok || gone(r) }); // 'already' liked is ok: true
}

/** @param {Session} s */
async function comment(s) {
  const target = pick(s.seen);
  if (!target) return readFeed(s, 'discover');
  const text = pick(COMMENTS[s.cohort]) || '👍';
  await op('comment', (t) => t.comment({ token: s.token }, target.id, text), { accept: (r) => r.ok || gone(r) });
}

/** A translation of a post in a language the reader does not read (else a plain lookup). @param {Session} s */
async function translate(s) {
  const foreign = s.seen.filter((it) => it.lang && !s.person.languages.includes(it.lang.replace(/-mixed$/, '')));
  const target = pick(foreign) || pick(s.seen);
  if (!target) return readFeed(s, 'discover');
  // A removed (410) or unknown (404) post is a value of getPost, not a failure.
  if (foreign.length) await op('translate', (t) => t.getPost({ token: s.token }, target.id, s.person.primaryLanguage));
  else await op('get_post', (t) => t.getPost({ token: s.token }, target.id));
}

/** @param {Session} s */
async function report(s) {
  const target = pick(s.seen);
  if (!target) return readFeed(s, 'discover');
  const reason = REPORT_REASONS[Math.floor(Math.random() * REPORT_REASONS.length)];
  await op('report', async (t) => (t.report ? t.report({ token: s.token }, target.id, reason) : { ok: false, error: { kind: 'other', message: 'the adapter has no report()' } }));
}

/** Follow an author seen in a feed (k6 VUs share no directory of accounts). 'already' following is ok: true. */
async function follow(/** @type {Session} */ s) {
  const candidates = s.seen.filter((it) => it.authorId && it.authorId !== s.userId);
  const target = pick(candidates);
  if (!target) return readFeed(s, 'discover');
  await op('follow', (t) => t.follow({ token: s.token }, target.authorId));
}

/** Actions and the capability each needs (the core ones need none). */
/** @type {Record<string, { needs?: string, run: (s: Session) => Promise<void> }>} */
const ACTIONS = {
  readFollowing: { run: (s) => readFeed(s, 'following') },
  readDiscover: { needs: 'discover', run: (s) => readFeed(s, 'discover') },
  like: { run: like },
  comment: { run: comment },
  post: { run: post },
  translate: { needs: 'translate', run: translate },
  report: { needs: 'report', run: report },
  follow: { run: follow },
};

/**
 * Before the arrivals: sign up the preexisting cohorts' people through the adapter, SETUP_CONCURRENCY at a time.
 * 'exists' (a previous run on this target created the person) counts as done. The statuses an API uses for that
 * are its own, so setup's 4xx are declared expected: its `setup signup ok` check is the verdict on each person.
 */
export async function setup() {
  const people = preexistingPeople();
  const { target, client } = await adapter();
  client.endpoint = 'setup_signup';
  client.expected = http.expectedStatuses({ min: 200, max: 499 });
  let created = 0;
  let existing = 0;
  for (let i = 0; i < people.length; i += SETUP_CONCURRENCY) {
    const results = await Promise.all(
      people.slice(i, i + SETUP_CONCURRENCY).map((p) =>
        target.signup({}, account(p)).catch((/** @type {unknown} */ err) => /** @type {OpResult} */ ({ ok: false, error: { kind: 'other', message: String(err) } })),
      ),
    );
    for (const r of results) {
      check(r, { 'setup signup ok': (x) => x.ok || exists(x) });
      if (r.ok) created++;
      else if (exists(r)) existing++;
    }
  }
  client.expected = undefined;
  return { people: people.length, created, existing };
}

/** One arrival of the cohort this k6 scenario plays. */
export async function session() {
  const name = exec.scenario.name;
  const cohort = COHORTS[name];
  const pool = PEOPLE[name];
  if (!cohort || !pool || pool.length === 0) return;
  const { person, isNew, maybeNew } = whoArrives(name, cohort, pool, exec.scenario.iterationInTest);
  const s = await identify(name, person, isNew, maybeNew);
  if (!s) return;
  if (isNew) {
    await readFeed(s, 'discover');
    const follows = Math.min(MAX_ONBOARDING_FOLLOWS, fractional(cohort.followCount));
    for (let i = 0; i < follows; i++) await follow(s);
    const intros = fractional(cohort.introPosts);
    for (let i = 0; i < intros; i++) await post(s);
  }
  const actions = geometric(cohort.actionsPerSession);
  for (let i = 0; i < actions; i++) {
    sleep(exponential(cohort.thinkTimeMs) / 1000);
    const action = ACTIONS[chooseAction(cohort.weights)];
    // Weights exclude unsupported actions already; this guard keeps an edited COHORTS from calling one.
    if (action && (!action.needs || supports(action.needs))) await action.run(s);
  }
}
