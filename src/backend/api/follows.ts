// The follow graph: follow and unfollow always act for the caller (there is no way to name another follower).
import type { FastifyInstance } from 'fastify';
import { ApiError } from '../errors.ts';
import { caller, enforceLimit } from './guards.ts';
import { errorResponses, uuid } from './schemas.ts';

const followResult = {
  type: 'object',
  required: ['followerId', 'followeeId', 'following'],
  properties: { followerId: { type: 'string' }, followeeId: { type: 'string' }, following: { type: 'boolean' } },
} as const;

export async function followsApi(app: FastifyInstance): Promise<void> {
  const limits = app.backendConfig.rateLimits;

  app.post<{ Body: { userId: string } }>(
    '/v1/follows',
    {
      config: { priority: 'critical', auth: true },
      schema: {
        body: { type: 'object', required: ['userId'], properties: { userId: uuid } },
        response: { 200: followResult, 201: followResult, ...errorResponses },
      },
    },
    async (req, reply) => {
      const me = caller(req);
      const target = req.body.userId.toLowerCase();
      if (target === me.sub) throw new ApiError(422, 'cannot_follow_self', 'a user cannot follow themselves', { field: 'body.userId' });
      await enforceLimit(app, `writes:${me.sub}`, limits.writesPerAccount);
      const created = await app.store.follow(me.sub, target);
      if (created) {
        await app.services.fanout.onFollow(me.sub, target);
        await app.services.followingPages.invalidation.readers([me.sub]); // whom they follow shapes their pages
      }
      return reply.status(created ? 201 : 200).send({ followerId: me.sub, followeeId: target, following: true });
    },
  );

  app.delete<{ Params: { userId: string } }>(
    '/v1/follows/:userId',
    {
      config: { priority: 'critical', auth: true },
      schema: {
        params: { type: 'object', required: ['userId'], properties: { userId: uuid } },
        response: { ...errorResponses },
      },
    },
    async (req, reply) => {
      const me = caller(req);
      const target = req.params.userId.toLowerCase();
      await enforceLimit(app, `writes:${me.sub}`, limits.writesPerAccount);
      const removed = await app.store.unfollow(me.sub, target);
      if (removed) {
        await app.services.fanout.onUnfollow(me.sub, target);
        await app.services.followingPages.invalidation.readers([me.sub]);
      } else if (!(await app.store.getUser(target))) {
        throw new ApiError(404, 'not_found', `user ${target} not found`, { field: 'params.userId' });
      }
      return reply.status(204).send();
    },
  );
}
