-- Encore's first schema (SQLite). Kept in step with migrations/postgres/0001_initial.sql; a test
-- compares the two. Timestamps are TEXT in RFC 3339 with whole seconds in UTC, so that they sort
-- and compare as text exactly as TIMESTAMPTZ does in PostgreSQL.
--
-- Every content table carries site_id. Child tables reference their parent through
-- (site_id, id) pairs, so the database itself refuses to tie a post to another site's category,
-- tag, series or download.

-- One blog per row; the request's Host header chooses it.
CREATE TABLE sites (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    host        TEXT    NOT NULL,
    title       TEXT    NOT NULL,
    tagline     TEXT    NOT NULL DEFAULT '',
    base_url    TEXT    NOT NULL,
    is_default  BOOLEAN NOT NULL DEFAULT FALSE,
    created_at  TEXT    NOT NULL,
    CONSTRAINT sites_host_key UNIQUE (host)
);
-- At most one site answers for host names that no site claims.
CREATE UNIQUE INDEX sites_default_key ON sites (is_default) WHERE is_default;

-- Accounts are instance-wide: one person, one account, on every site of the instance.
CREATE TABLE accounts (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    username       TEXT NOT NULL,
    email          TEXT NOT NULL,
    display_name   TEXT NOT NULL,
    bio            TEXT NOT NULL DEFAULT '',
    -- argon2id PHC string; NULL for accounts that only sign in through an identity provider.
    password_hash  TEXT,
    created_at     TEXT NOT NULL
);
CREATE UNIQUE INDEX accounts_username_key ON accounts (lower(username));
CREATE UNIQUE INDEX accounts_email_key ON accounts (lower(email));

-- Roles are per site: an editor here may be a subscriber there.
CREATE TABLE site_members (
    site_id     INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    role        TEXT    NOT NULL,
    created_at  TEXT    NOT NULL,
    PRIMARY KEY (site_id, account_id),
    CONSTRAINT site_members_role_check
        CHECK (role IN ('administrator', 'editor', 'author', 'contributor', 'subscriber'))
);

CREATE TABLE categories (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    site_id      INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    slug         TEXT    NOT NULL,
    name         TEXT    NOT NULL,
    description  TEXT    NOT NULL DEFAULT '',
    CONSTRAINT categories_slug_key UNIQUE (site_id, slug),
    CONSTRAINT categories_site_key UNIQUE (site_id, id)
);

CREATE TABLE tags (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    site_id  INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    slug     TEXT    NOT NULL,
    name     TEXT    NOT NULL,
    CONSTRAINT tags_slug_key UNIQUE (site_id, slug),
    CONSTRAINT tags_site_key UNIQUE (site_id, id)
);

CREATE TABLE series (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    site_id      INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    slug         TEXT    NOT NULL,
    title        TEXT    NOT NULL,
    description  TEXT    NOT NULL DEFAULT '',
    created_at   TEXT    NOT NULL,
    CONSTRAINT series_slug_key UNIQUE (site_id, slug),
    CONSTRAINT series_site_key UNIQUE (site_id, id)
);

-- Posts and pages. A post is public when status = 'published' and published_at has passed; a
-- published post with a future time is scheduled and appears by itself when its time comes.
CREATE TABLE posts (
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
    CONSTRAINT posts_status_check CHECK (status IN ('draft', 'published')),
    CONSTRAINT posts_published_at_check CHECK (status = 'draft' OR published_at IS NOT NULL),
    -- A post is in a series exactly when it has a place in it.
    CONSTRAINT posts_series_check CHECK ((series_id IS NULL) = (series_position IS NULL)),
    CONSTRAINT posts_series_position_check CHECK (series_position >= 1),
    CONSTRAINT posts_slug_key UNIQUE (site_id, kind, slug),
    CONSTRAINT posts_site_key UNIQUE (site_id, id),
    CONSTRAINT posts_series_position_key UNIQUE (series_id, series_position),
    CONSTRAINT posts_series_fkey FOREIGN KEY (site_id, series_id) REFERENCES series (site_id, id)
);
-- The stream: newest first within a site, with id as the stable tie-break.
CREATE INDEX posts_stream_idx ON posts (site_id, kind, status, published_at DESC, id DESC);
CREATE INDEX posts_author_idx ON posts (author_id, published_at DESC);
CREATE INDEX posts_series_idx ON posts (series_id, series_position);

CREATE TABLE post_categories (
    site_id      INTEGER NOT NULL,
    post_id      INTEGER NOT NULL,
    category_id  INTEGER NOT NULL,
    PRIMARY KEY (post_id, category_id),
    CONSTRAINT post_categories_post_fkey FOREIGN KEY (site_id, post_id)
        REFERENCES posts (site_id, id) ON DELETE CASCADE,
    CONSTRAINT post_categories_category_fkey FOREIGN KEY (site_id, category_id)
        REFERENCES categories (site_id, id) ON DELETE CASCADE
);
CREATE INDEX post_categories_category_idx ON post_categories (category_id, post_id);

CREATE TABLE post_tags (
    site_id  INTEGER NOT NULL,
    post_id  INTEGER NOT NULL,
    tag_id   INTEGER NOT NULL,
    PRIMARY KEY (post_id, tag_id),
    CONSTRAINT post_tags_post_fkey FOREIGN KEY (site_id, post_id)
        REFERENCES posts (site_id, id) ON DELETE CASCADE,
    CONSTRAINT post_tags_tag_fkey FOREIGN KEY (site_id, tag_id)
        REFERENCES tags (site_id, id) ON DELETE CASCADE
);
CREATE INDEX post_tags_tag_idx ON post_tags (tag_id, post_id);

-- A post's track listing as structured data, one row per track.
CREATE TABLE tracks (
    site_id           INTEGER NOT NULL,
    post_id           INTEGER NOT NULL,
    position          INTEGER NOT NULL,
    artist            TEXT    NOT NULL,
    title             TEXT    NOT NULL,
    duration_seconds  INTEGER,
    PRIMARY KEY (post_id, position),
    CONSTRAINT tracks_position_check CHECK (position >= 1),
    CONSTRAINT tracks_duration_check CHECK (duration_seconds >= 0),
    CONSTRAINT tracks_post_fkey FOREIGN KEY (site_id, post_id)
        REFERENCES posts (site_id, id) ON DELETE CASCADE
);

-- Files offered for download. The bytes live in the media store under storage_key.
CREATE TABLE downloads (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    site_id         INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    file_name       TEXT    NOT NULL,
    content_type    TEXT    NOT NULL,
    byte_size       INTEGER NOT NULL,
    sha256          TEXT    NOT NULL,
    storage_key     TEXT    NOT NULL,
    download_count  INTEGER NOT NULL DEFAULT 0,
    created_at      TEXT    NOT NULL,
    CONSTRAINT downloads_byte_size_check CHECK (byte_size >= 0),
    CONSTRAINT downloads_count_check CHECK (download_count >= 0),
    CONSTRAINT downloads_site_key UNIQUE (site_id, id)
);

CREATE TABLE post_downloads (
    site_id      INTEGER NOT NULL,
    post_id      INTEGER NOT NULL,
    download_id  INTEGER NOT NULL,
    position     INTEGER NOT NULL,
    PRIMARY KEY (post_id, download_id),
    CONSTRAINT post_downloads_post_fkey FOREIGN KEY (site_id, post_id)
        REFERENCES posts (site_id, id) ON DELETE CASCADE,
    CONSTRAINT post_downloads_download_fkey FOREIGN KEY (site_id, download_id)
        REFERENCES downloads (site_id, id) ON DELETE CASCADE
);
