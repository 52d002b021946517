// Run an exported k6 script's logic without k6: the k6 modules are replaced by recording stubs. http.asyncRequest
// (what adapters use) performs real HTTP with fetch; the synchronous http.get/post/batch of the reference-API
// session answer from `respond` (a stand-in API in the test). Like k6, every request is counted as failed or not
// by its responseCallback (default: 200-399 expected), and every check is recorded, so a test can assert what a
// k6 run would show: checks passing and http_req_failed.
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';

type Expected = { __expected: (number | { min: number; max: number })[] };
export interface StubRequest {
  method: string;
  url: string;
  body: string | null;
  headers: Record<string, string>;
  tags: Record<string, string>;
  status: number;
  failed: boolean;
}
export interface StubCheck {
  name: string;
  pass: boolean;
}
export type SyncResponder = (method: string, url: string, body: string | null, headers: Record<string, string>) => { status: number; body: unknown };

export interface LoadedScript {
  options: { scenarios: Record<string, unknown>; setupTimeout?: string; thresholds: Record<string, string[]> };
  setup?: () => unknown;
  session: () => unknown;
  requests: StubRequest[];
  checks: StubCheck[];
  /** The scenario and iteration the next session() plays (k6/execution). */
  at: { name: string; iteration: number };
}

function isExpected(status: number, cb: Expected | undefined): boolean {
  const specs = cb?.__expected ?? [{ min: 200, max: 399 }];
  return specs.some((s) => (typeof s === 'number' ? s === status : status >= s.min && status <= s.max));
}

export async function loadExportedScript(dir: string, files: Record<string, string>, opts: { target: string; respond?: SyncResponder }): Promise<LoadedScript> {
  const requests: StubRequest[] = [];
  const checks: StubCheck[] = [];
  const at = { name: '', iteration: 0 };
  const record = (method: string, url: string, body: string | null, params: { headers?: Record<string, string>; tags?: Record<string, string>; responseCallback?: Expected } | undefined, status: number) => {
    requests.push({ method, url, body, headers: params?.headers ?? {}, tags: params?.tags ?? {}, status, failed: !isExpected(status, params?.responseCallback) });
  };
  const syncRequest = (method: string, url: string, body: string | null, params: Parameters<typeof record>[3]) => {
    if (!opts.respond) throw new Error('this script uses synchronous http.*: give loadExportedScript a responder');
    const r = opts.respond(method, url, body, params?.headers ?? {});
    record(method, url, body, params, r.status);
    return { status: r.status, json: () => r.body, body: JSON.stringify(r.body) };
  };
  const http = {
    get: (url: string, params: never) => syncRequest('GET', url, null, params),
    post: (url: string, body: string | null, params: never) => syncRequest('POST', url, body, params),
    batch: (reqs: { method: string; url: string; body: string | null; params: never }[]) => reqs.map((r) => syncRequest(r.method, r.url, r.body, r.params)),
    expectedStatuses: (...specs: Expected['__expected']): Expected => ({ __expected: specs }),
    async asyncRequest(method: string, url: string, body: string | null, params: Parameters<typeof record>[3] & { timeout?: string }) {
      let status = 0;
      let text = '';
      let headers: Record<string, string> = {};
      let error = '';
      let error_code = 0;
      try {
        const res = await fetch(url, { method, headers: params?.headers, body: body ?? undefined, signal: AbortSignal.timeout(10_000) });
        status = res.status;
        // k6 canonicalises header names (Content-Type); the client must not depend on the case.
        headers = Object.fromEntries([...res.headers].map(([k, v]) => [k.replace(/(^|-)([a-z])/g, (_m, a: string, b: string) => a + b.toUpperCase()), v]));
        text = await res.text();
      } catch (err) {
        const code = (err as { cause?: { code?: string } }).cause?.code;
        error = String(err);
        error_code = code === 'ECONNREFUSED' ? 1212 : 1000;
      }
      record(method, url, body, params, status);
      return { status, headers, body: text, error, error_code };
    },
  };
  const k6 = {
    http,
    check: (value: unknown, sets: Record<string, (v: unknown) => boolean>) => {
      let all = true;
      for (const [name, fn] of Object.entries(sets)) {
        const pass = Boolean(fn(value));
        checks.push({ name, pass });
        all &&= pass;
      }
      return all;
    },
    sleep: () => {},
    SharedArray: function (_name: string, fn: () => unknown[]) {
      return fn();
    },
    exec: {
      vu: { idInTest: 1 },
      scenario: {
        get name() {
          return at.name;
        },
        get iterationInTest() {
          return at.iteration;
        },
      },
    },
    open: (path: string) => files[`data/${path.split('/').pop()}`],
    __ENV: { FLASHCROWD_TARGET: opts.target, FLASHCROWD_DATA_DIR: join(dir, 'data') },
    createTarget: files['adapter.js'] ? ((await import(pathToFileURL(join(dir, 'adapter.js')).href)) as { createTarget: unknown }).createTarget : undefined,
  };
  const script = files['script.js']!;
  const body = script
    .replace(/^import .*$/gm, '')
    .replace(/^export const options =/m, 'const options =')
    .replace(/^export (async )?function (\w+)/gm, '$1function $2');
  const hasSetup = /^export (async )?function setup\b/m.test(script);
  const factory = new Function(...Object.keys(k6), `${body}\nreturn { options, session, setup: ${hasSetup ? 'setup' : 'undefined'} };`);
  const mod = factory(...Object.values(k6)) as Pick<LoadedScript, 'options' | 'setup' | 'session'>;
  return { ...mod, requests, checks, at };
}

