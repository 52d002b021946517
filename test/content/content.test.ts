import { describe, expect, it } from 'vitest';
import { eld } from 'eld/medium';
import { createContentGenerator, joinText, truncate } from '../../src/content/generator.ts';
import { commentStormSize } from '../../src/content/storm.ts';
import { loadLexicon } from '../../src/content/lexicon.ts';
import { corpusStats, loadCorpora } from '../../src/content/corpus.ts';
import { POST_KINDS } from '../../src/scenario/vocabulary.ts';
import type { ContentMix } from '../../src/scenario/plan.ts';

const polyglot = { index: 0, primaryLanguage: 'en', languages: ['en', 'zh', 'es', 'pt', 'fr', 'de'] };
const mixOf = (languages: Record<string, number>, extra: Partial<ContentMix> = {}): ContentMix => ({
  kinds: {},
  languages,
  mediaShare: 0.3,
  markerShare: 0,
  commentAlpha: 2,
  ...extra,
});

describe('content generator', () => {
  const gen = createContentGenerator(42);

  it('is deterministic in (seed, person, seq) and differs across seeds and seqs', () => {
    const mix = mixOf({ en: 1, zh: 1, 'en-mixed': 0.2 }, { markerShare: 0.1 });
    const again = createContentGenerator(42);
    const other = createContentGenerator(43);
    let differentSeed = 0;
    for (let i = 0; i < 200; i++) {
      const p = { ...polyglot, index: i };
      const a = gen.post(p, mix, i);
      expect(again.post(p, mix, i)).toEqual(a);
      if (JSON.stringify(other.post(p, mix, i)) !== JSON.stringify(a)) differentSeed++;
      expect(gen.comment(p, { lang: 'zh', kind: 'pet' }, i)).toEqual(again.comment(p, { lang: 'zh', kind: 'pet' }, i));
    }
    expect(differentSeed).toBeGreaterThan(190);
    expect(gen.post(polyglot, mix, 1)).not.toEqual(gen.post(polyglot, mix, 2));
  });

  it('produces posts valid for the reference API', () => {
    const mix = mixOf({ en: 1, zh: 1, es: 0.2, 'zh-mixed': 0.2 }, { mediaShare: 0.8, markerShare: 0.2 });
    for (let i = 0; i < 2000; i++) {
      const p = gen.post({ ...polyglot, index: i }, mix, i);
      expect(p.text.length).toBeGreaterThan(0);
      expect(p.text.length).toBeLessThanOrEqual(2000);
      expect(p.tags.length).toBeLessThanOrEqual(10);
      expect(p.media.length).toBeLessThanOrEqual(4);
      expect(POST_KINDS).toContain(p.kind);
      expect(p.text).not.toMatch(/\{\w+\}/); // every slot filled
      for (const m of p.media) expect(m.bytes).toBeGreaterThan(0);
    }
  });

  it('follows the kind and language mix, and writes only languages the author reads', () => {
    const mix = mixOf({ en: 0.7, zh: 0.2, 'en-mixed': 0.1 }, { kinds: { intro: 3, pet: 1 } });
    const counts: Record<string, number> = {};
    const n = 4000;
    for (let i = 0; i < n; i++) {
      const p = gen.post({ ...polyglot, index: i }, mix, 0);
      counts[p.kind] = (counts[p.kind] ?? 0) + 1;
      counts[p.lang] = (counts[p.lang] ?? 0) + 1;
    }
    expect(counts.intro / n).toBeCloseTo(0.75, 1);
    expect(counts.pet / n).toBeCloseTo(0.25, 1);
    expect(counts.en / n).toBeCloseTo(0.7, 1);
    expect(counts.zh / n).toBeCloseTo(0.2, 1);
    expect(counts['en-mixed'] / n).toBeCloseTo(0.1, 1);
    // A monolingual English newcomer never writes Chinese even when the mix asks for it.
    const mono = { index: 5, primaryLanguage: 'en', languages: ['en'] };
    for (let i = 0; i < 300; i++) expect(['en', 'en-mixed']).toContain(gen.post(mono, mixOf({ zh: 1, en: 1 }), i).lang);
  });

  it('attaches moderation markers from the lexicon at the configured share, with the term in the text', () => {
    const lexicon = loadLexicon();
    const byId = new Map(lexicon.terms.map((t) => [t.id, t]));
    let marked = 0;
    const n = 3000;
    for (let i = 0; i < n; i++) {
      const p = gen.post({ ...polyglot, index: i }, mixOf({ en: 1, zh: 1 }, { markerShare: 0.1 }), i);
      if (!p.marker) continue;
      marked++;
      const term = byId.get(p.marker)!;
      expect(term).toBeDefined();
      expect(p.text).toContain(term.text);
      expect(term.lang).toBe(p.lang);
    }
    expect(marked / n).toBeGreaterThan(0.08);
    expect(marked / n).toBeLessThan(0.12);
  });

  it('writes comments mostly in the reader\'s language', () => {
    const reader = { index: 9, primaryLanguage: 'zh', languages: ['zh', 'en'] };
    const langs: Record<string, number> = {};
    const n = 2000;
    for (let i = 0; i < n; i++) {
      const c = gen.comment({ ...reader, index: i }, { lang: 'en', kind: 'pet' }, i);
      langs[c.lang] = (langs[c.lang] ?? 0) + 1;
    }
    expect(langs.zh / n).toBeGreaterThan(0.7);
    expect(langs.en / n).toBeGreaterThan(0.1);
    expect(langs['zh-mixed'] / n).toBeGreaterThan(0.05);
  });

  it('generates text a language detector agrees with for ≥ 95% of single-language posts and comments', () => {
    const languages = ['en', 'zh', 'es', 'pt', 'fr', 'de'];
    const perLanguage = 600;
    const failures: string[] = [];
    for (const lang of languages) {
      let agree = 0;
      let comments = 0;
      let commentsAgree = 0;
      const author = { index: 0, primaryLanguage: lang, languages: [lang] };
      for (let i = 0; i < perLanguage; i++) {
        const p = gen.post({ ...author, index: i }, mixOf({ [lang]: 1 }), i);
        expect(p.lang).toBe(lang);
        if (eld.detect(p.text).language === lang) agree++;
        else if (failures.length < 5) failures.push(`${lang}: ${p.text}`);
        const c = gen.comment({ ...author, index: i }, { lang, kind: p.kind }, i);
        if (c.lang === lang) {
          comments++;
          if (eld.detect(c.text).language === lang) commentsAgree++;
        }
      }
      expect(agree / perLanguage, `${lang} posts; e.g. ${failures.join(' | ')}`).toBeGreaterThanOrEqual(0.95);
      // Comments are short ("Welcome!"), so the bar is lower than for posts.
      expect(commentsAgree / comments, `${lang} comments`).toBeGreaterThanOrEqual(0.9);
    }
  });

  it('can force the kind (a newcomer\'s first post is an introduction)', () => {
    const mix = mixOf({ en: 1 }, { kinds: { pet: 1 } });
    for (let i = 0; i < 50; i++) expect(gen.post({ ...polyglot, index: i }, mix, i, 'intro').kind).toBe('intro');
    expect(gen.post(polyglot, mix, 3).kind).toBe('pet');
    expect(() => gen.post(polyglot, mix, 3, 'selfie' as never)).toThrow(/unknown post kind 'selfie'/);
  });

  it('rarely repeats a post verbatim (backends flag repeated text as spam)', () => {
    for (const lang of ['en', 'zh']) {
      const counts = new Map<string, number>();
      const n = 20000;
      for (let i = 0; i < n; i++) {
        const text = gen.post({ index: i, primaryLanguage: lang, languages: [lang] }, mixOf({ [lang]: 1 }, { kinds: { intro: 3, pet: 2, welcome: 1 } }), 0).text;
        counts.set(text, (counts.get(text) ?? 0) + 1);
      }
      const inRepeats = [...counts.values()].filter((c) => c >= 5).reduce((a, b) => a + b, 0);
      expect(inRepeats / n, lang).toBeLessThan(0.01);
    }
  });

  it('keeps facts about the author (home town, pet name) the same across their posts', () => {
    const { slots } = loadCorpora().languages.get('en')!;
    const mentioned = (author: number, slot: string) => {
      const seen = new Set<string>();
      for (let seq = 0; seq < 300; seq++) {
        const text = gen.post({ index: author, primaryLanguage: 'en', languages: ['en'] }, mixOf({ en: 1 }, { kinds: { intro: 1, pet: 1 } }), seq).text;
        for (const v of slots[slot]) if (text.includes(v)) seen.add(v);
      }
      return seen;
    };
    expect(mentioned(5, 'petName').size).toBe(1);
    expect(mentioned(6, 'petName').size).toBe(1);
    // Different authors, different pets (over a handful of authors).
    const names = new Set([...Array(8).keys()].map((a) => [...mentioned(100 + a, 'petName')][0]));
    expect(names.size).toBeGreaterThan(3);
  });

  it('code-mixed text really mixes scripts', () => {
    for (let i = 0; i < 200; i++) {
      const en = gen.post({ ...polyglot, index: i }, mixOf({ 'en-mixed': 1 }), i);
      expect(en.lang).toBe('en-mixed');
      expect(en.text).toMatch(/[a-zA-Z]{3,}/);
      expect(en.text).toMatch(/[\u4e00-\u9fff]/);
      const zh = gen.post({ index: i, primaryLanguage: 'zh', languages: ['zh'] }, mixOf({ 'zh-mixed': 1 }), i);
      expect(zh.lang).toBe('zh-mixed');
      expect(zh.text).toMatch(/[a-zA-Z]{2,}/);
      expect(zh.text).toMatch(/[\u4e00-\u9fff]/);
    }
  });
});

