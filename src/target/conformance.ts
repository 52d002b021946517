// `flashcrowd check`: a conformance run of a target against a live backend. Each operation once, in the order a
// person meets them (sign up two people, log in, follow, post, read it back, find it in the follower's following
// feed, discover, comment, like, listings, then the optional operations the target declares), with what worked,
// what was skipped (not declared) and what failed and why. It also checks what the engine relies on beyond status
// codes: outcomes ('exists' for a second signup, 'already' for a repeated follow or like) and feed items carrying
// id, authorId, createdAt and lang.
import { CAPABILITIES, type Account, type CallContext, type Capability, type FeedItem, type OpResult, type Target } from './target.ts';
import { supports, unsupportedReason } from './capabilities.ts';
import { resolveIdentityPolicy, type ResolvedIdentityPolicy } from './identity-policy.ts';

export type CheckStatus = 'worked' | 'skipped' | 'failed';

export interface CheckRow {
  /** What was tried, e.g. "signup", "feed following (post visible)". */
  step: string;
  /** The capability the step needs, when it is an optional one. */
  capability?: Capability;
  status: CheckStatus;
  detail: string;
  ms?: number;
}

export interface CheckReport {
  target: string;
  rows: CheckRow[];
  /** True when nothing failed (skips are the target's declared gaps, not failures). */
  pass: boolean;
}

export interface CheckOptions {
  /** How long a new post may take to show in a follower's following feed (default 10 s). */
  visibilityTimeoutMs?: number;
  pollIntervalMs?: number;
  /** Makes the generated handles unique per run (default: time and randomness). */
  nonce?: string;
  /** Called with each row as it is decided (for live output). */
  onRow?: (row: CheckRow) => void;
}

const FEED_FIELDS = ['id', 'authorId', 'createdAt', 'lang'] as const;

