// Admission tickets must come back however a request ends: answered, refused, or abandoned by a client that
// hung up mid-request (what a load generator does at the end of a run, and what phones do in a surge).
// A leaked ticket shrinks capacity for good; enough of them and the backend refuses everything.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBackend } from '../../src/backend/launch.ts';
import type { PriorityAdmissionController } from '../../src/backend/admission/admission.ts';

describe('admission tickets', () => {
  let backend: Awaited<ReturnType<typeof startBackend>>;
  let admission: PriorityAdmissionController;
  beforeAll(async () => {
    // A high scrypt cost keeps signups in flight long enough to hang up on them.
    backend = await startBackend({ scryptCost: 65536, surge: { admission: { maxEventLoopDelayMs: 0 } } });
    admission = backend.app.services.admission as PriorityAdmissionController;
  });
  afterAll(async () => {
    await backend?.close();
  });

  function hangUpDuringSignup(i: number): Promise<void> {
    const body = JSON.stringify({ handle: `hangup_${i}`, password: 'correct horse battery', displayName: 'H', locale: 'en_US', languages: ['en'], country: 'US', tz: 'UTC' });
    return new Promise((resolve) => {
      const socket = net.connect(backend.port, '127.0.0.1', () => {
        socket.write(`POST /v1/users HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
        setTimeout(() => {
          socket.destroy();
          resolve();
        }, 20);
      });
      socket.on('error', () => resolve());
    });
  }

  it('are released when clients hang up while their requests are being handled', async () => {
    await Promise.all(Array.from({ length: 12 }, (_, i) => hangUpDuringSignup(i)));
    for (let i = 0; i < 100 && admission.current() > 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect(admission.current()).toBe(0);
    const res = await fetch(`${backend.url}/healthz`);
    expect(res.status).toBe(200);
  });
});
