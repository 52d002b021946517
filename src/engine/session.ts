// One arrival = one session: a small state machine per person.
//   new person:       signup -> follow people (cohort follow policy, signed-up people only) -> intro post(s) -> loop
//   returning person: login -> loop
//   loop:             N actions (geometric, mean actionsPerSession x activity), each after an exponential think time,
//                     chosen by the cohort's weights bent by the persona (behaviours.ts)
// Every request is reported with intendedAt = when that action was scheduled (arrival time for the first, previous
// end + think time for the rest), so latency is coordinated-omission corrected for think-time actions too.
// 429/503 are retried after Retry-After (+ jitter) within a per-session retry budget; the retry keeps the action's
// intendedAt, so the user-visible wait includes the back-off.
import type { Person } from '../population/person.ts';
import type { ContentMix, FollowPolicy, Plan, PlanCohort } from '../scenario/plan.ts';
import type { GeneratedComment, GeneratedPost } from '../content/types.ts';
import type { RunObserver } from '../run/events.ts';
import type { Account, CallContext, Endpoint, FeedKind, OpResult, Target } from '../target/target.ts';
import type { PopulationView } from '../run/plugin.ts';
import type { Accounts } from './accounts.ts';
import { ACTIONS, actionWeights, baseLanguage, PERSONA_PROFILES, servedActions, servedWeights, skippedKey, type Action, type PersonaProfile } from './behaviours.ts';
import { supports } from '../target/capabilities.ts';
import { HotPostRing, type HotPost } from './hot-posts.ts';
import { Rng } from '../random/index.ts';

/** What the engine needs from the content generator (src/content). */
export interface ContentSource {
  post(person: Person, mix: ContentMix, seq: number): GeneratedPost;
  comment(person: Person, parent: HotPost, seq: number): GeneratedComment;
}

import type { FollowChooser } from '../run/world.ts';
export type { FollowChooser } from '../run/world.ts';

export interface SessionEnv {
  plan: Plan;
  target: Target;
  population: PopulationView;
  accounts: Accounts;
  observer: Required<RunObserver>;
  content: ContentSource;
  follows?: FollowChooser;
  now(): number;
  /** Sleep on the scheduler's agenda; false when the run is stopping. */
  sleepUntil(atMs: number): Promise<boolean>;
  /** True once arrivals stopped: sessions start no new action. */
  stopping(): boolean;
  /** Aborts in-flight requests (hard stop). */
  requestSignal: AbortSignal;
}

export interface SessionStats {
  retries: number;
  retryBudgetExhausted: number;
  authFailures: number;
  returningSessions: number;
  newSessions: number;
  /** Sessions that ended on an unexpected exception (a harness bug, never a target failure). */
  sessionErrors: number;
  /** Actions drawn that the target does not serve (capabilities): not attempted, another action drawn instead. */
  skippedActions: number;
  /** Per action (`skipped.report`, ...); flat keys so worker threads' stats merge by addition. */
  [skipped: `skipped.${string}`]: number;
}

const FEED_LIMIT = 20;
const RETRY_BUDGET = 3;
const MAX_ONBOARDING_FOLLOWS = 50;
const MAX_BACKOFF_MS = 30_000;
const REPORT_REASONS = ['spam', 'scam', 'abuse', 'other'];

interface Session {
  rnd: Rng;
  cohort: PlanCohort;
  personIndex: number;
  person: Person;
  profile: PersonaProfile;
  ctx: CallContext;
  userId: string;
  retryBudget: number;
}

/** Deterministic synthetic client address for a person: only ever a header value (X-Forwarded-For). */
export function syntheticClientIp(personIndex: number): string {
  const i = personIndex >>> 0;
  if (i < 1 << 24) return `10.${(i >>> 16) & 255}.${(i >>> 8) & 255}.${i & 255}`;
  const j = i - (1 << 24); // 100.64.0.0/10 (shared address space) for the next 4M people
  return `100.${64 + ((j >>> 16) & 63)}.${(j >>> 8) & 255}.${j & 255}`;
}

export class SessionRunner {
  readonly stats: SessionStats = { retries: 0, retryBudgetExhausted: 0, authFailures: 0, returningSessions: 0, newSessions: 0, sessionErrors: 0, skippedActions: 0 };
  readonly recent = new HotPostRing(4096);
  readonly newcomerPosts = new HotPostRing(1024);
  readonly markedPosts = new HotPostRing(256);
  private sessionSeq = 0;
  private contentSeq = 0;
  private followSeq = 0;
  private readonly weights = new Map<string, { all: Float64Array; served: Float64Array }>();
  /** Per action (ACTIONS order): does the target serve it (capabilities)? */
  private readonly served: boolean[];
  private readonly discover: boolean;

