//! Posts and pages: inserting them with their listing, tags and downloads, and reading them.
//!
//! Every public query applies the one visibility rule of
//! [`encore_core::post::is_public`]: published, and its time has come.

use crate::{
    Result, Store, StoreError,
    backend::{read, read_split, write},
    classify,
    downloads::DownloadRow,
    taxonomy::{CategoryRow, TagRow},
};
use chrono::{DateTime, Utc};
use encore_core::{
    ids::{AccountId, CategoryId, PostId, SeriesId, SiteId, TagId},
    markdown,
    paging::{PageRequest, Paginated},
    post::{Byline, NewPost, Post, PostKind, PostStatus, PostSummary, post_path},
    taxonomy::Category,
    tracks::Track,
};
use serde::Serialize;
use std::collections::HashMap;

/// Post queries; see [`Store::posts`].
pub struct Posts<'a> {
    pub(crate) store: &'a Store,
}

/// How long a teaser derived from the body may be, in characters.
const EXCERPT_CHARS: usize = 280;

/// Which public posts a list shows.
#[derive(Debug, Clone, Copy)]
pub enum PostFilter {
    /// Every public post: the home page.
    All,
    /// Posts filed under a category.
    Category(CategoryId),
    /// Posts with a tag.
    Tag(TagId),
    /// Posts by an author.
    Author(AccountId),
    /// Posts published in `[from, to)`: year and month archives.
    Between(DateTime<Utc>, DateTime<Utc>),
}

/// A link to a post: its title and address.
#[derive(Debug, Clone, Serialize)]
pub struct PostLink {
    /// The post.
    pub id: PostId,
    /// Its title.
    pub title: String,
    /// Its site-relative address.
    pub path: String,
}

/// A year of the archive and how many public posts it holds.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct ArchiveYear {
    /// The year.
    pub year: i64,
    /// Its public posts.
    pub posts: i64,
}

// The columns lists and single posts share. `body_start` feeds the derived teaser and is only
// read when the author wrote no excerpt.
macro_rules! summary_columns {
    () => {
        "p.id, p.kind, p.slug, p.title, p.excerpt, \
         CASE WHEN p.excerpt = '' THEN substr(p.body, 1, 3000) ELSE '' END AS body_start, \
         p.published_at, a.id AS author_id, a.username AS author_username, \
         a.display_name AS author_display_name"
    };
}

macro_rules! summary_select {
    () => {
        concat!(
            "SELECT ",
            summary_columns!(),
            " FROM posts p JOIN accounts a ON a.id = p.author_id "
        )
    };
}

// A single entry: the summary columns plus what only its own page needs.
macro_rules! post_select {
    () => {
        concat!(
            "SELECT ",
            summary_columns!(),
            ", p.status, p.body, p.updated_at, p.series_id, p.series_position \
             FROM posts p JOIN accounts a ON a.id = p.author_id "
        )
    };
}

// The visibility rule in SQL, with $1 = site and $2 = now.
macro_rules! public_posts {
    () => {
        "p.site_id = $1 AND p.kind = 'post' AND p.status = 'published' AND p.published_at <= $2"
    };
}

macro_rules! newest_first {
    () => {
        " ORDER BY p.published_at DESC, p.id DESC "
    };
}

#[derive(sqlx::FromRow)]
struct SummaryRow {
    id: i64,
    kind: String,
    slug: String,
    title: String,
    excerpt: String,
    body_start: String,
    published_at: Option<DateTime<Utc>>,
    author_id: i64,
    author_username: String,
    author_display_name: String,
}

impl SummaryRow {
    fn into_summary(self, categories: Vec<Category>) -> Result<PostSummary> {
        let excerpt = if self.excerpt.is_empty() {
            markdown::excerpt(&self.body_start, EXCERPT_CHARS)
        } else {
            self.excerpt
        };
        Ok(PostSummary {
            id: PostId(self.id),
            kind: self
                .kind
                .parse()
                .map_err(|e: encore_core::post::UnknownValue| StoreError::Invalid(e.to_string()))?,
            slug: self.slug,
            title: self.title,
            excerpt,
            published_at: self.published_at,
            author: Byline {
                id: AccountId(self.author_id),
                username: self.author_username,
                display_name: self.author_display_name,
            },
            categories,
        })
    }
}

