// Deterministic hashing and a small seeded PRNG for the observers' sampling decisions (which readers to track,
// which newcomers probes follow, which writes the audit samples). Same seed, same choices, on every machine.

/** FNV-1a 32-bit over the UTF-16 code units of `text`, mixed with `seed`. */
export function hash32(text: string, seed = 0): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  // Final avalanche (from murmur3's fmix32) so nearby ids spread over the whole range.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  return h >>> 0;
}

/** A uniform number in [0, 1) derived from `text` and `seed`. */
export function hashUnit(text: string, seed = 0): number {
  return hash32(text, seed) / 4294967296;
}

/** mulberry32: a seeded generator of uniform numbers in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
