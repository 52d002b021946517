// Opaque feed cursors: following feeds page by post seq (keyset), discover pages by offset into a ranked snapshot.
import { InvalidCursorError } from '../errors.ts';

export function encodeSeqCursor(seq: number): string {
  return Buffer.from(`s${seq}`).toString('base64url');
}

export function encodeOffsetCursor(offset: number): string {
  return Buffer.from(`o${offset}`).toString('base64url');
}

function decode(cursor: string, tag: 's' | 'o'): number {
  const raw = Buffer.from(cursor, 'base64url').toString('utf8');
  const n = Number(raw.slice(1));
  if (raw[0] !== tag || !Number.isSafeInteger(n) || n < 0) {
    throw new InvalidCursorError();
  }
  return n;
}

export function decodeSeqCursor(cursor: string | undefined): number | undefined {
  return cursor === undefined || cursor === '' ? undefined : decode(cursor, 's');
}

export function decodeOffsetCursor(cursor: string | undefined): number {
  return cursor === undefined || cursor === '' ? 0 : decode(cursor, 'o');
}
