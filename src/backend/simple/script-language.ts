// Simplest language detector: honours a well-formed hint, else guesses from the script (kana -> ja,
// Hangul -> ko, Han -> zh, other letters -> en). The real detector lives in ../lang.
import type { LanguageDetector } from '../services.ts';

const KANA = /[\u3040-\u30ff]/u;
const HANGUL = /[\uac00-\ud7af\u1100-\u11ff]/u;
const HAN = /\p{Script=Han}/gu;
const LETTER = /\p{L}/gu;

export class ScriptLanguageDetector implements LanguageDetector {
  detect(text: string, hint?: string): string {
    if (hint && /^[a-z]{2,3}$/.test(hint)) return hint;
    const letters = text.match(LETTER)?.length ?? 0;
    if (letters === 0) return 'und';
    if (KANA.test(text)) return 'ja';
    if (HANGUL.test(text)) return 'ko';
    const han = text.match(HAN)?.length ?? 0;
    return han / letters >= 0.3 ? 'zh' : 'en';
  }
}
