import { afterEach, describe, expect, it, vi } from 'vitest';
import { ParsedPosts } from '../../src/backend/store/cached-store.ts';

afterEach(() => {
  vi.useRealTimers();
});

describe("the post cache's parsed copies (per process)", () => {
  it('are dropped once older than the post cache ttl, so a long run settles instead of filling up to the cap', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(0);
    const parsed = new ParsedPosts(600_000);
    const raw = (i: number) => JSON.stringify({ id: `p${i}`, authorId: 'a', text: `post ${i}`, lang: 'en', tags: [], media: [] });
    // One post a second for 30 minutes: only the last 10 minutes' worth is kept.
    for (let i = 0; i < 1_800; i++) {
      vi.setSystemTime(i * 1_000);
      expect(parsed.parse(`p${i}`, raw(i)).text).toBe(`post ${i}`);
    }
    expect(parsed.size).toBe(600);
    expect(parsed.get('p1199')).toBeUndefined();
    expect(parsed.get('p1200')?.text).toBe('post 1200');
  });
});
