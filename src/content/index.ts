// Public surface of the content module.
export { createContentGenerator, baseLanguage, MAX_TEXT_LENGTH, MAX_TAGS, type ContentGenerator, type ContentGeneratorOptions, type Author } from './generator.ts';
export { commentStormSize } from './storm.ts';
export { loadLexicon, termsFor, MARKER_CATEGORIES, type Lexicon, type LexiconTerm, type MarkerCategory } from './lexicon.ts';
export { loadCorpora, corpusStats } from './corpus.ts';
export { loadMediaManifest, MAX_MEDIA_PER_POST } from './media.ts';
export type { GeneratedPost, GeneratedComment, PostKind, ContentLanguage } from './types.ts';
