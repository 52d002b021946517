// Generated content with its ground truth: the harness knows what it wrote, so it can judge what feeds show.
import type { MediaRef } from '../target/target.ts';

import type { PostKind } from '../scenario/vocabulary.ts';

/** Ground-truth language of generated text: a single language, or code-mixed (primary language + `-mixed`). */
export type ContentLanguage = string; // 'en' | 'zh' | 'es' | ... | 'en-mixed' | 'zh-mixed'

export interface GeneratedPost {
  text: string;
  tags: string[];
  media: MediaRef[];
  /** Ground truth, never sent to the target except as an optional hint. */
  lang: ContentLanguage;
  kind: PostKind;
  /** Moderation marker id from fixtures/moderation (a term the backend's classifier should catch), or null. */
  marker: string | null;
}

export interface GeneratedComment {
  text: string;
  lang: ContentLanguage;
  marker: string | null;
}
