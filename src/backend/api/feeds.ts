// The two feeds. Both come from services (fan-out, discover); the route adds cached translations for items
// the reader cannot read, and passes `degraded` through so the harness can correlate it with quality.
// A following page is kept rendered (feed/following-pages.ts) and served again, bytes as they are, until something on
// it changes; pages that could change without anything telling the cache are never kept: degraded ones, ones
// merging pull authors, ones with an item the reader may later get a translation for, and none while fan-out is behind.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { Counter } from 'prom-client';
import { FollowingPages } from '../feed/following-pages.ts';
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

const JSON_TYPE = 'application/json; charset=utf-8';

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

  const { pages, behind } = services.followingPages;
  const served = new Counter({
    name: 'social_feed_page_cache_total',
    help: 'Following reads by how the rendered page cache answered: hit, miss (built, then kept), uncacheable (built, not kept), bypass (fan-out behind)',
    labelNames: ['result'],
    registers: [app.metrics.registry],
  });
  const hit = served.labels({ result: 'hit' });
  const miss = served.labels({ result: 'miss' });
  const uncacheable = served.labels({ result: 'uncacheable' });
  const bypass = served.labels({ result: 'bypass' });

  /** Whether a later read may be answered with this page's bytes (see the top of this file). */
  function reusable(result: FeedResult, reader: Reader, translated: boolean): boolean {
    if (result.degraded || result.pullMerged) return false;
    if (translated) for (const item of result.items) if (!item.translation && !reader.languages.includes(item.lang)) return false;
    return true;
  }

  async function buildFollowing(reply: FastifyReply, reader: Reader, langs: string, limit: number, cursor: string | undefined, key: string) {
    const ticket = pages.ticket(key);
    const translated = services.translator.enabled();
    const result = withTranslations(await services.fanout.following(reader, limit, cursor), reader);
    if (!reusable(result, reader, translated)) {
      uncacheable.inc();
      return result;
    }
    miss.inc();
    const body = Buffer.from(reply.serialize(result) as string);
    pages.put(ticket, reader.id, langs, translated, result.items.map((i) => i.id), body);
    return reply.header('content-type', JSON_TYPE).send(body);
  }

  app.get<PageQuery>('/v1/feed/following', { config: { priority: 'critical', auth: true }, schema }, (req, reply) => {
    const me = caller(req);
    const reader: Reader = { id: me.sub, languages: me.lng };
    const { limit } = req.query;
    const cursor = req.query.cursor || undefined;
    const langs = me.lng.join(',');
    const key = FollowingPages.key(me.sub, limit, cursor);
    if (!pages.enabled) return services.fanout.following(reader, limit, cursor).then((r) => withTranslations(r, reader));
    if (behind()) {
      bypass.inc();
      return services.fanout.following(reader, limit, cursor).then((r) => withTranslations(r, reader));
    }
    const body = pages.get(key, langs, services.translator.enabled());
    if (body) {
      hit.inc();
      return reply.header('content-type', JSON_TYPE).send(body);
    }
    return buildFollowing(reply, reader, langs, limit, cursor, key);
  });

  app.get<PageQuery>('/v1/feed/discover', { config: { priority: 'sheddable', auth: true }, schema }, async (req) => {
    const me = caller(req);
    const reader: Reader = { id: me.sub, languages: me.lng };
    return withTranslations(await services.discover.discover(reader, req.query.limit, req.query.cursor || undefined), reader);
  });
}
