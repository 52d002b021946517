// The built-in atproto target against the real AT Protocol stack (PLC, PDS, AppView, Ozone from targets/atproto)
// on PostgreSQL: every operation once, then scenarios/smoke.ts (and a sampled bluesky-nov-2024.ts when present)
// through `--adapter atproto`; afterwards nothing may be left running, in Postgres or on disk.
//
// Skipped (with a message) when targets/atproto is not installed, unless FLASHCROWD_REQUIRE_ATPROTO=1 (CI), which
// makes a missing install or database a failure.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import pg from 'pg';
import { executeRun } from '../../src/cli/pipeline.ts';
import { main } from '../../src/cli/index.ts';
import { atprotoStackDir, installHint, isAtprotoStackInstalled, startAtprotoStack, type AtprotoStack } from '../../src/target/atproto/stack.ts';
import { AtprotoTarget, createAtprotoTarget } from '../../src/target/atproto/index.ts';
import { loadAdapter } from '../../src/target/load-adapter.ts';
import type { CallContext } from '../../src/target/target.ts';
import type { Summary } from '../../src/run/summary.ts';

const REQUIRED = process.env.FLASHCROWD_REQUIRE_ATPROTO === '1';
const INSTALLED = isAtprotoStackInstalled();
const DATABASE_URL = process.env.DATABASE_URL;
const RUN = (INSTALLED && DATABASE_URL !== undefined) || REQUIRED;
if (!INSTALLED && !REQUIRED) console.warn(`[skip] atproto stack tests: ${atprotoStackDir()} is not installed (${installHint()}); FLASHCROWD_REQUIRE_ATPROTO=1 makes this a failure`);
else if (!RUN) console.warn('[skip] atproto stack tests: set DATABASE_URL (PostgreSQL for the AppView and Ozone); FLASHCROWD_REQUIRE_ATPROTO=1 makes this a failure');

const dir = mkdtempSync(path.join(tmpdir(), 'fc-atproto-'));
let stack: AtprotoStack | undefined;

function sink() {
  let text = '';
  const stream = new Writable({ write: (chunk, _enc, cb) => ((text += String(chunk)), cb()) });
  return { stream, text: () => text };
}

