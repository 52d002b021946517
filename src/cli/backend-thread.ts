// `run` without --target: the embedded reference backend in its own worker thread, so its CPU work (PGlite queries,
// JSON, ranking) does not share the harness's event loop. A backend on the harness's loop would make the harness
// late (schedule lag) and the measured latencies partly the harness's own.
import { Worker } from 'node:worker_threads';

export interface EmbeddedBackend {
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function startEmbeddedBackend(options: Record<string, unknown> = {}, startTimeoutMs = 60_000): Promise<EmbeddedBackend> {
  // The worker needs the TypeScript loader before it can load a .ts entry: a tiny bootstrap imports flashcrowd's
  // module hooks (bin/register.js, resolved absolutely, so any working directory works), then the real entry.
  const hooks = new URL('../../bin/register.js', import.meta.url).href;
  const entry = new URL('./backend-thread-worker.ts', import.meta.url).href;
  const bootstrap = `import(${JSON.stringify(hooks)}).then(() => import(${JSON.stringify(entry)}))`;
  const worker = new Worker(bootstrap, { eval: true, workerData: options });
  const ready = await new Promise<{ url: string; port: number }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`embedded backend did not start within ${startTimeoutMs} ms`)), startTimeoutMs);
    worker.once('error', (err) => (clearTimeout(timer), reject(err)));
    worker.once('exit', (code) => (clearTimeout(timer), reject(new Error(`embedded backend thread exited (${code}) before it was ready`))));
    worker.once('message', (m: { type: string; url: string; port: number; error?: string }) => {
      clearTimeout(timer);
      if (m.type === 'ready') resolve(m);
      else reject(new Error(`embedded backend failed to start: ${m.error}`));
    });
  }).catch(async (err) => {
    await worker.terminate();
    throw err;
  });
  worker.removeAllListeners('exit');
  worker.removeAllListeners('error');
  worker.on('error', () => {}); // after start, failures surface as the harness's connection errors
  let closing: Promise<void> | undefined;
  return {
    url: ready.url,
    port: ready.port,
    close: () =>
      (closing ??= (async () => {
        const closed = new Promise<void>((resolve) => {
          const t = setTimeout(resolve, 10_000);
          worker.on('message', (m: { type: string }) => m.type === 'closed' && (clearTimeout(t), resolve()));
          worker.once('exit', () => (clearTimeout(t), resolve()));
        });
        worker.postMessage('close');
        await closed;
        await worker.terminate();
      })()),
  };
}
