// The glossary behind the simulated MT provider: per language pair, longest-match phrase substitution.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const DEFAULT_GLOSSARY_PATH = fileURLToPath(new URL('../../../fixtures/translation/glossary.json', import.meta.url));

export interface GlossaryFile {
  pairs: Record<string, Array<[string, string]>>;
}

interface PairTable {
  /** source phrase (lower-cased) -> target phrase */
  phrases: Map<string, string>;
  maxWords: number;
  maxChars: number;
}

const SPACELESS = new Set(['zh', 'ja']);
const WORD = /[\p{L}\p{N}'’-]+|[^\p{L}\p{N}\s]+/gu;

export class Glossary {
  private readonly tables = new Map<string, PairTable>();

  constructor(file: GlossaryFile) {
    for (const [pair, entries] of Object.entries(file.pairs)) {
      const phrases = new Map<string, string>();
      let maxWords = 1;
      let maxChars = 1;
      for (const [from, to] of entries) {
        const key = from.toLowerCase();
        if (!phrases.has(key)) phrases.set(key, to);
        maxWords = Math.max(maxWords, key.split(/\s+/).length);
        maxChars = Math.max(maxChars, key.length);
      }
      this.tables.set(pair, { phrases, maxWords, maxChars });
    }
  }

  static load(path = DEFAULT_GLOSSARY_PATH): Glossary {
    return new Glossary(JSON.parse(readFileSync(path, 'utf8')) as GlossaryFile);
  }

  supports(from: string, to: string): boolean {
    return this.tables.has(`${from}-${to}`);
  }

  /** Longest-match substitution; words without an entry are kept as they are. Undefined for an unsupported pair. */
  translate(text: string, from: string, to: string): string | undefined {
    const table = this.tables.get(`${from}-${to}`);
    if (!table) return undefined;
    const out = SPACELESS.has(from) ? this.bySubstring(text, table) : this.byWords(text, table);
    return SPACELESS.has(to) ? out.join('') : out.filter((w) => w !== '').join(' ').replace(/ ([,.!?;:])/g, '$1');
  }

  private byWords(text: string, table: PairTable): string[] {
    const words = text.match(WORD) ?? [];
    const out: string[] = [];
    for (let i = 0; i < words.length; ) {
      let matched = false;
      for (let n = Math.min(table.maxWords, words.length - i); n >= 1; n--) {
        const phrase = words.slice(i, i + n).join(' ').toLowerCase();
        const hit = table.phrases.get(phrase);
        if (hit !== undefined) {
          out.push(hit);
          i += n;
          matched = true;
          break;
        }
      }
      if (!matched) out.push(words[i++]);
    }
    return out;
  }

  private bySubstring(text: string, table: PairTable): string[] {
    const chars = Array.from(text);
    const out: string[] = [];
    let pending = '';
    for (let i = 0; i < chars.length; ) {
      let matched = false;
      for (let n = Math.min(table.maxChars, chars.length - i); n >= 1; n--) {
        const hit = table.phrases.get(chars.slice(i, i + n).join(''));
        if (hit !== undefined) {
          if (pending) out.push(pending), (pending = '');
          out.push(hit);
          i += n;
          matched = true;
          break;
        }
      }
      if (!matched) {
        const c = chars[i++];
        if (/\s/.test(c)) {
          if (pending) out.push(pending), (pending = '');
        } else pending += c;
      }
    }
    if (pending) out.push(pending);
    return out;
  }
}
