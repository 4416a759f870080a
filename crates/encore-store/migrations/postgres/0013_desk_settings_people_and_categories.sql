-- What the writer's desk manages beyond posts.

-- How many posts a page of the site's lists shows; NULL for the configured default.
ALTER TABLE sites ADD COLUMN posts_per_page BIGINT CHECK (posts_per_page BETWEEN 1 AND 100);

-- A member an administrator turned away keeps their account and their posts, but has no role on
-- the site until turned back; NULL while they may use it.
ALTER TABLE site_members ADD COLUMN disabled_at TIMESTAMPTZ;

-- Categories inside categories: a category's page lists its own posts and those of the categories
-- under it. The desk keeps a parent on the same site and refuses a loop.
ALTER TABLE categories ADD COLUMN parent_id BIGINT REFERENCES categories (id);