  constructor(private readonly env: SessionEnv) {
    this.served = servedActions(env.target);
    this.discover = supports(env.target, 'discover');
  }

  /**
   * Run one session of the cohort that arrived at intendedMs. Never throws. With `arrivalOrdinal` (the arrival's
   * index in its cohort's stream) the session's choices follow the arrival, so a sharded run plays the same sessions.
   */
  async run(cohortIndex: number, intendedMs: number, arrivalOrdinal?: number): Promise<void> {
    const { env } = this;
    const cohort = env.plan.cohorts[cohortIndex];
    const rnd = Rng.derive(env.plan.seed, `session/${cohort.name}`, arrivalOrdinal ?? this.sessionSeq++);
    env.observer.onSessionStart(cohort.name, env.now());
    try {
      const session = await this.identify(cohort, rnd, intendedMs);
      if (session) await this.loop(session, env.now());
    } catch (err) {
      // A bug in a behaviour (or a throwing observer) must not stop the run: it is counted, and the first few are
      // kept as timeline events with their stack.
      if (this.stats.sessionErrors++ < 10) {
        env.observer.onEvent({ at: env.now(), name: 'session-error', kind: 'note', description: String((err as Error)?.stack ?? err) });
      }
    } finally {
      env.observer.onSessionEnd(cohort.name, env.now());
    }
  }

  /** Signup (new person) or login (returning person). Undefined when neither succeeded. */
  private async identify(cohort: PlanCohort, rnd: Rng, intendedMs: number): Promise<Session | undefined> {
    const { env } = this;
    const signedUp = env.accounts.signedUpCount(cohort.name);
    const wantsReturning = cohort.preexisting || (signedUp > 0 && rnd.chance(cohort.returningShare));
    let personIndex = wantsReturning ? undefined : env.accounts.claimNew(cohort.name);
    const isNew = personIndex !== undefined;
    if (personIndex === undefined) personIndex = env.accounts.randomSignedUp(rnd.next(), cohort.name);
    if (personIndex === undefined) return undefined; // nobody to be (e.g. setup created no account)
    const person = env.population.person(personIndex);
    const session: Session = {
      rnd,
      cohort,
      personIndex,
      person,
      profile: PERSONA_PROFILES[person.persona] ?? PERSONA_PROFILES.newcomer,
      ctx: { clientIp: syntheticClientIp(personIndex), signal: env.requestSignal },
      userId: '',
      retryBudget: RETRY_BUDGET,
    };
    if (isNew) {
      this.stats.newSessions++;
      const account = await this.signUp(session, intendedMs);
      if (!account) {
        env.accounts.release(personIndex);
        this.stats.authFailures++;
        return undefined;
      }
      if (session.profile.onboarding) await this.onboard(session);
      return session;
    }
    this.stats.returningSessions++;
    const r = await this.call(session, 'login', intendedMs, (ctx) => env.target.login(ctx, person.handle, person.password));
    if (!r.ok) {
      this.stats.authFailures++;
      return undefined;
    }
    this.adopt(session, r.value);
    return session;
  }

  /**
   * Signs the session's person up. On the outcome 'exists' (the adapter's reading of "handle taken", whatever status
   * the server used) an earlier attempt of ours succeeded on the server although we never saw the answer (a timeout),
   * or a retried setup or reused target has the account: a person would log in now, and so do we. A new account is adopted by the session and reported to the observers.
   */
  private async signUp(session: Session, intendedMs: number): Promise<Account | undefined> {
    const { env } = this;
    const person = session.person;
    const r = await this.call(session, 'signup', intendedMs, (ctx) =>
      env.target.signup(ctx, {
        handle: person.handle,
        email: person.email,
        password: person.password,
        displayName: person.displayName,
        locale: person.locale,
        languages: person.languages,
        country: person.country,
        tz: person.tz,
      }),
    );
    let account = r.ok ? r.value : undefined;
    if (!r.ok && r.outcome === 'exists') {
      const again = await this.call(session, 'login', env.now(), (ctx) => env.target.login(ctx, person.handle, person.password));
      if (again.ok) account = again.value;
    }
    if (!account) return undefined;
    this.adopt(session, account);
    env.observer.onAccount({
      userId: account.userId,
      personIndex: session.personIndex,
      cohort: session.cohort.name,
      primaryLanguage: person.primaryLanguage,
      languages: person.languages,
      at: env.now(),
    });
    return account;
  }

