//! What a write changed, in the terms the page cache invalidates by.
//!
//! A cached page remembers the topics it shows; a use case names the topics its write touched,
//! and every page that shows one of them is dropped. A change to what a post *says* (its title,
//! body, tracks) touches `post:ID`, which every page showing that post depends on: its own page,
//! the lists and archives it appears in, its neighbours' previous/next links, its series. A change
//! to what the site *shows* — a post published, moved, unpublished or deleted, a category renamed,
//! the site's title — touches `site`, because the sidebar's counts and the menu are on every page.

use crate::ids::{DownloadId, PostId, SiteId};
use std::{fmt, str::FromStr};

/// One thing a page can show and a write can change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Topic {
    /// The list of sites and their settings (hosts, titles, addresses): instance-wide.
    Sites,
    /// Everything a site shows.
    Site,
    /// Pages that show this post.
    Post(PostId),
    /// Pages that show this download's counter.
    Download(DownloadId),
}

impl fmt::Display for Topic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Topic::Sites => f.write_str("sites"),
            Topic::Site => f.write_str("site"),
            Topic::Post(id) => write!(f, "post:{}", id.0),
            Topic::Download(id) => write!(f, "download:{}", id.0),
        }
    }
}

/// A topic name that Encore does not know.
#[derive(Debug, thiserror::Error)]
#[error("unknown change topic {0:?}")]
pub struct UnknownTopic(pub String);

impl FromStr for Topic {
    type Err = UnknownTopic;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let unknown = || UnknownTopic(s.to_owned());
        match s.split_once(':') {
            None if s == "sites" => Ok(Topic::Sites),
            None if s == "site" => Ok(Topic::Site),
            Some(("post", id)) => Ok(Topic::Post(PostId(id.parse().map_err(|_| unknown())?))),
            Some(("download", id)) => Ok(Topic::Download(DownloadId(
                id.parse().map_err(|_| unknown())?,
            ))),
            _ => Err(unknown()),
        }
    }
}

/// What one write changed: topics of one site, or of the instance (`site: None`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Change {
    /// The site, or `None` for instance-wide topics ([`Topic::Sites`]).
    pub site: Option<SiteId>,
    /// What changed, without repeats, in a stable order.
    pub topics: Vec<Topic>,
}

impl Change {
    /// A change of `topics` on `site`.
    pub fn on(site: SiteId, topics: impl IntoIterator<Item = Topic>) -> Change {
        let mut topics: Vec<Topic> = topics.into_iter().collect();
        topics.sort();
        topics.dedup();
        Change {
            site: Some(site),
            topics,
        }
    }

    /// Everything `site` shows.
    pub fn whole_site(site: SiteId) -> Change {
        Change::on(site, [Topic::Site])
    }

    /// The list of sites (a site added, a host or setting changed).
    pub fn sites() -> Change {
        Change {
            site: None,
            topics: vec![Topic::Sites],
        }
    }

    /// The topics as stored: space-separated names.
    pub fn topics_text(&self) -> String {
        self.topics
            .iter()
            .map(Topic::to_string)
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Reads stored topics back; unknown names (from a newer release) are skipped.
    pub fn parse_topics(text: &str) -> Vec<Topic> {
        text.split_whitespace()
            .filter_map(|t| t.parse().ok())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topics_round_trip_through_their_stored_names() {
        let change = Change::on(
            SiteId(1),
            [
                Topic::Post(PostId(12)),
                Topic::Download(DownloadId(3)),
                Topic::Post(PostId(12)),
                Topic::Site,
            ],
        );
        assert_eq!(change.topics_text(), "site post:12 download:3");
        assert_eq!(Change::parse_topics(&change.topics_text()), change.topics);
        assert_eq!(
            Change::parse_topics("site comment:9 post:x post:4"),
            [Topic::Site, Topic::Post(PostId(4))],
            "unknown or malformed names are skipped"
        );
    }
}
