import { describe, expect, it } from 'vitest';
import { ResponseParser, ResponseParseError } from '../../src/raw-load/blast/response-parser.ts';

function collect(noBody = false) {
  const seen: Array<[number, boolean]> = [];
  const parser = new ResponseParser((status, keepAlive) => seen.push([status, keepAlive]), noBody);
  return { parser, seen };
}

const fixed = (status: number, body: string, extra = '') =>
  `HTTP/1.1 ${status} X\r\nContent-Type: text/plain\r\n${extra}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;

describe('ResponseParser', () => {
  it('parses several Content-Length responses in one read', () => {
    const { parser, seen } = collect();
    parser.feed(Buffer.from(fixed(200, 'ok') + fixed(404, 'missing') + fixed(503, '')));
    expect(seen).toEqual([
      [200, true],
      [404, true],
      [503, true],
    ]);
  });

  it('survives every split point of a chunked response', () => {
    const wire = Buffer.from('HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nWiki\r\n5;ext=1\r\npedia\r\n0\r\nX-Trailer: 1\r\n\r\n' + fixed(200, 'next'));
    for (let cut = 1; cut < wire.length; cut++) {
      const { parser, seen } = collect();
      parser.feed(wire.subarray(0, cut));
      parser.feed(wire.subarray(cut));
      expect(seen, `split at ${cut}`).toEqual([
        [201, true],
        [200, true],
      ]);
    }
  });

  it('reports Connection: close, and bodiless responses for 204 and HEAD', () => {
    const { parser, seen } = collect();
    parser.feed(Buffer.from('HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n'));
    expect(seen).toEqual([[204, false]]);
    const head = collect(true);
    head.parser.feed(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n'));
    expect(head.seen).toEqual([[200, true]]);
  });

  it('skips 1xx informational heads', () => {
    const { parser, seen } = collect();
    parser.feed(Buffer.from('HTTP/1.1 100 Continue\r\n\r\n' + fixed(200, 'done')));
    expect(seen).toEqual([[200, true]]);
  });

  it('rejects garbage and responses it cannot delimit', () => {
    expect(() => collect().parser.feed(Buffer.from('SSH-2.0-OpenSSH\r\n\r\n'))).toThrow(ResponseParseError);
    expect(() => collect().parser.feed(Buffer.from('HTTP/1.1 200 OK\r\nServer: x\r\n\r\nbody until close'))).toThrow(/Content-Length/);
    expect(() => collect().parser.feed(Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n'))).toThrow(/chunk size/);
  });
});

describe('ResponseParser on a reused read buffer', () => {
  it('copies what it keeps: heads split across reads survive the buffer being overwritten', () => {
    const wire = Buffer.from(fixed(200, 'ok', 'Connection: keep-alive\r\n') + fixed(503, 'busy', 'connection: Close\r\n'));
    for (let cut = 1; cut < wire.length; cut++) {
      const { parser, seen } = collect();
      const shared = Buffer.alloc(wire.length + 16, 0x41);
      wire.copy(shared, 0, 0, cut);
      parser.feed(shared, cut);
      shared.fill(0x0d); // the next read overwrites the buffer (with bytes that would fool an unbounded search)
      wire.copy(shared, 0, cut);
      parser.feed(shared, wire.length - cut);
      expect(seen, `split at ${cut}`).toEqual([
        [200, true],
        [503, false],
      ]);
    }
  });
});
