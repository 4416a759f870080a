-- Two more post statuses: 'pending' (submitted for review, not yet published) and 'private'
-- (dated like a published post, but shown only to the site's own people, never to the public).
-- Kept in step with migrations/sqlite/0003_post_statuses.sql, which has to rebuild the table.
ALTER TABLE posts
    DROP CONSTRAINT posts_status_check,
    DROP CONSTRAINT posts_published_at_check,
    ADD CONSTRAINT posts_status_check CHECK (status IN ('draft', 'pending', 'private', 'published')),
    -- Published and private entries have a date (it is part of their address); drafts and
    -- entries awaiting review may not have one yet.
    ADD CONSTRAINT posts_published_at_check
        CHECK (status IN ('draft', 'pending') OR published_at IS NOT NULL);
