-- Pictures in the media library: their size, and the smaller copies pages show (made once, when
-- the picture is uploaded). A post may have a featured picture, shown at the top of its page and
-- when it is shared.
ALTER TABLE downloads ADD COLUMN width INTEGER;
ALTER TABLE downloads ADD COLUMN height INTEGER;

CREATE TABLE picture_variants (
    site_id       INTEGER NOT NULL,
    download_id   INTEGER NOT NULL,
    width         INTEGER NOT NULL,
    height        INTEGER NOT NULL,
    content_type  TEXT NOT NULL,
    byte_size     INTEGER NOT NULL,
    storage_key   TEXT NOT NULL,
    PRIMARY KEY (download_id, width),
    CONSTRAINT picture_variants_download_fkey FOREIGN KEY (site_id, download_id)
        REFERENCES downloads (site_id, id) ON DELETE CASCADE
);

ALTER TABLE posts ADD COLUMN featured_image_id INTEGER REFERENCES downloads (id) ON DELETE SET NULL;
