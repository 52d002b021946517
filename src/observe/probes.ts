// Probe readers: accounts per reader language that the harness creates itself and that poll their feeds at a
// fixed interval, so freshness has a known resolution (the poll interval) whatever the sessions happen to do.
// Every request they make is reported through ctx.observer (cohort `probe`) and measured like any other.
import type { AccountAck, RunObserver } from '../run/events.ts';
import type { RunContext } from '../run/plugin.ts';
import type { Account, CallContext, Endpoint, FeedPage, OpResult } from '../target/target.ts';
import type { Ledger } from './ledger.ts';
import { hashText, hashUnit, seededRandom } from '../random/index.ts';
import { primaryLanguage } from './slis/language.ts';
import { classifyThrown } from '../target/errors.ts';
import { supports } from '../target/capabilities.ts';
import { harnessAccount } from '../population/names.ts';

export interface ProbeOptions {
  /** Cohort label of probe accounts and their requests. */
  cohort?: string;
  /** Incumbents (people of preexisting cohorts signed up before the run) each probe follows in setup. */
  incumbentFollows?: number;
  /** Newcomers each probe follows at most, as their accounts are acknowledged during the run. */
  newcomerFollows?: number;
  /** Share of newcomers followed by some probe (hash of the user id); default spreads newcomerFollows over the expected newcomers. */
  newcomerShare?: number;
  /** Page size of the probes' following reads (recall needs room above k for posts still in their grace period). */
  feedLimit?: number;
  discoverLimit?: number;
  /** Marked posts each probe looks up per poll (moderation lag); shared round-robin over all pending marked posts. */
  moderationLookupsPerPoll?: number;
  /** Foreign discover items each probe asks to have translated per poll. */
  translateLookupsPerPoll?: number;
  /** Follow requests in flight at once (setup and run). */
  followConcurrency?: number;
  /** Part of probe handles that keeps them unique across runs against one target (default: time-based). */
  runTag?: string;
}

export const PROBE_DEFAULTS = {
  cohort: 'probe',
  incumbentFollows: 20,
  newcomerFollows: 30,
  feedLimit: 100,
  discoverLimit: 20,
  moderationLookupsPerPoll: 5,
  translateLookupsPerPoll: 1,
  followConcurrency: 4,
};

const LOCALES: Record<string, string> = {
  en: 'en_US',
  zh: 'zh_CN',
  es: 'es_ES',
  pt: 'pt_BR',
  fr: 'fr_FR',
  de: 'de_DE',
  ja: 'ja_JP',
  ko: 'ko_KR',
};

interface Probe {
  index: number;
  lang: string;
  account: Account;
  followed: Set<string>;
  newcomersFollowed: number;
  polls: number;
  overruns: number;
  translateCursor: number;
}

export interface ProbeStats {
  configured: number;
  active: number;
  polls: number;
  /** Polls that took longer than the interval (the next one started late, never overlapping). */
  overruns: number;
  follows: number;
  followErrors: number;
  signupErrors: number;
}

type Options = typeof PROBE_DEFAULTS & ProbeOptions;

export class ProbeFleet {
  private readonly opts: Options;
  private readonly probes: Probe[] = [];
  private readonly loops: Promise<void>[] = [];
  private ctx: RunContext | undefined;
  private newcomerShare = 0;
  private followQueue: { probe: Probe; userId: string }[] = [];
  private followsInFlight = 0;
  private followIdle: (() => void)[] = [];
  private follows = 0;
  private followErrors = 0;
  private signupErrors = 0;
  private configured = 0;
  private readonly stopController = new AbortController();

  constructor(
    private readonly ledger: Ledger,
    private readonly seed: number,
    options: ProbeOptions = {},
  ) {
    this.opts = { ...PROBE_DEFAULTS, ...stripUndefined(options) };
  }

  get cohort(): string {
    return this.opts.cohort;
  }

