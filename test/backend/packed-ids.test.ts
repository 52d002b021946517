import { randomUUID } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { packIds, unpackIds } from '../../src/backend/feed/packed-ids.ts';

describe('packed post ids (discover snapshots)', () => {
  test('UUIDs round-trip in 22 characters each', () => {
    const ids = Array.from({ length: 600 }, () => randomUUID());
    const packed = packIds(ids);
    expect(unpackIds(packed)).toEqual(ids);
    expect(packed.length).toBe(600 * 23 - 1);
    expect(packed.length / ids.join(',').length).toBeLessThan(0.63);
  });

  test('other ids are kept as they are, including ones that look packed', () => {
    const ids = ['42', randomUUID(), 'abcdefghijklmnopqrstuv', '~tilde', randomUUID().toUpperCase(), 'post-7'];
    expect(unpackIds(packIds(ids))).toEqual(ids);
    expect(unpackIds(packIds([]))).toEqual([]);
  });

  test('a snapshot written unpacked (comma-joined ids) reads back unchanged', () => {
    const ids = [randomUUID(), randomUUID(), '17'];
    expect(unpackIds(ids.join(','))).toEqual(ids);
  });
});