  /**
   * Setup phase (before t = 0): create a preexisting person's account, optionally follow people and seed posts, so
   * the measured phase starts from a lived-in network. Requests are reported like any other (with negative times).
   */
  async prepare(cohortIndex: number, personIndex: number, step: 'account' | 'network'): Promise<boolean> {
    const { env } = this;
    const cohort = env.plan.cohorts[cohortIndex];
    const person = env.population.person(personIndex);
    const session: Session = {
      rnd: Rng.derive(env.plan.seed, `setup/${step}`, personIndex),
      cohort,
      personIndex,
      person,
      profile: PERSONA_PROFILES[person.persona] ?? PERSONA_PROFILES.incumbent,
      ctx: { clientIp: syntheticClientIp(personIndex), signal: env.requestSignal },
      userId: '',
      retryBudget: RETRY_BUDGET * 2,
    };
    if (step === 'account') {
      const account = await this.signUp(session, env.now());
      return account !== undefined;
    }
    const account = env.accounts.get(personIndex);
    if (!account) return false;
    session.userId = account.userId;
    session.ctx.token = account.token;
    if (session.profile.onboarding) await this.onboard(session);
    return true;
  }

  private adopt(session: Session, account: { userId: string; token: string; handle: string }): void {
    session.userId = account.userId;
    session.ctx.token = account.token;
    this.env.accounts.set(session.personIndex, account);
  }

  /** A newcomer's first minutes: follow people, then introduce themselves. Back-to-back, no think time. */
  private async onboard(session: Session): Promise<void> {
    const { env } = this;
    const policy = session.cohort.follow;
    const targets = this.chooseFollows(session, policy).slice(0, MAX_ONBOARDING_FOLLOWS);
    for (const target of targets) {
      if (env.stopping()) return;
      await this.follow(session, target, env.now());
    }
    const intros = fractional(session.rnd, session.cohort.behaviour.introPosts);
    for (let i = 0; i < intros; i++) {
      if (env.stopping()) return;
      await this.post(session, env.now());
    }
  }

  private async loop(session: Session, lastEnd: number): Promise<void> {
    const { env } = this;
    const behaviour = session.cohort.behaviour;
    const actions = session.rnd.geometric(Math.max(1, behaviour.actionsPerSession * (session.person.activity || 1)));
    const weights = this.weightsFor(session.cohort, session.person.persona);
    for (let n = 0; n < actions; n++) {
      const intendedAt = lastEnd + session.rnd.exponential(behaviour.thinkTimeMs);
      if (env.stopping() || !(await env.sleepUntil(intendedAt)) || env.stopping()) return;
      // Draw from the scenario's weights; an action the target does not serve is counted as skipped and another is
      // drawn from the served ones: overall the served weights renormalised, and the session keeps its length.
      let i = session.rnd.weighted(weights.all);
      if (i >= 0 && !this.served[i]) {
        this.stats.skippedActions++;
        this.stats[skippedKey(ACTIONS[i])] = (this.stats[skippedKey(ACTIONS[i])] ?? 0) + 1;
        i = session.rnd.weighted(weights.served);
      }
      if (i < 0) return;
      await this.act(session, ACTIONS[i], intendedAt);
      lastEnd = env.now();
    }
  }

  private act(session: Session, action: Action, intendedAt: number): Promise<unknown> {
    switch (action) {
      case 'readFollowing':
        return this.readFeed(session, 'following', intendedAt);
      case 'readDiscover':
        return this.readFeed(session, 'discover', intendedAt);
      case 'like':
        return this.like(session, intendedAt);
      case 'comment':
        return this.comment(session, intendedAt);
      case 'post':
        return this.post(session, intendedAt);
      case 'translate':
        return this.translate(session, intendedAt);
      case 'report':
        return this.report(session, intendedAt);
      case 'follow': {
        const [target] = this.chooseFollows(session, { ...session.cohort.follow, count: 1 });
        return target === undefined ? this.browse(session, intendedAt) : this.follow(session, target, intendedAt);
      }
    }
  }

  /** A fallback read when an action has nothing to act on: discover, or the following feed without discover. */
  private browse(session: Session, intendedAt: number): Promise<void> {
    return this.readFeed(session, this.discover ? 'discover' : 'following', intendedAt);
  }

