-- Whether a guest's comment shows their Gravatar (readers' browsers then ask gravatar.com for
-- it), and whether comments may show images (written `![words](https://…)`).
ALTER TABLE sites ADD COLUMN gravatars BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE sites ADD COLUMN comment_images BOOLEAN NOT NULL DEFAULT FALSE;
-- Keys this instance signs with (the comment form's time stamp), made once on first use and
-- shared by every server on the database.
CREATE TABLE secrets (
    name TEXT NOT NULL PRIMARY KEY,
    value TEXT NOT NULL
);
