import { describe, expect, it } from 'vitest';
import { utf8Text } from '../../../src/target/http1/utf8.ts';
import { ResponseParser } from '../../../src/target/http1/response-parser.ts';

// A deterministic byte source (no Math.random: failures must replay).
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

const PIECES = ['a', 'hello ', '"', '\\', 'é', 'ß', '和外国朋友', '日常', '👍', '👋📚', '\u{10FFFF}', '\uFEFF', '\uFFFF', '\u0000', '{"id":"p1"}'];
const MALFORMED = [[0xff], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xe4, 0xb8], [0xf4, 0x90, 0x80, 0x80], [0x80], [0xf0, 0x9f, 0x98]];

function text(rnd: () => number, bytes: number, malformed: boolean): Buffer {
  const parts: Buffer[] = [];
  let n = 0;
  while (n < bytes) {
    const b = malformed && rnd() < 0.02 ? Buffer.from(MALFORMED[Math.floor(rnd() * MALFORMED.length)]) : Buffer.from(PIECES[Math.floor(rnd() * PIECES.length)], 'utf8');
    parts.push(b);
    n += b.length;
  }
  return Buffer.concat(parts);
}

describe('utf8Text (response bodies as text)', () => {
  it('is what Buffer#toString("utf8") gives, for well-formed and malformed UTF-8 of every size around the ICU threshold', () => {
    const rnd = lcg(15);
    for (const size of [0, 1, 100, 1000, 1023, 1024, 1025, 2048, 6000, 70_000]) {
      for (const malformed of [false, true]) {
        const buf = text(rnd, size, malformed);
        expect(utf8Text(buf, 0, buf.length)).toBe(buf.toString('utf8'));
        // A window into a larger buffer (the connections' shared read buffer), cut anywhere, even inside a character.
        const from = Math.floor(buf.length / 7);
        const to = buf.length - Math.floor(buf.length / 5);
        expect(utf8Text(buf, from, to)).toBe(buf.toString('utf8', from, to));
      }
    }
  });

  it('keeps ASCII and a leading byte-order mark as they are', () => {
    const ascii = Buffer.from('{"items":[]}'.padEnd(5000, ' '), 'latin1');
    expect(utf8Text(ascii, 0, ascii.length)).toBe(ascii.toString());
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('和'.repeat(2000))]);
    expect(utf8Text(bom, 0, bom.length)).toBe(bom.toString('utf8'));
    expect(utf8Text(bom, 0, bom.length).charCodeAt(0)).toBe(0xfeff);
  });

  it('decodes a body split across reads the same as one read', () => {
    const body = Buffer.from(JSON.stringify({ items: Array.from({ length: 40 }, (_, i) => ({ id: `p${i}`, text: '和外国朋友有时差 👍 hello' })) }));
    const head = Buffer.from(`HTTP/1.1 200 OK\r\ncontent-length: ${body.length}\r\n\r\n`, 'latin1');
    const wire = Buffer.concat([head, body]);
    for (const cut of [head.length + 1, head.length + 2, Math.floor(wire.length / 2), wire.length - 1]) {
      const p = new ResponseParser(1 << 20);
      p.begin(false);
      expect(p.feed(Buffer.from(wire.subarray(0, cut)))).toBe(false);
      expect(p.feed(Buffer.from(wire.subarray(cut)))).toBe(true);
      expect(p.body()).toBe(body.toString('utf8'));
    }
  });
});
