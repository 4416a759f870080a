-- The year a post is about, apart from when it is published: a post about 1985 written in 2026.
-- The site lists the posts about each year at /subject/{year}.
ALTER TABLE posts ADD COLUMN subject_year INTEGER CHECK (subject_year BETWEEN 1 AND 9999);
CREATE INDEX posts_subject_year_idx ON posts (site_id, subject_year) WHERE subject_year IS NOT NULL;
