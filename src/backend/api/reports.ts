// Reports feed moderation; the answer is 202 because what happens next is the moderation service's business.
import type { FastifyInstance } from 'fastify';
import { caller, enforceLimit } from './guards.ts';
import { errorResponses, uuid } from './schemas.ts';

export async function reportsApi(app: FastifyInstance): Promise<void> {
  app.post<{ Body: { postId: string; reason: string } }>(
    '/v1/reports',
    {
      config: { priority: 'critical', auth: true },
      schema: {
        body: {
          type: 'object',
          required: ['postId', 'reason'],
          properties: { postId: uuid, reason: { type: 'string', minLength: 1, maxLength: 500 } },
        },
        response: {
          202: {
            type: 'object',
            required: ['postId', 'status', 'reportCount'],
            properties: { postId: { type: 'string' }, status: { type: 'string' }, reportCount: { type: 'integer' } },
          },
          ...errorResponses,
        },
      },
    },
    async (req, reply) => {
      const me = caller(req);
      await enforceLimit(app, `writes:${me.sub}`, app.backendConfig.rateLimits.writesPerAccount);
      const postId = req.body.postId.toLowerCase();
      const { reportCount } = await app.store.addReport(postId, me.sub, req.body.reason);
      await app.services.moderation.onReport(postId, me.sub, req.body.reason);
      return reply.status(202).send({ postId, status: 'received', reportCount });
    },
  );
}