export async function runConformance(target: Target, options: CheckOptions = {}): Promise<CheckReport> {
  const { rows, add, timed, step, notRun, optional } = new Steps(target, options);

  let policy: ResolvedIdentityPolicy;
  try {
    policy = resolveIdentityPolicy(target.identity, 'identity');
  } catch (err) {
    add({ step: 'identity policy', status: 'failed', detail: (err as Error).message });
    return { target: target.name, rows, pass: false };
  }
  const nonce = options.nonce ?? `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
  const [alice, bob] = [0, 1].map((i) => person(policy, nonce, i));

  // Accounts.
  const a = (await step('signup', () => target.signup({}, alice.account), (acc) => accountDetail(acc)))?.value;
  const b = (await step('signup (second person)', () => target.signup({}, bob.account), (acc) => accountDetail(acc)))?.value;
  if (a) {
    await step('signup again (outcome exists)', () => expectOutcome(target.signup({}, alice.account), 'exists'), () => "answered with the outcome 'exists' (the engine logs in)");
  } else notRun('signup again (outcome exists)', 'signup');
  let aCtx: CallContext | undefined;
  const login = await step('login', () => target.login({}, alice.account.handle, alice.account.password), (acc) =>
    a && acc.userId !== a.userId ? { failed: `login gave user id ${acc.userId}, signup gave ${a.userId}` } : accountDetail(acc),
  );
  if (login) aCtx = { token: login.value.token };
  else if (a) aCtx = { token: a.token };
  const bCtx: CallContext | undefined = b ? { token: b.token } : undefined;

  // Follow, post, read back.
  let followed = false;
  if (aCtx && b) {
    followed = (await step('follow', () => target.follow(aCtx!, b.userId), (_v, r) => `HTTP ${r.status}${r.outcome ? `, outcome ${r.outcome}` : ''}`)) !== undefined;
    await step('follow again (outcome already)', () => target.follow(aCtx!, b.userId), (_v, r) =>
      r.outcome === 'already' ? `HTTP ${r.status}, outcome already` : `HTTP ${r.status} (a success; an adapter may also say outcome 'already')`,
    );
  } else {
    notRun('follow', 'both signups');
    notRun('follow again (outcome already)', 'both signups');
  }
  let postId: string | undefined;
  if (bCtx) {
    const ack = await step('post', () => target.post(bCtx, { text: `flashcrowd check ${nonce}: hello`, tags: ['flashcrowd'], media: [], langHint: 'en', idempotencyKey: `fc-check-${nonce}` }), (v) =>
      !v?.id ? { failed: 'the acknowledgement has no id' } : `id ${v.id}${v.createdAt ? '' : ' (no createdAt in the acknowledgement)'}`,
    );
    postId = ack?.value.id;
  } else notRun('post', 'the second signup');
  if (postId && bCtx) {
    await step('get post', () => target.getPost(bCtx, postId!), (v) => {
      if (v.state !== 'present') return { failed: `the post just acknowledged reads as ${v.state}` };
      const missing = FEED_FIELDS.filter((f) => !nonEmpty(v.post[f]));
      return missing.length ? { failed: `the post lacks ${missing.join(', ')}` } : `id, authorId ${v.post.authorId}, lang ${v.post.lang}`;
    });
  } else notRun('get post', 'post');

  // The follower's following feed: items well formed, and the new post visible within the timeout.
  if (aCtx && postId && followed) {
    const timeout = options.visibilityTimeoutMs ?? 10_000;
    const t0 = performance.now();
    let last: string = '';
    let seen = false;
    let firstPageChecked = false;
    for (;;) {
      const { r } = await timed(() => target.feed(aCtx!, 'following', 50));
      if (!r.ok) {
        add({ step: 'feed following', status: 'failed', detail: describeError(r), ms: Math.round(performance.now() - t0) });
        break;
      }
      if (!firstPageChecked) {
        firstPageChecked = true;
        const bad = badItems(r.value.items);
        add(bad ? { step: 'feed following', status: 'failed', detail: bad } : { step: 'feed following', status: 'worked', detail: `${r.value.items.length} item(s) with id, authorId, createdAt, lang` });
      }
      if (r.value.items.some((i) => i.id === postId)) {
        seen = true;
        break;
      }
      last = `${r.value.items.length} item(s), the post not among them`;
      if (performance.now() - t0 >= timeout) break;
      await new Promise((res) => setTimeout(res, options.pollIntervalMs ?? 250));
    }
    const ms = Math.round(performance.now() - t0);
    if (seen) add({ step: 'post visible in follower\'s following feed', status: 'worked', detail: `after ${ms} ms`, ms });
    else if (firstPageChecked) add({ step: 'post visible in follower\'s following feed', status: 'failed', detail: `not within ${timeout} ms (last read: ${last})`, ms });
  } else {
    notRun('feed following', 'follow and post');
    notRun('post visible in follower\'s following feed', 'follow and post');
  }

  if (optional('discover', 'feed discover')) {
    if (aCtx) {
      await step('feed discover', () => target.feed(aCtx!, 'discover', 20), (page) => badItems(page.items) ? { failed: badItems(page.items)! } : `${page.items.length} item(s)${page.degraded ? `, degraded: ${page.degraded}` : ''}`, 'discover');
    } else notRun('feed discover', 'login', 'discover');
  }

  // Engagement.
  let commentId: string | undefined;
  if (aCtx && postId) {
    commentId = (await step('comment', () => target.comment(aCtx!, postId!, `flashcrowd check ${nonce}: welcome`), (v) => (v?.id ? `id ${v.id}` : { failed: 'the acknowledgement has no id' })))?.value.id;
    await step('like', () => target.like(aCtx!, postId!), (_v, r) => `HTTP ${r.status}`);
    await step('like again (outcome already)', () => target.like(aCtx!, postId!), (_v, r) =>
      r.outcome === 'already' ? `HTTP ${r.status}, outcome already` : `HTTP ${r.status} (a success; an adapter may also say outcome 'already')`,
    );
  } else for (const s of ['comment', 'like', 'like again (outcome already)']) notRun(s, 'login and post');

  // Listings the audit uses, and the other optional operations.
  if (optional('list_comments', 'list comments')) {
    if (aCtx && postId && commentId) {
      const ours = (page: { items: { id: string }[] }) => page.items.some((c) => c.id === commentId);
      await step('list comments', () => readUntil(() => target.listComments!(aCtx!, postId!, 50), ours, options), (page) =>
        ours(page) ? `${page.items.length} comment(s), ours among them` : { failed: `the comment ${commentId} is not in the post's comment list within ${options.visibilityTimeoutMs ?? 10_000} ms (${page.items.length} read)` }, 'list_comments');
    } else notRun('list comments', 'comment', 'list_comments');
  }
  if (optional('list_following', 'list following')) {
    if (aCtx && a && b && followed) {
      const theirs = (page: { items: string[] }) => page.items.includes(b.userId);
      await step('list following', () => readUntil(() => target.listFollowing!(aCtx!, a.userId, 100), theirs, options), (page) =>
        theirs(page) ? `${page.items.length} account(s), the followee among them` : { failed: `${b.userId} is not in the follower's following list within ${options.visibilityTimeoutMs ?? 10_000} ms (${page.items.length} read)` }, 'list_following');
    } else notRun('list following', 'follow', 'list_following');
  }
  if (optional('get_user', 'get user')) {
    if (aCtx && b) await step('get user', () => target.getUser!(aCtx!, b.userId), (u) => (u?.id === b.userId ? `handle ${u.handle}` : { failed: `asked for ${b.userId}, got ${u?.id}` }), 'get_user');
    else notRun('get user', 'both signups', 'get_user');
  }
  if (optional('translate', 'translate')) {
    if (aCtx && postId) {
      await step('translate', () => target.getPost(aCtx!, postId!, 'zh'), (v) => {
        if (v.state !== 'present') return { failed: `the post reads as ${v.state}` };
        return v.post.translation ? `translated to ${v.post.translation.lang}` : 'answered without a translation (the feature may be switched off)';
      }, 'translate');
    } else notRun('translate', 'post', 'translate');
  }
  if (optional('report', 'report')) {
    if (aCtx && postId) await step('report', () => target.report!(aCtx!, postId!, 'spam'), (_v, r) => `HTTP ${r.status}`, 'report');
    else notRun('report', 'post', 'report');
  }
  if (optional('unfollow', 'unfollow')) {
    if (aCtx && b && followed) await step('unfollow', () => target.unfollow!(aCtx!, b.userId), (_v, r) => `HTTP ${r.status}`, 'unfollow');
    else notRun('unfollow', 'follow', 'unfollow');
  }
  if (!supports(target, 'delete')) optional('delete', 'delete');
  else add({ step: 'delete', capability: 'delete', status: 'skipped', detail: 'declared; no operation of the contract uses it yet' });

  return { target: target.name, rows, pass: rows.every((r) => r.status !== 'failed') };
}

