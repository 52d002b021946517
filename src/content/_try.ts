import { createContentGenerator } from './generator.ts';
import { eld } from 'eld/medium';
const g = createContentGenerator(1);
const mix = { kinds: {}, languages: { en: 0.4, zh: 0.4, 'en-mixed': 0.1, 'zh-mixed': 0.1 }, mediaShare: 0.4, markerShare: 0.05, commentAlpha: 2 };
const bi = { index: 0, primaryLanguage: 'en', languages: ['en', 'zh'] };
for (let i = 0; i < 8; i++) console.log(JSON.stringify(g.post({ ...bi, index: i }, mix, i)));
for (let i = 0; i < 4; i++) console.log(JSON.stringify(g.comment({ index: i, primaryLanguage: 'zh', languages: ['zh'] }, { lang: 'en', kind: 'pet' }, i)));
let ok = 0, n = 0; const bad: string[] = [];
for (let i = 0; i < 3000; i++) { const p = g.post({ ...bi, index: i }, { ...mix, languages: { en: 1, zh: 1 } }, i); const d = eld.detect(p.text).language; n++; if (d === p.lang) ok++; else if (bad.length < 10) bad.push(p.lang + ' ' + d + ' ' + p.text); }
console.log('ok', ok / n); console.log(bad.join('\n'));