#[derive(sqlx::FromRow)]
struct PostRow {
    #[sqlx(flatten)]
    summary: SummaryRow,
    status: String,
    body: String,
    updated_at: DateTime<Utc>,
    series_id: Option<i64>,
    series_position: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct LinkRow {
    id: i64,
    kind: String,
    slug: String,
    title: String,
    published_at: Option<DateTime<Utc>>,
}

impl LinkRow {
    fn into_link(self) -> PostLink {
        let kind = self.kind.parse().unwrap_or(PostKind::Post);
        PostLink {
            id: PostId(self.id),
            title: self.title,
            path: post_path(kind, &self.slug, self.published_at),
        }
    }
}

#[derive(sqlx::FromRow)]
struct PostCategoryRow {
    post_id: i64,
    #[sqlx(flatten)]
    category: CategoryRow,
}

#[derive(sqlx::FromRow)]
struct TrackRow {
    position: i64,
    artist: String,
    title: String,
    duration_seconds: Option<i64>,
}

/// A value bound to a list query, in order.
#[derive(Clone, Copy)]
enum Arg {
    Int(i64),
    Time(DateTime<Utc>),
}

impl Posts<'_> {
    /// Stores a validated post with its categories, tags, track listing and downloads, all in one
    /// transaction. A taken slug is [`StoreError::Conflict`]`("slug")`; a category, tag, series or
    /// download of another site is [`StoreError::Invalid`].
    pub async fn insert(&self, post: &NewPost, now: DateTime<Utc>) -> Result<PostId> {
        const POST: &str = "INSERT INTO posts (site_id, author_id, kind, status, slug, title, excerpt, body, \
                            published_at, created_at, updated_at, series_id, series_position) \
                            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, $11, $12) RETURNING id";
        const CATEGORY: &str =
            "INSERT INTO post_categories (site_id, post_id, category_id) VALUES ($1, $2, $3)";
        const TAG: &str = "INSERT INTO post_tags (site_id, post_id, tag_id) VALUES ($1, $2, $3)";
        const TRACK: &str = "INSERT INTO tracks (site_id, post_id, position, artist, title, duration_seconds) \
                             VALUES ($1, $2, $3, $4, $5, $6)";
        const DOWNLOAD: &str = "INSERT INTO post_downloads (site_id, post_id, download_id, position) VALUES ($1, $2, $3, $4)";
        let site = post.site_id.0;
        let id: i64 = write!(self.store, |pool| {
            async {
                let mut tx = pool.begin().await?;
                let id: i64 = sqlx::query_scalar(POST)
                    .bind(site)
                    .bind(post.author_id.0)
                    .bind(post.kind.as_str())
                    .bind(post.status.as_str())
                    .bind(&post.slug)
                    .bind(&post.title)
                    .bind(&post.excerpt)
                    .bind(&post.body)
                    .bind(post.published_at)
                    .bind(now)
                    .bind(post.series.map(|(s, _)| s.0))
                    .bind(post.series.map(|(_, p)| p))
                    .fetch_one(&mut *tx)
                    .await?;
                for category in &post.categories {
                    sqlx::query(CATEGORY)
                        .bind(site)
                        .bind(id)
                        .bind(category.0)
                        .execute(&mut *tx)
                        .await?;
                }
                for tag in &post.tags {
                    sqlx::query(TAG)
                        .bind(site)
                        .bind(id)
                        .bind(tag.0)
                        .execute(&mut *tx)
                        .await?;
                }
                for track in &post.tracks {
                    sqlx::query(TRACK)
                        .bind(site)
                        .bind(id)
                        .bind(i64::from(track.position))
                        .bind(&track.artist)
                        .bind(&track.title)
                        .bind(track.duration_seconds.map(i64::from))
                        .execute(&mut *tx)
                        .await?;
                }
                for (position, download) in (1i64..).zip(&post.downloads) {
                    sqlx::query(DOWNLOAD)
                        .bind(site)
                        .bind(id)
                        .bind(download.0)
                        .bind(position)
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
                Ok::<i64, sqlx::Error>(id)
            }
            .await
        })
        .map_err(|e| {
            classify(
                e,
                "slug",
                "a category, tag, series, download or author that does not exist on this site",
            )
        })?;
        Ok(PostId(id))
    }

    /// One page of public posts matching `filter`, newest first.
    pub async fn list(
        &self,
        site: SiteId,
        filter: PostFilter,
        page: PageRequest,
        now: DateTime<Utc>,
    ) -> Result<Paginated<PostSummary>> {
        use PostFilter::*;
        let (list_sql, count_sql, extra): (&'static str, &'static str, Vec<Arg>) = match filter {
            All => (
                concat!(
                    summary_select!(),
                    "WHERE ",
                    public_posts!(),
                    newest_first!(),
                    "LIMIT $3 OFFSET $4"
                ),
                concat!("SELECT COUNT(*) FROM posts p WHERE ", public_posts!()),
                vec![],
            ),
            Category(c) => (
                concat!(
                    summary_select!(),
                    "JOIN post_categories f ON f.post_id = p.id WHERE f.category_id = $3 AND ",
                    public_posts!(),
                    newest_first!(),
                    "LIMIT $4 OFFSET $5"
                ),
                concat!(
                    "SELECT COUNT(*) FROM posts p JOIN post_categories f ON f.post_id = p.id WHERE f.category_id = $3 AND ",
                    public_posts!()
                ),
                vec![Arg::Int(c.0)],
            ),
            Tag(t) => (
                concat!(
                    summary_select!(),
                    "JOIN post_tags f ON f.post_id = p.id WHERE f.tag_id = $3 AND ",
                    public_posts!(),
                    newest_first!(),
                    "LIMIT $4 OFFSET $5"
                ),
                concat!(
                    "SELECT COUNT(*) FROM posts p JOIN post_tags f ON f.post_id = p.id WHERE f.tag_id = $3 AND ",
                    public_posts!()
                ),
                vec![Arg::Int(t.0)],
            ),
            Author(a) => (
                concat!(
                    summary_select!(),
                    "WHERE p.author_id = $3 AND ",
                    public_posts!(),
                    newest_first!(),
                    "LIMIT $4 OFFSET $5"
                ),
                concat!(
                    "SELECT COUNT(*) FROM posts p WHERE p.author_id = $3 AND ",
                    public_posts!()
                ),
                vec![Arg::Int(a.0)],
            ),
            Between(from, to) => (
                concat!(
                    summary_select!(),
                    "WHERE p.published_at >= $3 AND p.published_at < $4 AND ",
                    public_posts!(),
                    newest_first!(),
                    "LIMIT $5 OFFSET $6"
                ),
                concat!(
                    "SELECT COUNT(*) FROM posts p WHERE p.published_at >= $3 AND p.published_at < $4 AND ",
                    public_posts!()
                ),
                vec![Arg::Time(from), Arg::Time(to)],
            ),
        };
        let (rows, total): (Vec<SummaryRow>, i64) = read!(self.store, |pool| {
            async {
                let mut count = sqlx::query_scalar(count_sql).bind(site.0).bind(now);
                let mut list = sqlx::query_as(list_sql).bind(site.0).bind(now);
                for arg in &extra {
                    (count, list) = match *arg {
                        Arg::Int(v) => (count.bind(v), list.bind(v)),
                        Arg::Time(t) => (count.bind(t), list.bind(t)),
                    };
                }
                let total: i64 = count.fetch_one(pool).await?;
                let rows = list
                    .bind(page.limit())
                    .bind(page.offset())
                    .fetch_all(pool)
                    .await?;
                Ok::<_, sqlx::Error>((rows, total))
            }
            .await
        })?;
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let mut categories = self.categories_of(&ids).await?;
        let items = rows
            .into_iter()
            .map(|row| {
                let cats = categories.remove(&row.id).unwrap_or_default();
                row.into_summary(cats)
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Paginated::new(
            items,
            page,
            u64::try_from(total).unwrap_or(0),
        ))
    }

    /// The categories of several posts at once, by post id.
    async fn categories_of(&self, post_ids: &[i64]) -> Result<HashMap<i64, Vec<Category>>> {
        if post_ids.is_empty() {
            return Ok(HashMap::new());
        }
        // The dialects differ in how a list of ids travels: SQLite reads a JSON array, PostgreSQL
        // takes an array parameter.
        let rows: Vec<PostCategoryRow> = read_split!(self.store,
            sqlite: |pool| {
                const SQL: &str = "SELECT pc.post_id, c.id, c.slug, c.name, c.description FROM post_categories pc \
                                   JOIN categories c ON c.id = pc.category_id \
                                   WHERE pc.post_id IN (SELECT value FROM json_each($1)) ORDER BY c.name";
                let json = format!("[{}]", post_ids.iter().map(i64::to_string).collect::<Vec<_>>().join(","));
                sqlx::query_as(SQL).bind(json).fetch_all(pool).await
            },
            postgres: |pool| {
                const SQL: &str = "SELECT pc.post_id, c.id, c.slug, c.name, c.description FROM post_categories pc \
                                   JOIN categories c ON c.id = pc.category_id \
                                   WHERE pc.post_id = ANY($1) ORDER BY c.name";
                sqlx::query_as(SQL).bind(post_ids).fetch_all(pool).await
            },
        )?;
        let mut by_post: HashMap<i64, Vec<Category>> = HashMap::new();
        for row in rows {
            by_post
                .entry(row.post_id)
                .or_default()
                .push(row.category.into_category());
        }
        Ok(by_post)
    }

    /// A public post or page by kind and slug, with everything its page shows.
    pub async fn public_by_slug(
        &self,
        site: SiteId,
        kind: PostKind,
        slug: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<Post>> {
        const SQL: &str = concat!(
            post_select!(),
            "WHERE p.site_id = $1 AND p.kind = $2 AND p.slug = $3 AND p.status = 'published' AND p.published_at <= $4"
        );
        let row: Option<PostRow> = read!(self.store, |pool| sqlx::query_as(SQL)
            .bind(site.0)
            .bind(kind.as_str())
            .bind(slug)
            .bind(now)
            .fetch_optional(pool)
            .await)?;
        match row {
            Some(row) => Ok(Some(self.complete(site, row).await?)),
            None => Ok(None),
        }
    }

    /// Any entry of a site by id, whatever its status (for authors, editors and tests).
    pub async fn by_id(&self, site: SiteId, id: PostId) -> Result<Option<Post>> {
        const SQL: &str = concat!(post_select!(), "WHERE p.site_id = $1 AND p.id = $2");
        let row: Option<PostRow> = read!(self.store, |pool| sqlx::query_as(SQL)
            .bind(site.0)
            .bind(id.0)
            .fetch_optional(pool)
            .await)?;
        match row {
            Some(row) => Ok(Some(self.complete(site, row).await?)),
            None => Ok(None),
        }
    }

    /// Loads what a post page shows beyond the post row: categories, tags, tracks, downloads.
    async fn complete(&self, site: SiteId, row: PostRow) -> Result<Post> {
        const TAGS: &str = "SELECT t.id, t.slug, t.name FROM post_tags pt JOIN tags t ON t.id = pt.tag_id \
                            WHERE pt.post_id = $1 ORDER BY t.name";
        const TRACKS: &str = "SELECT position, artist, title, duration_seconds FROM tracks WHERE post_id = $1 ORDER BY position";
        const DOWNLOADS: &str = "SELECT d.id, d.file_name, d.content_type, d.byte_size, d.sha256, d.storage_key, d.download_count \
                                 FROM post_downloads pd JOIN downloads d ON d.id = pd.download_id \
                                 WHERE pd.post_id = $1 AND d.site_id = $2 ORDER BY pd.position";
        let id = row.summary.id;
        let (tags, tracks, downloads): (Vec<TagRow>, Vec<TrackRow>, Vec<DownloadRow>) =
            read!(self.store, |pool| {
                async {
                    let tags = sqlx::query_as(TAGS).bind(id).fetch_all(pool).await?;
                    let tracks = sqlx::query_as(TRACKS).bind(id).fetch_all(pool).await?;
                    let downloads = sqlx::query_as(DOWNLOADS)
                        .bind(id)
                        .bind(site.0)
                        .fetch_all(pool)
                        .await?;
                    Ok::<_, sqlx::Error>((tags, tracks, downloads))
                }
                .await
            })?;
        let categories = self
            .categories_of(&[id])
            .await?
            .remove(&id)
            .unwrap_or_default();
        let status: PostStatus = row
            .status
            .parse()
            .map_err(|e: encore_core::post::UnknownValue| StoreError::Invalid(e.to_string()))?;
        Ok(Post {
            summary: row.summary.into_summary(categories)?,
            status,
            body: row.body,
            updated_at: row.updated_at,
            tags: tags.into_iter().map(TagRow::into_tag).collect(),
            tracks: tracks
                .into_iter()
                .map(|t| Track {
                    position: u32::try_from(t.position).unwrap_or(0),
                    artist: t.artist,
                    title: t.title,
                    duration_seconds: t.duration_seconds.and_then(|d| u32::try_from(d).ok()),
                })
                .collect(),
            downloads: downloads
                .into_iter()
                .map(DownloadRow::into_download)
                .collect(),
            series: row
                .series_id
                .zip(row.series_position)
                .map(|(s, p)| (SeriesId(s), p)),
        })
    }

    /// The public posts just older and just newer than `post`, for "previous / next post" links.
    pub async fn neighbours(
        &self,
        site: SiteId,
        post: &PostSummary,
        now: DateTime<Utc>,
    ) -> Result<(Option<PostLink>, Option<PostLink>)> {
        const OLDER: &str = concat!(
            "SELECT p.id, p.kind, p.slug, p.title, p.published_at FROM posts p WHERE ",
            public_posts!(),
            " AND (p.published_at, p.id) < ($3, $4)",
            newest_first!(),
            "LIMIT 1"
        );
        const NEWER: &str = concat!(
            "SELECT p.id, p.kind, p.slug, p.title, p.published_at FROM posts p WHERE ",
            public_posts!(),
            " AND (p.published_at, p.id) > ($3, $4) ORDER BY p.published_at, p.id LIMIT 1"
        );
        let Some(at) = post.published_at else {
            return Ok((None, None));
        };
        let (older, newer): (Option<LinkRow>, Option<LinkRow>) = read!(self.store, |pool| {
            async {
                let older = sqlx::query_as(OLDER)
                    .bind(site.0)
                    .bind(now)
                    .bind(at)
                    .bind(post.id.0)
                    .fetch_optional(pool)
                    .await?;
                let newer = sqlx::query_as(NEWER)
                    .bind(site.0)
                    .bind(now)
                    .bind(at)
                    .bind(post.id.0)
                    .fetch_optional(pool)
                    .await?;
                Ok::<_, sqlx::Error>((older, newer))
            }
            .await
        })?;
        Ok((older.map(LinkRow::into_link), newer.map(LinkRow::into_link)))
    }

    /// The site's public pages, by title, for the navigation menu.
    pub async fn public_pages(&self, site: SiteId, now: DateTime<Utc>) -> Result<Vec<PostLink>> {
        const SQL: &str = "SELECT id, kind, slug, title, published_at FROM posts \
                           WHERE site_id = $1 AND kind = 'page' AND status = 'published' AND published_at <= $2 ORDER BY title";
        let rows: Vec<LinkRow> = read!(self.store, |pool| sqlx::query_as(SQL)
            .bind(site.0)
            .bind(now)
            .fetch_all(pool)
            .await)?;
        Ok(rows.into_iter().map(LinkRow::into_link).collect())
    }

    /// The years that hold public posts, newest first, with their counts (UTC years).
    pub async fn archive_years(
        &self,
        site: SiteId,
        now: DateTime<Utc>,
    ) -> Result<Vec<ArchiveYear>> {
        // Taking the year out of a timestamp is dialect-specific: SQLite stores RFC 3339 text,
        // PostgreSQL a TIMESTAMPTZ that must be read in UTC, not the session's zone.
        let rows = read_split!(self.store,
            sqlite: |pool| {
                const SQL: &str = concat!("SELECT CAST(substr(p.published_at, 1, 4) AS INTEGER) AS year, COUNT(*) AS posts \
                                   FROM posts p WHERE ", public_posts!(), " GROUP BY 1 ORDER BY 1 DESC");
                sqlx::query_as(SQL).bind(site.0).bind(now).fetch_all(pool).await
            },
            postgres: |pool| {
                const SQL: &str = concat!("SELECT CAST(EXTRACT(YEAR FROM p.published_at AT TIME ZONE 'UTC') AS BIGINT) AS year, \
                                   COUNT(*) AS posts FROM posts p WHERE ", public_posts!(), " GROUP BY 1 ORDER BY 1 DESC");
                sqlx::query_as(SQL).bind(site.0).bind(now).fetch_all(pool).await
            },
        )?;
        Ok(rows)
    }
}