  /** Signs the probes up and has them follow incumbents. */
  async setup(ctx: RunContext): Promise<void> {
    this.ctx = ctx;
    const plan = ctx.plan;
    const tag = this.opts.runTag ?? (Date.now() % 2_176_782_336).toString(36);
    let index = 0;
    for (const [lang, count] of Object.entries(plan.observers.probeReaders).sort(([a], [b]) => a.localeCompare(b))) {
      for (let i = 0; i < count; i++, index++) {
        this.configured++;
        const account = await this.signup(ctx, lang, i, index, tag);
        if (account) this.probes.push({ index, lang, account, followed: new Set(), newcomersFollowed: 0, polls: 0, overruns: 0, translateCursor: 0 });
      }
    }
    if (this.probes.length === 0) return;

    const newcomers = plan.cohorts.filter((c) => !c.preexisting).reduce((n, c) => n + c.people, 0);
    this.newcomerShare = this.opts.newcomerShare ?? Math.min(1, (this.probes.length * this.opts.newcomerFollows) / Math.max(1, newcomers));

    const random = seededRandom(this.seed ^ 0x1ab0);
    for (const probe of this.probes) {
      for (const userId of pickIncumbents(ctx, this.opts.incumbentFollows, random)) this.enqueueFollow(probe, userId);
    }
    await this.followsDrained();
  }

  private async signup(ctx: RunContext, lang: string, i: number, index: number, tag: string): Promise<Account | undefined> {
    const locale = LOCALES[lang] ?? lang;
    const label = `fcp_${lang}${i}_${tag}`.toLowerCase().replace(/[^a-z0-9_]/g, '_');
    // Shaped by the target's identity policy like everyone else (an API refusing '_' would refuse the probes).
    const { handle, email, password } = harnessAccount(label, `probe-${this.seed}-${tag}-${index}`, ctx.target.identity, ctx.plan.identity);
    for (let attempt = 0; attempt < 3; attempt++) {
      const res = await measured(ctx, 'signup', this.opts.cohort, () =>
        ctx.target.signup(
          {},
          {
            handle,
            email,
            password,
            displayName: `flashcrowd probe ${lang} ${i}`,
            locale,
            languages: [lang],
            country: locale.split('_')[1] ?? 'US',
            tz: 'UTC',
          },
        ),
      );
      if (res.ok) {
        const account = res.value;
        // Track before announcing the account, so the follow acks that follow are attributed to the probe.
        this.ledger.trackReader(account.userId, this.opts.cohort, lang, [lang], true);
        const ack: AccountAck = { userId: account.userId, personIndex: -1 - index, cohort: this.opts.cohort, primaryLanguage: lang, languages: [lang], at: ctx.now() };
        ctx.observer.onAccount?.(ack);
        return account;
      }
      this.signupErrors++;
      if (res.error.status !== 429 && res.error.status !== 503 && res.error.kind !== 'timeout') break;
      await sleep(Math.min(5000, res.error.retryAfterMs ?? 500 * (attempt + 1)), this.stopController.signal);
    }
    ctx.log(`feed-quality: probe ${lang}#${i} could not sign up; continuing with fewer probes`);
    return undefined;
  }

  /** Called for every acknowledged account during the run: a deterministic sample of newcomers gets followed. */
  considerAccount(ack: AccountAck): void {
    if (!this.ctx || this.probes.length === 0 || ack.cohort === this.opts.cohort || this.ctx.signal.aborted) return;
    if (hashUnit(ack.userId, this.seed ^ 0x9e37) >= this.newcomerShare) return;
    const probe = this.probes[hashText(ack.userId, this.seed ^ 0x7f4a) % this.probes.length];
    if (probe.newcomersFollowed >= this.opts.newcomerFollows || probe.followed.has(ack.userId)) return;
    probe.newcomersFollowed++;
    this.enqueueFollow(probe, ack.userId);
  }

  private enqueueFollow(probe: Probe, userId: string): void {
    if (probe.followed.has(userId) || userId === probe.account.userId) return;
    probe.followed.add(userId);
    this.followQueue.push({ probe, userId });
    this.pumpFollows();
  }

