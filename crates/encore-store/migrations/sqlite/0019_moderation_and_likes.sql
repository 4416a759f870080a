-- What a comment's spam check was sent and the check's guid: a moderator's "spam" or "not
-- spam" sends the same values back (submit-spam, submit-ham), and a comment that could not be
-- checked is checked again with them.
ALTER TABLE comments ADD COLUMN check_values TEXT NOT NULL DEFAULT '';
ALTER TABLE comments ADD COLUMN check_guid TEXT NOT NULL DEFAULT '';
-- Spam is purged by age.
CREATE INDEX comments_purge_idx ON comments (status, updated_at);

-- Likes of posts and of comments. `liker` names one liker: `a:ID` for an account, `v:HASH` for a
-- guest's browser (a keyed hash of a random cookie; no address is stored).
CREATE TABLE post_likes (
    post_id     INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    liker       TEXT    NOT NULL,
    account_id  INTEGER REFERENCES accounts (id) ON DELETE CASCADE,
    created_at  TEXT    NOT NULL,
    PRIMARY KEY (post_id, liker)
);
CREATE TABLE comment_likes (
    comment_id  INTEGER NOT NULL REFERENCES comments (id) ON DELETE CASCADE,
    liker       TEXT    NOT NULL,
    account_id  INTEGER REFERENCES accounts (id) ON DELETE CASCADE,
    created_at  TEXT    NOT NULL,
    PRIMARY KEY (comment_id, liker)
);
ALTER TABLE posts ADD COLUMN like_count INTEGER NOT NULL DEFAULT 0;
