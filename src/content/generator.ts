// Seeded post and comment generation: every item is a pure function of (seed, person.index, seq) and carries
// its ground truth (language, kind, moderation marker) so feed quality can be judged against what was written.
import type { ContentMix } from '../scenario/plan.ts';
import type { Person } from '../population/person.ts';
import type { MediaRef } from '../target/target.ts';
import { hash32, hashText, Rng, WeightedTable } from '../random/index.ts';
import { fill, loadCorpora, type Corpora, type LanguageCorpus } from './corpus.ts';
import { loadLexicon, MAX_TERM_LENGTH, termsFor, type Lexicon } from './lexicon.ts';
import { MAX_MEDIA_PER_POST, pickMedia } from './media.ts';
import type { ContentLanguage, GeneratedComment, GeneratedPost } from './types.ts';
import { POST_KINDS, type PostKind } from '../scenario/vocabulary.ts';

export const MAX_TEXT_LENGTH = 2000;
export const MAX_TAGS = 10;

const POST_STREAM = 0x504f5354; // 'POST'
const COMMENT_STREAM = 0x434f4d4d; // 'COMM'
const STICKY_STREAM = 0x5354434b; // 'STCK'
/** Slots that describe the author, so they stay the same in every post by that person. */
const PERSONAL_SLOTS = ['place', 'city', 'usPlace', 'job', 'pet', 'petName'];
const PERSONAL_SLOT_IDS = new Map(PERSONAL_SLOTS.map((s) => [s, hashText(s)]));

export interface ContentGeneratorOptions {
  /** Share of comments carrying a moderation marker (posts take theirs from ContentMix.markerShare). */
  commentMarkerShare?: number;
  /** Share of media attachments that are video clips rather than images. */
  videoShare?: number;
}

/** What the generator needs to know about the author or reader. */
export type Author = Pick<Person, 'index' | 'primaryLanguage' | 'languages'>;

export interface ContentGenerator {
  /** `kind` forces the post kind (e.g. 'intro' for a newcomer's first post); otherwise it is drawn from mix.kinds. */
  post(person: Author, mix: ContentMix, seq: number, kind?: PostKind): GeneratedPost;
  comment(person: Author, parent: { lang: ContentLanguage; kind: PostKind }, seq: number): GeneratedComment;
  /** Ground-truth languages this generator can write ('en', 'zh', …, 'en-mixed', 'zh-mixed'). */
  readonly languages: readonly string[];
}

/** Base language of a ground-truth label: 'en-mixed' -> 'en'. */
export function baseLanguage(lang: ContentLanguage): string {
  return lang.endsWith('-mixed') ? lang.slice(0, -'-mixed'.length) : lang;
}

// Sampling tables are cached per mix object: plans are built once and reused for millions of posts.
const kindTables = new WeakMap<object, WeightedTable<PostKind>>();
const languageTables = new WeakMap<object, WeightedTable>();
const DEFAULT_KINDS = Object.fromEntries(POST_KINDS.map((k) => [k, 1])) as Record<PostKind, number>;

function tableFor<T extends string>(cache: WeakMap<object, WeightedTable<T>>, weights: Partial<Record<T, number>>, what: string): WeightedTable<T> {
  let t = cache.get(weights);
  if (!t) {
    t = new WeightedTable<T>(weights, what);
    cache.set(weights, t);
  }
  return t;
}

const ENDS_WITH_PUNCTUATION = /[。！？!?，,～~…：:）)\s]$/u;

/** Join two pieces of text: a space for space-separated scripts; for Chinese, a full stop unless one is there. */
export function joinText(a: string, b: string, separator: string): string {
  if (separator) return a + separator + b;
  return ENDS_WITH_PUNCTUATION.test(a) ? a + b : a + '。' + b;
}

/** Cut to at most `max` UTF-16 units without splitting a code point, marking the cut with an ellipsis. */
export function truncate(text: string, max = MAX_TEXT_LENGTH): string {
  if (text.length <= max) return text;
  let out = '';
  for (const ch of text) {
    if (out.length + ch.length > max - 1) break;
    out += ch;
  }
  return out + '…';
}

