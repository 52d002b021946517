import { describe, expect, test } from 'vitest';
import { createLanguageDetector } from '../../src/backend/lang/detector.ts';
import { LABELLED_SAMPLE } from '../../src/backend/lang/samples.ts';

describe('language detector', () => {
  const detector = createLanguageDetector();

  test('labels the hand-written sample in all eight languages', () => {
    const wrong = LABELLED_SAMPLE.filter((s) => detector.detect(s.text) !== s.lang).map((s) => `${s.lang}: ${s.text}`);
    expect(wrong).toEqual([]);
  });

  test('decides CJK by script, whatever the hint says', () => {
    expect(detector.detect('好', 'en')).toBe('zh');
    expect(detector.detect('ありがとう', 'zh')).toBe('ja');
    expect(detector.detect('감사', 'en')).toBe('ko');
  });

  test('uses the hint only for short or unsure text', () => {
    expect(detector.detect('merci', 'fr')).toBe('fr');
    expect(detector.detect('merci', 'fr-FR')).toBe('fr');
    expect(detector.detect('lol', 'es')).toBe('es');
    // Two near-equal n-gram scores count as unsure, so the hint decides.
    expect(detector.detect('hello friends', 'en')).toBe('en');
    // A long, clear English sentence stays English even with a wrong hint.
    expect(detector.detect('What did you all eat for breakfast today? I had eggs and toast', 'de')).toBe('en');
  });

  test('ignores links and mentions, and answers und without letters', () => {
    expect(detector.detect('https://example.invalid/abc 😀 123')).toBe('und');
    expect(detector.detect('https://example.invalid/abc 😀', 'pt')).toBe('pt');
    expect(detector.detect('@someone Meine Katze schläft den ganzen Tag auf dem Sofa')).toBe('de');
  });
});
