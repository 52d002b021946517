// JSON schemas shared by the API plugins. Ids and cursors are validated here, so a malformed value never
// reaches SQL (where Postgres would throw) or a service.
export const UUID_PATTERN = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';

export const uuid = { type: 'string', pattern: UUID_PATTERN } as const;
export const isoDate = { type: 'string' } as const;
export const langCode = { type: 'string', pattern: '^[a-z]{2,3}$' } as const;

export const idParams = {
  type: 'object',
  required: ['id'],
  properties: { id: uuid },
} as const;

/** limit 1-100 (default 20) and an optional opaque cursor (empty = first page). */
export const pageQuery = {
  type: 'object',
  properties: {
    limit: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
    cursor: { type: 'string', maxLength: 64, pattern: '^[A-Za-z0-9_-]*$' },
  },
} as const;

export const errorBody = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: { code: { type: 'string' }, message: { type: 'string' }, field: { type: 'string' } },
    },
  },
} as const;

/** Error responses, added to every route's response schema. */
export const errorResponses = { '4xx': errorBody, '5xx': errorBody } as const;

export const translation = {
  type: 'object',
  required: ['lang', 'text', 'provider'],
  properties: { lang: { type: 'string' }, text: { type: 'string' }, provider: { type: 'string' } },
} as const;

export const feedItem = {
  type: 'object',
  required: ['id', 'authorId', 'text', 'lang', 'tags', 'createdAt', 'likeCount', 'commentCount'],
  properties: {
    id: { type: 'string' },
    authorId: { type: 'string' },
    text: { type: 'string' },
    lang: { type: 'string' },
    tags: { type: 'array', items: { type: 'string' } },
    createdAt: isoDate,
    likeCount: { type: 'integer' },
    commentCount: { type: 'integer' },
    translation,
  },
} as const;

export const emptyBody = { type: 'null' } as const;
