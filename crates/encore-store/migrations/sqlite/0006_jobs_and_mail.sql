-- Background jobs, the mail outbox, and password reset links.

-- Work to do after a request has been answered. A worker claims a due job for a lease (claim
-- token and time); only the holder of the claim may finish it. A failed attempt is tried again
-- later (run_at), until it succeeds or is given up (failed_at, with the last error kept).
CREATE TABLE jobs (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    kind          TEXT NOT NULL,
    payload       TEXT NOT NULL,
    run_at        TEXT NOT NULL,
    attempts      INTEGER NOT NULL DEFAULT 0,
    claim         TEXT,
    lease_ends_at TEXT,
    last_error    TEXT NOT NULL DEFAULT '',
    done_at       TEXT,
    failed_at     TEXT,
    created_at    TEXT NOT NULL
);
CREATE INDEX jobs_due ON jobs (run_at) WHERE done_at IS NULL AND failed_at IS NULL;

-- Mail waiting to be sent, and mail sent. A job of kind 'mail' sends one row.
CREATE TABLE outbox (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    to_address  TEXT NOT NULL,
    subject     TEXT NOT NULL,
    body_text   TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    sent_at     TEXT
);

-- Password reset links: found by the SHA-256 of the token in the link, good once, for an hour.
CREATE TABLE password_resets (
    token_hash  TEXT NOT NULL PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    used_at     TEXT
);
CREATE INDEX password_resets_account ON password_resets (account_id);
