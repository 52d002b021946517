import { describe, expect, it } from 'vitest';
import { parseHeaderBlock, ResponseParseError, ResponseParser } from '../../../src/target/http1/response-parser.ts';

const MAX = 1024;

/**
 * Feeds `wire` in pieces of `step` bytes through one reused read buffer (as the connections do), clobbering it after
 * every read; returns the parser and the body once complete.
 */
const scratch = Buffer.alloc(8 * 1024);
function parse(wire: string | Buffer, step = Infinity, noBody = false): { p: ResponseParser; body: string } {
  const bytes = typeof wire === 'string' ? Buffer.from(wire, 'utf8') : wire;
  const p = new ResponseParser(MAX);
  p.begin(noBody);
  for (let at = 0; at < bytes.length; at += step) {
    const n = bytes.copy(scratch, 0, at, Math.min(bytes.length, at + step));
    const done = p.feed(scratch, n);
    if (done && at + step < bytes.length && !p.trailingBytes) throw new Error('completed early');
    if (done) return { p, body: p.body() };
    scratch.fill(0x7e);
  }
  if (p.closed()) return { p, body: p.body() };
  throw new Error('incomplete');
}

describe('http1 ResponseParser (NodeHttpClient, http: origins)', () => {
  const fixed = 'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{"a":"béé"}'.replace('11', String(Buffer.byteLength('{"a":"béé"}')));
  const chunked = 'HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\nX-A: 1\r\n\r\n5\r\n{"a":\r\n4;ext=1\r\n"é"\r\n1\r\n}\r\n0\r\nx-trailer: t\r\n\r\n';

  it('reads a Content-Length body, in one read or split at every byte (UTF-8 split mid-character)', () => {
    for (const step of [Infinity, 1, 2, 7]) {
      const { p, body } = parse(fixed, step);
      expect(p.status).toBe(200);
      expect(body).toBe('{"a":"béé"}');
      expect(p.keepAlive).toBe(true);
      expect(parseHeaderBlock(p.head)).toEqual({ 'content-type': 'application/json', 'content-length': String(Buffer.byteLength('{"a":"béé"}')) });
    }
  });

  it('reads a chunked body with extensions and trailers, chunks split across reads anywhere', () => {
    for (const step of [Infinity, 1, 3, 5, 13]) {
      const { p, body } = parse(chunked, step);
      expect(p.status).toBe(201);
      expect(body).toBe('{"a":"é"}');
      expect(parseHeaderBlock(p.head)['x-a']).toBe('1');
    }
  });

  it('is reusable: the same parser reads the next answer on the connection', () => {
    const p = new ResponseParser(MAX);
    for (const wire of [fixed, chunked, fixed]) {
      p.begin(false);
      expect(p.feed(Buffer.from(wire))).toBe(true);
      expect(p.body()).toContain('"a":');
    }
  });

  it('skips 1xx answers; HEAD, 204 and 304 have no body', () => {
    expect(parse(`HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: x\r\n\r\n${fixed}`, 4).p.status).toBe(200);
    expect(parse('HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n', Infinity, true).body).toBe('');
    expect(parse('HTTP/1.1 204 No Content\r\n\r\n').p.status).toBe(204);
    expect(parse('HTTP/1.1 304 Not Modified\r\nContent-Length: 99\r\n\r\n').body).toBe('');
  });

  it('connection: close, HTTP/1.0 and a body delimited by the close end keep-alive', () => {
    expect(parse('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok').p.keepAlive).toBe(false);
    expect(parse('HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok').p.keepAlive).toBe(false);
    expect(parse('HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok').p.keepAlive).toBe(true);
    const { p, body } = parse('HTTP/1.1 200 OK\r\n\r\nto the end', 3);
    expect([p.keepAlive, body]).toEqual([false, 'to the end']);
  });

  it('flags bytes after a complete answer (nothing was asked for them)', () => {
    const { p, body } = parse(`${fixed}garbage`);
    expect(body).toBe('{"a":"béé"}');
    expect(p.trailingBytes).toBe(true);
  });

  it('a cut-short answer is not complete at the close', () => {
    const p = new ResponseParser(MAX);
    p.begin(false);
    expect(p.feed(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc'))).toBe(false);
    expect(p.midResponse).toBe(true);
    expect(p.closed()).toBe(false);
    p.begin(false);
    expect(p.midResponse).toBe(false);
  });

  it('rejects bytes that are not HTTP and answers beyond the size cap (protocol errors)', () => {
    const fails = (wire: string, code?: string) => {
      const p = new ResponseParser(MAX);
      p.begin(false);
      let thrown: unknown;
      try {
        p.feed(Buffer.from(wire));
      } catch (err) {
        thrown = err;
      }
      expect(thrown, wire.slice(0, 30)).toBeInstanceOf(ResponseParseError);
      if (code) expect((thrown as ResponseParseError).code).toBe(code);
    };
    fails('\x00\xff\xfe not http at all \r\n\r\n');
    fails('garbage without any line end at all');
    fails('HTTP/1.1 2x0 OK\r\n\r\n');
    fails('HTTP/1.1 200 OK\r\nContent-Length: nope\r\n\r\n');
    fails('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n');
    fails('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n');
    fails('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabXY');
    fails(`HTTP/1.1 200 OK\r\nContent-Length: ${MAX + 1}\r\n\r\n`, 'UND_ERR_RES_EXCEEDED_MAX_SIZE');
    fails(`HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${(MAX + 1).toString(16)}\r\n`, 'UND_ERR_RES_EXCEEDED_MAX_SIZE');
    fails(`HTTP/1.1 200 OK\r\n\r\n${'x'.repeat(MAX + 1)}`, 'UND_ERR_RES_EXCEEDED_MAX_SIZE');
    fails(`HTTP/1.1 200 OK\r\nx: ${'y'.repeat(70 * 1024)}`, 'HPE_HEADER_OVERFLOW');
  });

  it('parses a header block: lower-case names, repeated ones joined', () => {
    expect(parseHeaderBlock('Set-Cookie: a=1\r\nset-cookie: b=2\r\nX-Empty:\r\nbad line')).toEqual({ 'set-cookie': 'a=1, b=2', 'x-empty': '' });
  });
});
