-- The conversation under a post. A comment's `path` is the zero-padded ids from its thread's
-- first comment down to itself ("0000000012.0000000031"), so one indexed range reads a thread
-- in the order it is shown; `thread_id` is that first comment's id, for paging by thread.
CREATE TABLE comments (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    site_id       INTEGER NOT NULL,
    post_id       INTEGER NOT NULL,
    parent_id     INTEGER REFERENCES comments (id) ON DELETE SET NULL,
    thread_id     INTEGER NOT NULL,
    path          TEXT    NOT NULL,
    depth         INTEGER NOT NULL,
    status        TEXT    NOT NULL CHECK (status IN ('pending', 'approved', 'spam', 'trash')),
    account_id    INTEGER REFERENCES accounts (id) ON DELETE SET NULL,
    author_name   TEXT    NOT NULL,
    author_email  TEXT    NOT NULL,
    author_url    TEXT    NOT NULL DEFAULT '',
    body          TEXT    NOT NULL,
    body_html     TEXT    NOT NULL,
    created_at    TEXT    NOT NULL,
    updated_at    TEXT    NOT NULL,
    like_count    INTEGER NOT NULL DEFAULT 0,
    CONSTRAINT comments_post_fkey FOREIGN KEY (site_id, post_id)
        REFERENCES posts (site_id, id) ON DELETE CASCADE
);
CREATE INDEX comments_thread_idx ON comments (post_id, status, path);
-- A post's first comments of threads, by id: where each page of threads starts.
CREATE INDEX comments_top_idx ON comments (post_id, parent_id, status, id);
CREATE INDEX comments_status_idx ON comments (site_id, status, id);

-- What happened to a comment: checks, verdicts with their reasons, moderators' actions.
CREATE TABLE comment_events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    comment_id  INTEGER NOT NULL REFERENCES comments (id) ON DELETE CASCADE,
    happened_at TEXT    NOT NULL,
    actor_id    INTEGER REFERENCES accounts (id) ON DELETE SET NULL,
    what        TEXT    NOT NULL,
    detail      TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX comment_events_comment_idx ON comment_events (comment_id, id);

-- Responses shown under a post (approved comments, replies included), kept with the post.
ALTER TABLE posts ADD COLUMN comment_count INTEGER NOT NULL DEFAULT 0;
