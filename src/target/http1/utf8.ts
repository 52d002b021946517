// Response bodies as text (issue 15). V8's UTF-8 decoder (Buffer#toString, TextDecoder) costs ~2 ns per byte once a
// body holds non-ASCII text: a 6 KB feed page of Chinese text and emoji took ~12 µs to decode, as much as parsing it.
// ICU's converter behind `buffer.transcode` turns the same bytes into UTF-16 in ~3 µs, and the UTF-16 bytes become a
// string by a copy. It has a fixed cost (~0.7 µs a call), so it is used for non-ASCII bodies from 1 KB up; it refuses
// malformed UTF-8 (it throws), which then goes to V8's decoder and its replacement characters, as before. The text is
// the same either way (tested); only its representation may differ (a two-byte string where V8 would have made a
// one-byte one for text that is all Latin-1), which no caller can observe.
import { isAscii, transcode } from 'node:buffer';

/** Bodies at least this long that are not ASCII go through ICU. */
const TRANSCODE_FROM = 1024;
const HAS_ICU = typeof process.versions.icu === 'string';

/** buf[start, end) decoded as UTF-8 (malformed sequences become U+FFFD, as with `buf.toString('utf8')`). */
export function utf8Text(buf: Buffer, start: number, end: number): string {
  if (end - start < TRANSCODE_FROM || !HAS_ICU) return buf.toString('utf8', start, end);
  const bytes = buf.subarray(start, end);
  if (isAscii(bytes)) return buf.toString('latin1', start, end);
  let wide: Buffer;
  try {
    wide = transcode(bytes, 'utf8', 'utf16le');
  } catch {
    return buf.toString('utf8', start, end); // malformed UTF-8
  }
  return wide.toString('utf16le', 0, wide.length);
}