/** The rows of a conformance run and the ways a step becomes one (arrow properties: destructured by the phases). */
class Steps {
  readonly rows: CheckRow[] = [];
  constructor(
    private readonly target: Target,
    private readonly options: CheckOptions,
  ) {}

  readonly add = (row: CheckRow): CheckRow => {
    this.rows.push(row);
    this.options.onRow?.(row);
    return row;
  };

  readonly timed = async <T>(op: () => Promise<OpResult<T>>): Promise<{ r: OpResult<T>; ms: number }> => {
    const t0 = performance.now();
    let r: OpResult<T>;
    try {
      r = await op();
    } catch (err) {
      // The contract says failures are values; a throw is a failure of the adapter itself.
      r = { ok: false, error: { kind: 'other', message: `the adapter threw: ${(err as Error)?.message ?? err}` } };
    }
    return { r, ms: Math.round(performance.now() - t0) };
  };

  /** Run one step: a failure row names the error; `judge` turns a success into worked or failed. */
  readonly step = async <T>(
    name: string,
    op: () => Promise<OpResult<T>>,
    judge: (value: T, r: OpResult<T> & { ok: true }) => string | { failed: string } = () => 'ok',
    capability?: Capability,
  ): Promise<{ value: T } | undefined> => {
    const { r, ms } = await this.timed(op);
    if (!r.ok) {
      this.add({ step: name, capability, status: 'failed', detail: describeError(r), ms });
      return undefined;
    }
    const verdict = judge(r.value, r);
    if (typeof verdict === 'object') {
      this.add({ step: name, capability, status: 'failed', detail: verdict.failed, ms });
      return undefined;
    }
    this.add({ step: name, capability, status: 'worked', detail: verdict, ms });
    return { value: r.value };
  };

  readonly notRun = (name: string, needs: string, capability?: Capability): CheckRow =>
    this.add({ step: name, capability, status: 'failed', detail: `not attempted: needs ${needs}` });

