-- A member's picture: '' (drawn from their name), 'gravatar', or 'upload:KEY' (a square PNG in the
-- media store).
ALTER TABLE accounts ADD COLUMN avatar TEXT NOT NULL DEFAULT '';
