// Byte scanning shared by the HTTP/1.1 response parsers (target/http1 for the engine, raw-load/blast for blast):
// CR LF searches and case-insensitive ASCII matches on Buffers, with no string made.
export const CR = 13;
export const LF = 10;

// Header names compared case-insensitively, as lower-case bytes including the colon.
export const CONTENT_LENGTH = Buffer.from('content-length:', 'latin1');
export const CONNECTION = Buffer.from('connection:', 'latin1');
export const TRANSFER_ENCODING = Buffer.from('transfer-encoding:', 'latin1');
export const CLOSE = Buffer.from('close', 'latin1');
export const CHUNKED = Buffer.from('chunked', 'latin1');

/** Does buf[at..] start with `lower` (ASCII, compared case-insensitively)? */
export function startsWithLower(buf: Buffer, at: number, end: number, lower: Buffer): boolean {
  if (end - at < lower.length) return false;
  for (let i = 0; i < lower.length; i++) if ((buf[at + i] | 0x20) !== lower[i] && buf[at + i] !== lower[i]) return false;
  return true;
}

/** Does buf[from, end) contain `lower` (ASCII, case-insensitively)? */
export function containsLower(buf: Buffer, from: number, end: number, lower: Buffer): boolean {
  for (let at = from; at + lower.length <= end; at++) if (startsWithLower(buf, at, end, lower)) return true;
  return false;
}

/** Index of the first CR LF at or after `from` and before `end`, or -1. */
export function findCrlf(buf: Buffer, from: number, end: number): number {
  for (let i = from; i + 1 < end; i++) if (buf[i] === CR && buf[i + 1] === LF) return i;
  return -1;
}

/** Index of the first CR LF CR LF at or after `from` and before `end`, or -1. */
export function findHeadEnd(buf: Buffer, from: number, end: number): number {
  for (let i = from; i + 3 < end; i++) {
    if (buf[i + 3] !== LF) continue; // most bytes fail here: skip ahead cheaply
    if (buf[i] === CR && buf[i + 1] === LF && buf[i + 2] === CR) return i;
  }
  return -1;
}
