// POST /v1/admin/translation {enabled} switches translation on or off at runtime (the scenario event
// "translation launches"); GET reports the switch. Protected by the admin token (config `surge.translation.adminToken`,
// sent as `Authorization: Bearer <token>`); without a configured token the routes answer 404, as if absent.
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ApiError } from '../errors.ts';
import { resolveSurgeConfig } from '../surge-config.ts';
import { SIMULATED_PROVIDER } from './simulated-mt.ts';

const errorBody = {
  type: 'object',
  properties: {
    error: {
      type: 'object',
      properties: { code: { type: 'string' }, message: { type: 'string' }, field: { type: 'string' } },
    },
  },
} as const;

const state = {
  type: 'object',
  required: ['enabled', 'provider'],
  properties: { enabled: { type: 'boolean' }, provider: { type: 'string' } },
} as const;

export async function translationAdminApi(app: FastifyInstance): Promise<void> {
  const token = resolveSurgeConfig(app.backendConfig.surge).translation.adminToken;
  const expected = token ? Buffer.from(`Bearer ${token}`) : undefined;

  function authorise(req: FastifyRequest): void {
    if (!expected) throw new ApiError(404, 'not_found', 'no admin token is configured (surge.translation.adminToken)');
    const header = req.headers.authorization;
    if (!header) throw new ApiError(401, 'unauthenticated', 'missing Authorization: Bearer <admin token>', { field: 'headers.authorization' });
    const given = Buffer.from(header);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new ApiError(403, 'forbidden', 'not the admin token', { field: 'headers.authorization' });
    }
  }

  const view = () => ({ enabled: app.services.translator.enabled(), provider: SIMULATED_PROVIDER });

  // Authorisation runs on request, before the body is parsed or validated.
  const onRequest = async (req: FastifyRequest) => authorise(req);

  app.get('/v1/admin/translation', { onRequest, schema: { response: { 200: state, '4xx': errorBody } } }, async () => view());

  app.post<{ Body: { enabled: boolean } }>(
    '/v1/admin/translation',
    {
      onRequest,
      schema: {
        body: { type: 'object', required: ['enabled'], additionalProperties: false, properties: { enabled: { type: 'boolean' } } },
        response: { 200: state, '4xx': errorBody },
      },
    },
    async (req) => {
      app.services.translator.setEnabled(req.body.enabled);
      req.log.info({ enabled: req.body.enabled }, 'translation switched');
      return view();
    },
  );
}
