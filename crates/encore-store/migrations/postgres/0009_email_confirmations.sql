-- Links that confirm an account's email address: mailed after open sign-up, good once, for two
-- days. Found by the SHA-256 of the token in the link.
CREATE TABLE email_confirmations (
    token_hash  TEXT NOT NULL PRIMARY KEY,
    account_id  BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    email       TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL,
    used_at     TIMESTAMPTZ
);
CREATE INDEX email_confirmations_account ON email_confirmations (account_id);
