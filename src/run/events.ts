// What the engine reports as a run happens. Observers (latency recorder, ground-truth ledger, feed-quality SLIs,
// the timeline, prom-client metrics) subscribe to these; the engine never formats or aggregates itself.
// Hot path: implementations must not allocate per call beyond what they keep.
import type { Endpoint, ErrorKind, FeedKind, FeedPage, PostLookup } from '../target/target.ts';
import type { ContentLanguage } from '../content/types.ts';
import type { PostKind } from '../scenario/vocabulary.ts';

/** Milliseconds since the start of the measured phase (monotonic clock). */
export type RunMs = number;

export interface RequestSample {
  endpoint: Endpoint;
  cohort: string;
  ok: boolean;
  errorKind?: ErrorKind;
  status?: number;
  /** When the request was actually sent / intended to be sent. Corrected latency = end - intended. */
  startedAt: RunMs;
  intendedAt: RunMs;
  endedAt: RunMs;
}

export interface ArrivalSample {
  cohort: string;
  intendedAt: RunMs;
  /** started: a session began (lag = startedAt - intendedAt); dropped: in-flight cap reached. */
  outcome: 'started' | 'dropped';
  startedAt?: RunMs;
}

export interface AccountAck {
  userId: string;
  personIndex: number;
  cohort: string;
  primaryLanguage: string;
  languages: string[];
  at: RunMs;
}
export interface FollowAck {
  followerId: string;
  followeeId: string;
  at: RunMs;
}
export interface PostAckSample {
  postId: string;
  authorId: string;
  cohort: string;
  /** Ground truth from the generator. */
  lang: ContentLanguage;
  kind: PostKind;
  marker: string | null;
  at: RunMs;
  /** The target's own createdAt and detected language, for comparison. */
  targetCreatedAt: string;
  targetLang: string;
}
export interface CommentAckSample {
  commentId: string;
  postId: string;
  authorId: string;
  lang: ContentLanguage;
  at: RunMs;
}
export interface FeedReadSample {
  readerId: string;
  readerCohort: string;
  readerPrimaryLanguage: string;
  readerLanguages: string[];
  kind: FeedKind;
  /** True for probe readers (fixed-interval pollers), false for ordinary sessions. */
  probe: boolean;
  page: FeedPage;
  /** Only first pages are used for freshness and recall. */
  firstPage: boolean;
  /** When the response arrived. */
  at: RunMs;
  /**
   * When the read was sent. Recall and freshness are judged from here: a post acknowledged while the read was in
   * flight cannot be asked of it. Absent: `at` is used.
   */
  sentAt?: RunMs;
  /**
   * Which scroll of this reader the page belongs to (the send time of its first page). Pages are checked against
   * the previous page of the same scroll, so two sessions of one person reading at once do not compare each other's
   * pages. Absent: one scroll per reader and feed kind (probe readers).
   */
  scroll?: RunMs;
}
export interface PostLookupSample {
  postId: string;
  readerId: string;
  readerPrimaryLanguage: string;
  translateTo?: string;
  result: PostLookup;
  at: RunMs;
  latencyMs: number;
}

export interface RunEvent {
  at: RunMs;
  name: string;
  kind: string;
  description?: string;
  /** For windows (faults, outages). */
  endAt?: RunMs;
}

export interface RunObserver {
  onArrival?(sample: ArrivalSample): void;
  onRequest?(sample: RequestSample): void;
  onSessionStart?(cohort: string, at: RunMs): void;
  onSessionEnd?(cohort: string, at: RunMs): void;
  onAccount?(ack: AccountAck): void;
  onFollow?(ack: FollowAck): void;
  onPost?(ack: PostAckSample): void;
  onComment?(ack: CommentAckSample): void;
  onFeedRead?(sample: FeedReadSample): void;
  onPostLookup?(sample: PostLookupSample): void;
  onEvent?(event: RunEvent): void;
}
