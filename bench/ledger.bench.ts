// Ledger memory and update throughput at a 1,000,000-user run: `npx tsx bench/ledger.bench.ts`.
// Feeds the feed-quality meter the events of a large run (accounts, follows, posts, comments, probe reads) and
// measures heap growth (after forced GC) and events per second. Writes bench/results/ledger.json and ledger.md.
import { writeFileSync, mkdirSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { fileURLToPath } from 'node:url';
import { FeedMeter } from '../src/observe/feed-meter.ts';
import { LEDGER_DEFAULTS } from '../src/observe/ledger.ts';
import type { FeedItem } from '../src/target/target.ts';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;
const heapMb = () => {
  gc();
  gc();
  const m = process.memoryUsage();
  // Typed arrays live outside the JS heap (arrayBuffers): count both.
  return (m.heapUsed + m.arrayBuffers) / 1048576;
};

const scale = Number(process.env.FC_BENCH_SCALE ?? 1);
const USERS = Math.round(1_000_000 * scale);
const FOLLOWS_PER_USER = 5;
const POSTS = Math.round(2_000_000 * scale);
const COMMENTS = Math.round(2_000_000 * scale);
const PROBES = 20;
const PROBE_FOLLOWS = 50;
const READS = 20_000;
const langs = ['en', 'zh', 'en-mixed', 'zh-mixed', 'es'];

const base = heapMb();
const meter = new FeedMeter({
  recallK: 20,
  recallGraceSec: 5,
  regularReaderShare: 1000 / USERS,
  probeCohort: 'probe',
  languageBands: {},
  seed: 1,
});
const userId = (i: number) => `018f3a2c-${i.toString(16).padStart(8, '0')}-user`;
const postId = (i: number) => `018f3a2d-${i.toString(16).padStart(8, '0')}-post`;

const phases: { phase: string; events: number; seconds: number; perSec: number; heapMb: number }[] = [];
phases.push({ phase: 'empty meter (fixed slot tables)', events: 0, seconds: 0, perSec: 0, heapMb: round(heapMb() - base, 1) });
function phase(name: string, events: number, body: () => void): void {
  const t = performance.now();
  body();
  const seconds = (performance.now() - t) / 1000;
  phases.push({ phase: name, events, seconds: round(seconds, 3), perSec: Math.round(events / seconds), heapMb: round(heapMb() - base, 1) });
  console.log(`${name}: ${events} events in ${seconds.toFixed(2)} s (${Math.round(events / seconds)}/s), heap +${(heapMb() - base).toFixed(1)} MB`);
}

let clock = 0;
phase('accounts', USERS + PROBES, () => {
  for (let p = 0; p < PROBES; p++) meter.ledger.trackReader(`probe-${p}`, 'probe', p % 2 ? 'zh' : 'en', [p % 2 ? 'zh' : 'en'], true);
  for (let i = 0; i < USERS; i++) meter.onAccount({ userId: userId(i), personIndex: i, cohort: i < USERS / 3 ? 'incumbents' : 'newcomers', primaryLanguage: 'en', languages: ['en'], at: clock++ });
});
phase('follows', USERS * FOLLOWS_PER_USER + PROBES * PROBE_FOLLOWS, () => {
  for (let p = 0; p < PROBES; p++) for (let f = 0; f < PROBE_FOLLOWS; f++) meter.onFollow({ followerId: `probe-${p}`, followeeId: userId((p * 7919 + f * 104_729) % USERS), at: clock });
  for (let i = 0; i < USERS; i++) for (let f = 0; f < FOLLOWS_PER_USER; f++) meter.onFollow({ followerId: userId(i), followeeId: userId((i * 31 + f * 7_777) % USERS), at: clock++ });
});
phase('posts', POSTS, () => {
  for (let i = 0; i < POSTS; i++) {
    meter.onPost({ postId: postId(i), authorId: userId((i * 2_654_435_761) % USERS), cohort: 'newcomers', lang: langs[i % 5], kind: 'daily_life', marker: i % 500 === 0 ? 'spam-1' : null, at: clock, targetCreatedAt: '2025-01-13T00:00:00.000Z', targetLang: 'en' });
    clock += 1;
  }
});
phase('comments', COMMENTS, () => {
  for (let i = 0; i < COMMENTS; i++) meter.onComment({ commentId: `c-${i}`, postId: postId(i % POSTS), authorId: userId(i % USERS), lang: 'en', at: clock++ });
});
const items: FeedItem[] = Array.from({ length: 100 }, (_, i) => ({ id: postId(POSTS - 1 - i * 3), authorId: 'x', createdAt: '2025-01-13T00:00:00.000Z', lang: langs[i % 5] }));
phase('following reads (100 items, judged)', READS, () => {
  for (let r = 0; r < READS; r++) meter.onFeedRead({ readerId: `probe-${r % PROBES}`, readerCohort: 'probe', readerPrimaryLanguage: 'en', readerLanguages: ['en'], kind: 'following', probe: true, firstPage: true, at: clock + r, page: { items, nextCursor: null } });
});
phase('discover reads (100 items)', READS, () => {
  for (let r = 0; r < READS; r++) meter.onFeedRead({ readerId: `u-${r % 5000}`, readerCohort: 'newcomers', readerPrimaryLanguage: 'zh', readerLanguages: ['zh', 'en'], kind: 'discover', probe: false, firstPage: true, at: clock + r, page: { items, nextCursor: null } });
});

const counts = meter.ledger.counts();
const total = heapMb() - base;
const trackedWrites = counts.pinnedPosts + counts.sampledPostsKept + Math.min(counts.follows, LEDGER_DEFAULTS.followsCap) + Math.min(counts.comments, LEDGER_DEFAULTS.commentsCap);
const result = {
  scale: { users: USERS, follows: counts.follows, posts: counts.posts, comments: counts.comments, probes: PROBES, trackedReaders: counts.trackedReaders },
  caps: LEDGER_DEFAULTS,
  ledger: counts,
  heapMb: round(total, 1),
  trackedWrites,
  bytesPerTrackedWrite: Math.round((total * 1048576) / trackedWrites),
  phases,
  node: process.version,
  at: new Date().toISOString(),
};
console.log(JSON.stringify({ heapMb: result.heapMb, trackedWrites, bytesPerTrackedWrite: result.bytesPerTrackedWrite }));

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results');
mkdirSync(dir, { recursive: true });
writeFileSync(path.join(dir, 'ledger.json'), JSON.stringify(result, null, 2) + '\n');
writeFileSync(
  path.join(dir, 'ledger.md'),
  [
    `# Ledger benchmark (${result.at}, Node ${process.version})`,
    '',
    `Run shape: ${USERS.toLocaleString('en')} accounts, ${counts.follows.toLocaleString('en')} follows, ${counts.posts.toLocaleString('en')} posts, ${counts.comments.toLocaleString('en')} comments, ${PROBES} probes, ${counts.trackedReaders} tracked readers.`,
    '',
    `Memory held by the ledger and meter after the run (JS heap + typed-array buffers, after GC): **${result.heapMb} MB** for ${trackedWrites.toLocaleString('en')} tracked writes (**${result.bytesPerTrackedWrite} bytes per tracked write**, everything included); pinned posts ${counts.pinnedPosts}, reservoir posts ${counts.sampledPostsKept}.`,
    '',
    '| phase | events | seconds | events/s | heap growth so far (MB) |',
    '|---|---:|---:|---:|---:|',
    ...phases.map((p) => `| ${p.phase} | ${p.events.toLocaleString('en')} | ${p.seconds} | ${p.perSec.toLocaleString('en')} | ${p.heapMb} |`),
    '',
  ].join('\n'),
);

function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}
