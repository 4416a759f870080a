//! Posts and pages: what they hold, when they are visible, and where they live.

use crate::{
    ValidationError,
    download::Download,
    error::required_text,
    ids::{AccountId, CategoryId, DownloadId, PostId, SeriesId, SiteId, TagId},
    slug,
    taxonomy::{Category, Tag},
    tracks::Track,
};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::{fmt, str::FromStr};

/// Whether an entry is a dated post or a standalone page (About, Contact).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PostKind {
    /// A dated entry in the blog's stream, with a `/yyyy/mm/dd/slug` address.
    Post,
    /// A timeless page at `/slug`, outside the stream.
    Page,
}

/// Where an entry is in its life. A published entry whose time is still in the future is
/// *scheduled*: stored as published, shown by nobody until its time comes (see [`is_public`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PostStatus {
    /// Being written; visible only to its authors and editors.
    Draft,
    /// Written and submitted for review (a contributor's post waiting for an editor); not public.
    Pending,
    /// Dated like a published entry, but shown only to the site's own people, never to readers.
    Private,
    /// Released at `published_at`.
    Published,
}

impl PostKind {
    /// The name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            PostKind::Post => "post",
            PostKind::Page => "page",
        }
    }
}

impl PostStatus {
    /// The name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            PostStatus::Draft => "draft",
            PostStatus::Pending => "pending",
            PostStatus::Private => "private",
            PostStatus::Published => "published",
        }
    }
}

/// A stored value was not one of the known names.
#[derive(Debug, thiserror::Error)]
#[error("unknown value {0:?}")]
pub struct UnknownValue(pub String);

impl FromStr for PostKind {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "post" => Ok(PostKind::Post),
            "page" => Ok(PostKind::Page),
            other => Err(UnknownValue(other.to_owned())),
        }
    }
}

impl FromStr for PostStatus {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "draft" => Ok(PostStatus::Draft),
            "pending" => Ok(PostStatus::Pending),
            "private" => Ok(PostStatus::Private),
            "published" => Ok(PostStatus::Published),
            other => Err(UnknownValue(other.to_owned())),
        }
    }
}

impl fmt::Display for PostStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The one visibility rule: an entry is public when it is published and its time has come.
/// The store's queries express the same rule in SQL (`status = 'published' AND published_at <= $now`).
pub fn is_public(
    status: PostStatus,
    published_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> bool {
    status == PostStatus::Published && published_at.is_some_and(|at| at <= now)
}

/// The author of an entry, as much as a page needs.
#[derive(Debug, Clone, Serialize)]
pub struct Byline {
    /// The author's account.
    pub id: AccountId,
    /// URL name (`/author/{username}`).
    pub username: String,
    /// Shown name.
    pub display_name: String,
}

/// A post or page as lists show it: enough for a title, a date, a byline and a teaser.
#[derive(Debug, Clone, Serialize)]
pub struct PostSummary {
    /// The entry's id.
    pub id: PostId,
    /// Post or page.
    pub kind: PostKind,
    /// URL name, unique per site and kind.
    pub slug: String,
    /// Headline.
    pub title: String,
    /// The teaser: the author's own excerpt, or the start of the body as plain text.
    pub excerpt: String,
    /// When it was (or will be) released; `None` for drafts never scheduled.
    pub published_at: Option<DateTime<Utc>>,
    /// Who wrote it.
    pub author: Byline,
    /// Its categories, by name.
    pub categories: Vec<Category>,
}

impl PostSummary {
    /// The site-relative address: `/{yyyy}/{mm}/{dd}/{slug}` for posts, `/{slug}` for pages.
    pub fn path(&self) -> String {
        post_path(self.kind, &self.slug, self.published_at)
    }
}

/// The address of an entry; see [`PostSummary::path`].
pub fn post_path(kind: PostKind, slug: &str, published_at: Option<DateTime<Utc>>) -> String {
    match kind {
        PostKind::Page => crate::address::page(slug),
        PostKind::Post => crate::address::post(slug, published_at),
    }
}

/// A post or page with everything its own page shows.
#[derive(Debug, Clone, Serialize)]
pub struct Post {
    /// What lists show.
    pub summary: PostSummary,
    /// Draft or published.
    pub status: PostStatus,
    /// The body as the author wrote it, in Markdown.
    pub body: String,
    /// The body rendered and sanitised when it was saved.
    pub body_html: String,
    /// The author's own excerpt (empty when the teaser comes from the body).
    pub excerpt: String,
    /// When it was last changed.
    pub updated_at: DateTime<Utc>,
    /// Its tags.
    pub tags: Vec<Tag>,
    /// Its track listing, in order (empty when it has none).
    pub tracks: Vec<Track>,
    /// Files it offers, in order.
    pub downloads: Vec<Download>,
    /// The series it belongs to and its place there, if any.
    pub series: Option<(SeriesId, i64)>,
    /// The year it is about, if that was given.
    pub subject_year: Option<i32>,
    /// Its featured picture, if it has one.
    pub featured_image: Option<DownloadId>,
    /// Responses shown under it: approved comments, replies included.
    pub comment_count: i64,
    /// How many people like it.
    pub like_count: i64,
    /// Whether it takes comments (its own setting; the site may close it by age too).
    pub comments_open: bool,
}

/// What a post's page and lists show of its text, made once when it is saved.
///
/// That is the body rendered and sanitised, and the teaser (the author's excerpt, or the start
/// of the body).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// Safe HTML of the body.
    pub body_html: String,
    /// Plain-text teaser.
    pub teaser: String,
    /// [`crate::markdown::RENDERER_VERSION`] at the time.
    pub version: i64,
}

