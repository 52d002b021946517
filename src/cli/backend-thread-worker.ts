// Worker-thread entry for the embedded reference backend (see backend-thread.ts).
import { parentPort, workerData } from 'node:worker_threads';
import { startBackend } from '../backend/launch.ts';

const port = parentPort!;
try {
  const backend = await startBackend(workerData ?? {});
  port.on('message', (message: unknown) => {
    if (message !== 'close') return;
    backend.close().then(
      () => port.postMessage({ type: 'closed' }),
      (err: unknown) => port.postMessage({ type: 'closed', error: String((err as Error)?.message ?? err) }),
    );
  });
  port.postMessage({ type: 'ready', url: backend.url, port: backend.port });
} catch (err) {
  port.postMessage({ type: 'failed', error: String((err as Error)?.stack ?? err) });
}
