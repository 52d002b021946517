// An incremental HTTP/1.1 response parser for NodeHttpClient's keep-alive connections (issue 15): one instance per
// connection, reused for every response on it. It finds where a response ends (Content-Length, chunked, no body, or
// the connection's close) the way blast's parser does (src/raw-load/blast/response-parser.ts; both scan bytes with ./bytes.ts), and also keeps what an adapter reads: the status, the header block (as a latin1 string, parsed
// into an object only if asked) and the body, decoded once as UTF-8 when the response is complete.
//
// The buffer it is fed may be reused by the caller for the next read (the connections read into one shared buffer):
// a body that arrives in one read is decoded straight from it, with no copy; whatever must outlive a `feed` call
// (a header block or body split across reads) is copied.

import { CHUNKED, CLOSE, CONNECTION, CONTENT_LENGTH, CR, LF, TRANSFER_ENCODING, containsLower, findCrlf, findHeadEnd, startsWithLower } from './bytes.ts';
import { utf8Text } from './utf8.ts';

const MAX_HEADER_BYTES = 64 * 1024;

const enum State {
  Head,
  FixedBody,
  ChunkSize,
  ChunkData,
  ChunkDataEnd,
  Trailers,
  UntilClose,
  Done,
}

/** Bytes that are not a valid HTTP/1.x response (classified 'protocol'). */
export class ResponseParseError extends Error {
  readonly code: string;
  constructor(message: string, code = 'HPE_INVALID_RESPONSE') {
    super(message);
    this.code = code;
  }
}

const KEEP_ALIVE = Buffer.from('keep-alive', 'latin1');
const HTTP_1 = Buffer.from('HTTP/1.', 'latin1');

function excerpt(buf: Buffer, from: number, end: number): string {
  return JSON.stringify(buf.toString('latin1', from, Math.min(end, from + 40)));
}

export class ResponseParser {
  private state: State = State.Done;
  /** Unconsumed bytes of a header block (or chunk-size/trailer line) split across reads: a copy. */
  private pending: Buffer | null = null;
  private remaining = 0;
  private noBody = false;
  /** The response being read. */
  status = 0;
  /** Header lines after the status line, CR LF separated (latin1). */
  head = '';
  keepAlive = true;
  /** Set when bytes followed a complete response in the same read: the connection cannot be trusted any more. */
  trailingBytes = false;
  // The body: one view (the usual case) or several.
  private one: Buffer | null = null;
  /** Is `one` a copy (or a view into the caller's buffer, valid only during feed)? */
  private oneOwned = false;
  private oneStart = 0;
  private oneEnd = 0;
  private pieces: Buffer[] | null = null;
  private bodyBytes = 0;

  constructor(private readonly maxBodyBytes: number) {}

  /** Expect the answer to a new request (`noBody` for HEAD). */
  begin(noBody: boolean): void {
    this.state = State.Head;
    this.noBody = noBody;
    this.pending = null;
    this.trailingBytes = false;
    this.status = 0;
    this.head = '';
    this.clearBody();
  }

  get complete(): boolean {
    return this.state === State.Done;
  }

  /** Has a response started but not ended? (False before its first byte and after its last.) */
  get midResponse(): boolean {
    return this.state !== State.Done && (this.state !== State.Head || this.pending !== null || this.status !== 0);
  }

  /**
   * Parse buf[0, len); returns true when the response is complete (then read status, head, keepAlive, body() before
   * the caller reuses buf). Throws a ResponseParseError on bytes that are not HTTP or a body beyond the cap.
   */
  feed(chunk: Buffer, len = chunk.length): boolean {
    if (this.run(chunk, len)) return true;
    if (this.one && !this.oneOwned) {
      this.one = Buffer.from(this.one.subarray(this.oneStart, this.oneEnd));
      this.oneOwned = true;
      this.oneStart = 0;
      this.oneEnd = this.one.length;
    }
    return false;
  }

