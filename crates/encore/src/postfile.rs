//! Posts as files: Markdown with TOML front matter between `+++` lines (the form Hugo uses), for
//! writing from the terminal (`encore post add`) and for `encore post export`, which writes the
//! same form back.
//!
//! ```text
//! +++
//! title = "Rocky IV"
//! date = 2026-09-19T09:30:00Z
//! status = "published"
//! categories = ["1985"]
//! tags = ["Soundtracks", "Survivor"]
//! series = "Great Soundtracks of 1985"
//! part = 2
//! tracks = """
//! 1. Survivor – Burning Heart (3:51)
//! 2. John Cafferty – Hearts on Fire
//! """
//! embeds = ["https://www.youtube.com/watch?v=btPJPFnesV4"]
//! downloads = ["rocky-iv-sleeve-notes.txt"]
//! +++
//! The soundtrack that made a generation buy a synthesizer…
//! ```

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use encore_core::{
    ValidationError,
    post::{PostKind, PostStatus},
    tracks::{Track, format_listing, parse_listing},
};
use serde::{Deserialize, Serialize};

const FENCE: &str = "+++";

/// The front matter: everything about a post but its body.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FrontMatter {
    /// Headline (required).
    pub title: String,
    /// Address name; derived from the title when missing.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub slug: String,
    /// `post` (default) or `page`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// `draft` (default), `pending`, `private` or `published`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Release time: a TOML date-time (`2026-09-19T09:30:00Z`), or a date (midnight UTC).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<toml::value::Datetime>,
    /// The author's username (default: the site's only author).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    /// A teaser of your own; otherwise the start of the body.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub excerpt: String,
    /// Category names; missing ones are created.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub categories: Vec<String>,
    /// Tag names; missing ones are created.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// The series' title; a missing series is created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub series: Option<String>,
    /// The post's part in the series (1, 2, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub part: Option<i64>,
    /// The year the post is about, when not the year it is published (`subject_year = 1985`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject_year: Option<i32>,
    /// The track listing, one `Artist – Title (m:ss)` per line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracks: Option<String>,
    /// Player addresses (YouTube, Vimeo, SoundCloud, Bandcamp, Spotify) to show after the body;
    /// an address alone on a line of the body works the same.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub embeds: Vec<String>,
    /// Files to offer, as paths relative to the post's file.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub downloads: Vec<String>,
}

/// A post file: front matter and Markdown body.
#[derive(Debug, Clone, PartialEq)]
pub struct PostFile {
    /// What is between the fences.
    pub front: FrontMatter,
    /// The Markdown after them.
    pub body: String,
}

/// A post file that cannot be read; the message says where and why.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// The front matter fences are missing or unclosed.
    #[error(
        "a post file starts with a line `+++`, then TOML front matter (title = \"…\"), then `+++`, then the Markdown body"
    )]
    NoFrontMatter,
    /// The front matter is not valid TOML or has unknown keys.
    #[error("front matter: {0}")]
    Toml(#[from] toml::de::Error),
    /// A value is not acceptable.
    #[error(transparent)]
    Invalid(#[from] ValidationError),
}

impl PostFile {
    /// Reads a post file.
    pub fn parse(text: &str) -> Result<PostFile, FileError> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut lines = text.split_inclusive('\n');
        if lines.next().map(str::trim_end) != Some(FENCE) {
            return Err(FileError::NoFrontMatter);
        }
        let mut front = String::new();
        let mut closed = false;
        for line in lines.by_ref() {
            if line.trim_end() == FENCE {
                closed = true;
                break;
            }
            front.push_str(line);
        }
        if !closed {
            return Err(FileError::NoFrontMatter);
        }
        let body: String = lines.collect();
        let front: FrontMatter = toml::from_str(&front)?;
        if front.title.trim().is_empty() {
            return Err(ValidationError::new("title", "must not be empty").into());
        }
        Ok(PostFile {
            front,
            body: body.trim_start_matches(['\r', '\n']).to_owned(),
        })
    }

    /// Writes the file back in the same form.
    pub fn write(&self) -> String {
        let front = toml::to_string(&self.front).unwrap_or_default();
        let mut out = format!("{FENCE}\n{front}{FENCE}\n");
        out.push_str(&self.body);
        if !out.ends_with('\n') {
            out.push('\n');
        }
        out
    }

    /// The kind the file asks for.
    pub fn kind(&self) -> Result<PostKind, ValidationError> {
        match self.front.kind.as_deref().unwrap_or("post") {
            "post" => Ok(PostKind::Post),
            "page" => Ok(PostKind::Page),
            other => Err(ValidationError::new(
                "kind",
                format!("must be post or page, not {other:?}"),
            )),
        }
    }

    /// The status the file asks for.
    pub fn status(&self) -> Result<PostStatus, ValidationError> {
        let name = self.front.status.as_deref().unwrap_or("draft");
        name.parse().map_err(|_| {
            ValidationError::new(
                "status",
                format!("must be draft, pending, private or published, not {name:?}"),
            )
        })
    }

    /// The release time, in UTC.
    pub fn date(&self) -> Result<Option<DateTime<Utc>>, ValidationError> {
        let Some(date) = &self.front.date else {
            return Ok(None);
        };
        let text = date.to_string();
        let bad = || {
            ValidationError::new(
                "date",
                format!("{text:?} is not a date-time such as 2026-09-19T09:30:00Z"),
            )
        };
        if let Ok(at) = DateTime::parse_from_rfc3339(&text) {
            return Ok(Some(at.with_timezone(&Utc)));
        }
        if let Ok(at) = NaiveDateTime::parse_from_str(&text, "%Y-%m-%dT%H:%M:%S%.f") {
            return Ok(Some(at.and_utc()));
        }
        let day = NaiveDate::parse_from_str(&text, "%Y-%m-%d").map_err(|_| bad())?;
        Ok(day.and_hms_opt(0, 0, 0).map(|at| at.and_utc()))
    }

    /// The track listing.
    pub fn tracks(&self) -> Result<Vec<Track>, ValidationError> {
        match &self.front.tracks {
            Some(listing) => parse_listing(listing),
            None => Ok(Vec::new()),
        }
    }

    /// The body with the front matter's embeds after it, each alone on its line.
    pub fn body_with_embeds(&self) -> String {
        let mut body = self.body.trim_end().to_owned();
        for url in &self.front.embeds {
            body.push_str("\n\n");
            body.push_str(url.trim());
        }
        body.push('\n');
        body
    }
}

