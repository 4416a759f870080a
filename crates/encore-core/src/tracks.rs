//! Track listings: the numbered artist–title lists under a music post, kept as structured data so
//! they can be rendered, searched and emitted as schema.org `MusicPlaylist` markup.

use crate::ValidationError;
use serde::{Deserialize, Serialize};

/// The most tracks one listing may hold (a box set, not an accident).
pub const MAX_TRACKS: usize = 500;

/// One entry of a track listing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Track {
    /// 1-based position in the listing.
    pub position: u32,
    /// Who performs it, as credited (`"Kenny Loggins & Gladys Knight"`).
    pub artist: String,
    /// The song's title.
    pub title: String,
    /// Length in seconds, when known.
    pub duration_seconds: Option<u32>,
    /// Where to hear or buy it (an `http`/`https` address), when the writer gave one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
}

/// One line of a listing as typed, before it is checked and numbered.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrackEntry {
    /// Who performs it.
    pub artist: String,
    /// Its title.
    pub title: String,
    /// Its length in seconds.
    pub duration_seconds: Option<u32>,
    /// Where to hear or buy it; empty for none.
    pub link: String,
}

impl TrackEntry {
    /// An entry without a link.
    pub fn new(artist: &str, title: &str, duration_seconds: Option<u32>) -> TrackEntry {
        TrackEntry {
            artist: artist.to_owned(),
            title: title.to_owned(),
            duration_seconds,
            link: String::new(),
        }
    }
}

/// The longest link a track may carry.
pub const MAX_LINK: usize = 500;

impl Track {
    /// The length as `m:ss` (or `h:mm:ss`), when known.
    pub fn duration_display(&self) -> Option<String> {
        self.duration_seconds.map(|s| {
            let (h, m, s) = (s / 3600, (s / 60) % 60, s % 60);
            if h > 0 {
                format!("{h}:{m:02}:{s:02}")
            } else {
                format!("{m}:{s:02}")
            }
        })
    }

    /// The length as an ISO 8601 duration (`PT3M51S`), as schema.org expects.
    pub fn duration_iso8601(&self) -> Option<String> {
        self.duration_seconds.map(|s| {
            let (h, m, s) = (s / 3600, (s / 60) % 60, s % 60);
            let mut out = String::from("PT");
            if h > 0 {
                out.push_str(&format!("{h}H"));
            }
            if h > 0 || m > 0 {
                out.push_str(&format!("{m}M"));
            }
            out.push_str(&format!("{s}S"));
            out
        })
    }
}

/// Validates a listing given in order and numbers it 1..n.
pub fn number_tracks(entries: Vec<TrackEntry>) -> Result<Vec<Track>, ValidationError> {
    if entries.len() > MAX_TRACKS {
        return Err(ValidationError::new(
            "tracks",
            format!("may hold at most {MAX_TRACKS} tracks"),
        ));
    }
    entries
        .into_iter()
        .enumerate()
        .map(|(i, entry)| {
            let position = u32::try_from(i + 1).unwrap_or(u32::MAX);
            let artist = entry.artist.trim();
            let title = entry.title.trim();
            if artist.is_empty() || title.is_empty() {
                return Err(ValidationError::new(
                    "tracks",
                    format!("track {position} needs both an artist and a title"),
                ));
            }
            if artist.chars().count() > 300 || title.chars().count() > 300 {
                return Err(ValidationError::new(
                    "tracks",
                    format!(
                        "track {position}: artist and title must be at most 300 characters each"
                    ),
                ));
            }
            let link = check_link(position, &entry.link)?;
            Ok(Track {
                position,
                artist: artist.to_owned(),
                title: title.to_owned(),
                duration_seconds: entry.duration_seconds,
                link,
            })
        })
        .collect()
}

