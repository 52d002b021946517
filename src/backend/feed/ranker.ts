// Discover scoring, pure. score = wLang·affinity + wEngagement·engagement + wRecency·recency, where
//   affinity   = 1 for the reader's first language, 0.7 for another language they read, 0 otherwise;
//   engagement = log1p(likes + 2·comments) · 2^(−age / engagementHalfLife), squashed into [0, 1) by x / (1 + x);
//   recency    = 2^(−age / recencyHalfLife).
// Exploration: `explorationShare` of each page's slots go to the best posts in languages the reader does not read,
// spread evenly through the page (slot i is exploratory when floor((i+1)·share) > floor(i·share)).
import type { StoredPost } from '../store/store.ts';

export interface RankerOptions {
  weightLanguage: number;
  weightEngagement: number;
  weightRecency: number;
  engagementHalfLifeSec: number;
  recencyHalfLifeSec: number;
  /** Share (0..1) of discover slots given to posts in languages the reader does not read. */
  explorationShare: number;
}

export const DEFAULT_RANKER_OPTIONS: RankerOptions = {
  weightLanguage: 2,
  weightEngagement: 1,
  weightRecency: 1,
  engagementHalfLifeSec: 6 * 3600,
  recencyHalfLifeSec: 3600,
  explorationShare: 0.1,
};

export function languageAffinity(lang: string, languages: string[]): number {
  if (languages[0] === lang) return 1;
  return languages.includes(lang) ? 0.7 : 0;
}

export function score(post: StoredPost, languages: string[], nowMs: number, o: RankerOptions): number {
  const ageSec = Math.max(0, (nowMs - Date.parse(post.createdAt)) / 1000);
  const raw = Math.log1p(post.likeCount + 2 * post.commentCount) * Math.pow(2, -ageSec / o.engagementHalfLifeSec);
  const engagement = raw / (1 + raw);
  const recency = Math.pow(2, -ageSec / o.recencyHalfLifeSec);
  return o.weightLanguage * languageAffinity(post.lang, languages) + o.weightEngagement * engagement + o.weightRecency * recency;
}

/**
 * Ranks candidates; returns undefined when the deadline (performance.now() ms) passes mid-way, so the caller can fall
 * back. The deadline is checked every 64 candidates.
 */
export function rank(
  candidates: StoredPost[],
  languages: string[],
  nowMs: number,
  o: RankerOptions,
  deadline = Infinity,
): StoredPost[] | undefined {
  const scored: Array<{ p: StoredPost; s: number; native: boolean }> = [];
  for (let i = 0; i < candidates.length; i++) {
    if ((i & 63) === 63 && performance.now() > deadline) return undefined;
    const p = candidates[i];
    scored.push({ p, s: score(p, languages, nowMs, o), native: languages.includes(p.lang) });
  }
  scored.sort((a, b) => b.s - a.s || b.p.seq - a.p.seq);
  const native = scored.filter((x) => x.native);
  const foreign = scored.filter((x) => !x.native);
  const out: StoredPost[] = [];
  const share = Math.min(1, Math.max(0, o.explorationShare));
  let n = 0;
  let f = 0;
  for (let i = 0; i < scored.length; i++) {
    const explore = Math.floor((i + 1) * share) > Math.floor(i * share);
    if ((explore && f < foreign.length) || n >= native.length) out.push(foreign[f++].p);
    else out.push(native[n++].p);
  }
  return out;
}

/** The fallback: newest first, whatever the language. */
export function recencyOnly(candidates: StoredPost[]): StoredPost[] {
  return [...candidates].sort((a, b) => b.seq - a.seq);
}