  private async readFeed(session: Session, kind: FeedKind, intendedAt: number): Promise<void> {
    const { env } = this;
    const endpoint: Endpoint = kind === 'following' ? 'feed_following' : 'feed_discover';
    let cursor: string | undefined;
    let scroll = 0;
    for (let page = 0; page < 3; page++) {
      const sentAt = env.now(); // recall is judged from when the read was sent (FeedReadSample.sentAt)
      if (page === 0) scroll = sentAt;
      const r = await this.call(session, endpoint, page === 0 ? intendedAt : env.now(), (ctx) => env.target.feed(ctx, kind, FEED_LIMIT, cursor));
      if (!r.ok) return;
      const p = session.person;
      env.observer.onFeedRead({
        readerId: session.userId,
        readerCohort: session.cohort.name,
        readerPrimaryLanguage: p.primaryLanguage,
        readerLanguages: p.languages,
        kind,
        probe: false,
        page: r.value,
        firstPage: page === 0,
        at: env.now(),
        sentAt,
        scroll,
      });
      // Most people stop after the first screen; some scroll on.
      if (!r.value.nextCursor || !session.rnd.chance(0.25) || env.stopping()) return;
      cursor = r.value.nextCursor;
    }
  }

  private async post(session: Session, intendedAt: number): Promise<void> {
    const { env } = this;
    const seq = this.contentSeq++;
    const generated = env.content.post(session.person, session.cohort.content, seq);
    const idempotencyKey = `fc-${env.plan.seed}-${session.personIndex}-${seq}`;
    // A real client sends the author's declared language with a share of posts (scenario content.langHintShare);
    // the ledger keeps the generator's language as ground truth either way. No draw when the share is 0.
    const hintShare = session.cohort.content.langHintShare ?? 0;
    const langHint = hintShare > 0 && session.rnd.chance(hintShare) ? session.person.primaryLanguage : undefined;
    const r = await this.call(session, 'post', intendedAt, (ctx) =>
      env.target.post(ctx, { text: generated.text, tags: generated.tags, media: generated.media, idempotencyKey, langHint }),
    );
    if (!r.ok) return;
    const at = env.now();
    env.observer.onPost({
      postId: r.value.id,
      authorId: session.userId,
      cohort: session.cohort.name,
      lang: generated.lang,
      kind: generated.kind,
      marker: generated.marker,
      at,
      targetCreatedAt: r.value.createdAt,
      targetLang: r.value.lang,
    });
    const hot: HotPost = {
      id: r.value.id,
      authorId: session.userId,
      authorIndex: session.personIndex,
      cohort: session.cohort.name,
      lang: generated.lang,
      kind: generated.kind,
      marker: generated.marker,
    };
    const heat = Math.min(1e6, session.rnd.pareto(session.cohort.content.commentAlpha || 1.2));
    this.recent.add(hot, heat);
    if (session.person.persona === 'newcomer') this.newcomerPosts.add(hot, heat);
    if (generated.marker) this.markedPosts.add(hot, 1);
  }

  /** Hot post to engage with: newcomers' posts for welcoming personas, else the storm-weighted ring. */
  private pickTarget(session: Session): HotPost | undefined {
    const rnd = session.rnd;
    if (this.newcomerPosts.size && rnd.chance(session.profile.newcomerFocus)) return this.newcomerPosts.pickHot(rnd.next());
    return this.recent.pickHot(rnd.next());
  }

  private async comment(session: Session, intendedAt: number): Promise<void> {
    const { env } = this;
    const parent = this.pickTarget(session);
    if (!parent) return this.browse(session, intendedAt);
    const generated = env.content.comment(session.person, parent, this.contentSeq++);
    const r = await this.call(session, 'comment', intendedAt, (ctx) => env.target.comment(ctx, parent.id, generated.text));
    if (!r.ok) return;
    env.observer.onComment({ commentId: r.value.id, postId: parent.id, authorId: session.userId, lang: generated.lang, at: env.now() });
  }

  private async like(session: Session, intendedAt: number): Promise<void> {
    const target = this.pickTarget(session);
    if (!target) return this.readFeed(session, 'following', intendedAt);
    await this.call(session, 'like', intendedAt, (ctx) => this.env.target.like(ctx, target.id));
  }

  /** Ask for a translation of a post in a language the reader does not read (falls back to a plain lookup). */
  private async translate(session: Session, intendedAt: number): Promise<void> {
    const { env } = this;
    const person = session.person;
    let chosen: HotPost | undefined;
    for (let attempt = 0; attempt < 8 && !chosen; attempt++) {
      const candidate = this.recent.pickHot(session.rnd.next());
      if (candidate && !person.languages.includes(baseLanguage(candidate.lang))) chosen = candidate;
    }
    const post = chosen ?? this.recent.pickUniform(session.rnd.next());
    if (!post) return this.browse(session, intendedAt);
    const translateTo = chosen ? person.primaryLanguage : undefined;
    const endpoint: Endpoint = translateTo ? 'translate' : 'get_post';
    const started = env.now();
    const r = await this.call(session, endpoint, intendedAt, (ctx) => env.target.getPost(ctx, post.id, translateTo));
    if (!r.ok) return;
    const at = env.now();
    env.observer.onPostLookup({
      postId: post.id,
      readerId: session.userId,
      readerPrimaryLanguage: person.primaryLanguage,
      translateTo,
      result: r.value,
      at,
      latencyMs: at - started,
    });
  }