impl Rendered {
    /// Renders a body and picks its teaser.
    pub fn of(body: &str, excerpt: &str) -> Rendered {
        let teaser = if excerpt.trim().is_empty() {
            crate::markdown::excerpt(body, crate::markdown::TEASER_CHARS)
        } else {
            excerpt.trim().to_owned()
        };
        Rendered {
            body_html: crate::markdown::render(body),
            teaser,
            version: crate::markdown::RENDERER_VERSION,
        }
    }
}

/// A post or page to insert, checked by [`NewPost::validate`].
#[derive(Debug, Clone)]
pub struct NewPost {
    /// The site it belongs to.
    pub site_id: SiteId,
    /// Its author.
    pub author_id: AccountId,
    /// Post or page.
    pub kind: PostKind,
    /// Draft or published.
    pub status: PostStatus,
    /// URL name; derived from the title when empty.
    pub slug: String,
    /// Headline.
    pub title: String,
    /// Optional teaser in plain text.
    pub excerpt: String,
    /// Body in Markdown.
    pub body: String,
    /// Release time; required when published (a future time schedules the post).
    pub published_at: Option<DateTime<Utc>>,
    /// Series membership and place, if any.
    pub series: Option<(SeriesId, i64)>,
    /// Categories.
    pub categories: Vec<CategoryId>,
    /// Tags.
    pub tags: Vec<TagId>,
    /// Track listing, numbered 1..n.
    pub tracks: Vec<Track>,
    /// Downloads to attach, in order.
    pub downloads: Vec<DownloadId>,
    /// The year the post is about, when that is not the year it is published (a post about
    /// 1985 written in 2026).
    pub subject_year: Option<i32>,
    /// The picture shown at the top of its page and when it is shared.
    pub featured_image: Option<DownloadId>,
    /// Whether it takes comments (the site may also close posts by age).
    pub comments_open: bool,
}

/// The earliest and latest year a post may be about.
pub const SUBJECT_YEARS: std::ops::RangeInclusive<i32> = 1..=9999;

