-- What a writer typed in the editor and has not saved, kept every few seconds by the editor's
-- script so that a closed tab or a crash loses nothing. One per writer and post (post_key 0: a
-- post not saved yet); a save or a discard removes it. Not a revision: revisions are saves.
CREATE TABLE post_autosaves (
    site_id     BIGINT NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    account_id  BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    post_key    BIGINT NOT NULL,
    fields      TEXT NOT NULL,
    saved_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (site_id, account_id, post_key)
);

-- A link that shows a post that is not public (a draft) to whoever has it, until its writer
-- stops sharing it: /preview/{token}.
ALTER TABLE posts ADD COLUMN preview_token TEXT;
CREATE UNIQUE INDEX posts_preview_token_key ON posts (preview_token) WHERE preview_token IS NOT NULL;
