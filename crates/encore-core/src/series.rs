//! Series: posts meant to be read in order ("Great Soundtracks of 1985"), with automatic
//! "Part 2 of 3" and previous/next links between the parts.

use crate::ids::{PostId, SeriesId};
use serde::Serialize;

/// A named, ordered group of posts on one site (`/series/{slug}`).
#[derive(Debug, Clone, Serialize)]
pub struct Series {
    /// The series' id.
    pub id: SeriesId,
    /// URL name, unique within the site.
    pub slug: String,
    /// Shown name.
    pub title: String,
    /// Shown on the series page; plain text.
    pub description: String,
}

impl Series {
    /// The site-relative address of the series page.
    pub fn path(&self) -> String {
        crate::address::series(&self.slug)
    }
}

/// One public part of a series, as the series box and page list it.
#[derive(Debug, Clone, Serialize)]
pub struct SeriesPart {
    /// The post.
    pub id: PostId,
    /// The post's title.
    pub title: String,
    /// The post's site-relative address.
    pub path: String,
}

/// Where one post stands in its series: what the series box under a post shows.
#[derive(Debug, Clone, Serialize)]
pub struct SeriesNav {
    /// The series.
    pub series: Series,
    /// The post's 1-based place among the series' public parts.
    pub number: usize,
    /// How many public parts the series has.
    pub total: usize,
    /// The part before, if any.
    pub prev: Option<SeriesPart>,
    /// The part after, if any.
    pub next: Option<SeriesPart>,
    /// All public parts in order, for the full list in the box.
    pub parts: Vec<SeriesPart>,
}

impl SeriesNav {
    /// Places `current` among `parts` (the series' public posts in reading order). `None` when
    /// the post is not among them — a draft previewed inside a series, for instance.
    pub fn locate(series: Series, parts: Vec<SeriesPart>, current: PostId) -> Option<Self> {
        let index = parts.iter().position(|p| p.id == current)?;
        Some(Self {
            series,
            number: index + 1,
            total: parts.len(),
            prev: index.checked_sub(1).map(|i| parts[i].clone()),
            next: parts.get(index + 1).cloned(),
            parts,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn part(id: i64, title: &str) -> SeriesPart {
        SeriesPart {
            id: PostId(id),
            title: title.into(),
            path: format!("/{id}"),
        }
    }

    fn series() -> Series {
        Series {
            id: SeriesId(1),
            slug: "s".into(),
            title: "S".into(),
            description: String::new(),
        }
    }

    #[test]
    fn the_middle_part_links_both_ways() {
        let parts = vec![
            part(10, "Back to the Future"),
            part(20, "Rocky IV"),
            part(30, "The Cult – Love"),
        ];
        let nav = SeriesNav::locate(series(), parts, PostId(20)).unwrap();
        assert_eq!((nav.number, nav.total), (2, 3));
        assert_eq!(nav.prev.unwrap().title, "Back to the Future");
        assert_eq!(nav.next.unwrap().title, "The Cult – Love");
    }

    #[test]
    fn the_ends_link_one_way_and_strangers_are_not_placed() {
        let parts = vec![part(10, "a"), part(20, "b")];
        let first = SeriesNav::locate(series(), parts.clone(), PostId(10)).unwrap();
        assert!(first.prev.is_none());
        assert_eq!(first.next.unwrap().id, PostId(20));
        let last = SeriesNav::locate(series(), parts.clone(), PostId(20)).unwrap();
        assert!(last.next.is_none());
        assert!(SeriesNav::locate(series(), parts, PostId(99)).is_none());
    }
}
