// Opaque page cursors: base64url of "s<seq>" (a keyset position, see store/store.ts). Anything else is a 400.
import { InvalidCursorError } from './errors.ts';

export function encodeCursor(seq: number | null): string | null {
  return seq === null ? null : Buffer.from(`s${seq}`).toString('base64url');
}

/** undefined stays undefined (first page); a cursor that is not ours throws InvalidCursorError (400). */
export function decodeCursor(cursor: string | undefined, field = 'query.cursor'): number | undefined {
  if (cursor === undefined) return undefined;
  if (!/^[A-Za-z0-9_-]{1,32}$/.test(cursor)) throw new InvalidCursorError(field);
  const m = /^s(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString('latin1'));
  if (!m) throw new InvalidCursorError(field);
  const seq = Number(m[1]);
  if (!Number.isSafeInteger(seq) || Buffer.from(`s${seq}`).toString('base64url') !== cursor) throw new InvalidCursorError(field);
  return seq;
}
