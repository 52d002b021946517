// Opaque following-feed cursors: keyset positions on post seq. (Discover cursors pin a snapshot: discover-cursor.ts.)
import { InvalidCursorError } from '../errors.ts';

export function encodeSeqCursor(seq: number): string {
  return Buffer.from(`s${seq}`).toString('base64url');
}

export function decodeSeqCursor(cursor: string | undefined): number | undefined {
  if (cursor === undefined || cursor === '') return undefined;
  const raw = Buffer.from(cursor, 'base64url').toString('utf8');
  const n = Number(raw.slice(1));
  if (raw[0] !== 's' || !Number.isSafeInteger(n) || n < 0) throw new InvalidCursorError();
  return n;
}
