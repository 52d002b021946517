// Posts, comments and likes. A new post is stored first (idempotently), then handed to fan-out and moderation.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { decodeCursor, encodeCursor } from '../cursor.ts';
import { ApiError } from '../errors.ts';
import type { PostRecord } from '../services.ts';
import type { MediaItem, StoredPost } from '../store/store.ts';
import { caller, enforceLimit } from './guards.ts';
import { errorResponses, idParams, isoDate, langCode, pageQuery, translation } from './schemas.ts';

const newPostBody = {
  type: 'object',
  required: ['text'],
  properties: {
    text: { type: 'string', minLength: 1, maxLength: 10_000 },
    tags: { type: 'array', maxItems: 30, default: [], items: { type: 'string', minLength: 1, maxLength: 64 } },
    media: {
      type: 'array',
      maxItems: 20,
      default: [],
      items: {
        type: 'object',
        required: ['kind', 'bytes'],
        properties: {
          kind: { type: 'string', enum: ['image', 'video'] },
          bytes: { type: 'integer', minimum: 0, maximum: 2 ** 31 - 1 },
        },
      },
    },
    /** Language hint; the detector has the last word. */
    lang: langCode,
  },
} as const;

const idempotencyHeaders = {
  type: 'object',
  properties: { 'idempotency-key': { type: 'string', minLength: 1, maxLength: 255, pattern: '^[\\x21-\\x7e]+$' } },
} as const;

const postAck = {
  type: 'object',
  required: ['id', 'authorId', 'createdAt', 'lang'],
  properties: { id: { type: 'string' }, authorId: { type: 'string' }, createdAt: isoDate, lang: { type: 'string' } },
} as const;

const postView = {
  type: 'object',
  required: ['id', 'authorId', 'text', 'lang', 'tags', 'media', 'createdAt', 'likeCount', 'commentCount'],
  properties: {
    id: { type: 'string' },
    authorId: { type: 'string' },
    text: { type: 'string' },
    lang: { type: 'string' },
    tags: { type: 'array', items: { type: 'string' } },
    media: {
      type: 'array',
      items: { type: 'object', properties: { kind: { type: 'string' }, bytes: { type: 'integer' } } },
    },
    createdAt: isoDate,
    likeCount: { type: 'integer' },
    commentCount: { type: 'integer' },
    translation,
    translationUnavailable: { type: 'string', enum: ['disabled', 'unsupported-pair'] },
  },
} as const;

const comment = {
  type: 'object',
  required: ['id', 'postId', 'authorId', 'text', 'createdAt'],
  properties: {
    id: { type: 'string' },
    postId: { type: 'string' },
    authorId: { type: 'string' },
    text: { type: 'string' },
    createdAt: isoDate,
  },
} as const;

const likeResult = {
  type: 'object',
  required: ['postId', 'liked', 'likeCount'],
  properties: { postId: { type: 'string' }, liked: { type: 'boolean' }, likeCount: { type: 'integer' } },
} as const;

interface NewPostBody {
  text: string;
  tags: string[];
  media: MediaItem[];
  lang?: string;
}

const toRecord = (p: StoredPost): PostRecord => ({
  id: p.id,
  authorId: p.authorId,
  text: p.text,
  lang: p.lang,
  tags: p.tags,
  createdAt: p.createdAt,
  seq: p.seq,
});

/** A post's fan-out or moderation hook failed: logged, the post stays acknowledged. */
function hookFailed(req: FastifyRequest, name: string, postId: string, err: unknown): void {
  req.log.error({ err, postId }, `${name} hook failed`);
}

export async function postsApi(app: FastifyInstance): Promise<void> {
  postRoutes(app);
  engagementRoutes(app);
}

/** 404 for an unknown post, 410 for one removed by moderation. */
async function livePost(app: FastifyInstance, id: string): Promise<StoredPost> {
  const post = await app.store.getPost(id);
  if (!post) throw new ApiError(404, 'not_found', `post ${id} not found`, { field: 'params.id' });
  if (post.removed) throw new ApiError(410, 'gone', `post ${id} was removed by moderation`, { field: 'params.id' });
  return post;
}

