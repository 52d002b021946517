// Service-backed tests: run when DATABASE_URL / REDIS_URL are set; when FLASHCROWD_REQUIRE_SERVICES=1 (as .ci/run sets)
// an unreachable service fails the test instead of skipping it.
import net from 'node:net';

export const DATABASE_URL = process.env.DATABASE_URL;
export const REDIS_URL = process.env.REDIS_URL;
export const SERVICES_REQUIRED = process.env.FLASHCROWD_REQUIRE_SERVICES === '1';

function reachable(url: string, defaultPort: number): Promise<boolean> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: u.hostname || '127.0.0.1', port: Number(u.port) || defaultPort });
    socket.setTimeout(2000);
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
    socket.once('error', () => resolve(false));
  });
}

/**
 * Resolves to the URL when the service should be tested, or undefined to skip (with a reason printed).
 * Throws when the service is required but unreachable.
 */
export async function serviceUrl(kind: 'postgres' | 'redis'): Promise<string | undefined> {
  const url = kind === 'postgres' ? DATABASE_URL : REDIS_URL;
  const envName = kind === 'postgres' ? 'DATABASE_URL' : 'REDIS_URL';
  if (!url) {
    if (SERVICES_REQUIRED) throw new Error(`${envName} is required (FLASHCROWD_REQUIRE_SERVICES=1) but not set`);
    console.warn(`[skip] ${kind} tests: set ${envName} to run them`);
    return undefined;
  }
  const ok = await reachable(url, kind === 'postgres' ? 5432 : 6379);
  if (!ok) {
    if (SERVICES_REQUIRED) throw new Error(`${envName}=${url} is unreachable and services are required`);
    console.warn(`[skip] ${kind} tests: ${url} unreachable`);
    return undefined;
  }
  return url;
}
