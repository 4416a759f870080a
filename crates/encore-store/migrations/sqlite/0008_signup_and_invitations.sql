-- Who may make an account on a site, verified email addresses, and invitations.

-- 'closed': accounts come from the owner (command line, invitations); 'open': anyone may sign
-- up as a subscriber.
ALTER TABLE sites ADD COLUMN signup TEXT NOT NULL DEFAULT 'closed' CHECK (signup IN ('open', 'closed'));

-- When the account's email address was shown to be its owner's (an invitation mailed to it, a
-- link followed); NULL until then.
ALTER TABLE accounts ADD COLUMN email_verified_at TEXT;

-- An invitation: a link mailed to an address, good once, for a week, that makes an account with
-- a role on a site. Found by the SHA-256 of the token in the link.
CREATE TABLE invitations (
    token_hash  TEXT NOT NULL PRIMARY KEY,
    site_id     INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    email       TEXT NOT NULL,
    role        TEXT NOT NULL CHECK (role IN ('administrator', 'editor', 'author', 'contributor', 'subscriber')),
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    used_at     TEXT
);
CREATE INDEX invitations_site ON invitations (site_id);
