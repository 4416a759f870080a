-- Every save of a post keeps what was saved: its words and its track listing (as JSON), with who
-- saved it and when. Restoring one saves it again, as a new revision.
CREATE TABLE post_revisions (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    site_id       INTEGER NOT NULL,
    post_id       INTEGER NOT NULL,
    saved_by      INTEGER REFERENCES accounts (id) ON DELETE SET NULL,
    title         TEXT NOT NULL,
    slug          TEXT NOT NULL,
    excerpt       TEXT NOT NULL,
    body          TEXT NOT NULL,
    status        TEXT NOT NULL,
    published_at  TEXT,
    tracks        TEXT NOT NULL DEFAULT '[]',
    created_at    TEXT NOT NULL,
    CONSTRAINT post_revisions_post_fkey FOREIGN KEY (site_id, post_id) REFERENCES posts (site_id, id) ON DELETE CASCADE
);
CREATE INDEX post_revisions_post_idx ON post_revisions (post_id, id DESC);
