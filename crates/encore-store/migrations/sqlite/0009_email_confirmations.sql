-- Links that confirm an account's email address: mailed after open sign-up, good once, for two
-- days. Found by the SHA-256 of the token in the link.
CREATE TABLE email_confirmations (
    token_hash  TEXT NOT NULL PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    email       TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    used_at     TEXT
);
CREATE INDEX email_confirmations_account ON email_confirmations (account_id);
