// The reference backend under test, on 127.0.0.1 (tests may wire harness and backend together).
import { startBackend, type BackendConfigInput } from '../../src/backend/launch.ts';

export interface BackendUnderTest {
  url: string;
  close(): Promise<void>;
}

/** The embedded store has no connection pool; with Postgres (`db`, `schema`) the pool panels have data too. */
export async function startBackendUnderTest(options: BackendConfigInput = {}): Promise<BackendUnderTest> {
  const backend = await startBackend({ host: '127.0.0.1', port: 0, logLevel: 'silent', ...options });
  return { url: backend.url, close: () => backend.close() };
}
