-- A profile's website, and application passwords for API clients.

ALTER TABLE accounts ADD COLUMN website TEXT NOT NULL DEFAULT '';

-- An application password is shown once; the table keeps its SHA-256 (it is a long random
-- token, so a fast hash is enough), a name its owner recognises, and when it was last used.
CREATE TABLE app_passwords (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id    INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    token_hash    TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    last_used_at  TEXT
);
CREATE UNIQUE INDEX app_passwords_token ON app_passwords (token_hash);
CREATE INDEX app_passwords_account ON app_passwords (account_id);
