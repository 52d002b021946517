// Liveness, readiness (the store answers) and Prometheus exposition. No auth, no admission control.
import type { FastifyInstance } from 'fastify';
import { errorResponses } from './schemas.ts';

const status = {
  type: 'object',
  required: ['status'],
  properties: { status: { type: 'string' }, store: { type: 'string' }, cache: { type: 'string' } },
} as const;

export async function healthApi(app: FastifyInstance): Promise<void> {
  app.get('/healthz', { schema: { response: { 200: status, ...errorResponses } } }, async () => ({ status: 'ok' }));

  app.get('/readyz', { schema: { response: { 200: status, 503: status } } }, async (req, reply) => {
    try {
      await Promise.all([app.store.ping(), app.cache.ping()]);
      return { status: 'ready', store: app.store.kind, cache: app.cache.kind };
    } catch (err) {
      req.log.warn({ err }, 'not ready');
      return reply.status(503).header('retry-after', '1').send({ status: 'unavailable', store: app.store.kind, cache: app.cache.kind });
    }
  });

  app.get('/metrics', async (_req, reply) => {
    const { registry } = app.metrics;
    return reply.type(registry.contentType).send(await registry.metrics());
  });
}
