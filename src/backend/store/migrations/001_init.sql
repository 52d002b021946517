-- Reference social backend schema. Shared by the pg and PGlite stores; runs inside the configured schema.
CREATE TABLE users (
  id              uuid PRIMARY KEY,
  seq             bigserial UNIQUE NOT NULL,
  handle          text UNIQUE NOT NULL,
  password_hash   text NOT NULL,
  display_name    text NOT NULL,
  locale          text NOT NULL,
  languages       text[] NOT NULL,
  country         text NOT NULL,
  tz              text NOT NULL,
  follower_count  integer NOT NULL DEFAULT 0,
  following_count integer NOT NULL DEFAULT 0,
  created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE follows (
  follower_id uuid NOT NULL REFERENCES users (id),
  followee_id uuid NOT NULL REFERENCES users (id),
  seq         bigserial UNIQUE NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (follower_id, followee_id)
);
CREATE INDEX follows_follower_seq ON follows (follower_id, seq DESC);
CREATE INDEX follows_followee_seq ON follows (followee_id, seq DESC);

CREATE TABLE posts (
  id              uuid PRIMARY KEY,
  seq             bigserial UNIQUE NOT NULL,
  author_id       uuid NOT NULL REFERENCES users (id),
  text            text NOT NULL,
  lang            text NOT NULL,
  tags            text[] NOT NULL,
  media           jsonb NOT NULL DEFAULT '[]',
  idempotency_key text,
  like_count      integer NOT NULL DEFAULT 0,
  comment_count   integer NOT NULL DEFAULT 0,
  removed_at      timestamptz,
  removed_reason  text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  UNIQUE (author_id, idempotency_key)
);
CREATE INDEX posts_author_seq ON posts (author_id, seq DESC);
CREATE INDEX posts_created_at ON posts (created_at);

CREATE TABLE comments (
  id         uuid PRIMARY KEY,
  seq        bigserial UNIQUE NOT NULL,
  post_id    uuid NOT NULL REFERENCES posts (id),
  author_id  uuid NOT NULL REFERENCES users (id),
  text       text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX comments_post_seq ON comments (post_id, seq);

CREATE TABLE likes (
  post_id    uuid NOT NULL REFERENCES posts (id),
  user_id    uuid NOT NULL REFERENCES users (id),
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (post_id, user_id)
);

CREATE TABLE reports (
  id          bigserial PRIMARY KEY,
  post_id     uuid NOT NULL REFERENCES posts (id),
  reporter_id uuid NOT NULL REFERENCES users (id),
  reason      text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX reports_post ON reports (post_id);
