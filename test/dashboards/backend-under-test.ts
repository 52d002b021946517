// A real reference backend (embedded store, in-process cache) on 127.0.0.1 and a little HTTP traffic through it,
// so its social_* series exist for the dashboard queries. Tests may wire harness and backend together.

import { startBackend, type BackendConfigInput } from '../../src/backend/launch.ts';

export interface BackendUnderTest {
  url: string;
  close(): Promise<void>;
}

/** The embedded store has no connection pool; with Postgres the pool panels have data too. */
export async function startBackendUnderTest(options: BackendConfigInput = {}): Promise<BackendUnderTest> {
  const backend = await startBackend({ host: '127.0.0.1', port: 0, logLevel: 'silent', ...options });
  return { url: backend.url, close: () => backend.close() };
}

async function call(base: string, method: string, path: string, body?: unknown, token?: string, ip?: string): Promise<{ status: number; json: any }> {
  const res = await fetch(base + path, {
    method,
    headers: {
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(ip ? { 'x-forwarded-for': ip } : {}),
    },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined };
}

/** Signs people up, follows, posts in two languages, reads feeds and asks for translations until durationMs. */
export async function driveBackend(base: string, durationMs: number): Promise<void> {
  const started = Date.now();
  const people: { id: string; token: string }[] = [];
  for (let i = 0; i < 6; i++) {
    const zh = i % 2 === 0;
    const r = await call(base, 'POST', '/v1/users', {
      handle: `prom_${i}_${started % 100000}`,
      password: 'correct horse battery',
      displayName: `Person ${i}`,
      locale: zh ? 'zh_CN' : 'en_US',
      languages: zh ? ['zh', 'en'] : ['en'],
      country: zh ? 'CN' : 'US',
      tz: zh ? 'Asia/Shanghai' : 'America/New_York',
    }, undefined, `10.0.0.${i + 1}`);
    if (r.status !== 201) throw new Error(`signup failed: ${r.status} ${JSON.stringify(r.json)}`);
    people.push({ id: r.json.id, token: r.json.token });
  }
  for (const a of people) for (const b of people) if (a !== b) await call(base, 'POST', '/v1/follows', { userId: b.id }, a.token);

  let n = 0;
  const posts: string[] = [];
  while (Date.now() - started < durationMs) {
    const p = people[n % people.length];
    const text = n % 2 ? `Hello from the new place, my cat says hi #${n}` : `大家好，这是我的猫，今天天气很好 ${n}`;
    const post = await call(base, 'POST', '/v1/posts', { text, tags: ['cat'], media: [] }, p.token);
    if (post.status === 201) posts.push(post.json.id);
    await call(base, 'GET', '/v1/feed/following?limit=20', undefined, p.token);
    await call(base, 'GET', '/v1/feed/discover?limit=20', undefined, p.token);
    if (posts.length) {
      const id = posts[n % posts.length];
      await call(base, 'GET', `/v1/posts/${id}?translate=${n % 2 ? 'zh' : 'en'}`, undefined, p.token);
      await call(base, 'POST', `/v1/posts/${id}/likes`, undefined, p.token);
    }
    await call(base, 'GET', '/v1/posts/does-not-exist', undefined, p.token);
    n++;
    await new Promise((r) => setTimeout(r, 50));
  }
}
