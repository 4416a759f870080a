//! View models: what templates receive. Handlers turn core types into these, so templates only
//! print prepared values (dates formatted, paths built, HTML sanitized) and hold no logic.

use crate::{error::Result, state::AppState};
use chrono::{DateTime, Utc};
use encore_core::{
    address,
    download::Download,
    post::{Post, PostSummary},
    site::Site,
    taxonomy::{Category, Tag},
    tracks::Track,
};
use encore_store::posts::PostLink;
use serde::Serialize;

/// What every page's frame shows: site, navigation, sidebar, and the `<head>`.
#[derive(Debug, Serialize)]
pub struct Layout {
    /// The site's title, tagline and address.
    pub site: SiteView,
    /// The site's pages, for the menu.
    pub nav: Vec<PostLink>,
    /// Series, categories and archive years with counts.
    pub sidebar: Sidebar,
    /// `<title>`, description, canonical link, OpenGraph and JSON-LD.
    pub head: Head,
    /// Appended to asset URLs for cache busting.
    pub asset_version: String,
    /// The path of the current page, to mark the active menu entry.
    pub path: String,
}

/// The site as templates show it.
#[derive(Debug, Serialize)]
pub struct SiteView {
    /// Blog title.
    pub title: String,
    /// One-line description.
    pub tagline: String,
    /// Public base URL.
    pub base_url: String,
}

/// The contents of `<head>` that vary per page.
#[derive(Debug, Default, Serialize)]
pub struct Head {
    /// The full `<title>`.
    pub title: String,
    /// The meta description.
    pub description: String,
    /// The absolute canonical URL.
    pub canonical: String,
    /// OpenGraph (and Twitter card) `(property, content)` pairs.
    pub meta: Vec<(String, String)>,
    /// schema.org JSON-LD, already escaped for a `<script>` element.
    pub jsonld: Option<String>,
}

/// The sidebar's lists.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Sidebar {
    /// Series with their public part counts.
    pub series: Vec<LinkCount>,
    /// Categories with their public post counts.
    pub categories: Vec<LinkCount>,
    /// Archive years with their public post counts.
    pub years: Vec<LinkCount>,
}

/// A sidebar link with a count.
#[derive(Debug, Clone, Serialize)]
pub struct LinkCount {
    /// Link text.
    pub name: String,
    /// Site-relative address.
    pub path: String,
    /// How many posts.
    pub count: i64,
}

/// A plain link.
#[derive(Debug, Clone, Serialize)]
pub struct LinkView {
    /// Link text.
    pub name: String,
    /// Site-relative address.
    pub path: String,
}

/// A date, for people and for machines.
#[derive(Debug, Clone, Serialize)]
pub struct DateView {
    /// "27 November 1985".
    pub display: String,
    /// RFC 3339, for `<time datetime>` and structured data.
    pub iso: String,
}

impl DateView {
    /// Formats a UTC time.
    pub fn new(at: DateTime<Utc>) -> Self {
        DateView {
            display: at.format("%-d %B %Y").to_string(),
            iso: at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        }
    }

    /// Formats a UTC time with its hour and minute ("26 November 2026, 07:45 UTC"), for what
    /// happens several times a day (saves, autosaves).
    pub fn with_time(at: DateTime<Utc>) -> Self {
        DateView {
            display: at.format("%-d %B %Y, %H:%M UTC").to_string(),
            ..DateView::new(at)
        }
    }
}

/// A post in a list.
#[derive(Debug, Serialize)]
pub struct SummaryView {
    /// Headline.
    pub title: String,
    /// Address.
    pub path: String,
    /// Teaser text.
    pub excerpt: String,
    /// Release date.
    pub date: Option<DateView>,
    /// Author link.
    pub author: LinkView,
    /// Category links.
    pub categories: Vec<LinkView>,
}

impl SummaryView {
    /// Prepares a summary for a list.
    pub fn new(s: &PostSummary) -> Self {
        SummaryView {
            title: s.title.clone(),
            path: s.path(),
            excerpt: s.excerpt.clone(),
            date: s.published_at.map(DateView::new),
            author: author_link(&s.author.username, &s.author.display_name),
            categories: s.categories.iter().map(category_link).collect(),
        }
    }
}

/// A single post or page, ready to print.
#[derive(Debug, Serialize)]
pub struct PostView {
    /// What lists show, too.
    pub summary: SummaryView,
    /// Absolute URL.
    pub url: String,
    /// Last change.
    pub updated: DateView,
    /// Tag links.
    pub tags: Vec<LinkView>,
    /// The body, rendered and sanitized.
    pub body_html: String,
    /// The track listing.
    pub tracks: Vec<TrackView>,
    /// Files offered.
    pub downloads: Vec<DownloadView>,
    /// The year it is about, linked to the posts about that year.
    pub subject_year: Option<LinkView>,
    /// Its featured picture (set by the page, which looks it up).
    pub featured: Option<FeaturedView>,
}

