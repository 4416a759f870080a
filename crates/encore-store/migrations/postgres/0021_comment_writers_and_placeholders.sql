-- A guest's comments are known to their browser by the hash of a random cookie (never an
-- address): for the few minutes its writer may still edit or delete it.
ALTER TABLE comments ADD COLUMN writer_key TEXT NOT NULL DEFAULT '';
-- A page of threads: its first comments by id (whatever their status, so that a removed first
-- comment with answers still opens its thread), then each thread in reading order.
CREATE INDEX comments_firsts_idx ON comments (post_id, parent_id, id);
CREATE INDEX comments_in_thread_idx ON comments (thread_id, path);
-- Whether a writer has had a comment approved before (the first-comment hold), by address or by
-- account, without reading the site's other comments.
CREATE INDEX comments_by_email_idx ON comments (site_id, author_email, status);
CREATE INDEX comments_by_account_idx ON comments (site_id, account_id, status);
