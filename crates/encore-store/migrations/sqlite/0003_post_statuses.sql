-- no-transaction
-- Two more post statuses: 'pending' (submitted for review, not yet published) and 'private'
-- (dated like a published post, but shown only to the site's own people, never to the public).
--
-- SQLite cannot change a CHECK constraint in place, so the posts table is rebuilt the way SQLite
-- documents (https://sqlite.org/lang_altertable.html, "other kinds of table schema changes"):
-- foreign keys off, a new table, copy, drop, rename, indexes, commit. That
-- needs foreign keys off, which SQLite only allows outside a transaction; hence `no-transaction`
-- above and the explicit transaction below. Run twice (a crash before sqlx records it), it
-- rebuilds the table again and keeps every row.
PRAGMA foreign_keys = OFF;
BEGIN;

CREATE TABLE posts_new (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    site_id          INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    author_id        INTEGER NOT NULL REFERENCES accounts (id),
    kind             TEXT    NOT NULL,
    status           TEXT    NOT NULL,
    slug             TEXT    NOT NULL,
    title            TEXT    NOT NULL,
    excerpt          TEXT    NOT NULL DEFAULT '',
    body             TEXT    NOT NULL DEFAULT '',
    published_at     TEXT,
    created_at       TEXT    NOT NULL,
    updated_at       TEXT    NOT NULL,
    series_id        INTEGER,
    series_position  INTEGER,
    CONSTRAINT posts_kind_check CHECK (kind IN ('post', 'page')),
    CONSTRAINT posts_status_check CHECK (status IN ('draft', 'pending', 'private', 'published')),
    -- Published and private entries have a date (it is part of their address); drafts and
    -- entries awaiting review may not have one yet.
    CONSTRAINT posts_published_at_check
        CHECK (status IN ('draft', 'pending') OR published_at IS NOT NULL),
    -- A post is in a series exactly when it has a place in it.
    CONSTRAINT posts_series_check CHECK ((series_id IS NULL) = (series_position IS NULL)),
    CONSTRAINT posts_series_position_check CHECK (series_position >= 1),
    CONSTRAINT posts_slug_key UNIQUE (site_id, kind, slug),
    CONSTRAINT posts_site_key UNIQUE (site_id, id),
    CONSTRAINT posts_series_position_key UNIQUE (series_id, series_position),
    CONSTRAINT posts_series_fkey FOREIGN KEY (site_id, series_id) REFERENCES series (site_id, id)
);
INSERT INTO posts_new (id, site_id, author_id, kind, status, slug, title, excerpt, body,
                       published_at, created_at, updated_at, series_id, series_position)
    SELECT id, site_id, author_id, kind, status, slug, title, excerpt, body,
           published_at, created_at, updated_at, series_id, series_position
    FROM posts;
DROP TABLE posts;
ALTER TABLE posts_new RENAME TO posts;

-- The stream: newest first within a site, with id as the stable tie-break.
CREATE INDEX posts_stream_idx ON posts (site_id, kind, status, published_at DESC, id DESC);
CREATE INDEX posts_author_idx ON posts (author_id, published_at DESC);
CREATE INDEX posts_series_idx ON posts (series_id, series_position);

COMMIT;
PRAGMA foreign_keys = ON;