describe('corpora', () => {
  it('ship several hundred templates and fillers for en and zh, every kind in every language', () => {
    const corpora = loadCorpora();
    for (const lang of ['en', 'zh']) {
      const s = corpusStats(corpora.languages.get(lang)!);
      expect(s.templates + s.comments + s.fillers, lang).toBeGreaterThan(400);
      expect(s.templates, lang).toBeGreaterThan(100);
    }
    for (const lang of ['es', 'pt', 'fr', 'de']) expect(corpora.languages.has(lang)).toBe(true);
    expect([...corpora.mixed.keys()].sort()).toEqual(['en-mixed', 'zh-mixed']);
  });

  it('cuts over-long text without splitting characters', () => {
    const long = '猫🐱'.repeat(1500);
    const cut = truncate(long, 2000);
    expect(cut.length).toBeLessThanOrEqual(2000);
    expect(cut.endsWith('…')).toBe(true);
    expect(cut).not.toMatch(/[\uD800-\uDBFF]…$/); // no lone high surrogate before the ellipsis
    expect(truncate('short')).toBe('short');
  });

  it('joins Chinese sentences with a full stop only when one is missing', () => {
    expect(joinText('你好', '再见', '')).toBe('你好。再见');
    expect(joinText('你好！', '再见', '')).toBe('你好！再见');
    expect(joinText('Hi.', 'Bye', ' ')).toBe('Hi. Bye');
  });
});

