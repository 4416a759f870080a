-- Signed-in sessions and failed sign-ins.

-- A session is found by the SHA-256 of its cookie value: the database never holds a value that
-- would sign anyone in.
CREATE TABLE sessions (
    token_hash  TEXT NOT NULL PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    -- The token every form of this session carries (CSRF).
    csrf        TEXT NOT NULL,
    user_agent  TEXT NOT NULL DEFAULT '',
    client      TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL
);
CREATE INDEX sessions_account ON sessions (account_id);
CREATE INDEX sessions_expiry ON sessions (expires_at);

-- Failed sign-ins, by what was typed (lower-cased) and by client network, for throttling that
-- holds across nodes. Pruned after a day.
CREATE TABLE login_failures (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    login       TEXT NOT NULL,
    client      TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE INDEX login_failures_login ON login_failures (login, created_at);
CREATE INDEX login_failures_client ON login_failures (client, created_at);
