// NodeHttpClient's own HTTP/1.1 client (http: origins) against real local servers: node:http for the well-behaved
// cases, raw net servers for what node:http would never send (1xx, split chunks, trailing garbage, stale keep-alive
// connections, answers cut short).
import { afterEach, describe, expect, it } from 'vitest';
import http from 'node:http';
import net from 'node:net';
import { NodeHttpClient } from '../../../src/target/node-http-client.ts';
import { TransportError } from '../../../src/target/errors.ts';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

interface Served {
  url: string;
  /** Connections accepted so far. */
  connections(): number;
  /** Most connections open at once. */
  maxOpen(): number;
}

async function listen(server: net.Server): Promise<Served> {
  let accepted = 0;
  let open = 0;
  let maxOpen = 0;
  const sockets = new Set<net.Socket>();
  server.on('connection', (s: net.Socket) => {
    accepted++;
    maxOpen = Math.max(maxOpen, ++open);
    sockets.add(s);
    s.on('close', () => (open--, sockets.delete(s)));
    s.on('error', () => {});
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  closers.push(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((r) => server.close(r));
  });
  return { url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`, connections: () => accepted, maxOpen: () => maxOpen };
}

function client(url: string, options: { connections?: number; timeoutMs?: number; maxResponseBytes?: number } = {}): NodeHttpClient {
  const c = new NodeHttpClient({ url, ...options });
  closers.push(() => c.close());
  return c;
}

const failure = (p: Promise<unknown>) => p.then(
  () => undefined,
  (e: unknown) => (e instanceof TransportError ? e.error : { kind: 'not a TransportError', message: String(e) }),
);

/** A raw server: `answer(requestText, socket, n)` for the n-th request (0-based) on each connection. */
function rawServer(answer: (req: string, s: net.Socket, n: number) => void): Promise<Served> {
  return listen(
    net.createServer((s) => {
      let n = 0;
      let buf = '';
      s.on('data', (d) => {
        buf += d.toString('latin1');
        // One request at a time (the client does not pipeline); a body follows the head when content-length says so.
        for (;;) {
          const end = buf.indexOf('\r\n\r\n');
          if (end < 0) return;
          const len = Number(/content-length: (\d+)/i.exec(buf.slice(0, end))?.[1] ?? 0);
          if (buf.length < end + 4 + len) return;
          const req = buf.slice(0, end + 4 + len);
          buf = buf.slice(end + 4 + len);
          answer(req, s, n++);
        }
      });
    }),
  );
}

describe('NodeHttpClient on http: origins (its own HTTP/1.1 client on net sockets)', () => {
  it('reuses one keep-alive connection, sends JSON bodies with content-length, reads chunked answers from node:http', async () => {
    const served = await listen(
      http.createServer((req, res) => {
        let raw = '';
        req.on('data', (c) => (raw += c));
        req.on('end', () => {
          if (req.url === '/chunked') {
            res.writeHead(200, { 'content-type': 'application/json' });
            res.write('{"parts":[');
            setTimeout(() => res.end('"é",2]}'), 5);
            return;
          }
          if (req.method === 'HEAD' || req.url === '/empty') return res.writeHead(req.url === '/empty' ? 204 : 200, { 'content-length': '50' }).end();
          if (req.url === '/not-modified') return res.writeHead(304).end();
          res.writeHead(200, { 'content-type': 'application/json' }).end(
            JSON.stringify({ method: req.method, url: req.url, length: req.headers['content-length'] ?? null, te: req.headers['transfer-encoding'] ?? null, x: req.headers['x-trace'] ?? null, body: raw }),
          );
        });
      }),
    );
    const c = client(served.url);
    for (let i = 0; i < 10; i++) {
      const res = await c.request({ method: 'POST', path: '/echo', json: { i, text: 'ünï' }, headers: { 'x-trace': `t${i}` } });
      const echo = JSON.parse(res.body);
      expect(echo).toEqual({ method: 'POST', url: '/echo', length: String(Buffer.byteLength(JSON.stringify({ i, text: 'ünï' }))), te: null, x: `t${i}`, body: JSON.stringify({ i, text: 'ünï' }) });
    }
    expect(JSON.parse((await c.request({ method: 'POST', path: '/echo' })).body)).toMatchObject({ length: '0', body: '' });
    expect(JSON.parse((await c.request({ method: 'GET', path: '/chunked' })).body)).toEqual({ parts: ['é', 2] });
    expect(await c.request({ method: 'HEAD' as 'GET', path: '/head' })).toMatchObject({ status: 200, body: '' });
    expect(await c.request({ method: 'GET', path: '/empty' })).toMatchObject({ status: 204, body: '' });
    expect(await c.request({ method: 'GET', path: '/not-modified' })).toMatchObject({ status: 304, body: '' });
    const res = await c.request({ method: 'GET', path: '/echo' });
    expect(res.headers['content-type']).toBe('application/json');
    expect(served.connections()).toBe(1);
  });

  it('keeps to the connection limit and queues requests beyond it, in order', async () => {
    const held: (() => void)[] = [];
    const served = await listen(
      http.createServer((req, res) => {
        held.push(() => res.end(req.url));
        if (held.length === 2) setTimeout(() => held.splice(0).forEach((f) => f()), 10);
        else if (held.length === 1) setTimeout(() => held.splice(0).forEach((f) => f()), 50);
      }),
    );
    const c = client(served.url, { connections: 2 });
    const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => c.request({ method: 'GET', path: `/${i}` })));
    expect(answers.map((a) => a.body)).toEqual(Array.from({ length: 12 }, (_, i) => `/${i}`));
    expect(served.maxOpen()).toBeLessThanOrEqual(2);
    expect(served.connections()).toBe(2);
  });

  it('skips 1xx, reads chunks split across packets, follows connection: close with a new connection', async () => {
    const served = await rawServer((req, s, n) => {
      if (req.startsWith('GET /close')) return void s.end('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 5\r\n\r\nbye!!');
      if (req.startsWith('GET /until-close')) return void s.end('HTTP/1.1 200 OK\r\n\r\nall of it');
      const parts = ['HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-', 'Encoding: chunked\r\n\r\n3\r', '\nabc\r\n1', '0\r\n', '0123456789abcdef\r\n0\r\n', '\r\n'];
      parts.forEach((p, i) => setTimeout(() => s.write(p), i * 3));
      void n;
    });
    const c = client(served.url);
    expect((await c.request({ method: 'GET', path: '/split' })).body).toBe('abc0123456789abcdef');
    expect((await c.request({ method: 'GET', path: '/close' })).body).toBe('bye!!');
    expect((await c.request({ method: 'GET', path: '/until-close' })).body).toBe('all of it');
    expect((await c.request({ method: 'GET', path: '/split' })).body).toBe('abc0123456789abcdef');
    expect(served.connections()).toBe(3);
  });

  it('drops a connection that sent bytes after its answer (pipelined garbage), answering the request', async () => {
    const served = await rawServer((_req, s) => s.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nnope!'));
    const c = client(served.url);
    expect((await c.request({ method: 'GET', path: '/a' })).body).toBe('ok');
    expect((await c.request({ method: 'GET', path: '/b' })).body).toBe('ok');
    expect(served.connections()).toBe(2);
  });

  it('retries a GET once on a fresh connection when a reused one was closed before any byte of the answer; not a POST', async () => {
    // The server answers the first request of each connection and closes on the second without a byte: what a
    // keep-alive connection the server has just timed out looks like from the client.
    const served = await rawServer((_req, s, n) => (n === 0 ? s.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok') : s.destroy()));
    const c = client(served.url, { connections: 1 });
    expect((await c.request({ method: 'GET', path: '/1' })).body).toBe('ok');
    expect((await c.request({ method: 'GET', path: '/2' })).body).toBe('ok'); // retried
    expect(served.connections()).toBe(2);
    expect(await failure(c.request({ method: 'POST', path: '/3', json: {} }))).toMatchObject({ kind: 'reset' });
    // A request that fails on a fresh connection is not retried.
    const fresh = await rawServer((_req, s) => s.destroy());
    expect(await failure(client(fresh.url).request({ method: 'GET', path: '/x' }))).toMatchObject({ kind: 'reset' });
    expect(fresh.connections()).toBe(1);
  });

  it('classifies failures as before: close mid-answer and resets are reset, garbage and oversize are protocol', async () => {
    const served = await rawServer((req, s) => {
      if (req.startsWith('GET /cut ')) s.end('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly a part');
      else if (req.startsWith('GET /cut-chunked')) s.end('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab');
      else if (req.startsWith('GET /reset')) s.resetAndDestroy();
      else if (req.startsWith('GET /garbage')) s.end('\x00\xff\xfe not http at all \r\n\r\n');
      else if (req.startsWith('GET /huge ')) s.write(`HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n${'x'.repeat(5000)}`);
      else if (req.startsWith('GET /huge-chunked')) s.write(`HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${'400\r\n'.concat('y'.repeat(1024), '\r\n').repeat(5)}0\r\n\r\n`);
      else s.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
    });
    const c = client(served.url, { maxResponseBytes: 4096 });
    expect(await failure(c.request({ method: 'GET', path: '/cut' }))).toMatchObject({ kind: 'reset' });
    expect(await failure(c.request({ method: 'GET', path: '/cut-chunked' }))).toMatchObject({ kind: 'reset' });
    expect(await failure(c.request({ method: 'GET', path: '/reset' }))).toMatchObject({ kind: 'reset' });
    expect(await failure(c.request({ method: 'GET', path: '/garbage' }))).toMatchObject({ kind: 'protocol' });
    expect(await failure(c.request({ method: 'GET', path: '/huge' }))).toMatchObject({ kind: 'protocol', code: 'UND_ERR_RES_EXCEEDED_MAX_SIZE' });
    expect(await failure(c.request({ method: 'GET', path: '/huge-chunked' }))).toMatchObject({ kind: 'protocol', code: 'UND_ERR_RES_EXCEEDED_MAX_SIZE' });
    expect((await c.request({ method: 'GET', path: '/fine' })).body).toBe('ok'); // the pool recovers
    expect(await failure(c.request({ method: 'GET', path: '/bad header', headers: {} }))).toMatchObject({ kind: 'other' });
    expect(await failure(c.request({ method: 'GET', path: '/x', headers: { 'x-a': 'b\r\nevil: 1' } }))).toMatchObject({ kind: 'other' });
    const dead = client('http://127.0.0.1:1/');
    expect(await failure(dead.request({ method: 'GET', path: '/x' }))).toMatchObject({ kind: 'connect_refused' });
    // https: origins stay on undici (loaded on first use): same classification.
    expect(await failure(dead.request({ method: 'GET', path: 'https://127.0.0.1:1/x' }))).toMatchObject({ kind: 'connect_refused' });
    const tls = client('https://127.0.0.1:1/');
    expect(await failure(Promise.all([tls.request({ method: 'GET', path: '/a' }), tls.request({ method: 'GET', path: '/b' })]))).toMatchObject({ kind: 'connect_refused' });
  });

  it('times out a silent server (headers), a stalled body and a server dripping bytes (deadline); honours aborts', async () => {
    const served = await rawServer((req, s) => {
      if (req.startsWith('GET /silent')) return;
      if (req.startsWith('GET /stall')) return void s.write('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nab');
      if (req.startsWith('GET /drip')) {
        s.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n');
        const t = setInterval(() => (s.destroyed ? clearInterval(t) : s.write('1\r\nx\r\n')), 20);
        return;
      }
      s.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
    });
    const c = client(served.url, { timeoutMs: 150 });
    expect(await failure(c.request({ method: 'GET', path: '/silent' }))).toMatchObject({ kind: 'timeout', code: 'UND_ERR_HEADERS_TIMEOUT' });
    expect(await failure(c.request({ method: 'GET', path: '/stall' }))).toMatchObject({ kind: 'timeout', code: 'UND_ERR_BODY_TIMEOUT' });
    expect(await failure(c.request({ method: 'GET', path: '/drip' }))).toMatchObject({ kind: 'timeout', code: 'DEADLINE_EXCEEDED' });
    const ac = new AbortController();
    const aborted = failure(c.request({ method: 'GET', path: '/silent', signal: ac.signal }));
    setTimeout(() => ac.abort(), 10);
    expect(await aborted).toMatchObject({ kind: 'aborted' });
    expect((await c.request({ method: 'GET', path: '/fine' })).body).toBe('ok');
  });

  it('never hands one request the answer to another, through aborts, closes, resets and retries', async () => {
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const served = await rawServer((req, s) => {
      const path = req.slice(req.indexOf(' ') + 1, req.indexOf(' HTTP/'));
      const r = rand();
      setTimeout(() => {
        if (s.destroyed) return;
        if (r < 0.05) s.destroy();
        else if (r < 0.1) s.end(`HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: ${path.length}\r\n\r\n${path}`);
        else if (r < 0.3) s.write(`HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${path.length.toString(16)}\r\n${path}\r\n0\r\n\r\n`);
        else s.write(`HTTP/1.1 200 OK\r\nContent-Length: ${path.length}\r\n\r\n${path}`);
      }, Math.floor(r * 4));
    });
    const c = client(served.url, { connections: 4 });
    const outcomes = await Promise.all(
      Array.from({ length: 400 }, async (_, i) => {
        const ac = new AbortController();
        if (rand() < 0.1) setTimeout(() => ac.abort(), Math.floor(rand() * 6));
        try {
          const res = await c.request({ method: i % 5 === 0 ? 'POST' : 'GET', path: `/r${i}`, signal: ac.signal });
          return res.body === `/r${i}` ? 'ok' : `mixed: /r${i} got ${res.body}`;
        } catch (e) {
          return e instanceof TransportError ? 'failed' : String(e);
        }
      }),
    );
    expect(outcomes.filter((o) => o !== 'ok' && o !== 'failed')).toEqual([]);
    expect(outcomes.filter((o) => o === 'ok').length).toBeGreaterThan(200);
  });
});