  /** True when the target declares `cap`; else a skipped row with the target's reason. */
  readonly optional = (cap: Capability, name: string): boolean => {
    if (supports(this.target, cap)) return true;
    this.add({ step: name, capability: cap, status: 'skipped', detail: `not supported: ${unsupportedReason(this.target, cap)}` });
    return false;
  };
}

/**
 * A listing read again (every pollIntervalMs, up to visibilityTimeoutMs) until it shows the write it is checked
 * against: an eventually consistent target (an AppView indexing asynchronously) lists a write some time after
 * acknowledging it, as the following-feed step allows for. The last answer is what the step judges.
 */
async function readUntil<T>(
  read: () => Promise<OpResult<T>>,
  shows: (value: T) => boolean,
  options: { visibilityTimeoutMs?: number; pollIntervalMs?: number },
): Promise<OpResult<T>> {
  const t0 = performance.now();
  for (;;) {
    const r = await read();
    if (!r.ok || shows(r.value) || performance.now() - t0 >= (options.visibilityTimeoutMs ?? 10_000)) return r;
    await new Promise((res) => setTimeout(res, options.pollIntervalMs ?? 250));
  }
}

/** Deterministic-per-nonce people whose handle, email and password fit the policy. */
function person(policy: ResolvedIdentityPolicy, nonce: string, i: number) {
  const alphabet = policy.alphabet;
  // The last character tells the two people apart; the nonce tells runs apart.
  let core = [...`fc${nonce}`.toLowerCase()].filter((c) => alphabet.includes(c)).join('') + alphabet[i];
  core = core.slice(-policy.maxLength);
  while (core.length < policy.minLength) core = alphabet[alphabet.length - 1] + core;
  const handle = core + policy.suffix;
  let password = `Fc-check-${nonce}-9x`;
  while (password.length < policy.passwordMinLength) password += 'x7';
  if (policy.passwordRequire.includes('upper') && !/[A-Z]/.test(password)) password += 'Q';
  return {
    account: {
      handle,
      email: `${core}@${policy.emailDomain}`,
      password,
      displayName: `flashcrowd check ${i + 1}`,
      locale: 'en_US',
      languages: ['en'],
      country: 'US',
      tz: 'UTC',
    },
  };
}

/** A second signup must fail with the outcome 'exists'; anything else is reported as a failure of this step. */
async function expectOutcome(op: Promise<OpResult<Account>>, outcome: 'exists'): Promise<OpResult<true>> {
  const r = await op;
  if (r.ok) return { ok: false, error: { kind: 'other', message: `a second signup with the same handle succeeded (HTTP ${r.status}): expected a failure with outcome '${outcome}'` } };
  if (r.outcome === outcome) return { ok: true, status: r.error.status ?? 0, value: true };
  return { ok: false, error: { ...r.error, message: `${describeError(r)} without outcome '${outcome}': the engine would count it as an error instead of logging in` } };
}

function accountDetail(acc: Account): string | { failed: string } {
  if (!nonEmpty(acc?.userId) || !nonEmpty(acc?.token)) return { failed: 'the account lacks userId or token' };
  return `user ${acc.userId}`;
}

function badItems(items: FeedItem[]): string | undefined {
  if (!Array.isArray(items)) return 'the page has no items array';
  for (const f of FEED_FIELDS) {
    const bad = items.filter((i) => !nonEmpty(i?.[f]));
    if (bad.length) return `${bad.length} of ${items.length} item(s) lack ${f} (first: ${JSON.stringify(bad[0]).slice(0, 120)})`;
  }
  const badDate = items.find((i) => Number.isNaN(Date.parse(i.createdAt)));
  if (badDate) return `createdAt '${badDate.createdAt}' of item ${badDate.id} is not a date`;
  return undefined;
}

function nonEmpty(v: unknown): boolean {
  return (typeof v === 'string' && v.length > 0) || typeof v === 'number';
}

function describeError(r: { ok: false; error: { kind: string; status?: number; code?: string; message: string } }): string {
  const e = r.error;
  return `${e.kind}${e.status ? ` HTTP ${e.status}` : ''}${e.code ? ` ${e.code}` : ''}: ${e.message}`;
}

/** Every capability a row mentions, so a table can show the declared set. */
export const ALL_CAPABILITIES = CAPABILITIES;
