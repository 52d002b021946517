// The two feeds. Both come from services (fan-out, discover); the route adds cached translations for items
// the reader cannot read, and passes `degraded` through so the harness can correlate it with quality.
import type { FastifyInstance } from 'fastify';
import type { FeedResult, Reader } from '../services.ts';
import { caller } from './guards.ts';
import { errorResponses, feedItem, pageQuery } from './schemas.ts';

const feedPage = {
  type: 'object',
  required: ['items', 'nextCursor'],
  properties: {
    items: { type: 'array', items: feedItem },
    nextCursor: { type: ['string', 'null'] },
    degraded: { type: 'string' },
  },
} as const;

type PageQuery = { Querystring: { limit: number; cursor?: string } };

export async function feedsApi(app: FastifyInstance): Promise<void> {
  const { services } = app;

  function withTranslations(result: FeedResult, reader: Reader): FeedResult {
    const { translator } = services;
    const to = reader.languages[0];
    if (!to || !translator.enabled()) return result;
    for (const item of result.items) {
      if (item.translation || reader.languages.includes(item.lang)) continue;
      const t = translator.cached(item.id, to);
      if (t) item.translation = t;
    }
    return result;
  }

  const schema = { querystring: pageQuery, response: { 200: feedPage, ...errorResponses } };

  app.get<PageQuery>('/v1/feed/following', { config: { priority: 'critical', auth: true }, schema }, async (req) => {
    const me = caller(req);
    const reader: Reader = { id: me.sub, languages: me.lng };
    return withTranslations(await services.fanout.following(reader, req.query.limit, req.query.cursor || undefined), reader);
  });

  app.get<PageQuery>('/v1/feed/discover', { config: { priority: 'sheddable', auth: true }, schema }, async (req) => {
    const me = caller(req);
    const reader: Reader = { id: me.sub, languages: me.lng };
    return withTranslations(await services.discover.discover(reader, req.query.limit, req.query.cursor || undefined), reader);
  });
}
