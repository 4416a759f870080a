-- Posts keep their rendered, sanitised HTML and their teaser, made when the post is saved, so a
-- page view does not render Markdown. render_version names the renderer that made them: when a
-- release changes the renderer, posts with an older version are rendered again once (0 = never).
ALTER TABLE posts ADD COLUMN body_html TEXT NOT NULL DEFAULT '';
ALTER TABLE posts ADD COLUMN teaser TEXT NOT NULL DEFAULT '';
ALTER TABLE posts ADD COLUMN render_version INTEGER NOT NULL DEFAULT 0;
CREATE INDEX posts_render_version_idx ON posts (render_version);

-- What each write changed, for the page caches of every process on this database: the writer
-- records its change in the same transaction as the data, and every node reads the rows after the
-- last one it saw. topics is a space-separated list (`site`, `post:12`, `download:3`, `sites`);
-- site_id is NULL for changes that concern the instance (the list of sites).
CREATE TABLE changes (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    site_id     INTEGER REFERENCES sites (id) ON DELETE CASCADE,
    topics      TEXT    NOT NULL,
    origin      TEXT    NOT NULL,
    created_at  TEXT    NOT NULL
);
CREATE INDEX changes_created_idx ON changes (created_at);