  private run(chunk: Buffer, len: number): boolean {
    let buf = chunk;
    if (this.pending) {
      buf = Buffer.concat([this.pending, chunk.subarray(0, len)]);
      len = buf.length;
      this.pending = null;
    }
    let pos = 0;
    while (pos < len) {
      switch (this.state) {
        case State.Head: {
          const end = findHeadEnd(buf, pos, len);
          if (end < 0) {
            if (len - pos > MAX_HEADER_BYTES) throw new ResponseParseError('response header block too large', 'HPE_HEADER_OVERFLOW');
            if (len - pos >= 8 && !startsWithLower(buf, pos, len, HTTP_1)) throw new ResponseParseError(`not an HTTP response: ${excerpt(buf, pos, len)}`);
            this.pending = Buffer.from(buf.subarray(pos, len));
            return false;
          }
          this.parseHead(buf, pos, end);
          pos = end + 4;
          break;
        }
        case State.FixedBody:
        case State.UntilClose: {
          const take = this.state === State.UntilClose ? len - pos : Math.min(this.remaining, len - pos);
          this.take(buf, pos, pos + take);
          pos += take;
          this.remaining -= take;
          if (this.remaining === 0 && this.state === State.FixedBody) this.state = State.Done;
          break;
        }
        case State.ChunkSize: {
          const end = findCrlf(buf, pos, len);
          if (end < 0) {
            if (len - pos > 1024) throw new ResponseParseError('chunk size line too long', 'HPE_INVALID_CHUNK_SIZE');
            this.pending = Buffer.from(buf.subarray(pos, len));
            return false;
          }
          const size = chunkSize(buf, pos, end);
          pos = end + 2;
          if (size === 0) this.state = State.Trailers;
          else {
            if (this.bodyBytes + size > this.maxBodyBytes) throw sizeError(this.maxBodyBytes);
            this.remaining = size;
            this.state = State.ChunkData;
          }
          break;
        }
        case State.ChunkData: {
          const take = Math.min(this.remaining, len - pos);
          this.take(buf, pos, pos + take);
          pos += take;
          this.remaining -= take;
          if (this.remaining === 0) {
            this.remaining = 2; // the CR LF after chunk data
            this.state = State.ChunkDataEnd;
          }
          break;
        }
        case State.ChunkDataEnd: {
          if (buf[pos] !== (this.remaining === 2 ? CR : LF)) throw new ResponseParseError('chunk data not followed by CR LF', 'HPE_INVALID_CHUNK_SIZE');
          pos++;
          if (--this.remaining === 0) this.state = State.ChunkSize;
          break;
        }
        case State.Trailers: {
          // Zero or more trailer lines, then an empty line.
          const end = findCrlf(buf, pos, len);
          if (end < 0) {
            if (len - pos > MAX_HEADER_BYTES) throw new ResponseParseError('trailers too large', 'HPE_HEADER_OVERFLOW');
            this.pending = Buffer.from(buf.subarray(pos, len));
            return false;
          }
          const empty = end === pos;
          pos = end + 2;
          if (empty) this.state = State.Done;
          break;
        }
        case State.Done:
          // Bytes after the answer to the one request in flight (pipelining is 1): nothing can be waiting for them.
          this.trailingBytes = true;
          return true;
      }
    }
    return this.state === State.Done;
  }

  /** The connection closed: completes a body delimited by the close; false if the response was cut short. */
  closed(): boolean {
    if (this.state !== State.UntilClose) return this.state === State.Done;
    this.state = State.Done;
    return true;
  }

  /** The body, decoded as UTF-8 once; lets go of the views into the read buffers. */
  body(): string {
    let out = '';
    if (this.pieces) {
      const all = Buffer.concat(this.pieces, this.bodyBytes);
      out = utf8Text(all, 0, all.length);
    } else if (this.one) out = utf8Text(this.one, this.oneStart, this.oneEnd);
    this.clearBody();
    return out;
  }

  private clearBody(): void {
    this.one = null;
    this.pieces = null;
    this.bodyBytes = 0;
  }

  private take(buf: Buffer, from: number, to: number): void {
    if (to === from) return;
    this.bodyBytes += to - from;
    if (this.bodyBytes > this.maxBodyBytes) throw sizeError(this.maxBodyBytes);
    if (this.pieces) this.pieces.push(Buffer.from(buf.subarray(from, to)));
    else if (this.one) {
      const first = this.one.subarray(this.oneStart, this.oneEnd);
      this.pieces = [this.oneOwned ? first : Buffer.from(first), Buffer.from(buf.subarray(from, to))];
      this.one = null;
    } else {
      this.one = buf;
      this.oneOwned = false;
      this.oneStart = from;
      this.oneEnd = to;
    }
  }

