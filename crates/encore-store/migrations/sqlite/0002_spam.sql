-- The spam service: API keys, usage, checks with their reasons, reports that train the model, blocklists.
-- It runs inside `encore serve` or on its own (`encore spam serve`) with a database of its own.

CREATE TABLE spam_keys (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    api_key        TEXT    NOT NULL,
    blog           TEXT    NOT NULL,
    monthly_limit  INTEGER,
    created_at     TEXT    NOT NULL,
    revoked_at     TEXT,
    CONSTRAINT spam_keys_api_key_key UNIQUE (api_key),
    CONSTRAINT spam_keys_limit_check CHECK (monthly_limit IS NULL OR monthly_limit > 0)
);

-- Checks per key per calendar month (UTC), as `YYYY-MM`.
CREATE TABLE spam_usage (
    key_id  INTEGER NOT NULL REFERENCES spam_keys (id) ON DELETE CASCADE,
    month   TEXT    NOT NULL,
    checks  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (key_id, month)
);

-- Every comment-check: the verdict, its top reasons (JSON) and the values checked (JSON).
CREATE TABLE spam_checks (
    guid        TEXT    NOT NULL PRIMARY KEY,
    key_id      INTEGER NOT NULL REFERENCES spam_keys (id) ON DELETE CASCADE,
    checked_at  TEXT    NOT NULL,
    verdict     TEXT    NOT NULL,
    score       REAL    NOT NULL,
    reasons     TEXT    NOT NULL,
    is_test     BOOLEAN NOT NULL,
    comment     TEXT    NOT NULL,
    CONSTRAINT spam_checks_verdict_check CHECK (verdict IN ('ham', 'spam', 'discard'))
);
CREATE INDEX spam_checks_key_time ON spam_checks (key_id, checked_at);

-- submit-spam / submit-ham, in order: replayed on start to rebuild what each key has learned.
CREATE TABLE spam_reports (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    key_id       INTEGER NOT NULL REFERENCES spam_keys (id) ON DELETE CASCADE,
    guid         TEXT,
    is_spam      BOOLEAN NOT NULL,
    comment      TEXT    NOT NULL,
    reported_at  TEXT    NOT NULL
);
CREATE INDEX spam_reports_key ON spam_reports (key_id, id);

CREATE TABLE spam_blocklist (
    key_id      INTEGER NOT NULL REFERENCES spam_keys (id) ON DELETE CASCADE,
    kind        TEXT    NOT NULL,
    value       TEXT    NOT NULL,
    created_at  TEXT    NOT NULL,
    PRIMARY KEY (key_id, kind, value),
    CONSTRAINT spam_blocklist_kind_check CHECK (kind IN ('word', 'email', 'ip', 'domain'))
);