/**
 * A stateful stand-in for the reference API, answering the synchronous requests of a reference-API export: signup
 * 201 (409 when the handle exists), login 200 (401 for an unknown handle or wrong password), feeds of the posts so
 * far, writes 201 (reports 202). Enough to see whether a session's statuses are the ones it declared expected.
 */
export function referenceStandIn(): SyncResponder & { accounts: Map<string, { id: string; password: string; token: string }> } {
  const accounts = new Map<string, { id: string; password: string; token: string }>();
  const posts: { id: string; authorId: string; lang: string }[] = [];
  let seq = 0;
  const respond = ((method: string, url: string, body: string | null, headers: Record<string, string>) => {
    const path = new URL(url).pathname;
    const json = body ? JSON.parse(body) : {};
    if (method === 'POST' && path === '/v1/users') {
      if (accounts.has(json.handle)) return { status: 409, body: { error: { code: 'handle_taken', message: 'taken' } } };
      const a = { id: `u${++seq}`, password: json.password, token: `t${seq}` };
      accounts.set(json.handle, a);
      return { status: 201, body: { id: a.id, handle: json.handle, token: a.token } };
    }
    if (method === 'POST' && path === '/v1/sessions') {
      const a = accounts.get(json.handle);
      return a && a.password === json.password ? { status: 200, body: { userId: a.id, token: a.token } } : { status: 401, body: { error: { code: 'unauthorized', message: 'no' } } };
    }
    const token = (headers.authorization ?? headers.Authorization ?? '').replace(/^Bearer /, '');
    const me = [...accounts.values()].find((a) => a.token === token);
    if (!me) return { status: 401, body: { error: { code: 'unauthorized', message: 'no token' } } };
    if (path.startsWith('/v1/feed/')) return { status: 200, body: { items: posts.slice(-20), nextCursor: null } };
    if (method === 'POST' && path === '/v1/posts') {
      const p = { id: `p${++seq}`, authorId: me.id, lang: seq % 2 ? 'zh' : 'en' };
      posts.push(p);
      return { status: 201, body: { id: p.id, createdAt: new Date().toISOString(), lang: p.lang } };
    }
    if (method === 'POST' && path === '/v1/reports') return { status: 202, body: {} };
    if (method === 'GET' && path.startsWith('/v1/posts/')) return { status: 200, body: { id: path.split('/')[3] } };
    if (method === 'POST') return { status: 201, body: { id: `x${++seq}` } };
    return { status: 404, body: { error: { code: 'not_found', message: path } } };
  }) as SyncResponder & { accounts: typeof accounts };
  respond.accounts = accounts;
  return respond;
}

/** Serve a SyncResponder over HTTP on 127.0.0.1 (for scripts whose requests are real: http.asyncRequest). */
export async function serveResponder(respond: SyncResponder): Promise<{ url: string; close: () => Promise<void> }> {
  const { createServer } = await import('node:http');
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      const r = respond(req.method!, `http://x${req.url}`, raw || null, req.headers as Record<string, string>);
      res.writeHead(r.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(r.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => (server.closeAllConnections(), server.close(() => r()))) };
}