/// A track's link as typed: none when empty, else an `http` or `https` address.
fn check_link(position: u32, text: &str) -> Result<Option<String>, ValidationError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let refuse = || {
        ValidationError::new(
            "tracks",
            format!("track {position}: the link must be an http:// or https:// address"),
        )
    };
    let url = url::Url::parse(text).map_err(|_| refuse())?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(refuse());
    }
    if text.chars().count() > MAX_LINK {
        return Err(ValidationError::new(
            "tracks",
            format!("track {position}: the link must be at most {MAX_LINK} characters"),
        ));
    }
    Ok(Some(url.to_string()))
}

/// Parses a listing typed one track per line, the way bloggers write them:
///
/// ```text
/// 1. Survivor – Burning Heart (3:51)
/// 2) John Cafferty & The Beaver Brown Band - Hearts on Fire
/// ```
///
/// The leading number is optional and ignored (tracks are numbered in line order); artist and
/// title are split at the first ` – `, ` — ` or ` - `; a trailing `<https://…>` is the track's
/// link, and a trailing `(m:ss)` before it the duration.
pub fn parse_listing(text: &str) -> Result<Vec<Track>, ValidationError> {
    let mut entries = Vec::new();
    for (n, line) in text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .enumerate()
    {
        let line = strip_number(line);
        let (line, link) = split_link(line);
        let (line, duration) = split_duration(line);
        let (artist, title) = [" – ", " — ", " - "]
            .iter()
            .find_map(|sep| line.split_once(sep))
            .ok_or_else(|| {
                ValidationError::new(
                    "tracks",
                    format!("line {}: write tracks as \"Artist – Title\"", n + 1),
                )
            })?;
        entries.push(TrackEntry {
            link: link.to_owned(),
            ..TrackEntry::new(artist, title, duration)
        });
    }
    number_tracks(entries)
}

/// Writes a listing the way [`parse_listing`] reads it: `1. Artist – Title (m:ss) <link>`, one per
/// line.
pub fn format_listing(tracks: &[Track]) -> String {
    let mut out = String::new();
    for track in tracks {
        out.push_str(&format!(
            "{}. {} – {}",
            track.position, track.artist, track.title
        ));
        if let Some(duration) = track.duration_display() {
            out.push_str(&format!(" ({duration})"));
        }
        if let Some(link) = &track.link {
            out.push_str(&format!(" <{link}>"));
        }
        out.push('\n');
    }
    out
}

fn strip_number(line: &str) -> &str {
    let digits = line.chars().take_while(char::is_ascii_digit).count();
    if digits == 0 {
        return line;
    }
    let rest = &line[digits..];
    rest.strip_prefix('.')
        .or_else(|| rest.strip_prefix(')'))
        .map_or(line, str::trim_start)
}

fn split_link(line: &str) -> (&str, &str) {
    match line.strip_suffix('>').and_then(|l| l.rsplit_once(" <")) {
        Some((rest, link)) if !link.contains(char::is_whitespace) => (rest.trim_end(), link),
        _ => (line, ""),
    }
}

fn split_duration(line: &str) -> (&str, Option<u32>) {
    let Some(open) = line.rfind('(') else {
        return (line, None);
    };
    let Some(inner) = line[open + 1..].strip_suffix(')') else {
        return (line, None);
    };
    match parse_duration(inner) {
        Some(seconds) => (line[..open].trim_end(), Some(seconds)),
        None => (line, None),
    }
}