/// A post's track listing as the front matter writes it (`None` without tracks).
pub fn track_listing(tracks: &[Track]) -> Option<String> {
    (!tracks.is_empty()).then(|| format_listing(tracks))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROCKY: &str = "+++\ntitle = \"Rocky IV\"\ndate = 2026-09-19T09:30:00Z\nstatus = \"published\"\n\
        categories = [\"1985\"]\ntags = [\"Soundtracks\", \"Survivor\"]\nseries = \"Great Soundtracks of 1985\"\n\
        part = 2\ntracks = \"\"\"\n1. Survivor – Burning Heart (3:51)\n\"\"\"\n\
        embeds = [\"https://www.youtube.com/watch?v=btPJPFnesV4\"]\ndownloads = [\"notes.txt\"]\n+++\n\
        The soundtrack that made a generation buy a synthesizer.\n";

    #[test]
    fn a_post_file_reads_every_field() {
        let file = PostFile::parse(ROCKY).unwrap();
        assert_eq!(file.front.title, "Rocky IV");
        assert_eq!(file.status().unwrap(), PostStatus::Published);
        assert_eq!(file.kind().unwrap(), PostKind::Post);
        assert_eq!(
            file.date().unwrap().unwrap().to_rfc3339(),
            "2026-09-19T09:30:00+00:00"
        );
        assert_eq!(file.tracks().unwrap()[0].title, "Burning Heart");
        assert_eq!(file.front.part, Some(2));
        assert_eq!(
            file.body_with_embeds(),
            "The soundtrack that made a generation buy a synthesizer.\n\n\
             https://www.youtube.com/watch?v=btPJPFnesV4\n"
        );
        assert_eq!(PostFile::parse(&file.write()).unwrap(), file, "round trip");
    }

    #[test]
    fn dates_may_be_days_or_local_times_taken_as_utc() {
        for (date, expected) in [
            ("2026-09-19", "2026-09-19T00:00:00+00:00"),
            ("2026-09-19T09:30:00", "2026-09-19T09:30:00+00:00"),
            ("2026-09-19T11:30:00+02:00", "2026-09-19T09:30:00+00:00"),
        ] {
            let file =
                PostFile::parse(&format!("+++\ntitle = \"x\"\ndate = {date}\n+++\n")).unwrap();
            assert_eq!(
                file.date().unwrap().unwrap().to_rfc3339(),
                expected,
                "{date}"
            );
        }
    }

    #[test]
    fn bad_files_say_what_is_wrong() {
        assert!(matches!(
            PostFile::parse("title: Rocky IV\n\nbody"),
            Err(FileError::NoFrontMatter)
        ));
        assert!(matches!(
            PostFile::parse("+++\ntitle = \"x\"\n"),
            Err(FileError::NoFrontMatter)
        ));
        let typo = PostFile::parse("+++\ntitle = \"x\"\ntagz = []\n+++\n").unwrap_err();
        assert!(typo.to_string().contains("tagz"), "{typo}");
        let file = PostFile::parse("+++\ntitle = \"x\"\nstatus = \"live\"\n+++\n").unwrap();
        assert_eq!(file.status().unwrap_err().field, "status");
        assert!(matches!(
            PostFile::parse("+++\ntitle = \"  \"\n+++\n"),
            Err(FileError::Invalid(e)) if e.field == "title"
        ));
    }
}
