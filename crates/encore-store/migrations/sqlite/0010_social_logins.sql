-- Sign-in through another service (OpenID Connect, OAuth2): which outside identity belongs to
-- which account. An identity is its provider's id (from the configuration) and the subject the
-- provider gives it; it belongs to one account at most.
CREATE TABLE login_identities (
    id          INTEGER PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    provider    TEXT NOT NULL,
    subject     TEXT NOT NULL,
    email       TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL,
    UNIQUE (provider, subject)
);
CREATE INDEX login_identities_account ON login_identities (account_id);

-- A sign-in under way at a provider: found by the SHA-256 of the `state` sent there, good once
-- and for a few minutes, bound to the browser that began it (the hash of a cookie's value).
CREATE TABLE login_states (
    state_hash    TEXT NOT NULL PRIMARY KEY,
    provider      TEXT NOT NULL,
    site_id       INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    browser_hash  TEXT NOT NULL,
    nonce         TEXT NOT NULL,
    verifier      TEXT NOT NULL,
    return_to     TEXT NOT NULL,
    link_account  INTEGER REFERENCES accounts (id) ON DELETE CASCADE,
    created_at    TEXT NOT NULL,
    expires_at    TEXT NOT NULL
);
CREATE INDEX login_states_expires ON login_states (expires_at);