/// Parses `m:ss` or `h:mm:ss` into seconds.
pub fn parse_duration(text: &str) -> Option<u32> {
    let parts: Vec<&str> = text.trim().split(':').collect();
    if !(2..=3).contains(&parts.len())
        || parts
            .iter()
            .any(|p| p.is_empty() || !p.chars().all(|c| c.is_ascii_digit()))
    {
        return None;
    }
    let nums: Vec<u32> = parts
        .iter()
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    let (h, m, s) = match nums.as_slice() {
        [m, s] => (0, *m, *s),
        [h, m, s] => (*h, *m, *s),
        _ => return None,
    };
    if s >= 60 || (parts.len() == 3 && m >= 60) {
        return None;
    }
    h.checked_mul(3600)?
        .checked_add(m.checked_mul(60)?)?
        .checked_add(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_written_listing_reads_back_the_same() {
        let listing = "1. Survivor – Burning Heart (3:51)\n2. James Brown – Living in America\n";
        let tracks = parse_listing(listing).unwrap();
        assert_eq!(format_listing(&tracks), listing);
        assert_eq!(parse_listing(&format_listing(&tracks)).unwrap(), tracks);
    }

    #[test]
    fn a_typed_listing_becomes_numbered_tracks() {
        let tracks = parse_listing(
            "1. Survivor – Burning Heart (3:51)\n\n2) John Cafferty & The Beaver Brown Band - Hearts on Fire\n\
             Kenny Loggins & Gladys Knight — Double or Nothing",
        )
        .unwrap();
        assert_eq!(tracks.len(), 3);
        assert_eq!(tracks[0].position, 1);
        assert_eq!(tracks[0].artist, "Survivor");
        assert_eq!(tracks[0].title, "Burning Heart");
        assert_eq!(tracks[0].duration_seconds, Some(231));
        assert_eq!(tracks[1].artist, "John Cafferty & The Beaver Brown Band");
        assert_eq!(tracks[1].duration_seconds, None);
        assert_eq!(tracks[2].position, 3);
        assert_eq!(tracks[2].title, "Double or Nothing");
    }

    #[test]
    fn titles_with_hyphens_and_parentheses_survive() {
        let t = parse_listing("The Wallflower - Dance With Me, Henry (live)").unwrap();
        assert_eq!(t[0].artist, "The Wallflower");
        assert_eq!(t[0].title, "Dance With Me, Henry (live)");
    }

    #[test]
    fn a_line_without_separator_names_its_line() {
        let err = parse_listing("Survivor – Burning Heart\nEye of the Tiger").unwrap_err();
        assert_eq!(err.field, "tracks");
        assert!(err.problem.contains("line 2"), "{}", err.problem);
    }

    #[test]
    fn durations_render_for_people_and_for_schema_org() {
        let t = Track {
            position: 1,
            artist: "A".into(),
            title: "B".into(),
            duration_seconds: Some(354),
            link: None,
        };
        assert_eq!(t.duration_display().as_deref(), Some("5:54"));
        assert_eq!(t.duration_iso8601().as_deref(), Some("PT5M54S"));
        let long = Track {
            duration_seconds: Some(3725),
            ..t.clone()
        };
        assert_eq!(long.duration_display().as_deref(), Some("1:02:05"));
        assert_eq!(long.duration_iso8601().as_deref(), Some("PT1H2M5S"));
        assert_eq!(parse_duration("3:75"), None);
        assert_eq!(parse_duration("1:02:05"), Some(3725));
        assert_eq!(parse_duration("abc"), None);
    }

    #[test]
    fn empty_artist_or_title_is_refused() {
        assert!(number_tracks(vec![TrackEntry::new(" ", "Title", None)]).is_err());
        assert!(number_tracks(vec![TrackEntry::new("Artist", "", None)]).is_err());
    }

    #[test]
    fn a_track_links_only_to_a_web_address() {
        let listing = "1. Survivor – Burning Heart (3:51) <https://example.org/burning-heart>\n\
                       2. James Brown – Living in America <https://example.org/living>\n";
        let tracks = parse_listing(listing).unwrap();
        assert_eq!(
            tracks[0].link.as_deref(),
            Some("https://example.org/burning-heart")
        );
        assert_eq!(tracks[0].duration_seconds, Some(231));
        assert_eq!(tracks[1].title, "Living in America");
        assert_eq!(format_listing(&tracks), listing);
        for bad in [
            "javascript:alert(1)",
            "ftp://example.org/x",
            "not a link",
            "https://",
        ] {
            let entry = TrackEntry {
                link: bad.into(),
                ..TrackEntry::new("A", "B", None)
            };
            let err = number_tracks(vec![entry]).unwrap_err();
            assert!(err.problem.contains("track 1"), "{bad}: {}", err.problem);
        }
    }
}