  private pumpFollows(): void {
    const ctx = this.ctx;
    if (!ctx) return;
    while (this.followsInFlight < this.opts.followConcurrency && this.followQueue.length > 0) {
      const { probe, userId } = this.followQueue.shift()!;
      this.followsInFlight++;
      void measured(ctx, 'follow', this.opts.cohort, () => ctx.target.follow(this.call(probe), userId))
        .then((res) => {
          if (res.ok) {
            this.follows++;
            ctx.observer.onFollow?.({ followerId: probe.account.userId, followeeId: userId, at: ctx.now() });
          } else this.followErrors++;
        })
        .finally(() => {
          this.followsInFlight--;
          this.pumpFollows();
          if (this.followsInFlight === 0 && this.followQueue.length === 0) for (const f of this.followIdle.splice(0)) f();
        });
    }
  }

  private followsDrained(): Promise<void> {
    if (this.followsInFlight === 0 && this.followQueue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.followIdle.push(resolve));
  }

  /** Starts one poll loop per probe: jittered start within the first interval, then every interval, never overlapping. */
  start(ctx: RunContext): void {
    this.ctx = ctx;
    const intervalMs = ctx.plan.observers.pollIntervalSec * 1000;
    for (const probe of this.probes) {
      const jitter = hashUnit(probe.account.userId, this.seed ^ 0x3117) * intervalMs;
      this.loops.push(this.loop(ctx, probe, intervalMs, jitter));
    }
  }

  private async loop(ctx: RunContext, probe: Probe, intervalMs: number, jitterMs: number): Promise<void> {
    const stop = this.stopSignal(ctx);
    await sleep(jitterMs, stop);
    let next = ctx.now();
    while (!stop.aborted) {
      try {
        await this.pollOnce(ctx, probe);
      } catch (err) {
        ctx.log(`feed-quality: probe ${probe.lang}#${probe.index} poll failed: ${(err as Error).message}`);
      }
      probe.polls++;
      next += intervalMs;
      const now = ctx.now();
      if (next < now) {
        probe.overruns++;
        next = now;
      }
      await sleep(next - now, stop);
    }
  }

  private stopSignal(ctx: RunContext): AbortSignal {
    return AbortSignal.any([ctx.signal, this.stopController.signal]);
  }

  private async pollOnce(ctx: RunContext, probe: Probe): Promise<void> {
    const obs: RunObserver = ctx.observer;
    const call = this.call(probe);
    const base = {
      readerId: probe.account.userId,
      readerCohort: this.opts.cohort,
      readerPrimaryLanguage: probe.lang,
      readerLanguages: [probe.lang],
      probe: true,
      firstPage: true,
    };
    // Reads are judged from when they were sent (recall's grace period, freshness): see FeedReadSample.sentAt.
    const followingSent = ctx.now();
    const following = await measured(ctx, 'feed_following', this.opts.cohort, () => ctx.target.feed(call, 'following', this.opts.feedLimit));
    if (following.ok) obs.onFeedRead?.({ ...base, kind: 'following', page: following.value, at: ctx.now(), sentAt: followingSent });

    // A target without discover (capabilities) is not asked for it; without translate, no translation lookups.
    const discoverSent = ctx.now();
    const discover = supports(ctx.target, 'discover')
      ? await measured(ctx, 'feed_discover', this.opts.cohort, () => ctx.target.feed(call, 'discover', this.opts.discoverLimit))
      : undefined;
    if (discover?.ok) {
      obs.onFeedRead?.({ ...base, kind: 'discover', page: discover.value, at: ctx.now(), sentAt: discoverSent });
      const lookups = supports(ctx.target, 'translate') ? this.opts.translateLookupsPerPoll : 0;
      for (const postId of this.foreignItems(discover.value, probe, lookups)) {
        await this.lookup(ctx, probe, postId, probe.lang);
      }
    }
    for (const postId of this.ledger.nextMarkedToCheck(this.opts.moderationLookupsPerPoll)) {
      await this.lookup(ctx, probe, postId, undefined);
    }
  }

  /** Foreign-language items of a page (ground truth when the ledger knows the post), round-robin over positions. */
  private foreignItems(page: FeedPage, probe: Probe, n: number): string[] {
    if (n <= 0) return [];
    const foreign = page.items.filter((item) => {
      const slot = this.ledger.slotOf(item.id);
      return primaryLanguage(slot >= 0 ? this.ledger.postLanguage(slot) : item.lang) !== probe.lang;
    });
    const out: string[] = [];
    for (let i = 0; i < Math.min(n, foreign.length); i++) out.push(foreign[probe.translateCursor++ % foreign.length].id);
    return out;
  }