  /** The head in buf[start, end) (end = its CR LF CR LF). */
  private parseHead(buf: Buffer, start: number, end: number): void {
    // "HTTP/1.1 200 OK"
    if (end - start < 12 || !startsWithLower(buf, start, end, HTTP_1) || buf[start + 8] !== 32) {
      throw new ResponseParseError(`not an HTTP response: ${excerpt(buf, start, end)}`);
    }
    const d0 = buf[start + 9] - 48;
    const d1 = buf[start + 10] - 48;
    const d2 = buf[start + 11] - 48;
    const status = d0 * 100 + d1 * 10 + d2;
    if (!(d0 >= 1 && d0 <= 9 && d1 >= 0 && d1 <= 9 && d2 >= 0 && d2 <= 9)) throw new ResponseParseError(`bad status line: ${excerpt(buf, start, end)}`);
    if (status < 200) return; // 1xx informational: the final head follows
    this.status = status;
    let keepAlive = buf[start + 7] !== 48; // HTTP/1.0 closes unless it says keep-alive
    let chunked = false;
    let length = -1;
    const firstLine = findCrlf(buf, start, end);
    let line = firstLine;
    while (line >= 0) {
      const from = line + 2;
      const next = findCrlf(buf, from, end);
      const to = next < 0 ? end : next;
      const first = buf[from] | 0x20;
      if (first === 0x63 /* c */) {
        if (startsWithLower(buf, from, to, CONTENT_LENGTH)) {
          const value = decimal(buf, from + CONTENT_LENGTH.length, to);
          if (length >= 0 && value !== length) throw new ResponseParseError('conflicting content-length headers', 'HPE_UNEXPECTED_CONTENT_LENGTH');
          length = value;
        } else if (startsWithLower(buf, from, to, CONNECTION)) {
          if (containsLower(buf, from + CONNECTION.length, to, CLOSE)) keepAlive = false;
          else if (containsLower(buf, from + CONNECTION.length, to, KEEP_ALIVE)) keepAlive = true;
        }
      } else if (first === 0x74 /* t */ && startsWithLower(buf, from, to, TRANSFER_ENCODING)) {
        chunked = containsLower(buf, from + TRANSFER_ENCODING.length, to, CHUNKED);
      }
      line = next;
    }
    this.keepAlive = keepAlive;
    this.head = firstLine < 0 ? '' : buf.toString('latin1', firstLine + 2, end);
    if (this.noBody || status === 204 || status === 304) this.state = State.Done;
    else if (chunked) this.state = State.ChunkSize;
    else if (length === 0) this.state = State.Done;
    else if (length > 0) {
      if (length > this.maxBodyBytes) throw sizeError(this.maxBodyBytes);
      this.remaining = length;
      this.state = State.FixedBody;
    } else {
      this.keepAlive = false; // the body runs to the connection's close
      this.state = State.UntilClose;
    }
  }
}

function sizeError(max: number): ResponseParseError {
  return new ResponseParseError(`response body larger than ${max} bytes`, 'UND_ERR_RES_EXCEEDED_MAX_SIZE');
}

/** A Content-Length value: optional spaces, digits, optional spaces. */
function decimal(buf: Buffer, from: number, to: number): number {
  let i = from;
  while (i < to && (buf[i] === 32 || buf[i] === 9)) i++;
  let value = 0;
  let digits = 0;
  for (; i < to && buf[i] >= 48 && buf[i] <= 57; i++, digits++) value = value * 10 + (buf[i] - 48);
  while (i < to && (buf[i] === 32 || buf[i] === 9)) i++;
  if (digits === 0 || i !== to || !Number.isSafeInteger(value)) throw new ResponseParseError('bad content-length', 'HPE_INVALID_CONTENT_LENGTH');
  return value;
}

/** A chunk-size line: hex digits, then optional `;extensions`. */
function chunkSize(buf: Buffer, from: number, to: number): number {
  let size = 0;
  let digits = 0;
  let i = from;
  for (; i < to; i++, digits++) {
    const b = buf[i];
    const d = b >= 48 && b <= 57 ? b - 48 : (b | 0x20) >= 97 && (b | 0x20) <= 102 ? (b | 0x20) - 87 : -1;
    if (d < 0) break;
    size = size * 16 + d;
  }
  if (digits === 0 || digits > 12 || (i < to && buf[i] !== 59 /* ; */ && buf[i] !== 32 && buf[i] !== 9)) {
    throw new ResponseParseError(`bad chunk size ${excerpt(buf, from, to)}`, 'HPE_INVALID_CHUNK_SIZE');
  }
  return size;
}

/** A header block (lines separated by CR LF) as an object: lower-case names, repeated ones joined by ", ". */
export function parseHeaderBlock(head: string): Record<string, string> {
  const out: Record<string, string> = {};
  let at = 0;
  while (at < head.length) {
    let end = head.indexOf('\r\n', at);
    if (end < 0) end = head.length;
    const colon = head.indexOf(':', at);
    if (colon > at && colon < end) {
      const name = head.slice(at, colon).trim().toLowerCase();
      const value = head.slice(colon + 1, end).trim();
      const had = out[name];
      out[name] = had === undefined ? value : `${had}, ${value}`;
    }
    at = end + 2;
  }
  return out;
}