/** Room kept for an appended marker term (and its separator) when cutting text. */
const MARKER_RESERVE = MAX_TERM_LENGTH + 10;

export function createContentGenerator(seed: number, options: ContentGeneratorOptions = {}): ContentGenerator {
  const corpora: Corpora = loadCorpora();
  const lexicon: Lexicon = loadLexicon();
  const commentMarkerShare = options.commentMarkerShare ?? 0.005;
  const videoShare = options.videoShare ?? 0.1;
  const writable = (lang: string) => corpora.languages.has(lang) || corpora.mixed.has(lang);
  const rng = new Rng(seed);
  const pick = (n: number) => rng.int(n);
  const random = () => rng.next();
  let author = 0;
  const sticky = (slot: string, n: number): number | undefined => {
    const id = PERSONAL_SLOT_IDS.get(slot);
    return id === undefined ? undefined : hash32(seed, STICKY_STREAM, author, id) % n;
  };

  /** A language the person can write: the sampled one if they read its base language, else their own. */
  function resolveLanguage(person: Author, wanted: string): string {
    if (writable(wanted) && person.languages.includes(baseLanguage(wanted))) return wanted;
    if (corpora.languages.has(person.primaryLanguage)) return person.primaryLanguage;
    return 'en';
  }

  function corpusOf(lang: string): LanguageCorpus {
    return corpora.languages.get(baseLanguage(lang))!;
  }

  let sentenceCount = 0;

  /** 1-3 distinct templates of the kind, filled and joined (the count is left in sentenceCount). */
  function sentences(templates: string[], slots: Record<string, string[]>, separator: string, max: number): string {
    const n = Math.min(templates.length, 1 + (rng.next() < 0.8 ? 1 : 0) + (rng.next() < 0.3 ? 1 : 0), max);
    const used: number[] = [];
    const parts: string[] = [];
    for (let attempt = 0; parts.length < n && attempt < 4 * n; attempt++) {
      const i = rng.int(templates.length);
      if (used.includes(i)) continue;
      used.push(i);
      parts.push(fill(templates[i], slots, pick, sticky));
    }
    sentenceCount = parts.length;
    return parts.reduce((a, b) => joinText(a, b, separator));
  }

  function decorate(text: string, corpus: LanguageCorpus, emojiChance: number): string {
    if (rng.next() < emojiChance) {
      const n = 1 + rng.int(3);
      let e = '';
      for (let i = 0; i < n; i++) e += rng.pick(corpora.emoji);
      text += (corpus.separator || ' ') + e;
    }
    return text;
  }

  function withMarker(text: string, lang: string, share: number, corpus: LanguageCorpus): { text: string; marker: string | null } {
    if (!(rng.next() < share)) return { text, marker: null };
    const term = rng.pick(termsFor(lexicon, baseLanguage(lang)));
    return { text: joinText(text, term.text, corpus.separator), marker: term.id };
  }

  function tagsFor(kind: PostKind, corpus: LanguageCorpus): string[] {
    const pool = [...(corpus.tags[kind] ?? []), ...(corpus.tags.any ?? []), ...corpora.hashtagsEverywhere];
    const n = 1 + rng.int(4);
    const out: string[] = [];
    for (let i = 0; i < n * 3 && out.length < n; i++) {
      const t = rng.pick(pool);
      if (!out.includes(t)) out.push(t);
    }
    return out.slice(0, MAX_TAGS);
  }

  function mediaFor(kind: PostKind, share: number): MediaRef[] {
    if (!(rng.next() < share)) return [];
    const n = Math.min(MAX_MEDIA_PER_POST, 1 + (rng.next() < (kind === 'pet' ? 0.6 : 0.3) ? 1 + rng.int(3) : 0));
    return Array.from({ length: n }, () => pickMedia(random, videoShare));
  }

  return {
    languages: [...corpora.languages.keys(), ...corpora.mixed.keys()],

    post(person, mix, seq, forcedKind) {
      rng.reset(seed, POST_STREAM, person.index, seq);
      author = person.index;
      const drawn = tableFor(kindTables, Object.keys(mix.kinds).length ? mix.kinds : DEFAULT_KINDS, 'content.kinds').sample(rng.next());
      if (forcedKind !== undefined && !POST_KINDS.includes(forcedKind)) throw new Error(`unknown post kind '${forcedKind}' (known: ${POST_KINDS.join(', ')})`);
      const kind = forcedKind ?? drawn;
      const wanted = Object.keys(mix.languages).length ? tableFor(languageTables, mix.languages, 'content.languages').sample(rng.next()) : person.primaryLanguage;
      const lang = resolveLanguage(person, wanted);
      const corpus = corpusOf(lang);
      let text: string;
      sentenceCount = 1;
      const mixed = corpora.mixed.get(lang);
      if (mixed) {
        text = fill(rng.pick(mixed.posts[kind]), corpus.slots, pick, sticky);
        if (rng.next() < 0.4) text = joinText(text, sentences(corpus.posts[kind], corpus.slots, corpus.separator, 1), corpus.separator);
      } else {
        text = sentences(corpus.posts[kind], corpus.slots, corpus.separator, 3);
        if (corpus.asides.length && rng.next() < 0.5) text = joinText(text, fill(rng.pick(corpus.asides), corpus.slots, pick, sticky), corpus.separator);
        if (corpus.closers.length && rng.next() < 0.5) text = joinText(text, fill(rng.pick(corpus.closers), corpus.slots, pick, sticky), corpus.separator);
      }
      // Real posts are rarely verbatim copies of each other (and backends flag repeated text as spam), so a
      // one-sentence post always gets some emoji to set it apart.
      const before = text;
      text = decorate(text, corpus, 0.55);
      if (text === before && sentenceCount === 1) text = decorate(text, corpus, 1);
      const tags = tagsFor(kind, corpus);
      if (rng.next() < 0.2) text += ' #' + tags[0];
      const marked = withMarker(truncate(text, MAX_TEXT_LENGTH - MARKER_RESERVE), lang, mix.markerShare, corpus);
      return { text: marked.text, tags, media: mediaFor(kind, mix.mediaShare), lang, kind, marker: marked.marker };
    },

    comment(person, parent, seq) {
      rng.reset(seed, COMMENT_STREAM, person.index, seq);
      author = person.index;
      // Replies are mostly in the reader's own language; some answer in the post's language if they read it,
      // and a few code-mix.
      const u = rng.next();
      const parentBase = baseLanguage(parent.lang);
      let wanted = person.primaryLanguage;
      if (u >= 0.75 && u < 0.9 && person.languages.includes(parentBase)) wanted = parentBase;
      else if (u >= 0.9) wanted = `${person.primaryLanguage}-mixed`;
      const lang = resolveLanguage(person, wanted);
      const corpus = corpusOf(lang);
      const mixed = corpora.mixed.get(lang);
      let text: string;
      if (mixed) text = fill(rng.pick(mixed.comments), corpus.slots, pick, sticky);
      else {
        const byKind = corpus.comments[parent.kind];
        const list = byKind?.length && rng.next() < 0.6 ? byKind : corpus.comments.any;
        text = fill(rng.pick(list), corpus.slots, pick, sticky);
        if (rng.next() < 0.25) {
          const more = fill(rng.pick(corpus.comments.any), corpus.slots, pick, sticky);
          if (more !== text) text = joinText(text, more, corpus.separator);
        }
      }
      text = decorate(text, corpus, 0.35);
      const marked = withMarker(truncate(text, MAX_TEXT_LENGTH - MARKER_RESERVE), lang, commentMarkerShare, corpus);
      return { text: marked.text, lang, marker: marked.marker };
    },
  };
}
