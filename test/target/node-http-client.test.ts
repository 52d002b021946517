import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import { NodeHttpClient } from '../../src/target/node-http-client.ts';
import { TransportError } from '../../src/target/errors.ts';
import { jsonResult, send, transportError } from '../../src/target/http-helpers.ts';

describe('NodeHttpClient (the HttpClient adapters get under Node) and the adapter helpers', () => {
  let server: http.Server;
  let url = '';
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let raw = '';
      req.on('data', (c) => (raw += c));
      req.on('end', () => {
        if (req.url!.startsWith('/api/v2/echo')) {
          res.setHeader('set-cookie', ['a=1', 'b=2']);
          res.writeHead(200, { 'content-type': 'application/json' });
          return res.end(JSON.stringify({ method: req.method, url: req.url, type: req.headers['content-type'], body: raw }));
        }
        if (req.url === '/api/v2/busy') return res.writeHead(503, { 'retry-after': '2' }).end(JSON.stringify({ kind: 'busy', message: 'try later' }));
        if (req.url === '/api/v2/drip') {
          res.writeHead(200);
          const t = setInterval(() => res.write('x'), 50);
          return res.on('close', () => clearInterval(t));
        }
        if (req.url === '/api/v2/huge') return res.writeHead(200).end('x'.repeat(4096));
        res.writeHead(404).end('');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}/api/v2/`;
  });
  afterAll(() => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))));

  it('resolves paths against the base (prefix kept), adds the query and JSON, flattens repeated headers', async () => {
    const client = new NodeHttpClient({ url });
    const res = await client.request({ method: 'POST', path: '/echo', query: { count: 20, page: undefined, q: 'a b' }, json: { x: 1 } });
    expect(JSON.parse(res.body)).toEqual({ method: 'POST', url: '/api/v2/echo?count=20&q=a%20b', type: 'application/json', body: '{"x":1}' });
    expect(res.headers['set-cookie']).toBe('a=1, b=2');
    const abs = await client.request({ method: 'GET', path: `${url}echo?z=1`, query: { y: 2 } });
    expect(JSON.parse(abs.body).url).toBe('/api/v2/echo?z=1&y=2');
    await client.close();
    await client.close(); // idempotent: the loader and an adapter may both close it
    await expect(client.request({ method: 'GET', path: '/echo' })).rejects.toBeInstanceOf(TransportError);
  });

  it('answers with status, body and headers readable as fields; JSON keeps all three', async () => {
    const client = new NodeHttpClient({ url });
    const res = await client.request({ method: 'GET', path: '/busy' });
    expect(res.status).toBe(503);
    expect(JSON.parse(res.body)).toEqual({ kind: 'busy', message: 'try later' });
    expect(res.headers['retry-after']).toBe('2');
    expect(res.headers).toBe(res.headers); // parsed once
    expect(JSON.parse(JSON.stringify(res))).toEqual({ status: 503, headers: res.headers, body: res.body });
    expect(Object.keys(res).sort()).toEqual(['body', 'status']);
    await client.close();
  });

  it('rejects with a classified TransportError when no complete answer came: deadline, size cap, refused', async () => {
    const client = new NodeHttpClient({ url, timeoutMs: 200, maxResponseBytes: 1024 });
    const drip = await client.request({ method: 'GET', path: '/drip' }).catch((e: unknown) => e);
    expect(drip).toMatchObject({ name: 'TransportError', error: { kind: 'timeout', code: 'DEADLINE_EXCEEDED' } });
    const huge = await client.request({ method: 'GET', path: '/huge' }).catch((e: unknown) => e);
    expect(transportError(huge).error.kind).toBe('protocol');
    await client.close();
    const dead = new NodeHttpClient({ url: 'http://127.0.0.1:1/' });
    expect(await send(dead, { method: 'GET', path: '/x' }, () => 1)).toMatchObject({ ok: false, error: { kind: 'connect_refused' } });
    await dead.close();
  });

  it('maps answers: non-2xx to OpError with code, message and Retry-After; bad shapes to protocol errors', async () => {
    const client = new NodeHttpClient({ url });
    expect(await send(client, { method: 'GET', path: '/busy' }, () => 1)).toEqual({
      ok: false,
      error: { kind: 'http_5xx', status: 503, code: 'busy', message: 'try later', retryAfterMs: 2000 },
    });
    expect(await send(client, { method: 'GET', path: '/echo' }, (b) => b.method)).toEqual({ ok: true, status: 200, value: 'GET' });
    expect(await send(client, { method: 'GET', path: '/echo' }, (b) => b.missing.field)).toMatchObject({ ok: false, error: { kind: 'protocol', status: 200 } });
    expect(jsonResult({ status: 200, headers: {}, body: '{oops' }, () => 1)).toMatchObject({ ok: false, error: { kind: 'protocol' } });
    expect(jsonResult({ status: 409, headers: {}, body: '{"error":{"code":"handle_taken","message":"taken"}}' }, () => 1)).toMatchObject({ ok: false, error: { kind: 'http_4xx', code: 'handle_taken' } });
    expect(jsonResult({ status: 400, headers: {}, body: '{"error":"InvalidRequest","message":"bad"}' }, () => 1)).toMatchObject({ ok: false, error: { code: 'InvalidRequest', message: 'bad' } });
    await client.close();
  });
});