impl NewPost {
    /// Checks every field, derives a missing slug, and truncates the time to whole seconds (the
    /// precision both databases store identically).
    pub fn validate(mut self) -> Result<Self, ValidationError> {
        self.title = required_text("title", &self.title, 300)?;
        self.slug = if self.slug.trim().is_empty() {
            slug::slugify(&self.title)
        } else {
            slug::normalize(self.slug.trim())
        };
        if self.slug.is_empty() {
            return Err(ValidationError::new(
                "slug",
                "is needed: the title has no letters or digits to make one from",
            ));
        }
        if self
            .subject_year
            .is_some_and(|y| !SUBJECT_YEARS.contains(&y))
        {
            return Err(ValidationError::new(
                "subject_year",
                "must be a year such as 1985",
            ));
        }
        slug::validate("slug", &self.slug)?;
        // Pages live at `/{slug}`, beside the year archives and the site's own sections.
        if self.kind == PostKind::Page
            && (slug::is_year(&self.slug) || slug::is_reserved(&self.slug))
        {
            return Err(ValidationError::new(
                "slug",
                "is reserved for site addresses; choose another",
            ));
        }
        if self.excerpt.chars().count() > 1000 {
            return Err(ValidationError::new(
                "excerpt",
                "must be at most 1000 characters",
            ));
        }
        if self.body.len() > 1_000_000 {
            return Err(ValidationError::new("body", "must be at most 1 MB of text"));
        }
        if matches!(self.status, PostStatus::Published | PostStatus::Private)
            && self.published_at.is_none()
        {
            return Err(ValidationError::new(
                "published_at",
                "is required to publish",
            ));
        }
        if self.series.is_some_and(|(_, position)| position < 1) {
            return Err(ValidationError::new("series_position", "must be 1 or more"));
        }
        self.published_at = self.published_at.map(truncate_to_seconds);
        Ok(self)
    }
}

/// Drops sub-second precision: SQLite stores times as text and PostgreSQL as microseconds, and
/// whole seconds compare the same on both.
pub fn truncate_to_seconds(at: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp(at.timestamp(), 0).unwrap_or(at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn draft(title: &str) -> NewPost {
        NewPost {
            site_id: SiteId(1),
            author_id: AccountId(1),
            kind: PostKind::Post,
            status: PostStatus::Draft,
            slug: String::new(),
            title: title.into(),
            excerpt: String::new(),
            body: String::new(),
            published_at: None,
            series: None,
            categories: vec![],
            tags: vec![],
            tracks: vec![],
            downloads: vec![],
            subject_year: None,
            featured_image: None,
            comments_open: true,
        }
    }

    #[test]
    fn drafts_and_future_posts_are_not_public() {
        let now = Utc.with_ymd_and_hms(1985, 11, 27, 12, 0, 0).unwrap();
        let earlier = Some(now - chrono::Duration::minutes(1));
        let later = Some(now + chrono::Duration::minutes(1));
        assert!(is_public(PostStatus::Published, earlier, now));
        assert!(is_public(PostStatus::Published, Some(now), now));
        assert!(!is_public(PostStatus::Published, later, now));
        assert!(!is_public(PostStatus::Draft, earlier, now));
        assert!(!is_public(PostStatus::Pending, earlier, now));
        assert!(!is_public(PostStatus::Private, earlier, now));
        assert!(!is_public(PostStatus::Published, None, now));
    }

    #[test]
    fn posts_live_under_their_date_and_pages_at_the_root() {
        let at = Utc.with_ymd_and_hms(1985, 11, 27, 23, 59, 0).unwrap();
        assert_eq!(
            post_path(PostKind::Post, "rocky-iv", Some(at)),
            "/1985/11/27/rocky-iv"
        );
        assert_eq!(post_path(PostKind::Page, "about", Some(at)), "/about");
    }

    #[test]
    fn validation_derives_slugs_and_requires_a_time_to_publish() {
        let post = draft("Rocky IV").validate().unwrap();
        assert_eq!(post.slug, "rocky-iv");
        let mut published = draft("Rocky IV");
        published.status = PostStatus::Published;
        assert_eq!(published.validate().unwrap_err().field, "published_at");
        assert_eq!(draft("   ").validate().unwrap_err().field, "title");
        let mut bad_slug = draft("x");
        bad_slug.slug = "Not A Slug".into();
        assert_eq!(bad_slug.validate().unwrap_err().field, "slug");
    }

    #[test]
    fn pages_cannot_take_addresses_the_site_uses() {
        for reserved in ["1985", "category", "download"] {
            let mut page = draft("x");
            page.kind = PostKind::Page;
            page.slug = reserved.into();
            assert_eq!(page.validate().unwrap_err().field, "slug", "{reserved}");
        }
    }

    #[test]
    fn times_are_kept_to_the_second() {
        let mut post = draft("x");
        post.status = PostStatus::Published;
        post.published_at = Some(Utc.timestamp_opt(500_000_000, 987_654_321).unwrap());
        assert_eq!(
            post.validate()
                .unwrap()
                .published_at
                .unwrap()
                .timestamp_subsec_nanos(),
            0
        );
    }
}
