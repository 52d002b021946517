// A minimal incremental HTTP/1.1 response parser for the blast hot path: it only needs each response's status
// and where it ends (Content-Length, chunked, or no body), so it never builds header objects or body strings.
// It reads bytes in place: no allocation per response (bar an error message). The bytes it is fed may live in a
// buffer the caller reuses for the next read (`feed(buf, len)`): whatever must outlive the call (a header block
// split across reads) is copied.

import { CHUNKED, CLOSE, CONNECTION, CONTENT_LENGTH, CR, LF, TRANSFER_ENCODING, containsLower, findCrlf, findHeadEnd, startsWithLower } from '../../target/http1/bytes.ts';

const MAX_HEADER_BYTES = 64 * 1024;

const enum State {
  Head,
  FixedBody,
  ChunkSize,
  ChunkData,
  ChunkDataEnd,
  Trailers,
}

export class ResponseParseError extends Error {}

function text(buf: Buffer, from: number, end: number): string {
  return buf.toString('latin1', from, Math.min(end, from + 40));
}

export class ResponseParser {
  private state: State = State.Head;
  /** Unconsumed bytes of a header block (or chunk-size line) split across reads: a copy. */
  private pending: Buffer | null = null;
  private remaining = 0;
  private status = 0;
  private keepAlive = true;

  /**
   * `onResponse(status, keepAlive)` is called once per complete response; keepAlive is false when the server
   * announced `Connection: close`. `noBody` is for HEAD requests.
   */
  constructor(
    private readonly onResponse: (status: number, keepAlive: boolean) => void,
    private readonly noBody = false,
  ) {}

  reset(): void {
    this.state = State.Head;
    this.pending = null;
    this.remaining = 0;
  }

  /** Parse buf[0, len) (len defaults to the whole buffer); the caller may reuse buf afterwards. */
  feed(chunk: Buffer, len = chunk.length): void {
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
            if (len - pos > MAX_HEADER_BYTES) throw new ResponseParseError('response header block too large');
            this.pending = Buffer.from(buf.subarray(pos, len));
            return;
          }
          this.parseHead(buf, pos, end);
          pos = end + 4;
          break;
        }
        case State.FixedBody: {
          const take = Math.min(this.remaining, len - pos);
          pos += take;
          this.remaining -= take;
          if (this.remaining === 0) this.complete();
          break;
        }
        case State.ChunkSize: {
          const end = findCrlf(buf, pos, len);
          if (end < 0) {
            if (len - pos > 1024) throw new ResponseParseError('chunk size line too long');
            this.pending = Buffer.from(buf.subarray(pos, len));
            return;
          }
          const size = chunkSize(buf, pos, end);
          pos = end + 2;
          if (size === 0) {
            this.state = State.Trailers;
          } else {
            this.remaining = size;
            this.state = State.ChunkData;
          }
          break;
        }
        case State.ChunkData: {
          const take = Math.min(this.remaining, len - pos);
          pos += take;
          this.remaining -= take;
          if (this.remaining === 0) {
            this.remaining = 2; // the CRLF after chunk data
            this.state = State.ChunkDataEnd;
          }
          break;
        }
        case State.ChunkDataEnd: {
          const take = Math.min(this.remaining, len - pos);
          pos += take;
          this.remaining -= take;
          if (this.remaining === 0) this.state = State.ChunkSize;
          break;
        }
        case State.Trailers: {
          // Zero or more trailer lines, then an empty line.
          const end = findCrlf(buf, pos, len);
          if (end < 0) {
            this.pending = Buffer.from(buf.subarray(pos, len));
            return;
          }
          const empty = end === pos;
          pos = end + 2;
          if (empty) this.complete();
          break;
        }
      }
    }
  }

  /** The head in buf[start, end) (end = its CR LF CR LF). */
  private parseHead(buf: Buffer, start: number, end: number): void {
    // "HTTP/1.1 200 OK"
    if (buf[start] !== 72 /* H */ || end - start < 12) throw new ResponseParseError(`not an HTTP response: '${text(buf, start, end)}'`);
    const status = (buf[start + 9] - 48) * 100 + (buf[start + 10] - 48) * 10 + (buf[start + 11] - 48);
    if (!(status >= 100 && status <= 999)) throw new ResponseParseError(`bad status line: '${text(buf, start, end)}'`);
    this.status = status;
    if (status < 200) {
      this.state = State.Head; // 1xx informational: another head follows
      return;
    }
    let keepAlive = true;
    let chunked = false;
    let length = -1;
    // Header lines: each starts after a CR LF; the block ends at `end`.
    let line = findCrlf(buf, start, end);
    while (line >= 0) {
      const from = line + 2;
      const next = findCrlf(buf, from, end);
      const to = next < 0 ? end : next;
      const first = buf[from] | 0x20;
      if (first === 0x63 /* c */) {
        if (startsWithLower(buf, from, to, CONTENT_LENGTH)) length = decimal(buf, from + CONTENT_LENGTH.length, to);
        else if (startsWithLower(buf, from, to, CONNECTION)) keepAlive = !containsLower(buf, from + CONNECTION.length, to, CLOSE);
      } else if (first === 0x74 /* t */ && startsWithLower(buf, from, to, TRANSFER_ENCODING)) {
        chunked = containsLower(buf, from + TRANSFER_ENCODING.length, to, CHUNKED);
      }
      line = next;
    }
    this.keepAlive = keepAlive;
    if (this.noBody || status === 204 || status === 304) {
      this.complete();
      return;
    }
    if (chunked) {
      this.state = State.ChunkSize;
      return;
    }
    if (length === 0) {
      this.complete();
    } else if (length > 0) {
      this.remaining = length;
      this.state = State.FixedBody;
    } else {
      // No length: body runs to connection close. Keep-alive blasting cannot use such a server.
      throw new ResponseParseError('response without Content-Length or chunked encoding (connection-close bodies are not supported)');
    }
  }

  private complete(): void {
    this.state = State.Head;
    this.onResponse(this.status, this.keepAlive);
  }
}

/** A Content-Length value: optional spaces, digits, optional spaces. */
function decimal(buf: Buffer, from: number, to: number): number {
  let i = from;
  while (i < to && (buf[i] === 32 || buf[i] === 9)) i++;
  let value = 0;
  let digits = 0;
  for (; i < to && buf[i] >= 48 && buf[i] <= 57; i++, digits++) value = value * 10 + (buf[i] - 48);
  while (i < to && (buf[i] === 32 || buf[i] === 9)) i++;
  if (digits === 0 || i !== to || !Number.isSafeInteger(value)) throw new ResponseParseError('bad content-length');
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
  if (digits === 0 || (i < to && buf[i] !== 59 /* ; */ && buf[i] !== 32) || !Number.isSafeInteger(size)) {
    throw new ResponseParseError(`bad chunk size '${text(buf, from, to)}'`);
  }
  return size;
}
