// The seam between the backend's HTTP layer and its surge mechanisms (DESIGN.md §5).
// Routes depend only on these interfaces; simple synchronous versions ship first and are replaced by the real ones.

export type Priority = 'critical' | 'sheddable';

export interface PostRecord {
  id: string;
  authorId: string;
  text: string;
  lang: string;
  tags: string[];
  createdAt: string; // ISO 8601
  /** Monotonic sequence used for stable cursors. */
  seq: number;
}

export interface FeedItemRecord extends PostRecord {
  likeCount: number;
  commentCount: number;
  translation?: { lang: string; text: string; provider: string };
}

export interface FeedResult {
  items: FeedItemRecord[];
  nextCursor: string | null;
  degraded?: 'stale-cache' | 'ranker-fallback' | 'partial';
  /** Internal, never sent: the page merged posts of pull authors at read time (their new posts reach no timeline). */
  pullMerged?: boolean;
}

export interface Reader {
  id: string;
  languages: string[];
}

export interface LanguageDetector {
  /** ISO 639-1 code, or 'und'. The hint is only a hint. */
  detect(text: string, hint?: string): string;
}

export interface FanoutService {
  /** Called after a post is durably stored; may enqueue work and return before followers' timelines are updated. */
  onPostCreated(post: PostRecord): Promise<void>;
  onFollow(followerId: string, followeeId: string): Promise<void>;
  onUnfollow(followerId: string, followeeId: string): Promise<void>;
  following(reader: Reader, limit: number, cursor: string | undefined): Promise<FeedResult>;
  close(): Promise<void>;
}

export interface DiscoverService {
  discover(reader: Reader, limit: number, cursor: string | undefined): Promise<FeedResult>;
  close(): Promise<void>;
}

export interface Translator {
  /** False until enabled (a scenario event can switch translation on mid-run). */
  enabled(): boolean;
  setEnabled(on: boolean): void;
  /** Translate or fail fast with a retryable error when the simulated provider is saturated. */
  translate(postId: string, text: string, from: string, to: string): Promise<{ lang: string; text: string; provider: string }>;
  /** Cached translation only (feeds never wait for the provider). */
  cached(postId: string, to: string): { lang: string; text: string; provider: string } | undefined;
  close(): Promise<void>;
}

export interface ModerationService {
  onPostCreated(post: PostRecord): Promise<void>;
  onReport(postId: string, reporterId: string, reason: string): Promise<void>;
  close(): Promise<void>;
}

export interface AdmissionTicket {
  release(): void;
}
export interface AdmissionController {
  /** A ticket, or the seconds after which the client should retry (503). */
  tryAcquire(priority: Priority): AdmissionTicket | { retryAfterSec: number };
}

export interface RateLimiter {
  /** Counts one hit for key; returns retry-after seconds when over the limit (429), else 0. */
  hit(key: string, limit: number, windowSec: number): Promise<number>;
}