/** Route group: create, read (optionally translated) and delete posts. */
function postRoutes(app: FastifyInstance): void {
  const limits = app.backendConfig.rateLimits;
  const { store } = app;

  app.post<{ Body: NewPostBody; Headers: { 'idempotency-key'?: string } }>(
    '/v1/posts',
    {
      config: { priority: 'critical', auth: true },
      schema: { headers: idempotencyHeaders, body: newPostBody, response: { 200: postAck, 201: postAck, ...errorResponses } },
    },
    async (req, reply) => {
      const me = caller(req);
      await enforceLimit(app, `writes:${me.sub}`, limits.writesPerAccount);
      const b = req.body;
      const key = req.headers['idempotency-key'];
      const lang = app.services.language.detect(b.text, b.lang);
      const { post, created } = await store.createPost({
        authorId: me.sub,
        text: b.text,
        lang,
        tags: b.tags,
        media: b.media,
        idempotencyKey: key,
      });
      if (!created && post.text !== b.text) {
        throw new ApiError(422, 'idempotency_key_reused', 'this Idempotency-Key was used for a different post', {
          field: 'headers.idempotency-key',
        });
      }
      if (created) {
        // The post is durable and acknowledged either way: a failing hook must not turn into an error the
        // client retries (the retry would find the post and skip the hooks).
        const record = toRecord(post);
        await app.services.fanout.onPostCreated(record).catch((err: unknown) => hookFailed(req, 'fanout', post.id, err));
        await app.services.moderation.onPostCreated(record).catch((err: unknown) => hookFailed(req, 'moderation', post.id, err));
      }
      return reply
        .status(created ? 201 : 200)
        .send({ id: post.id, authorId: post.authorId, createdAt: post.createdAt, lang: post.lang });
    },
  );

  app.get<{ Params: { id: string }; Querystring: { translate?: string } }>(
    '/v1/posts/:id',
    {
      config: { priority: 'sheddable', auth: true },
      schema: {
        params: idParams,
        querystring: { type: 'object', properties: { translate: langCode } },
        response: { 200: postView, ...errorResponses },
      },
    },
    async (req) => {
      caller(req);
      const post = await livePost(app, req.params.id);
      const to = req.query.translate;
      const { translator } = app.services;
      const view: Record<string, unknown> = { ...post };
      if (to && to !== post.lang) {
        // Off, or a pair the provider does not offer: the post without a translation, and why (docs/backend-surge.md).
        if (!translator.enabled()) view.translationUnavailable = 'disabled';
        else {
          try {
            view.translation = translator.cached(post.id, to) ?? (await translator.translate(post.id, post.text, post.lang, to));
          } catch (err) {
            if (!(err instanceof ApiError && err.code === 'translation_unsupported')) throw err;
            view.translationUnavailable = 'unsupported-pair';
          }
        }
      }
      return view;
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/v1/posts/:id',
    {
      config: { priority: 'critical', auth: true },
      schema: { params: idParams, response: { ...errorResponses } },
    },
    async (req, reply) => {
      const me = caller(req);
      const post = await livePost(app, req.params.id);
      if (post.authorId !== me.sub) throw new ApiError(403, 'forbidden', 'only the author can delete a post', { field: 'params.id' });
      await store.removePost(post.id, 'deleted by author');
      return reply.status(204).send();
    },
  );

}

/** Route group: comments and likes on a post. */
function engagementRoutes(app: FastifyInstance): void {
  const limits = app.backendConfig.rateLimits;
  const { store } = app;

  app.post<{ Params: { id: string }; Body: { text: string } }>(
    '/v1/posts/:id/comments',
    {
      config: { priority: 'critical', auth: true },
      schema: {
        params: idParams,
        body: { type: 'object', required: ['text'], properties: { text: { type: 'string', minLength: 1, maxLength: 5_000 } } },
        response: { 201: comment, ...errorResponses },
      },
    },
    async (req, reply) => {
      const me = caller(req);
      await enforceLimit(app, `writes:${me.sub}`, limits.writesPerAccount);
      const c = await store.addComment(req.params.id, me.sub, req.body.text);
      return reply.status(201).send(c);
    },
  );

  app.get<{ Params: { id: string }; Querystring: { limit: number; cursor?: string } }>(
    '/v1/posts/:id/comments',
    {
      config: { priority: 'sheddable', auth: true },
      schema: {
        params: idParams,
        querystring: pageQuery,
        response: {
          200: {
            type: 'object',
            required: ['items', 'nextCursor'],
            properties: { items: { type: 'array', items: comment }, nextCursor: { type: ['string', 'null'] } },
          },
          ...errorResponses,
        },
      },
    },
    async (req) => {
      caller(req);
      const afterSeq = decodeCursor(req.query.cursor || undefined);
      await livePost(app, req.params.id);
      const page = await store.listComments(req.params.id, req.query.limit, afterSeq);
      return { items: page.items, nextCursor: encodeCursor(page.next) };
    },
  );

  app.post<{ Params: { id: string } }>(
    '/v1/posts/:id/likes',
    {
      config: { priority: 'critical', auth: true },
      schema: { params: idParams, response: { 200: likeResult, 201: likeResult, ...errorResponses } },
    },
    async (req, reply) => {
      const me = caller(req);
      await enforceLimit(app, `writes:${me.sub}`, limits.writesPerAccount);
      const r = await store.like(req.params.id, me.sub);
      return reply.status(r.created ? 201 : 200).send({ postId: req.params.id.toLowerCase(), liked: true, likeCount: r.likeCount });
    },
  );
}
