-- The answers to a comment, found by its id: counting them (may its writer still change it?) and,
-- when a comment is deleted, setting their parent to NULL. Without this index both read every
-- comment of the site. It takes the place of comments_top_idx, which no query used any more
-- (a post's first comments are found through comments_firsts_idx).
DROP INDEX comments_top_idx;
CREATE INDEX comments_answers_idx ON comments (parent_id);
