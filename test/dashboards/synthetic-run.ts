// A short synthetic run for the metrics plugin: the RunObserver events a small surge would produce (arrivals, some
// dropped, requests with errors, bilingual feed reads, translations, a scenario event), at wall-clock pace.
import type { RunContext } from '../../src/engine/plugin.ts';
import type { MetricsPlugin } from '../../src/metrics/harness-metrics.ts';
import type { FeedQualitySnapshot } from '../../src/metrics/feed-snapshot.ts';
import type { FeedItem } from '../../src/target/target.ts';
import { ENDPOINTS } from '../../src/target/target.ts';

/** Deterministic [0,1) generator (mulberry32). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Figures as the feed-quality plugin would report them, worsening as the run goes on. */
export function syntheticFeedSnapshot() {
  let progress = 0;
  return {
    advance(p: number) {
      progress = p;
    },
    read: (): FeedQualitySnapshot => ({
      freshnessSec: { p50: 0.5 + progress, p95: 2 + 3 * progress, p99: 4 + 6 * progress },
      recallAtK: { k: 20, mean: 0.99 - 0.1 * progress, p5: 0.9 - 0.3 * progress },
      translationCoverage: 0.2 + 0.5 * progress,
      degradedShare: 0.1 * progress,
      moderationLagSec: { p50: 3, p95: 20 + 10 * progress },
      languageMatch: { zh: 0.9 - 0.2 * progress, en: 0.98 },
      foreignShare: { zh: 0.4 + 0.4 * progress, en: 0.05 },
      byLanguage: {
        zh: { freshnessSec: { p50: 1, p95: 3 + progress }, recallAtK: { mean: 0.95 }, translationCoverage: 0.3, degradedShare: 0.05 },
        en: { freshnessSec: { p50: 0.4, p95: 1.5 }, recallAtK: { mean: 0.99 }, translationCoverage: 0.1, degradedShare: 0.02 },
      },
      audit: { checkedWrites: Math.round(100 * progress), lostWrites: 0 },
    }),
  };
}

function item(i: number, lang: string, translated: boolean): FeedItem {
  return {
    id: `p${i}`,
    authorId: `a${i % 7}`,
    createdAt: new Date().toISOString(),
    lang,
    translation: translated ? { lang: 'zh', text: '翻译', provider: 'simulated-mt' } : undefined,
  };
}

/** Emits ~40 requests per 100 ms tick for `durationMs`, firing a scenario event a third of the way in. */
export async function driveSyntheticRun(
  plugin: MetricsPlugin,
  ctx: RunContext,
  snapshot: ReturnType<typeof syntheticFeedSnapshot>,
  durationMs: number,
): Promise<void> {
  const random = prng(42);
  const o = plugin.observer!;
  await plugin.setup!(ctx);
  plugin.start!(ctx);
  let fired = false;
  let seq = 0;
  const tick = () => {
    const now = ctx.now();
    snapshot.advance(Math.min(1, now / durationMs));
    if (!fired && now > durationMs / 3) {
      o.onEvent!({ at: now, name: 'second-shock', kind: 'shock', description: 'a second wave' });
      fired = true;
    }
    for (const cohort of ['refugees', 'locals']) {
      for (let i = 0; i < 4; i++) {
        const dropped = random() < 0.1;
        o.onArrival!({ cohort, intendedAt: now, outcome: dropped ? 'dropped' : 'started', startedAt: dropped ? undefined : now + random() * 5 });
        if (!dropped) o.onSessionStart!(cohort, now);
        if (!dropped && random() < 0.8) o.onSessionEnd!(cohort, now);
      }
    }
    for (let i = 0; i < 40; i++) {
      const endpoint = ENDPOINTS[Math.floor(random() * ENDPOINTS.length)];
      const service = 2 + random() * random() * 400;
      const queued = random() < 0.2 ? random() * 300 : 0;
      const fail = random() < 0.08;
      o.onRequest!({
        endpoint,
        cohort: random() < 0.7 ? 'refugees' : 'locals',
        ok: !fail,
        errorKind: fail ? (random() < 0.5 ? 'http_5xx' : 'timeout') : undefined,
        intendedAt: now - queued - service,
        startedAt: now - service,
        endedAt: now,
      });
    }
    o.onAccount!({ userId: `u${seq}`, personIndex: seq, cohort: 'refugees', primaryLanguage: 'en', languages: ['en'], at: now });
    o.onPost!({
      postId: `p${seq}`,
      authorId: `u${seq}`,
      cohort: 'refugees',
      lang: random() < 0.8 ? 'en' : 'zh',
      kind: 'intro',
      marker: null,
      at: now,
      targetCreatedAt: new Date().toISOString(),
      targetLang: 'en',
    });
    o.onComment!({ commentId: `c${seq}`, postId: `p${seq}`, authorId: `u${seq}`, lang: 'en', at: now });
    o.onFollow!({ followerId: `u${seq}`, followeeId: 'u0', at: now });
    for (const [primary, languages] of [
      ['zh', ['zh', 'en']],
      ['en', ['en']],
    ] as const) {
      for (const kind of ['following', 'discover'] as const) {
        const items = Array.from({ length: 10 }, (_, i) => {
          const r = random();
          return item(i, r < 0.5 ? 'en' : r < 0.9 ? 'zh' : 'es', random() < 0.4);
        });
        o.onFeedRead!({
          readerId: `r-${primary}`,
          readerCohort: 'locals',
          readerPrimaryLanguage: primary,
          readerLanguages: [...languages],
          kind,
          probe: true,
          firstPage: true,
          at: now,
          page: { items, nextCursor: null, degraded: random() < 0.2 ? 'ranker-fallback' : undefined },
        });
      }
      o.onPostLookup!({
        postId: `p${seq}`,
        readerId: `r-${primary}`,
        readerPrimaryLanguage: primary,
        translateTo: primary,
        result: { state: 'present', post: { id: `p${seq}`, authorId: 'a', text: 'hi', lang: 'en', tags: [], createdAt: '', translation: random() < 0.6 ? { lang: primary, text: '你好' } : undefined } },
        at: now,
        latencyMs: 20,
      });
    }
    seq++;
  };
  const started = Date.now();
  while (Date.now() - started < durationMs) {
    tick();
    await new Promise((r) => setTimeout(r, 100));
  }
  await plugin.stop?.();
  await plugin.finish?.(ctx);
}
