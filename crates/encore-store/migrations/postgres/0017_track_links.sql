-- Where to hear or buy a track (an http or https address the writer gave), shown on its title.
ALTER TABLE tracks ADD COLUMN link TEXT;
