-- A guest's comments are known to their browser by the hash of a random cookie (never an
-- address): for the few minutes its writer may still edit or delete it.
ALTER TABLE comments ADD COLUMN writer_key TEXT NOT NULL DEFAULT '';
-- A page of threads: its first comments by id (whatever their status, so that a removed first
-- comment with answers still opens its thread), then each thread in reading order.
CREATE INDEX comments_firsts_idx ON comments (post_id, parent_id, id);
CREATE INDEX comments_in_thread_idx ON comments (thread_id, path);