/// A post's featured picture: the copies a browser chooses from.
#[derive(Debug, Serialize)]
pub struct FeaturedView {
    /// The copy for browsers that do not choose (the widest copy under 1000 pixels).
    pub src: String,
    /// Every copy and the picture itself, by width.
    pub srcset: String,
    /// The picture's own size, so the page does not jump while it loads.
    pub width: u32,
    /// Its height.
    pub height: u32,
    /// The largest copy's absolute address, for sharing (OpenGraph, JSON-LD).
    pub share_url: String,
}

impl FeaturedView {
    /// The view of a picture of `site`.
    pub fn new(site: &Site, picture: &encore_store::pictures::Picture) -> FeaturedView {
        use encore_core::address::picture as at;
        let full = at(picture.id, None, &picture.file_name);
        let mut srcset: Vec<String> = picture
            .variants
            .iter()
            .map(|(w, _)| format!("{} {w}w", at(picture.id, Some(*w), &picture.file_name)))
            .collect();
        srcset.push(format!("{full} {}w", picture.width));
        let src = picture
            .variants
            .iter()
            .rev()
            .find(|(w, _)| *w < 1000)
            .map_or_else(
                || full.clone(),
                |(w, _)| at(picture.id, Some(*w), &picture.file_name),
            );
        let share = picture.variants.last().map_or_else(
            || full.clone(),
            |(w, _)| at(picture.id, Some(*w), &picture.file_name),
        );
        FeaturedView {
            src,
            srcset: srcset.join(", "),
            width: picture.width,
            height: picture.height,
            share_url: site.url(&share),
        }
    }
}

impl PostView {
    /// Renders a post for its page.
    pub fn new(site: &Site, post: &Post) -> Self {
        let summary = SummaryView::new(&post.summary);
        PostView {
            url: site.url(&summary.path),
            summary,
            updated: DateView::new(post.updated_at),
            tags: post.tags.iter().map(tag_link).collect(),
            body_html: post.body_html.clone(),
            tracks: post.tracks.iter().map(TrackView::new).collect(),
            downloads: post.downloads.iter().map(DownloadView::new).collect(),
            subject_year: post.subject_year.map(|year| LinkView {
                name: year.to_string(),
                path: encore_core::address::subject_year(year),
            }),
            featured: None,
        }
    }
}

/// One row of a track listing.
#[derive(Debug, Serialize)]
pub struct TrackView {
    /// 1-based position.
    pub position: u32,
    /// Performer.
    pub artist: String,
    /// Song title.
    pub title: String,
    /// `m:ss`, when known.
    pub duration: Option<String>,
    /// ISO 8601, when known.
    pub duration_iso: Option<String>,
    /// Where to hear or buy it.
    pub link: Option<String>,
}

impl TrackView {
    fn new(t: &Track) -> Self {
        TrackView {
            position: t.position,
            artist: t.artist.clone(),
            title: t.title.clone(),
            duration: t.duration_display(),
            duration_iso: t.duration_iso8601(),
            link: t.link.clone(),
        }
    }
}

/// A download as the post shows it.
#[derive(Debug, Serialize)]
pub struct DownloadView {
    /// File name.
    pub file_name: String,
    /// Address that serves it.
    pub path: String,
    /// Human-readable size.
    pub size: String,
    /// Exact size in bytes.
    pub bytes: u64,
    /// Hex SHA-256.
    pub sha256: String,
    /// Media type without parameters.
    pub kind: String,
    /// Times downloaded.
    pub count: u64,
}

impl DownloadView {
    fn new(d: &Download) -> Self {
        DownloadView {
            file_name: d.file_name.clone(),
            path: d.path(),
            size: d.size_display(),
            bytes: d.byte_size,
            sha256: d.sha256.clone(),
            kind: d
                .content_type
                .split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_owned(),
            count: d.download_count,
        }
    }
}

/// Links to the neighbouring pages of a paginated list.
#[derive(Debug, Serialize)]
pub struct Pager {
    /// This page.
    pub number: u32,
    /// Pages in all.
    pub total: u32,
    /// Address of the newer page.
    pub prev: Option<String>,
    /// Address of the older page.
    pub next: Option<String>,
}

/// Link to an author page.
pub fn author_link(username: &str, display_name: &str) -> LinkView {
    LinkView {
        name: display_name.to_owned(),
        path: address::author(username),
    }
}

/// Link to a category page.
pub fn category_link(c: &Category) -> LinkView {
    LinkView {
        name: c.name.clone(),
        path: address::category(&c.slug),
    }
}

/// Link to a tag page.
pub fn tag_link(t: &Tag) -> LinkView {
    LinkView {
        name: t.name.clone(),
        path: address::tag(&t.slug),
    }
}

