// A minimal incremental HTTP/1.1 response parser for the blast hot path: it only needs each response's status
// and where it ends (Content-Length, chunked, or no body), so it never builds header objects or body strings.
// Allocation per response: none for bodies; one short latin1 string of the header block.

const CRLFCRLF = Buffer.from('\r\n\r\n');
const CRLF = Buffer.from('\r\n');
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

export class ResponseParser {
  private state: State = State.Head;
  /** Unconsumed bytes of a header block (or chunk-size line) split across reads. */
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

  feed(chunk: Buffer): void {
    let buf = chunk;
    if (this.pending) {
      buf = Buffer.concat([this.pending, chunk]);
      this.pending = null;
    }
    let pos = 0;
    const len = buf.length;
    while (pos < len) {
      switch (this.state) {
        case State.Head: {
          const end = buf.indexOf(CRLFCRLF, pos);
          if (end < 0) {
            if (len - pos > MAX_HEADER_BYTES) throw new ResponseParseError('response header block too large');
            this.pending = buf.subarray(pos);
            return;
          }
          this.parseHead(buf.toString('latin1', pos, end));
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
          const end = buf.indexOf(CRLF, pos);
          if (end < 0) {
            if (len - pos > 1024) throw new ResponseParseError('chunk size line too long');
            this.pending = buf.subarray(pos);
            return;
          }
          const line = buf.toString('latin1', pos, end);
          const semi = line.indexOf(';');
          const size = parseInt(semi < 0 ? line : line.slice(0, semi), 16);
          if (!Number.isFinite(size) || size < 0) throw new ResponseParseError(`bad chunk size '${line}'`);
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
          const end = buf.indexOf(CRLF, pos);
          if (end < 0) {
            this.pending = buf.subarray(pos);
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

  private parseHead(head: string): void {
    // "HTTP/1.1 200 OK"
    if (head.charCodeAt(0) !== 72 /* H */ || head.length < 12) throw new ResponseParseError(`not an HTTP response: '${head.slice(0, 40)}'`);
    const status = (head.charCodeAt(9) - 48) * 100 + (head.charCodeAt(10) - 48) * 10 + (head.charCodeAt(11) - 48);
    if (!(status >= 100 && status <= 999)) throw new ResponseParseError(`bad status line: '${head.slice(0, 40)}'`);
    this.status = status;
    if (status < 200) {
      this.state = State.Head; // 1xx informational: another head follows
      return;
    }
    const lower = head.toLowerCase();
    this.keepAlive = !/\r\nconnection:[^\r]*close/.test(lower);
    if (this.noBody || status === 204 || status === 304) {
      this.complete();
      return;
    }
    if (lower.includes('\r\ntransfer-encoding:') && /\r\ntransfer-encoding:[^\r]*chunked/.test(lower)) {
      this.state = State.ChunkSize;
      return;
    }
    const cl = lower.indexOf('\r\ncontent-length:');
    if (cl >= 0) {
      const lineEnd = lower.indexOf('\r\n', cl + 17);
      const value = parseInt(lower.slice(cl + 17, lineEnd < 0 ? lower.length : lineEnd).trim(), 10);
      if (!Number.isFinite(value) || value < 0) throw new ResponseParseError('bad content-length');
      if (value === 0) {
        this.complete();
      } else {
        this.remaining = value;
        this.state = State.FixedBody;
      }
      return;
    }
    // No length: body runs to connection close. Keep-alive blasting cannot use such a server.
    throw new ResponseParseError('response without Content-Length or chunked encoding (connection-close bodies are not supported)');
  }

  private complete(): void {
    this.state = State.Head;
    this.onResponse(this.status, this.keepAlive);
  }
}