  private async report(session: Session, intendedAt: number): Promise<void> {
    const rnd = session.rnd;
    const target = this.markedPosts.size && rnd.chance(0.7) ? this.markedPosts.pickUniform(rnd.next()) : this.recent.pickUniform(rnd.next());
    if (!target) return this.browse(session, intendedAt);
    const reason = REPORT_REASONS[rnd.int(REPORT_REASONS.length)];
    await this.call(session, 'report', intendedAt, (ctx) => this.env.target.report!(ctx, target.id, reason));
  }

  private async follow(session: Session, targetIndex: number, intendedAt: number): Promise<void> {
    const { env } = this;
    const followee = env.accounts.get(targetIndex);
    if (!followee) return;
    const r = await this.call(session, 'follow', intendedAt, (ctx) => env.target.follow(ctx, followee.userId));
    if (r.ok) env.observer.onFollow({ followerId: session.userId, followeeId: followee.userId, at: env.now() });
  }

  private chooseFollows(session: Session, policy: FollowPolicy): number[] {
    const { env } = this;
    const eligible = (i: number) => i !== session.personIndex && env.accounts.has(i);
    if (env.follows) return env.follows(session.personIndex, policy, this.followSeq++, eligible);
    // Without the population's follow model: uniformly among signed-up people.
    const out: number[] = [];
    const n = fractional(session.rnd, policy.count);
    for (let k = 0; k < n * 3 && out.length < n; k++) {
      const i = env.accounts.randomSignedUp(session.rnd.next());
      if (i !== undefined && eligible(i) && !out.includes(i)) out.push(i);
    }
    return out;
  }

  private weightsFor(cohort: PlanCohort, persona: Person['persona']): { all: Float64Array; served: Float64Array } {
    const key = `${cohort.name}\u0000${persona}`;
    let w = this.weights.get(key);
    if (!w) {
      const all = actionWeights(cohort.behaviour, persona);
      this.weights.set(key, (w = { all, served: servedWeights(all, this.served) }));
    }
    return w;
  }

  /** One logical request: report every attempt, retry 429/503 within the session's budget. */
  private async call<T>(session: Session, endpoint: Endpoint, intendedAt: number, op: (ctx: CallContext) => Promise<OpResult<T>>): Promise<OpResult<T>> {
    const { env } = this;
    for (let attempt = 0; ; attempt++) {
      const startedAt = env.now();
      let r: OpResult<T>;
      try {
        r = await op(session.ctx);
      } catch (err) {
        // Adapters should return errors as values; a throw is classified rather than lost.
        r = { ok: false, error: { kind: env.requestSignal.aborted ? 'aborted' : 'other', message: String((err as Error)?.message ?? err) } };
      }
      const endedAt = env.now();
      env.observer.onRequest(
        r.ok
          ? { endpoint, cohort: session.cohort.name, ok: true, status: r.status, startedAt, intendedAt, endedAt }
          : { endpoint, cohort: session.cohort.name, ok: false, errorKind: r.error.kind, status: r.error.status, startedAt, intendedAt, endedAt },
      );
      if (r.ok) return r;
      const status = r.error.status;
      if (status !== 429 && status !== 503) return r;
      if (session.retryBudget <= 0) {
        this.stats.retryBudgetExhausted++;
        return r;
      }
      if (env.stopping()) return r;
      session.retryBudget--;
      this.stats.retries++;
      const base = r.error.retryAfterMs ?? 250 * 2 ** attempt;
      const delay = Math.min(MAX_BACKOFF_MS, base * (1 + 0.5 * session.rnd.next())); // never earlier than Retry-After
      if (!(await env.sleepUntil(endedAt + delay))) return r;
    }
  }
}

/** Integer part plus a coin flip for the fraction: mean-preserving counts from fractional plan figures. */
function fractional(rnd: Rng, mean: number): number {
  const whole = Math.floor(Math.max(0, mean));
  return whole + (rnd.chance(mean - whole) ? 1 : 0);
}