impl Layout {
    /// A frame without menu or sidebar (used when the database cannot provide them).
    pub fn bare(app: &AppState, site: &Site, path: &str, head: Head) -> Layout {
        Layout {
            site: SiteView {
                title: site.title.clone(),
                tagline: site.tagline.clone(),
                base_url: site.base_url.clone(),
            },
            nav: Vec::new(),
            sidebar: Sidebar::default(),
            head,
            asset_version: app.theme.version.clone(),
            path: path.to_owned(),
        }
    }

    /// The full frame for `path`: menu pages and sidebar lists as of `now` (from memory).
    pub async fn load(
        app: &AppState,
        site: &Site,
        path: &str,
        head: Head,
        now: DateTime<Utc>,
    ) -> Result<Layout> {
        let mut layout = Layout::bare(app, site, path, head);
        let frame = app
            .frames
            .get(&app.store, app.cache.freshness(), site.id, now)
            .await?;
        layout.nav = frame.nav.clone();
        layout.sidebar = frame.sidebar.clone();
        Ok(layout)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn dates_read_naturally() {
        let d = DateView::new(Utc.with_ymd_and_hms(1985, 11, 27, 9, 5, 0).unwrap());
        assert_eq!(d.display, "27 November 1985");
        assert_eq!(d.iso, "1985-11-27T09:05:00Z");
    }
}

/// A comment as its thread shows it, with the replies under it.
#[derive(Debug, Serialize)]
pub struct CommentView {
    /// Its id (for the reply link).
    pub id: i64,
    /// Its element id, which its permalink points at (`comment-12`).
    pub anchor: String,
    /// Its writer's name.
    pub author: String,
    /// Its writer's website, linked from the name.
    pub author_url: Option<String>,
    /// Its writer's picture.
    pub avatar: String,
    /// When it was written.
    pub date: DateView,
    /// Its text, rendered and sanitised when it was saved.
    pub body_html: String,
    /// How many people like it.
    pub likes: i64,
    /// Whether the reader likes it (known for signed-in readers, and right after a guest's like).
    pub liked: bool,
    /// Removed (held, spam or trash) with answers under it: shown as a placeholder.
    pub removed: bool,
    /// The reader wrote it and may still change it.
    pub editable: bool,
    /// The answers to it, in order.
    pub replies: Vec<CommentView>,
}

impl CommentView {
    /// The threads of `comments` (in reading order, as the store gives them), nested, with
    /// what the reader likes and may still change marked.
    pub fn threads(
        comments: Vec<encore_store::comments::Comment>,
        marks: &Marks<'_>,
    ) -> Vec<CommentView> {
        let mut items = comments.into_iter().peekable();
        nest(&mut items, 0, marks)
    }
}

/// What is marked on the reader's comments.
#[derive(Debug, Default)]
pub struct Marks<'a> {
    /// The comments the reader likes.
    pub liked: &'a [encore_core::ids::CommentId],
    /// The comments the reader wrote and may still change.
    pub mine: &'a [encore_core::ids::CommentId],
}

impl CommentView {
    fn removed(comment: &encore_store::comments::Comment, replies: Vec<CommentView>) -> Self {
        // Nothing of a removed comment is shown: not its words, not its writer.
        CommentView {
            id: comment.id.0,
            anchor: format!("comment-{}", comment.id.0),
            author: String::new(),
            author_url: None,
            avatar: String::new(),
            date: DateView::new(comment.created_at),
            body_html: String::new(),
            likes: 0,
            liked: false,
            removed: true,
            editable: false,
            replies,
        }
    }
}

/// The comments from `items` at `depth` or deeper, until one is shallower: each with the deeper
/// ones after it as its replies.
fn nest(
    items: &mut std::iter::Peekable<impl Iterator<Item = encore_store::comments::Comment>>,
    depth: u32,
    marks: &Marks<'_>,
) -> Vec<CommentView> {
    let mut level = Vec::new();
    while let Some(comment) = items.next_if(|c| c.depth >= depth) {
        let replies = nest(items, comment.depth + 1, marks);
        if comment.status != encore_core::comment::CommentStatus::Approved {
            level.push(CommentView::removed(&comment, replies));
            continue;
        }
        // Answered comments stay as they are.
        let editable = replies.is_empty() && marks.mine.contains(&comment.id);
        level.push(CommentView {
            id: comment.id.0,
            anchor: format!("comment-{}", comment.id.0),
            author_url: (!comment.author_url.is_empty()).then_some(comment.author_url),
            avatar: format!("/comments/{}/avatar", comment.id.0),
            author: comment.author_name,
            date: DateView::new(comment.created_at),
            body_html: comment.body_html,
            likes: comment.like_count,
            liked: marks.liked.contains(&comment.id),
            removed: false,
            editable,
            replies,
        });
    }
    level
}
