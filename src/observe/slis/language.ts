// Language SLIs of a discover page (DESIGN.md §6), as pure functions.
// languageMatch.L: share of items in any language the reader reads. foreignShare.L: share of items not in the
// reader's primary language L. A bilingual zh+en reader shown only English has languageMatch 1 and foreignShare 1.

/** Language tag -> primary subtag (every feed item's language is looked up, several times per read). */
const primaries = new Map<string, string>();

/**
 * The language an item counts as: code-mixed ground truth (`zh-mixed`) counts as its primary language (`zh`);
 * region and script subtags are dropped (`zh-Hans`, `en_US` -> `zh`, `en`); case is folded.
 * Unknown or empty languages stay as given (`und`), so they count as foreign to everyone.
 */
export function primaryLanguage(lang: string | undefined | null): string {
  if (!lang) return 'und';
  let out = primaries.get(lang);
  if (out === undefined) {
    const cut = lang.search(/[-_]/);
    out = (cut === -1 ? lang : lang.slice(0, cut)).toLowerCase();
    // A run sees a handful of tags; a target inventing new ones stops being remembered.
    if (primaries.size < 1024) primaries.set(lang, out);
  }
  return out;
}

export interface LanguageMix {
  items: number;
  /** Items in a language the reader reads (any of their languages). */
  matching: number;
  /** Items not in the reader's primary language. */
  foreign: number;
}

export function languageMix(
  itemLanguages: readonly string[],
  readerPrimary: string,
  readerLanguages: readonly string[],
  /** Items to count (the first `count` of itemLanguages; a caller's scratch array may be longer). */
  count = itemLanguages.length,
): LanguageMix {
  const primary = primaryLanguage(readerPrimary);
  let matching = 0;
  let foreign = 0;
  for (let i = 0; i < count; i++) {
    const lang = primaryLanguage(itemLanguages[i]);
    if (lang === primary || reads(readerLanguages, lang)) matching++;
    if (lang !== primary) foreign++;
  }
  return { items: count, matching, foreign };
}

/** Is `lang` (a primary subtag) one of the reader's languages? A reader has one to three: no Set per page. */
function reads(readerLanguages: readonly string[], lang: string): boolean {
  for (let i = 0; i < readerLanguages.length; i++) if (primaryLanguage(readerLanguages[i]) === lang) return true;
  return false;
}

export interface LanguageBand {
  foreignShareMax?: number;
  languageMatchMin?: number;
}

export interface BandCheck {
  foreignShare: number | null;
  languageMatch: number | null;
  foreignShareMax?: number;
  languageMatchMin?: number;
  /** null when there is no band or nothing was measured for the language. */
  inBand: boolean | null;
}

/** Compares measured shares with the scenario's intended band for one reader language. */
export function checkBand(foreignShare: number | null, languageMatch: number | null, band: LanguageBand | undefined): BandCheck {
  const out: BandCheck = { foreignShare, languageMatch, inBand: null };
  if (!band || (band.foreignShareMax === undefined && band.languageMatchMin === undefined)) return out;
  if (band.foreignShareMax !== undefined) out.foreignShareMax = band.foreignShareMax;
  if (band.languageMatchMin !== undefined) out.languageMatchMin = band.languageMatchMin;
  if (foreignShare === null && languageMatch === null) return out;
  let inBand = true;
  if (band.foreignShareMax !== undefined && foreignShare !== null && foreignShare > band.foreignShareMax) inBand = false;
  if (band.languageMatchMin !== undefined && languageMatch !== null && languageMatch < band.languageMatchMin) inBand = false;
  out.inBand = inBand;
  return out;
}
