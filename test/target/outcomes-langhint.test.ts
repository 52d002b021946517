// The engine acts on typed outcomes, not status conventions, and sends the author's declared language as a hint on
// the scenario's share of posts while the ledger keeps the generator's language.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { instantiateAdapter, loadAdapter } from '../../src/target/load-adapter.ts';
import { runPlan } from '../../src/engine/run.ts';
import { createPopulation } from '../../src/population/store.ts';
import type { ContentSource } from '../../src/engine/session.ts';
import type { PostAckSample } from '../../src/run/events.ts';
import type { RunPlugin } from '../../src/run/plugin.ts';
import type { Target } from '../../src/target/target.ts';
import { cohort, content, plan } from '../engine/helpers/stand-ins.ts';
import { startChirpServer, type ChirpServer } from './chirp-server.ts';

const onlyPosts = { readFollowing: 0, readDiscover: 0, like: 0, comment: 0, post: 1, translate: 0, report: 0, follow: 0 };

describe('outcomes and language hints against Chirp (422 for what exists)', () => {
  let chirp: ChirpServer;
  let target: Target;
  beforeAll(async () => {
    chirp = await startChirpServer();
    target = await instantiateAdapter(await loadAdapter('fixtures/adapters/example-adapter.ts'), { url: chirp.url, timeoutMs: 2000 });
  });
  afterAll(async () => {
    await target?.close();
    await chirp?.close();
  });

  it("logs in when signup says 'exists' (a 422 here), keeping the real status in errorsByStatus", async () => {
    const p = plan([cohort({ name: 'back', people: 3, rate: () => 20, peakRate: 20, behaviour: { actionsPerSession: 1, thinkTimeMs: 1, introPosts: 0, weights: onlyPosts }, follow: { count: 0, popularShare: 0, sameLanguageShare: 1 } })], { wallDurationSec: 0.5 });
    const population = createPopulation(p, target.identity);
    // Person 0 already has an account (an earlier attempt got through but its answer was lost).
    const first = population.person(0);
    const pre = await target.signup({}, { ...first, email: first.email });
    expect(pre.ok).toBe(true);
    const loginsBefore = chirp.hits['POST /api/auth/login'] ?? 0;
    const out = await runPlan({ plan: p, target, population, content });
    const signup = out.summary.endpoints.signup as { errors: number; errorsByStatus?: Record<string, number> };
    expect(signup.errorsByStatus).toEqual({ '422': 1 });
    expect((chirp.hits['POST /api/auth/login'] ?? 0) - loginsBefore).toBeGreaterThanOrEqual(1);
    expect(out.summary.totals.signups).toBe(2);
    expect(out.summary.totals.authFailures).toBe(0);
  });

  it("sends the author's declared language on the share of posts the scenario asks for; ground truth stays the generator's", async () => {
    // Everyone declares English but writes Chinese: the hint and the generator's language differ.
    const zh: ContentSource = { ...content, post: (_person, _mix, seq) => ({ text: `你好 ${seq}`, tags: [], media: [], lang: 'zh', kind: 'intro', marker: null }) };
    const acks = async (share: number) => {
      const c = cohort({ name: `hint${share * 10}`, people: 120, rate: () => 200, peakRate: 200, behaviour: { actionsPerSession: 2, thinkTimeMs: 1, introPosts: 2, weights: onlyPosts }, follow: { count: 0, popularShare: 0, sameLanguageShare: 1 } });
      c.content = { ...c.content, langHintShare: share };
      const p = plan([c], { wallDurationSec: 1, seed: 1000 + share * 10 }); // own idempotency keys per run
      const seen: PostAckSample[] = [];
      const recorder: RunPlugin = { name: 'acks', observer: { onPost: (a) => void seen.push(a) } };
      await runPlan({ plan: p, target, population: createPopulation(p, target.identity), content: zh, plugins: [recorder] });
      return seen;
    };
    const none = await acks(0);
    const all = await acks(1);
    const half = await acks(0.5);
    for (const run of [none, all, half]) expect(run.length).toBeGreaterThan(10);
    expect(none.every((a) => a.lang === 'zh' && a.targetLang === 'zh')).toBe(true); // Chirp detected
    expect(all.every((a) => a.lang === 'zh' && a.targetLang === 'en')).toBe(true); // the hint won
    const hinted = half.filter((a) => a.targetLang === 'en').length / half.length;
    expect(hinted).toBeGreaterThan(0.15); // a binomial share of >10 posts, seeded but timing-dependent in count
    expect(hinted).toBeLessThan(0.85);
  });
});
