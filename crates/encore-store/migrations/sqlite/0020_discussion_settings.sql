-- How a site's conversations go (the desk's discussion settings).
ALTER TABLE sites ADD COLUMN comment_depth INTEGER NOT NULL DEFAULT 5;
ALTER TABLE sites ADD COLUMN comments_per_page INTEGER NOT NULL DEFAULT 50;
ALTER TABLE sites ADD COLUMN comment_order TEXT NOT NULL DEFAULT 'oldest' CHECK (comment_order IN ('oldest', 'newest'));
ALTER TABLE sites ADD COLUMN close_comments_after_days INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sites ADD COLUMN guest_likes BOOLEAN NOT NULL DEFAULT TRUE;
-- A post can be closed to new comments on its own.
ALTER TABLE posts ADD COLUMN comments_open BOOLEAN NOT NULL DEFAULT TRUE;
