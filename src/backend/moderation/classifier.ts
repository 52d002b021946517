// Rule-based moderation classifier: lexicon terms (fixtures/moderation/lexicon.json), link spam, repeated text.
// Cheap enough to run on every post; its verdicts only queue posts for (simulated) human review.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const DEFAULT_LEXICON_PATH = fileURLToPath(new URL('../../../fixtures/moderation/lexicon.json', import.meta.url));

export interface LexiconTerm {
  id: string;
  lang: string;
  text: string;
  category: string;
}

export interface ClassifierOptions {
  /** A post with at least this many links is link spam. */
  maxLinks: number;
  /** The same normalised text posted this many times within `repeatWindowSec` (by anyone) is flagged. */
  repeatThreshold: number;
  repeatWindowSec: number;
  /** Distinct texts remembered for repeat detection (bounded memory); none longer than `repeatWindowSec`. */
  repeatMemory: number;
}

export const DEFAULT_CLASSIFIER_OPTIONS: ClassifierOptions = {
  maxLinks: 3,
  repeatThreshold: 5,
  repeatWindowSec: 600,
  repeatMemory: 100_000,
};

export interface Verdict {
  /** 'lexicon' | 'link-spam' | 'repeated' — a bounded label set. */
  reason: 'lexicon' | 'link-spam' | 'repeated';
  /** Lexicon category (spam, scam, ...) or the reason itself. */
  category: string;
  termId?: string;
}

/** Loads the lexicon, or an empty one when the file does not exist (the classifier then uses links and repeats only). */
export function loadLexicon(path = DEFAULT_LEXICON_PATH): LexiconTerm[] {
  if (!existsSync(path)) return [];
  const doc = JSON.parse(readFileSync(path, 'utf8')) as { terms?: LexiconTerm[] };
  if (!Array.isArray(doc.terms)) throw new Error(`${path}: expected {"terms": [{id, lang, text, category}]}`);
  return doc.terms;
}

const LINK = /https?:\/\/\S+|www\.\S+/gi;

function normalise(text: string): string {
  return text.toLowerCase().replace(/\s+/g, ' ').trim();
}

export class RuleClassifier {
  private readonly terms: Array<LexiconTerm & { needle: string }>;
  private readonly seen = new Map<string, { count: number; since: number }>();
  private readonly opts: ClassifierOptions;

  constructor(
    lexicon: LexiconTerm[],
    options: Partial<ClassifierOptions> = {},
    private readonly now: () => number = Date.now,
  ) {
    this.opts = { ...DEFAULT_CLASSIFIER_OPTIONS, ...options };
    // Terms of every language are checked on every post: mixed-language text is common in a surge.
    this.terms = lexicon.map((t) => ({ ...t, needle: normalise(t.text) }));
  }

  /** A verdict when the text should be reviewed, else undefined. `track` counts the text for repeat detection. */
  classify(text: string, track = true): Verdict | undefined {
    const norm = normalise(text);
    for (const t of this.terms) {
      if (norm.includes(t.needle)) return { reason: 'lexicon', category: t.category, termId: t.id };
    }
    const links = text.match(LINK)?.length ?? 0;
    if (links >= this.opts.maxLinks) return { reason: 'link-spam', category: 'spam' };
    if (track && norm.length >= 8 && this.countRepeat(norm) >= this.opts.repeatThreshold) {
      return { reason: 'repeated', category: 'spam' };
    }
    return undefined;
  }

  /** Texts remembered for repeat detection (for tests and the memory budget). */
  get remembered(): number {
    return this.seen.size;
  }

  private countRepeat(norm: string): number {
    const now = this.now();
    let entry = this.seen.get(norm);
    const windowMs = this.opts.repeatWindowSec * 1000;
    if (!entry || now - entry.since > windowMs) {
      entry = { count: 0, since: now };
      this.seen.delete(norm);
      this.seen.set(norm, entry);
      // Kept in order of `since` (a text is moved to the end when its window starts again): texts whose window has
      // passed leave from the front, so a steady crowd's posts are remembered for the window and no longer.
      for (const [text, e] of this.seen) {
        if (this.seen.size <= this.opts.repeatMemory && now - e.since <= windowMs) break;
        this.seen.delete(text);
      }
    }
    return ++entry.count;
  }
}