async function schemasLeft(names: string[]): Promise<string[]> {
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  try {
    const r = await client.query<{ nspname: string }>('SELECT nspname FROM pg_namespace WHERE nspname = ANY($1)', [names]);
    return r.rows.map((row) => row.nspname);
  } finally {
    await client.end();
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const ok = <T,>(r: { ok: true; value: T } | { ok: false; error: { message: string } }): T => {
  if (!r.ok) throw new Error(`expected success, got: ${r.error.message}`);
  return r.value;
};

/** Polls until `check` holds (the AppView indexes asynchronously), or fails after `ms`. */
async function eventually<T>(what: string, fn: () => Promise<T>, check: (v: T) => boolean, ms = 15_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (check(v)) return v;
    if (Date.now() > until) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe.skipIf(!RUN)('atproto target on the real AT Protocol stack', () => {
  beforeAll(async () => {
    if (!INSTALLED) throw new Error(`FLASHCROWD_REQUIRE_ATPROTO=1 but ${atprotoStackDir()} is not installed: ${installHint()}`);
    if (!DATABASE_URL) throw new Error('FLASHCROWD_REQUIRE_ATPROTO=1 needs DATABASE_URL (PostgreSQL for the AppView and Ozone)');
    stack = await startAtprotoStack({ db: DATABASE_URL });
  }, 200_000);

  afterAll(async () => {
    try {
      if (!stack) return;
      await stack.stop();
      // Nothing left: the process, its Postgres schemas, its files.
      expect(alive(stack.pid)).toBe(false);
      expect(await schemasLeft(stack.schemas)).toEqual([]);
      expect(existsSync(stack.tmpdir)).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('starts on loopback with its own schemas and folder', async () => {
    const s = stack!;
    for (const u of [s.pdsUrl, s.appviewUrl, s.ozoneUrl, s.plcUrl]) expect(new URL(u).hostname).toBe('127.0.0.1');
    expect(s.schemas.every((n) => /^[a-z_]+$/.test(n))).toBe(true);
    expect(await schemasLeft(s.schemas)).toEqual([...s.schemas].sort());
    expect(existsSync(s.tmpdir)).toBe(true);
    expect((await fetch(`${s.pdsUrl}/xrpc/_health`)).status).toBe(200);
  });

  it('serves every operation of the Target contract (conformance)', async () => {
    expect(await loadAdapter('atproto')).toBe(createAtprotoTarget);
    const t = new AtprotoTarget({ url: stack!.pdsUrl, timeoutMs: 15_000 });
    try {
      const person = (handle: string) => ({ handle, password: 'Fc-conformance-1', displayName: handle, locale: 'en_US', languages: ['en'], country: 'US', tz: 'UTC' });
      const alice = ok(await t.signup({}, person('alice_conf_1')));
      const bob = ok(await t.signup({}, person('bob_conf_2')));
      expect(alice.userId).toMatch(/^did:plc:/);
      expect(alice.handle).toBe('aliceconf-1.test');
      const again = await t.signup({}, person('alice_conf_1'));
      expect(again.ok).toBe(false);
      expect(again.outcome).toBe('exists'); // the PDS's 400 "Handle already taken", as a typed outcome
      if (!again.ok) expect(again.error.status).toBe(400);
      // Login once per person: the token from signup is reused, no createSession.
      expect(ok(await t.login({}, 'alice_conf_1', 'Fc-conformance-1')).token).toBe(alice.token);

      const a: CallContext = { token: alice.token };
      const b: CallContext = { token: bob.token };
      ok(await t.follow(b, alice.userId));
      expect((await t.follow(b, alice.userId)).outcome).toBe('already');
      const post = ok(await t.post(a, { text: 'hello from the conformance test', tags: ['flashcrowd'], media: [], langHint: 'en', idempotencyKey: 'k1' }));
      expect(post.id).toMatch(/^at:\/\/did:plc:[^/]+\/app\.bsky\.feed\.post\//);
      const timeline = await eventually('post in the follower timeline', () => t.feed(b, 'following', 20), (r) => r.ok && r.value.items.some((i) => i.id === post.id));
      const item = ok(timeline).items.find((i) => i.id === post.id)!;
      expect(item).toMatchObject({ authorId: alice.userId, lang: 'en', createdAt: post.createdAt });
      const lookup = ok(await t.getPost(b, post.id));
      expect(lookup.state).toBe('present');
      if (lookup.state === 'present') expect(lookup.post).toMatchObject({ id: post.id, authorId: alice.userId, lang: 'en', tags: ['flashcrowd'] });
      expect(ok(await t.getPost(b, `${post.id.slice(0, -4)}zzzz`)).state).toBe('missing');
      ok(await t.like(b, post.id));
      expect((await t.like(b, post.id)).outcome).toBe('already');
      const reply = ok(await t.comment(b, post.id, 'welcome!'));
      const comments = await eventually('reply listed', () => t.listComments(a, post.id, 10), (r) => r.ok && r.value.items.some((c) => c.id === reply.id));
      expect(ok(comments).items.find((c) => c.id === reply.id)).toMatchObject({ authorId: bob.userId, text: 'welcome!', postId: post.id });
      // A reply is a comment, not a post: the following feed leaves it out.
      expect(ok(await t.feed(a, 'following', 50)).items.some((i) => i.id === reply.id)).toBe(false);
      expect(ok(await t.listFollowing(b, bob.userId, 10)).items).toContain(alice.userId);
      const profile = ok(await t.getUser(b, alice.userId));
      expect(profile).toMatchObject({ id: alice.userId, followers: 1 });
      const discover = await eventually('post in discover (search)', () => t.feed(b, 'discover', 20), (r) => r.ok && r.value.items.some((i) => i.id === post.id));
      expect(ok(discover).items.length).toBeGreaterThan(0);
      ok(await t.report(b, post.id, 'spam')); // forwarded by the PDS to Ozone
      ok(await t.unfollow(b, alice.userId));
      await eventually('unfollow indexed', () => t.listFollowing(b, bob.userId, 10), (r) => r.ok && !r.value.items.includes(alice.userId));
      expect(t.capabilities?.supports).not.toContain('translate');
    } finally {
      await t.close();
    }
  }, 90_000);

  it('passes flashcrowd check --adapter atproto (the conformance run of issue 13)', async () => {
    const check = async () => {
      let out = '';
      const write = process.stdout.write;
      process.stdout.write = ((c: string | Uint8Array) => ((out += String(c)), true)) as typeof process.stdout.write;
      try {
        const code = await main(['check', '--adapter', 'atproto', '--target', stack!.pdsUrl, '--timeout', '30s', '--json']);
        return { code, out, report: JSON.parse(out) as { pass: boolean; rows: { step: string; status: string; detail: string }[] } };
      } finally {
        process.stdout.write = write;
      }
    };
    let r = await check();
    // check re-reads the listings until the write shows (up to its visibility timeout); the AppView indexes
    // asynchronously (a fraction of a second, seconds on a loaded machine), so a miss there alone is also retried
    // with a whole new check (see docs/targets/atproto.md).
    for (let retry = 0; retry < 2; retry++) {
      const failed = r.report.rows.filter((row) => row.status === 'failed');
      if (r.code === 0 || !failed.length || !failed.every((row) => /^list (comments|following)$/.test(row.step))) break;
      r = await check();
    }
    expect(r.code, r.out).toBe(0);
    expect(r.report.pass).toBe(true);
    expect(r.report.rows.find((row) => row.step === 'translate')?.status, r.out).toBe('skipped');
  }, 120_000);

  it('runs scenarios/smoke.ts through --adapter atproto: writes acknowledged, recall ~1, freshness measured, nothing lost', async () => {
    const out = path.join(dir, 'smoke');
    const log = sink();
    // At a quarter of its volume (10 accounts set up at once, 15 newcomers): createAccount is CPU-heavy on the PDS (keys, PLC
    // operation, a SQLite repo per account), and 40 at once overran the 10 s request timeout on a shared 2-core box.
    const result = await executeRun({ scenario: 'scenarios/smoke.ts', sample: SMOKE_SAMPLE, adapter: 'atproto', target: stack!.pdsUrl, out, handleSignals: false, stdout: log.stream, stderr: log.stream });
    const s = result.summary as Summary & { errorsByKind?: Record<string, number> };
    const acked = (name: string) => (s.endpoints[name]?.count ?? 0) - (s.endpoints[name]?.errors ?? 0);
    const context = `\n${log.text().slice(-3000)}\nendpoints [count, errors]: ${JSON.stringify(Object.fromEntries(Object.entries(s.endpoints).map(([k, e]) => [k, [e.count, e.errors]])))}\nfeed quality: ${JSON.stringify((s.feedQuality.byCohort as Record<string, unknown> | undefined)?.probe ?? s.feedQuality)}`;
    console.log(`[atproto smoke @${SMOKE_SAMPLE}] ${figures(s)}`);
    expect(s.target, context).toMatch(/^atproto via atproto/);
    expect(s.totals.setupAccounts, context).toBe(40 * SMOKE_SAMPLE);
    expect(s.totals.signups, context).toBeGreaterThan(5);
    expect(s.totals.sessionErrors, context).toBe(0);
    for (const op of ['post', 'follow', 'like', 'comment', 'feed_following']) expect(acked(op), `${op} acknowledged${context}`).toBeGreaterThan(0);
    if (s.endpoints.report?.count) expect(acked('report'), context).toBeGreaterThan(0); // rare in smoke; the conformance test reports for sure
    expect(s.feedQuality.recallAtK?.mean ?? 'not measured', context).toBeGreaterThanOrEqual(0.9);
    // Freshness of AppView indexing, measured by the probe readers: present, and of the order the stack has.
    expect(s.feedQuality.freshnessSec?.p50 ?? 'not measured', context).toBeGreaterThan(0);
    expect(s.feedQuality.freshnessSec?.p50 ?? 'not measured', context).toBeLessThan(15);
    expect(s.audit.checkedWrites, context).toBeGreaterThan(50);
    expect(s.audit.lostWrites, context).toBe(0);
    expect(s.thresholds.find((th) => th.expr === 'lostWrites == 0')?.pass).toBe(true);
  }, 150_000);

  it.skipIf(!existsSync('scenarios/bluesky-nov-2024.ts'))('runs a sampled scenarios/bluesky-nov-2024.ts through --adapter atproto', async () => {
    const out = path.join(dir, 'bluesky-nov');
    const log = sink();
    // The week of the wave's peak, compressed to 20 s of wall time at a small sample (see docs/targets/atproto.md).
    const result = await executeRun({
      scenario: 'scenarios/bluesky-nov-2024.ts',
      adapter: 'atproto',
      target: stack!.pdsUrl,
      duration: BLUESKY_SAMPLE.duration,
      compress: BLUESKY_SAMPLE.compress,
      sample: BLUESKY_SAMPLE.sample,
      out,
      handleSignals: false,
      stdout: log.stream,
      stderr: log.stream,
    });
    const s = result.summary;
    const context = `\n${log.text().slice(-3000)}`;
    console.log(`[atproto bluesky-nov-2024 ${JSON.stringify(BLUESKY_SAMPLE)}] ${figures(s)}`);
    expect(s.totals.signups, context).toBeGreaterThan(0);
    expect((s.endpoints.follow?.count ?? 0) - (s.endpoints.follow?.errors ?? 0), context).toBeGreaterThan(0);
    expect((s.endpoints.post?.count ?? 0) - (s.endpoints.post?.errors ?? 0), context).toBeGreaterThan(0);
    expect(s.audit.checkedWrites, context).toBeGreaterThan(0);
    expect(s.audit.lostWrites, context).toBe(0);
  }, 150_000);
});

const SMOKE_SAMPLE = 0.25;

/** The run's figures in one line for the CI log (docs/targets/atproto.md quotes them). */
function figures(s: Summary): string {
  const ep = (n: string) => `${n} ${(s.endpoints[n]?.count ?? 0) - (s.endpoints[n]?.errors ?? 0)}/${s.endpoints[n]?.count ?? 0} p50 ${s.endpoints[n]?.latencyMs?.p50?.toFixed(0) ?? '-'} ms`;
  const fq = s.feedQuality;
  return [
    `setup ${s.totals.setupAccounts} accounts, ${s.totals.signups} signups`,
    ...['signup', 'post', 'follow', 'like', 'comment', 'report', 'feed_following', 'feed_discover'].map(ep),
    `recall@${fq.recallAtK?.k ?? '-'} ${fq.recallAtK?.mean ?? '-'}`,
    `freshness p50 ${fq.freshnessSec?.p50 ?? '-'} s p95 ${fq.freshnessSec?.p95 ?? '-'} s`,
    `audit ${s.audit.checkedWrites} checked ${s.audit.lostWrites} lost`,
    `errors ${s.totals.errors}/${s.totals.requests}`,
  ].join('; ');
}
/** The documented sample of bluesky-nov-2024.ts on the atproto stack (docs/targets/atproto.md). */
const BLUESKY_SAMPLE = { duration: '12d', compress: '12d->20s', sample: 0.000003 };