  private async lookup(ctx: RunContext, probe: Probe, postId: string, translateTo: string | undefined): Promise<void> {
    const startedAt = ctx.now();
    const res = await measured(ctx, translateTo ? 'translate' : 'get_post', this.opts.cohort, () => ctx.target.getPost(this.call(probe), postId, translateTo));
    if (!res.ok) return;
    const at = ctx.now();
    ctx.observer.onPostLookup?.({ postId, readerId: probe.account.userId, readerPrimaryLanguage: probe.lang, translateTo, result: res.value, at, latencyMs: at - startedAt });
  }

  private call(probe: Probe): CallContext {
    return { token: probe.account.token, clientIp: `127.0.${200 + (probe.index >> 8)}.${probe.index & 255}` };
  }

  /** Stops polling and following; resolves when every loop and follow in flight has finished. */
  async stop(): Promise<void> {
    this.stopController.abort();
    this.followQueue = [];
    await Promise.all(this.loops);
    await this.followsDrained();
  }

  /** A probe token for after-run checks (the audit), if any probe signed up. */
  token(): string | undefined {
    return this.probes[0]?.account.token;
  }

  stats(): ProbeStats {
    let polls = 0;
    let overruns = 0;
    for (const p of this.probes) {
      polls += p.polls;
      overruns += p.overruns;
    }
    return { configured: this.configured, active: this.probes.length, polls, overruns, follows: this.follows, followErrors: this.followErrors, signupErrors: this.signupErrors };
  }
}

/** Runs one target call and reports it as a RequestSample (intended = actual start: probes are closed-loop). */
export async function measured<T>(ctx: RunContext, endpoint: Endpoint, cohort: string, call: () => Promise<OpResult<T>>): Promise<OpResult<T>> {
  const startedAt = ctx.now();
  let res: OpResult<T>;
  try {
    res = await call();
  } catch (err) {
    // An adapter that throws instead of returning an error: a failed call, not a failed run.
    res = { ok: false, error: classifyThrown(err) };
  }
  const endedAt = ctx.now();
  ctx.observer.onRequest?.({
    endpoint,
    cohort,
    ok: res.ok,
    errorKind: res.ok ? undefined : res.error.kind,
    status: res.ok ? res.status : res.error.status,
    startedAt,
    intendedAt: startedAt,
    endedAt,
  });
  return res;
}

/** Resolves after `ms`, or at once when `signal` aborts; leaves no timer behind. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted || ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/**
 * Up to `n` distinct signed-up people of preexisting cohorts: all of them when there are few, else uniform draws
 * of person indices (bounded attempts, so a sparsely signed-up population cannot loop forever).
 */
export function pickIncumbents(ctx: RunContext, n: number, random: () => number): string[] {
  const ranges = ctx.plan.cohorts.filter((c) => c.preexisting).map((c) => ctx.population.cohortRange(c.name));
  const total = ranges.reduce((sum, r) => sum + r.count, 0);
  const personAt = (i: number): number => {
    for (const r of ranges) {
      if (i < r.count) return r.start + i;
      i -= r.count;
    }
    return -1;
  };
  const out: string[] = [];
  if (total <= 4 * n) {
    const all: string[] = [];
    for (let i = 0; i < total; i++) {
      const account = ctx.accounts.get(personAt(i));
      if (account) all.push(account.userId);
    }
    for (let i = 0; i < Math.min(n, all.length); i++) {
      const j = i + Math.floor(random() * (all.length - i));
      [all[i], all[j]] = [all[j], all[i]];
      out.push(all[i]);
    }
    return out;
  }
  const tried = new Set<number>();
  for (let attempt = 0; attempt < 20 * n && out.length < n; attempt++) {
    const i = Math.floor(random() * total);
    if (tried.has(i)) continue;
    tried.add(i);
    const account = ctx.accounts.get(personAt(i));
    if (account) out.push(account.userId);
  }
  return out;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
