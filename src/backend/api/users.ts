// Accounts and sessions: signup, login, profiles, follow lists.
import type { FastifyInstance } from 'fastify';
import { dummyVerify, hashPassword, verifyPassword } from '../auth/passwords.ts';
import { issueToken } from '../auth/tokens.ts';
import { decodeCursor, encodeCursor } from '../cursor.ts';
import { ApiError } from '../errors.ts';
import { caller, enforceLimit } from './guards.ts';
import { errorResponses, idParams, isoDate, pageQuery } from './schemas.ts';

const handle = { type: 'string', pattern: '^[A-Za-z0-9_.-]{1,64}$' } as const;
const password = { type: 'string', minLength: 8, maxLength: 256 } as const;

const signupBody = {
  type: 'object',
  required: ['handle', 'password', 'displayName', 'locale', 'languages', 'country', 'tz'],
  properties: {
    handle,
    password,
    displayName: { type: 'string', minLength: 1, maxLength: 64 },
    locale: { type: 'string', pattern: '^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8}){0,3}$' },
    languages: {
      type: 'array',
      minItems: 1,
      maxItems: 10,
      uniqueItems: true,
      items: { type: 'string', pattern: '^[a-z]{2,3}$' },
    },
    country: { type: 'string', pattern: '^[A-Za-z]{2}$' },
    tz: { type: 'string', minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_+./-]+$' },
  },
} as const;

const profile = {
  type: 'object',
  required: ['id', 'handle', 'displayName', 'locale', 'languages', 'country', 'tz', 'createdAt', 'followers', 'following'],
  properties: {
    id: { type: 'string' },
    handle: { type: 'string' },
    displayName: { type: 'string' },
    locale: { type: 'string' },
    languages: { type: 'array', items: { type: 'string' } },
    country: { type: 'string' },
    tz: { type: 'string' },
    createdAt: isoDate,
    followers: { type: 'integer' },
    following: { type: 'integer' },
  },
} as const;

const idPage = {
  type: 'object',
  required: ['items', 'nextCursor'],
  properties: { items: { type: 'array', items: { type: 'string' } }, nextCursor: { type: ['string', 'null'] } },
} as const;

interface SignupBody {
  handle: string;
  password: string;
  displayName: string;
  locale: string;
  languages: string[];
  country: string;
  tz: string;
}

export async function usersApi(app: FastifyInstance): Promise<void> {
  const config = app.backendConfig;
  const token = (sub: string, lng: string[]) => issueToken(config.tokenSecret, { sub, lng }, config.tokenTtlSec);

  app.post<{ Body: SignupBody }>(
    '/v1/users',
    {
      config: { priority: 'critical' },
      schema: {
        body: signupBody,
        response: {
          201: {
            type: 'object',
            required: ['id', 'handle', 'token'],
            properties: { id: { type: 'string' }, handle: { type: 'string' }, token: { type: 'string' } },
          },
          ...errorResponses,
        },
      },
    },
    async (req, reply) => {
      await enforceLimit(app, `signup:ip:${req.ip}`, config.rateLimits.signupPerIp);
      const b = req.body;
      const user = await app.store.createUser({
        handle: b.handle,
        passwordHash: await hashPassword(b.password, config.scryptCost),
        displayName: b.displayName,
        locale: b.locale,
        languages: b.languages,
        country: b.country.toUpperCase(),
        tz: b.tz,
      });
      return reply.status(201).send({ id: user.id, handle: user.handle, token: token(user.id, user.languages) });
    },
  );

  app.post<{ Body: { handle: string; password: string } }>(
    '/v1/sessions',
    {
      config: { priority: 'critical' },
      schema: {
        body: { type: 'object', required: ['handle', 'password'], properties: { handle, password: { type: 'string', maxLength: 256 } } },
        response: {
          200: {
            type: 'object',
            required: ['userId', 'token'],
            properties: { userId: { type: 'string' }, token: { type: 'string' } },
          },
          ...errorResponses,
        },
      },
    },
    async (req) => {
      await enforceLimit(app, `login:ip:${req.ip}`, config.rateLimits.loginPerIp);
      const user = await app.store.getUserByHandle(req.body.handle);
      const ok = user
        ? await verifyPassword(req.body.password, user.passwordHash)
        : await dummyVerify(req.body.password, config.scryptCost);
      if (!user || !ok) throw new ApiError(401, 'invalid_credentials', 'unknown handle or wrong password');
      return { userId: user.id, token: token(user.id, user.languages) };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/v1/users/:id',
    {
      config: { priority: 'sheddable', auth: true },
      schema: { params: idParams, response: { 200: profile, ...errorResponses } },
    },
    async (req) => {
      const user = await app.store.getUser(req.params.id);
      if (!user) throw new ApiError(404, 'not_found', `user ${req.params.id} not found`, { field: 'params.id' });
      return user;
    },
  );

  for (const direction of ['following', 'followers'] as const) {
    app.get<{ Params: { id: string }; Querystring: { limit: number; cursor?: string } }>(
      `/v1/users/:id/${direction}`,
      {
        config: { priority: 'sheddable', auth: true },
        schema: { params: idParams, querystring: pageQuery, response: { 200: idPage, ...errorResponses } },
      },
      async (req) => {
        caller(req);
        const beforeSeq = decodeCursor(req.query.cursor || undefined);
        const list = direction === 'following' ? app.store.listFollowing : app.store.listFollowers;
        const page = await list.call(app.store, req.params.id, req.query.limit, beforeSeq);
        if (page.items.length === 0 && beforeSeq === undefined && !(await app.store.getUser(req.params.id))) {
          throw new ApiError(404, 'not_found', `user ${req.params.id} not found`, { field: 'params.id' });
        }
        return { items: page.items, nextCursor: encodeCursor(page.next) };
      },
    );
  }
}
