// Direct measurements of a running AT Protocol stack through flashcrowd's atproto target, beside the scenario runs:
// signup throughput at a given concurrency, and AppView indexing freshness (post acknowledged -> visible in a
// follower's getTimeline), polled every --poll ms. Loopback targets only.
//
//   npx tsx targets/atproto/measure.ts --target http://127.0.0.1:PORT [--signups 40] [--concurrency 8]
//                                      [--posts 20] [--poll 50]
import { parseArgs } from 'node:util';
import { AtprotoTarget } from '../../src/target/atproto/index.ts';

const { values } = parseArgs({
  options: {
    target: { type: 'string' },
    signups: { type: 'string', default: '40' },
    concurrency: { type: 'string', default: '8' },
    posts: { type: 'string', default: '20' },
    poll: { type: 'string', default: '50' },
  },
});
if (!values.target || !['127.0.0.1', 'localhost', '[::1]'].includes(new URL(values.target).hostname)) {
  process.stderr.write('measure: --target must be a loopback PDS URL (e.g. from flashcrowd stack atproto)\n');
  process.exit(2);
}
const signups = Number(values.signups);
const concurrency = Number(values.concurrency);
const posts = Number(values.posts);
const pollMs = Number(values.poll);
const t = new AtprotoTarget({ url: values.target, timeoutMs: 60_000, connections: 64 });
const tag = Date.now().toString(36);
const pct = (xs: number[], p: number) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))] : NaN);
const person = (handle: string) => ({ handle, password: 'Fc-measure-1', displayName: handle, locale: 'en_US', languages: ['en'], country: 'US', tz: 'UTC' });

// Signup throughput: `signups` accounts, `concurrency` at a time.
const latencies: number[] = [];
let failed = 0;
let next = 0;
const accounts: { userId: string; token: string }[] = [];
const t0 = performance.now();
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (next < signups) {
      const i = next++;
      const s = performance.now();
      const r = await t.signup({}, person(`m${tag}_${i.toString(36)}`));
      latencies.push(performance.now() - s);
      if (r.ok) accounts.push(r.value);
      else failed++;
    }
  }),
);
const wall = (performance.now() - t0) / 1000;
console.log(
  `signup: ${accounts.length} ok, ${failed} failed in ${wall.toFixed(1)} s at concurrency ${concurrency}: ` +
    `${(accounts.length / wall).toFixed(1)}/s; latency p50 ${pct(latencies, 0.5).toFixed(0)} ms, p95 ${pct(latencies, 0.95).toFixed(0)} ms`,
);

// Freshness: one author, three followers polling their timelines.
const [author, ...followers] = accounts.slice(0, 4);
if (!author || followers.length < 3) process.exit(1);
for (const f of followers) await t.follow({ token: f.token }, author.userId);
const freshness: number[] = [];
let polls = 0;
for (let i = 0; i < posts; i++) {
  const r = await t.post({ token: author.token }, { text: `freshness probe ${i}`, tags: [], media: [], langHint: 'en', idempotencyKey: `${tag}-${i}` });
  if (!r.ok) throw new Error(r.error.message);
  const acked = performance.now();
  await Promise.all(
    followers.map(async (f) => {
      for (;;) {
        polls++;
        const page = await t.feed({ token: f.token }, 'following', 10);
        if (page.ok && page.value.items.some((it) => it.id === r.value.id)) return void freshness.push(performance.now() - acked);
        if (performance.now() - acked > 30_000) return;
        await new Promise((res) => setTimeout(res, pollMs));
      }
    }),
  );
}
console.log(
  `freshness (ack -> in a follower's getTimeline, poll ${pollMs} ms): n=${freshness.length}, p50 ${pct(freshness, 0.5).toFixed(0)} ms, ` +
    `p95 ${pct(freshness, 0.95).toFixed(0)} ms, max ${Math.max(...freshness).toFixed(0)} ms (${polls} timeline reads)`,
);
await t.close();
