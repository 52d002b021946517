// Moderation terms (fixtures/moderation/lexicon.json): placeholder phrases that generated content carries as
// markers and that the reference backend's classifier is expected to catch.
import { readFileSync } from 'node:fs';

export const MARKER_CATEGORIES = ['spam', 'watermark', 'abuse', 'scam'] as const;
export type MarkerCategory = (typeof MARKER_CATEGORIES)[number];

export interface LexiconTerm {
  id: string;
  lang: string;
  text: string;
  category: MarkerCategory;
}

export interface Lexicon {
  terms: LexiconTerm[];
}

/** Generated text reserves room for one term, so a marker is never cut off. */
export const MAX_TERM_LENGTH = 190;

export const LEXICON_URL = new URL('../../fixtures/moderation/lexicon.json', import.meta.url);

let cached: Lexicon | undefined;

/** The moderation lexicon, validated once and cached. Pass a path to load another file. */
export function loadLexicon(path?: string | URL): Lexicon {
  if (!path && cached) return cached;
  const source = path ?? LEXICON_URL;
  const raw = JSON.parse(readFileSync(source, 'utf8')) as { terms?: unknown };
  if (!Array.isArray(raw.terms)) throw new Error(`${String(source)}: expected { "terms": [...] }`);
  const ids = new Set<string>();
  const terms = raw.terms.map((t, i) => {
    const term = t as Partial<LexiconTerm>;
    const where = `${String(source)}: terms[${i}]`;
    if (!term.id || typeof term.id !== 'string') throw new Error(`${where}.id: required string`);
    if (ids.has(term.id)) throw new Error(`${where}.id: duplicate '${term.id}'`);
    ids.add(term.id);
    if (!term.lang || typeof term.lang !== 'string') throw new Error(`${where}.lang: required string`);
    if (!term.text || typeof term.text !== 'string') throw new Error(`${where}.text: required string`);
    if (term.text.length > MAX_TERM_LENGTH) throw new Error(`${where}.text: at most ${MAX_TERM_LENGTH} characters`);
    if (!MARKER_CATEGORIES.includes(term.category as MarkerCategory)) {
      throw new Error(`${where}.category: must be one of ${MARKER_CATEGORIES.join(', ')}`);
    }
    return { id: term.id, lang: term.lang, text: term.text, category: term.category as MarkerCategory };
  });
  const lexicon = { terms };
  if (!path) cached = lexicon;
  return lexicon;
}

/** Terms in a language, falling back to English when the language has none. */
export function termsFor(lexicon: Lexicon, lang: string): LexiconTerm[] {
  const own = lexicon.terms.filter((t) => t.lang === lang);
  return own.length > 0 ? own : lexicon.terms.filter((t) => t.lang === 'en');
}
