// Corpora: per-language template files in fixtures/content/ (<lang>.json), code-mixed templates (mixed.json) and
// shared emoji/hashtags (common.json). Loaded once, validated (every {slot} a template uses must exist).
import { readdirSync, readFileSync } from 'node:fs';
import { POST_KINDS, type PostKind } from '../scenario/vocabulary.ts';

export const CONTENT_DIR = new URL('../../fixtures/content/', import.meta.url);

export interface LanguageCorpus {
  lang: string;
  slots: Record<string, string[]>;
  posts: Record<PostKind, string[]>;
  /** Comment templates by the parent's kind, plus `any`. */
  comments: Record<string, string[]>;
  tags: Record<string, string[]>;
  closers: string[];
  /** Personal asides ("Greetings from {place}."), filled with the author's own facts so posts differ by author. */
  asides: string[];
  /** Joins sentences: ' ' for space-separated scripts, '' for Chinese. */
  separator: string;
}

export interface MixedCorpus {
  /** e.g. 'en-mixed' */
  lang: string;
  /** The language whose slots and grammar the templates use. */
  base: string;
  posts: Record<PostKind, string[]>;
  comments: string[];
}

export interface Corpora {
  languages: Map<string, LanguageCorpus>;
  mixed: Map<string, MixedCorpus>;
  emoji: string[];
  hashtagsEverywhere: string[];
}

const SLOT = /\{(\w+)\}/g;
const NO_SPACE_LANGS = new Set(['zh', 'ja']);

function read(name: string): unknown {
  return JSON.parse(readFileSync(new URL(name, CONTENT_DIR), 'utf8'));
}

function checkSlots(templates: string[], slots: Record<string, string[]>, where: string): void {
  for (const t of templates) {
    for (const m of t.matchAll(SLOT)) {
      if (!slots[m[1]] || slots[m[1]].length === 0) throw new Error(`${where}: template uses unknown slot {${m[1]}}: "${t}"`);
    }
  }
}

function loadLanguage(file: string): LanguageCorpus {
  const raw = read(file) as Omit<LanguageCorpus, 'separator'>;
  const where = `fixtures/content/${file}`;
  if (!raw.lang || !raw.slots || !raw.posts) throw new Error(`${where}: needs lang, slots and posts`);
  for (const kind of POST_KINDS) {
    if (!raw.posts[kind]?.length) throw new Error(`${where}: posts.${kind} needs at least one template`);
    checkSlots(raw.posts[kind], raw.slots, `${where} posts.${kind}`);
  }
  if (!raw.comments?.any?.length) throw new Error(`${where}: comments.any needs at least one template`);
  for (const [k, list] of Object.entries(raw.comments)) checkSlots(list, raw.slots, `${where} comments.${k}`);
  checkSlots(raw.closers ?? [], raw.slots, `${where} closers`);
  checkSlots(raw.asides ?? [], raw.slots, `${where} asides`);
  return { ...raw, tags: raw.tags ?? {}, closers: raw.closers ?? [], asides: raw.asides ?? [], separator: NO_SPACE_LANGS.has(raw.lang) ? '' : ' ' };
}

let cached: Corpora | undefined;

export function loadCorpora(): Corpora {
  if (cached) return cached;
  const languages = new Map<string, LanguageCorpus>();
  for (const file of readdirSync(CONTENT_DIR).filter((f) => /^[a-z]{2}\.json$/.test(f)).sort()) {
    const c = loadLanguage(file);
    languages.set(c.lang, c);
  }
  const mixed = new Map<string, MixedCorpus>();
  const rawMixed = read('mixed.json') as Record<string, { base: string; posts: Record<PostKind, string[]>; comments: string[] }>;
  for (const [lang, m] of Object.entries(rawMixed)) {
    const base = languages.get(m.base);
    const where = `fixtures/content/mixed.json ${lang}`;
    if (!base) throw new Error(`${where}: base language '${m.base}' has no corpus`);
    for (const kind of POST_KINDS) {
      if (!m.posts[kind]?.length) throw new Error(`${where}: posts.${kind} needs at least one template`);
      checkSlots(m.posts[kind], base.slots, `${where} posts.${kind}`);
    }
    checkSlots(m.comments, base.slots, `${where} comments`);
    mixed.set(lang, { lang, base: m.base, posts: m.posts, comments: m.comments });
  }
  const common = read('common.json') as { emoji: string[]; hashtagsEverywhere: string[] };
  cached = { languages, mixed, emoji: common.emoji, hashtagsEverywhere: common.hashtagsEverywhere };
  return cached;
}

/**
 * Replace each {slot} with a filler chosen by `pick`, or by `sticky` when it returns an index for that slot (used
 * to keep facts about a person — where they live, their pet's name — the same across all their posts).
 */
export function fill(
  template: string,
  slots: Record<string, string[]>,
  pick: (n: number) => number,
  sticky?: (slot: string, n: number) => number | undefined,
): string {
  return template.replace(SLOT, (_, name: string) => {
    const list = slots[name];
    return list[sticky?.(name, list.length) ?? pick(list.length)];
  });
}

/** Template and filler counts, for docs and tests. */
export function corpusStats(c: LanguageCorpus): { templates: number; comments: number; fillers: number } {
  const count = (r: Record<string, string[]>) => Object.values(r).reduce((n, l) => n + l.length, 0);
  return { templates: count(c.posts) + c.asides.length, comments: count(c.comments), fillers: count(c.slots) + c.closers.length };
}