describe('moderation lexicon', () => {
  it('has en and zh terms in every category, on reserved .invalid domains only', () => {
    const { terms } = loadLexicon();
    for (const lang of ['en', 'zh']) {
      const cats = new Set(terms.filter((t) => t.lang === lang).map((t) => t.category));
      expect([...cats].sort()).toEqual(['abuse', 'scam', 'spam', 'watermark']);
    }
    for (const t of terms) {
      for (const domain of t.text.match(/[a-z0-9-]+\.[a-z]{2,}/g) ?? []) expect(domain).toMatch(/\.invalid$/);
    }
  });
});

describe('commentStormSize', () => {
  it('follows a power law: most posts draw few comments, a few draw storms', () => {
    const sizes = Array.from({ length: 20000 }, (_, i) => commentStormSize(i, 2));
    sizes.sort((a, b) => a - b);
    expect(sizes[10000]).toBeLessThanOrEqual(2);
    const over100 = sizes.filter((s) => s >= 100).length / sizes.length;
    // P(size >= 100) = 101^-1 ≈ 0.0099
    expect(over100).toBeGreaterThan(0.006);
    expect(over100).toBeLessThan(0.014);
    expect(sizes[sizes.length - 1]).toBeGreaterThan(1000);
    expect(commentStormSize(5, 2)).toBe(commentStormSize(5, 2));
    expect(commentStormSize(5, 2, { seed: 1, max: 3 })).toBeLessThanOrEqual(3);
    expect(() => commentStormSize(1, 1)).toThrow(/> 1/);
  });

  it('a steeper exponent means calmer comment sections', () => {
    const mean = (alpha: number) => Array.from({ length: 5000 }, (_, i) => commentStormSize(i, alpha, { max: 1000 })).reduce((a, b) => a + b, 0) / 5000;
    expect(mean(3)).toBeLessThan(mean(2));
  });
});
