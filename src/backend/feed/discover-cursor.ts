// Discover cursors pin a page sequence: they name the snapshot (the ordering the sequence's first page came from:
// which process's candidate pool, and which policy — ranked for a language set, or recency-only) and the position in
// it. Opaque to clients: base64url of `d:<snapshot>:<offset>`; anything else is a 400 invalid_cursor.
import { InvalidCursorError } from '../errors.ts';

export interface DiscoverPosition {
  /** `<pool id>.f` (recency-only) or `<pool id>.r<language-set key>` (ranked). */
  snapshot: string;
  offset: number;
}

const RAW = /^d:([A-Za-z0-9]{1,24}\.(?:f|r[A-Za-z0-9]{8})):(\d{1,7})$/;

export function encodeDiscoverCursor(p: DiscoverPosition): string {
  return Buffer.from(`d:${p.snapshot}:${p.offset}`).toString('base64url');
}

export function decodeDiscoverCursor(cursor: string | undefined): DiscoverPosition | undefined {
  if (cursor === undefined || cursor === '') return undefined;
  const m = RAW.exec(Buffer.from(cursor, 'base64url').toString('latin1'));
  if (!m) throw new InvalidCursorError();
  const position = { snapshot: m[1], offset: Number(m[2]) };
  if (encodeDiscoverCursor(position) !== cursor) throw new InvalidCursorError();
  return position;
}
