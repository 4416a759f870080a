//! Posts and pages: writing them with their listing, tags and downloads, and reading them.
//!
//! Every public query applies the one visibility rule of [`encore_core::post::is_public`]
//! through the [`public!`](crate::public) fragment: published, and its time has come.

use crate::{
    Result, Store, StoreError, Tx,
    backend::{in_tx, read, read_quick, read_split},
    classify,
    downloads::DownloadRow,
    quick,
    taxonomy::{CategoryRow, TagRow},
};
use chrono::{DateTime, Utc};
use encore_core::{
    download::Download,
    ids::{AccountId, CategoryId, DownloadId, PostId, SeriesId, SiteId, TagId},
    paging::{PageRequest, Paginated},
    post::{Byline, NewPost, Post, PostKind, PostStatus, PostSummary, Rendered, post_path},
    series::{Series, SeriesPart},
    taxonomy::{Category, Tag},
    tracks::Track,
};
use rusqlite::OptionalExtension;
use serde::Serialize;
use std::collections::HashMap;

/// Post queries; see [`Store::posts`].
pub struct Posts<'a> {
    pub(crate) store: &'a Store,
}

/// Post writes; see [`Tx::posts`].
pub struct PostsTx<'a> {
    pub(crate) tx: &'a mut Tx,
}

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
    /// Posts about a year, whenever they were published.
    SubjectYear(i32),
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

/// Everything a public post page shows, read in two queries.
#[derive(Debug, Clone)]
pub struct PostPage {
    /// The post, without its Markdown source (`body` is empty: a reader's page shows
    /// `body_html`; [`Posts::by_id`] reads the source for editing).
    pub post: Post,
    /// Its series, when it has one.
    pub series: Option<Series>,
    /// The series' public parts in reading order (empty without a series).
    pub parts: Vec<SeriesPart>,
    /// The public post just older.
    pub older: Option<PostLink>,
    /// The public post just newer.
    pub newer: Option<PostLink>,
}

/// Where a post stands: what decides which pages show it. A write that changes any of this
/// changes what the whole site shows (lists, counts, archives).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement {
    /// Post or page.
    pub kind: PostKind,
    /// Its status.
    pub status: PostStatus,
    /// Its address name.
    pub slug: String,
    /// Its time.
    pub published_at: Option<DateTime<Utc>>,
    /// Its author.
    pub author: AccountId,
    /// Its title (pages' titles are in every page's menu).
    pub title: String,
    /// Its series and place.
    pub series: Option<(SeriesId, i64)>,
    /// The year it is about.
    pub subject_year: Option<i32>,
    /// Its categories, by id.
    pub categories: Vec<CategoryId>,
    /// Its tags, by id.
    pub tags: Vec<TagId>,
    /// Its downloads, in order.
    pub downloads: Vec<DownloadId>,
}

/// A post whose stored HTML was made by an older renderer.
#[derive(Debug, Clone)]
pub struct StaleRender {
    /// The post.
    pub id: PostId,
    /// Its Markdown.
    pub body: String,
    /// The author's excerpt.
    pub excerpt: String,
}

/// A post as `encore post list` shows it: any status.
#[derive(Debug, Clone)]
pub struct Listed {
    /// What lists show.
    pub summary: PostSummary,
    /// Its status.
    pub status: PostStatus,
}

/// What the writer's desk narrows its list of posts to.
#[derive(Debug, Clone, Default)]
pub struct DeskFilter {
    /// Only this status.
    pub status: Option<PostStatus>,
    /// Only this author's.
    pub author: Option<AccountId>,
    /// Only titles containing this text (any case).
    pub search: String,
    /// Only posts filed under this category.
    pub category: Option<CategoryId>,
    /// Only the parts of this series.
    pub series: Option<SeriesId>,
    /// Only posts due after this time (scheduled ones, with `status` published).
    pub due_after: Option<DateTime<Utc>>,
}

/// Posts of a site by status, for the dashboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DeskCounts {
    /// Drafts.
    pub drafts: i64,
    /// Waiting for review.
    pub pending: i64,
    /// Public now.
    pub published: i64,
    /// Published with a time to come.
    pub scheduled: i64,
    /// Private.
    pub private: i64,
}

/// The posts filed under category `$3` or any category inside it.
macro_rules! in_category_tree {
    () => {
        "SELECT pc.post_id FROM post_categories pc WHERE pc.category_id IN (\
         WITH RECURSIVE tree(id) AS (SELECT CAST($3 AS BIGINT) \
         UNION SELECT c.id FROM categories c JOIN tree ON c.parent_id = tree.id) \
         SELECT id FROM tree)"
    };
}

// The columns lists and single posts share.
macro_rules! summary_columns {
    () => {
        "p.id, p.kind, p.slug, p.title, p.teaser, p.published_at, a.id AS author_id, \
         a.username AS author_username, a.display_name AS author_display_name"
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

// A single entry: the summary columns plus what only its own page needs, and its series; `$body`
// is the column that gives the Markdown source (`''` when the page does not need it).
macro_rules! post_select {
    ($body:literal) => {
        concat!(
            "SELECT ",
            summary_columns!(),
            ", p.status, ",
            $body,
            " AS body, p.body_html, p.excerpt, p.updated_at, p.series_id, p.series_position, \
             p.subject_year, p.featured_image_id, p.comment_count, p.like_count, p.comments_open, s.slug AS series_slug, s.title AS series_title, s.description AS series_description \
             FROM posts p JOIN accounts a ON a.id = p.author_id LEFT JOIN series s ON s.id = p.series_id "
        )
    };
}

// The public posts of a site, with $1 = site and $2 = now.
macro_rules! public_posts {
    () => {
        concat!(
            "p.site_id = $1 AND p.kind = 'post' AND ",
            crate::public!("p", "$2")
        )
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
    teaser: String,
    published_at: Option<DateTime<Utc>>,
    author_id: i64,
    author_username: String,
    author_display_name: String,
}

fn corrupt(e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(e.to_string())
}

impl SummaryRow {
    /// Reads the columns of `summary_columns!` from a quick reader's row.
    fn from_quick(r: &rusqlite::Row<'_>) -> rusqlite::Result<SummaryRow> {
        Ok(SummaryRow {
            id: r.get("id")?,
            kind: r.get("kind")?,
            slug: r.get("slug")?,
            title: r.get("title")?,
            teaser: r.get("teaser")?,
            published_at: quick::maybe_time_column(r, "published_at")?,
            author_id: r.get("author_id")?,
            author_username: r.get("author_username")?,
            author_display_name: r.get("author_display_name")?,
        })
    }

    fn into_summary(self, categories: Vec<Category>) -> Result<PostSummary> {
        Ok(PostSummary {
            id: PostId(self.id),
            kind: self.kind.parse().map_err(corrupt)?,
            slug: self.slug,
            title: self.title,
            excerpt: self.teaser,
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
    body_html: String,
    excerpt: String,
    updated_at: DateTime<Utc>,
    series_id: Option<i64>,
    series_position: Option<i64>,
    subject_year: Option<i32>,
    featured_image_id: Option<i64>,
    comment_count: i64,
    like_count: i64,
    comments_open: bool,
    series_slug: Option<String>,
    series_title: Option<String>,
    series_description: Option<String>,
}

impl PostRow {
    /// Reads the columns of `post_select!` from a quick reader's row.
    fn from_quick(r: &rusqlite::Row<'_>) -> rusqlite::Result<PostRow> {
        Ok(PostRow {
            summary: SummaryRow::from_quick(r)?,
            status: r.get("status")?,
            body: r.get("body")?,
            body_html: r.get("body_html")?,
            excerpt: r.get("excerpt")?,
            updated_at: quick::time_column(r, "updated_at")?,
            series_id: r.get("series_id")?,
            series_position: r.get("series_position")?,
            subject_year: r.get("subject_year")?,
            featured_image_id: r.get("featured_image_id")?,
            comment_count: r.get("comment_count")?,
            like_count: r.get("like_count")?,
            comments_open: r.get("comments_open")?,
            series_slug: r.get("series_slug")?,
            series_title: r.get("series_title")?,
            series_description: r.get("series_description")?,
        })
    }

    fn series(&self) -> Option<Series> {
        Some(Series {
            id: SeriesId(self.series_id?),
            slug: self.series_slug.clone()?,
            title: self.series_title.clone()?,
            description: self.series_description.clone().unwrap_or_default(),
        })
    }
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

/// One row of the query that reads a post's categories, tags, tracks and downloads at once: the
/// columns mean different things per `what` (see [`Posts::extras`]).
#[derive(serde::Deserialize)]
struct ExtraRow {
    what: String,
    id: i64,
    a: String,
    b: String,
    c: String,
    d: String,
    n1: Option<i64>,
    n2: Option<i64>,
    n3: Option<i64>,
    t: Option<DateTime<Utc>>,
}

// $1 post, $2 site; with neighbours also $3 now, $4 series, $5 the post's time.
macro_rules! extras_sql {
    () => {
        "SELECT 'c' AS what, c.id, c.slug AS a, c.name AS b, c.description AS c, '' AS d, \
                CAST(NULL AS BIGINT) AS n1, CAST(NULL AS BIGINT) AS n2, CAST(NULL AS BIGINT) AS n3, \
                CAST(NULL AS TIMESTAMPTZ) AS t \
           FROM post_categories pc JOIN categories c ON c.id = pc.category_id WHERE pc.post_id = $1 \
         UNION ALL \
         SELECT 't', t.id, t.slug, t.name, '', '', NULL, NULL, NULL, NULL \
           FROM post_tags pt JOIN tags t ON t.id = pt.tag_id WHERE pt.post_id = $1 \
         UNION ALL \
         SELECT 'k', position, artist, title, COALESCE(link, ''), '', duration_seconds, NULL, NULL, NULL \
           FROM tracks WHERE post_id = $1 \
         UNION ALL \
         SELECT 'd', d.id, d.file_name, d.content_type, d.sha256, d.storage_key, d.byte_size, \
                d.download_count, pd.position, NULL \
           FROM post_downloads pd JOIN downloads d ON d.id = pd.download_id \
           WHERE pd.post_id = $1 AND d.site_id = $2"
    };
}
// The neighbours' columns: id, slug, title, kind, then the place in the series and the
// time. `+p.site_id` keeps SQLite on the series index for the parts (the stream index
// would walk every public post of the site).
macro_rules! with_nearby_sql {
    () => { concat!(
    extras_sql!(),
    " UNION ALL SELECT 'part', p.id, p.slug, p.title, p.kind, '', p.series_position, NULL, NULL, p.published_at \
       FROM posts p WHERE p.series_id = $4 AND +p.site_id = $2 AND p.kind = 'post' AND ",
    crate::public!("p", "$3"),
    " UNION ALL SELECT * FROM (SELECT 'older' AS what, p.id, p.slug AS a, p.title AS b, p.kind AS c, '' AS d, \
         CAST(NULL AS BIGINT) AS n1, CAST(NULL AS BIGINT) AS n2, CAST(NULL AS BIGINT) AS n3, p.published_at AS t \
       FROM posts p WHERE p.site_id = $2 AND p.kind = 'post' AND ",
    crate::public!("p", "$3"),
    " AND (p.published_at, p.id) < ($5, $1) ORDER BY p.published_at DESC, p.id DESC LIMIT 1) o \
     UNION ALL SELECT * FROM (SELECT 'newer' AS what, p.id, p.slug AS a, p.title AS b, p.kind AS c, '' AS d, \
         CAST(NULL AS BIGINT) AS n1, CAST(NULL AS BIGINT) AS n2, CAST(NULL AS BIGINT) AS n3, p.published_at AS t \
       FROM posts p WHERE p.site_id = $2 AND p.kind = 'post' AND ",
    crate::public!("p", "$3"),
    " AND (p.published_at, p.id) > ($5, $1) ORDER BY p.published_at, p.id LIMIT 1) n"
) };
}
// The rows travel as one JSON array in one row: a database driver hands rows over one
// by one, and a post page has some twenty.
macro_rules! as_json {
    (sqlite, $union:expr) => {
        concat!(
            "SELECT json_group_array(json_array(what, id, a, b, c, d, n1, n2, n3, t)) FROM (",
            $union,
            ") x"
        )
    };
    (postgres, $union:expr) => {
        concat!(
            "SELECT CAST(COALESCE(json_agg(json_build_array(what, id, a, b, c, d, n1, n2, n3, t)), '[]') AS TEXT) FROM (",
            $union,
            ") x"
        )
    };
}

/// [`Posts::extras`]'s query on SQLite with a post's neighbours, as the quick readers run it.
const EXTRAS_NEARBY_SQLITE: &str = with_nearby_sql!();
/// The same without neighbours.
const EXTRAS_SQLITE: &str = extras_sql!();

/// A post's public series parts and neighbours.
#[derive(Default)]
struct Nearby {
    parts: Vec<SeriesPart>,
    older: Option<PostLink>,
    newer: Option<PostLink>,
}

/// A value bound to a list query, in order.
#[derive(Clone, Copy)]
enum Arg {
    Int(i64),
    Time(DateTime<Utc>),
}

/// What a post carries beside its row.
#[derive(Default)]
struct Extras {
    categories: Vec<Category>,
    tags: Vec<Tag>,
    tracks: Vec<Track>,
    downloads: Vec<Download>,
}

impl Posts<'_> {
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
                    "WHERE p.id IN (",
                    in_category_tree!(),
                    ") AND ",
                    public_posts!(),
                    newest_first!(),
                    "LIMIT $4 OFFSET $5"
                ),
                concat!(
                    "SELECT COUNT(*) FROM posts p WHERE p.id IN (",
                    in_category_tree!(),
                    ") AND ",
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
            SubjectYear(year) => (
                concat!(
                    summary_select!(),
                    "WHERE p.subject_year = $3 AND ",
                    public_posts!(),
                    newest_first!(),
                    "LIMIT $4 OFFSET $5"
                ),
                concat!(
                    "SELECT COUNT(*) FROM posts p WHERE p.subject_year = $3 AND ",
                    public_posts!()
                ),
                vec![Arg::Int(i64::from(year))],
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
        let items = self.with_categories(rows).await?;
        Ok(Paginated::new(
            items,
            page,
            u64::try_from(total).unwrap_or(0),
        ))
    }

    /// Every post and page of a site in any status, newest first (drafts without a date last),
    /// for the people who write them.
    pub async fn all(&self, site: SiteId, limit: i64) -> Result<Vec<Listed>> {
        const SQL: &str = concat!(
            "SELECT ",
            summary_columns!(),
            ", p.status FROM posts p JOIN accounts a ON a.id = p.author_id WHERE p.site_id = $1 \
             ORDER BY p.published_at IS NULL, p.published_at DESC, p.id DESC LIMIT $2"
        );
        #[derive(sqlx::FromRow)]
        struct Row {
            #[sqlx(flatten)]
            summary: SummaryRow,
            status: String,
        }
        let rows: Vec<Row> = read!(self.store, |pool| sqlx::query_as(SQL)
            .bind(site.0)
            .bind(limit)
            .fetch_all(pool)
            .await)?;
        let mut statuses = Vec::with_capacity(rows.len());
        let mut summaries = Vec::with_capacity(rows.len());
        for row in rows {
            statuses.push(row.status.parse::<PostStatus>().map_err(corrupt)?);
            summaries.push(row.summary);
        }
        let summaries = self.with_categories(summaries).await?;
        Ok(summaries
            .into_iter()
            .zip(statuses)
            .map(|(summary, status)| Listed { summary, status })
            .collect())
    }

    /// A page of a site's posts and pages in any status, as the writer's desk lists them: newest
    /// first (undated drafts first of all), narrowed by `filter`.
    pub async fn desk(
        &self,
        site: SiteId,
        filter: &DeskFilter,
        page: PageRequest,
    ) -> Result<Paginated<Listed>> {
        macro_rules! desk_where {
            () => {
                "FROM posts p JOIN accounts a ON a.id = p.author_id WHERE p.site_id = $1 \
                 AND ($2 = '' OR p.status = $2) AND ($3 = 0 OR p.author_id = $3) \
                 AND ($4 = '' OR lower(p.title) LIKE $4 ESCAPE '\\') \
                 AND ($5 = 0 OR EXISTS (SELECT 1 FROM post_categories f WHERE f.post_id = p.id AND f.category_id = $5)) \
                 AND ($6 = 0 OR p.series_id = $6) AND ($7 = 0 OR p.published_at > $8) "
            };
        }
        const COUNT: &str = concat!("SELECT COUNT(*) ", desk_where!());
        const LIST: &str = concat!(
            "SELECT ",
            summary_columns!(),
            ", p.status ",
            desk_where!(),
            "ORDER BY p.published_at IS NOT NULL, p.published_at DESC, p.id DESC LIMIT $9 OFFSET $10"
        );
        #[derive(sqlx::FromRow)]
        struct Row {
            #[sqlx(flatten)]
            summary: SummaryRow,
            status: String,
        }
        let status = filter.status.map(|s| s.as_str()).unwrap_or_default();
        let author = filter.author.map_or(0, |a| a.0);
        let category = filter.category.map_or(0, |c| c.0);
        let series = filter.series.map_or(0, |s| s.0);
        let due = i64::from(filter.due_after.is_some());
        let after = filter.due_after.unwrap_or_default();
        let pattern = if filter.search.trim().is_empty() {
            String::new()
        } else {
            let escaped: String = filter
                .search
                .trim()
                .to_lowercase()
                .chars()
                .flat_map(|c| match c {
                    '%' | '_' | '\\' => vec!['\\', c],
                    c => vec![c],
                })
                .collect();
            format!("%{escaped}%")
        };
        let (total, rows): (i64, Vec<Row>) = read!(self.store, |pool| async {
            let total = sqlx::query_scalar(COUNT)
                .bind(site.0)
                .bind(status)
                .bind(author)
                .bind(&pattern)
                .bind(category)
                .bind(series)
                .bind(due)
                .bind(after)
                .fetch_one(pool)
                .await?;
            let rows = sqlx::query_as(LIST)
                .bind(site.0)
                .bind(status)
                .bind(author)
                .bind(&pattern)
                .bind(category)
                .bind(series)
                .bind(due)
                .bind(after)
                .bind(page.limit())
                .bind(page.offset())
                .fetch_all(pool)
                .await?;
            Ok::<_, sqlx::Error>((total, rows))
        }
        .await)?;
        let mut statuses = Vec::with_capacity(rows.len());
        let mut summaries = Vec::with_capacity(rows.len());
        for row in rows {
            statuses.push(row.status.parse::<PostStatus>().map_err(corrupt)?);
            summaries.push(row.summary);
        }
        let items = self
            .with_categories(summaries)
            .await?
            .into_iter()
            .zip(statuses)
            .map(|(summary, status)| Listed { summary, status })
            .collect();
        Ok(Paginated::new(
            items,
            page,
            u64::try_from(total).unwrap_or(0),
        ))
    }

    /// How many posts (not pages) of a site are in each status; scheduled ones (published with a
    /// time after `now`) are counted apart.
    pub async fn desk_counts(&self, site: SiteId, now: DateTime<Utc>) -> Result<DeskCounts> {
        const SQL: &str = "SELECT \
            COALESCE(SUM(CASE WHEN status = 'draft' THEN 1 ELSE 0 END), 0), \
            COALESCE(SUM(CASE WHEN status = 'pending' THEN 1 ELSE 0 END), 0), \
            COALESCE(SUM(CASE WHEN status = 'published' AND published_at <= $2 THEN 1 ELSE 0 END), 0), \
            COALESCE(SUM(CASE WHEN status = 'published' AND published_at > $2 THEN 1 ELSE 0 END), 0), \
            COALESCE(SUM(CASE WHEN status = 'private' THEN 1 ELSE 0 END), 0) \
            FROM posts WHERE site_id = $1 AND kind = 'post'";
        let (drafts, pending, published, scheduled, private): (i64, i64, i64, i64, i64) =
            read!(self.store, |pool| sqlx::query_as(SQL)
                .bind(site.0)
                .bind(now)
                .fetch_one(pool)
                .await)?;
        Ok(DeskCounts {
            drafts,
            pending,
            published,
            scheduled,
            private,
        })
    }

    async fn with_categories(&self, rows: Vec<SummaryRow>) -> Result<Vec<PostSummary>> {
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let mut categories = self.categories_of(&ids).await?;
        rows.into_iter()
            .map(|row| {
                let cats = categories.remove(&row.id).unwrap_or_default();
                row.into_summary(cats)
            })
            .collect()
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

    /// A public post or page by kind and slug, with everything its page shows: the post (with
    /// its categories, tags, tracks and downloads), its series with the public parts, and its
    /// public neighbours. Two queries.
    pub async fn public_page(
        &self,
        site: SiteId,
        kind: PostKind,
        slug: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<PostPage>> {
        const SQL: &str = concat!(
            // A reader's page shows the stored HTML; the Markdown source stays in the database.
            post_select!("''"),
            "WHERE p.site_id = $1 AND p.kind = $2 AND p.slug = $3 AND ",
            crate::public!("p", "$4")
        );
        // A dated post also shows its series parts and neighbours; they come in the same query
        // as its lists.
        let nearby_of = (kind == PostKind::Post).then_some(now);
        let found = read_quick!(self.store,
            sqlite: |conn| {
                let row = conn
                    .prepare_cached(SQL)?
                    .query_row(
                        rusqlite::named_params! {
                            "$1": site.0, "$2": kind.as_str(), "$3": slug, "$4": quick::time_param(now),
                        },
                        PostRow::from_quick,
                    )
                    .optional()?;
                match row {
                    Some(row) => {
                        let extras = quick_extras(conn, site, &row, nearby_of)?;
                        Ok(Some((row, extras)))
                    }
                    None => Ok(None),
                }
            },
            postgres: |pool| {
                let row: Option<PostRow> = sqlx::query_as(SQL)
                    .bind(site.0)
                    .bind(kind.as_str())
                    .bind(slug)
                    .bind(now)
                    .fetch_optional(pool)
                    .await?;
                match row {
                    Some(row) => {
                        let json = self.extras_json(site, &row, nearby_of).await?;
                        let extras = serde_json::from_str(&json).map_err(corrupt)?;
                        Ok(Some((row, extras)))
                    }
                    None => Ok(None),
                }
            },
        )?;
        let Some((row, rows)) = found else {
            return Ok(None);
        };
        let series = row.series();
        let (extras, nearby) = sort_extras(rows)?;
        Ok(Some(PostPage {
            post: assemble(row, extras)?,
            series,
            parts: nearby.parts,
            older: nearby.older,
            newer: nearby.newer,
        }))
    }

    /// A public post or page by kind and slug, as its page shows it (without its Markdown source;
    /// see [`Posts::public_page`] for its neighbours).
    pub async fn public_by_slug(
        &self,
        site: SiteId,
        kind: PostKind,
        slug: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<Post>> {
        Ok(self
            .public_page(site, kind, slug, now)
            .await?
            .map(|page| page.post))
    }

    /// Any entry of a site by id, whatever its status (for authors, editors and tests).
    pub async fn by_id(&self, site: SiteId, id: PostId) -> Result<Option<Post>> {
        const SQL: &str = concat!(post_select!("p.body"), "WHERE p.site_id = $1 AND p.id = $2");
        let row: Option<PostRow> = read!(self.store, |pool| sqlx::query_as(SQL)
            .bind(site.0)
            .bind(id.0)
            .fetch_optional(pool)
            .await)?;
        match row {
            Some(row) => {
                let (extras, _) = self.extras(site, &row, None).await?;
                Ok(Some(assemble(row, extras)?))
            }
            None => Ok(None),
        }
    }

    /// A post's categories, tags, tracks and downloads, in one query: the lists are one
    /// `UNION ALL` whose columns each branch fills in its own way. With `nearby_of` (now), the same
    /// query also brings the post's public series parts and its public neighbours in time.
    async fn extras(
        &self,
        site: SiteId,
        row: &PostRow,
        nearby_of: Option<DateTime<Utc>>,
    ) -> Result<(Extras, Nearby)> {
        parse_extras(&self.extras_json(site, row, nearby_of).await?)
    }

    /// The rows of [`Posts::extras`] as the database hands them over: one JSON array.
    async fn extras_json(
        &self,
        site: SiteId,
        row: &PostRow,
        nearby_of: Option<DateTime<Utc>>,
    ) -> Result<String> {
        let post = row.summary.id;
        let nearby_of = nearby_of.zip(row.summary.published_at);
        macro_rules! fetch {
            ($backend:ident, $pool:expr) => {
                match nearby_of {
                    Some((now, at)) => {
                        sqlx::query_scalar(as_json!($backend, with_nearby_sql!()))
                            .bind(post)
                            .bind(site.0)
                            .bind(now)
                            .bind(row.series_id)
                            .bind(at)
                            .fetch_one($pool)
                            .await
                    }
                    None => {
                        sqlx::query_scalar(as_json!($backend, extras_sql!()))
                            .bind(post)
                            .bind(site.0)
                            .fetch_one($pool)
                            .await
                    }
                }
            };
        }
        let json: String = read_split!(self.store,
            sqlite: |pool| fetch!(sqlite, pool),
            postgres: |pool| fetch!(postgres, pool),
        )?;
        Ok(json)
    }
}

/// [`Posts::extras`]'s rows on a quick reader (SQLite), one by one: on the calling thread a
/// row costs next to nothing, so they need not travel as JSON.
fn quick_extras(
    conn: &rusqlite::Connection,
    site: SiteId,
    row: &PostRow,
    nearby_of: Option<DateTime<Utc>>,
) -> rusqlite::Result<Vec<ExtraRow>> {
    let post = row.summary.id;
    let read = |r: &rusqlite::Row<'_>| {
        Ok(ExtraRow {
            what: r.get(0)?,
            id: r.get(1)?,
            a: r.get(2)?,
            b: r.get(3)?,
            c: r.get(4)?,
            d: r.get(5)?,
            n1: r.get(6)?,
            n2: r.get(7)?,
            n3: r.get(8)?,
            t: quick::maybe_time_column(r, 9)?,
        })
    };
    match nearby_of.zip(row.summary.published_at) {
        Some((now, at)) => conn
            .prepare_cached(EXTRAS_NEARBY_SQLITE)?
            .query_map(
                rusqlite::named_params! {
                    "$1": post, "$2": site.0, "$3": quick::time_param(now),
                    "$4": row.series_id, "$5": quick::time_param(at),
                },
                read,
            )?
            .collect(),
        None => conn
            .prepare_cached(EXTRAS_SQLITE)?
            .query_map(rusqlite::named_params! { "$1": post, "$2": site.0 }, read)?
            .collect(),
    }
}

/// Sorts out the rows of [`Posts::extras`]'s query, which come as one JSON array.
fn parse_extras(json: &str) -> Result<(Extras, Nearby)> {
    sort_extras(serde_json::from_str(json).map_err(corrupt)?)
}

/// Sorts out the rows of [`Posts::extras`]'s query.
fn sort_extras(rows: Vec<ExtraRow>) -> Result<(Extras, Nearby)> {
    let mut extras = Extras::default();
    let mut nearby = Nearby::default();
    let mut downloads = Vec::new();
    let mut parts = Vec::new();
    for row in rows {
        let link = |row: ExtraRow| LinkRow {
            id: row.id,
            kind: row.c,
            slug: row.a,
            title: row.b,
            published_at: row.t,
        };
        match row.what.as_str() {
            "c" => extras.categories.push(
                CategoryRow {
                    id: row.id,
                    slug: row.a,
                    name: row.b,
                    description: row.c,
                }
                .into_category(),
            ),
            "t" => extras.tags.push(
                TagRow {
                    id: row.id,
                    slug: row.a,
                    name: row.b,
                }
                .into_tag(),
            ),
            "k" => extras.tracks.push(Track {
                position: u32::try_from(row.id).map_err(corrupt)?,
                artist: row.a,
                title: row.b,
                duration_seconds: row.n1.and_then(|d| u32::try_from(d).ok()),
                link: (!row.c.is_empty()).then_some(row.c),
            }),
            "d" => downloads.push((
                row.n3.unwrap_or_default(),
                DownloadRow {
                    id: row.id,
                    file_name: row.a,
                    content_type: row.b,
                    sha256: row.c,
                    storage_key: row.d,
                    byte_size: row.n1.unwrap_or_default(),
                    download_count: row.n2.unwrap_or_default(),
                }
                .into_download(),
            )),
            "part" => parts.push((row.n1.unwrap_or_default(), link(row).into_link())),
            "older" => nearby.older = Some(link(row).into_link()),
            "newer" => nearby.newer = Some(link(row).into_link()),
            other => return Err(corrupt(format!("unexpected row {other:?}"))),
        }
    }
    extras.categories.sort_by(|a, b| a.name.cmp(&b.name));
    extras.tags.sort_by(|a, b| a.name.cmp(&b.name));
    extras.tracks.sort_by_key(|t| t.position);
    downloads.sort_by_key(|(position, _)| *position);
    extras.downloads = downloads.into_iter().map(|(_, d)| d).collect();
    parts.sort_by_key(|(place, _)| *place);
    nearby.parts = parts
        .into_iter()
        .map(|(_, link)| SeriesPart {
            id: link.id,
            title: link.title,
            path: link.path,
        })
        .collect();
    Ok((extras, nearby))
}

/// A public post or page, as much as a comment on it needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicEntry {
    /// Post or page.
    pub kind: PostKind,
    /// Its address name.
    pub slug: String,
    /// Its title.
    pub title: String,
    /// Its address.
    pub path: String,
    /// When it was last changed.
    pub updated_at: DateTime<Utc>,
    /// When it was published.
    pub published_at: Option<DateTime<Utc>>,
    /// Whether it takes comments (its own setting; the site may close it by age too).
    pub comments_open: bool,
}

impl Posts<'_> {
    /// A public post or page of `site` by id, if readers may see it at `now`.
    pub async fn public_entry(
        &self,
        site: SiteId,
        id: PostId,
        now: DateTime<Utc>,
    ) -> Result<Option<PublicEntry>> {
        const SQL: &str = concat!(
            "SELECT p.kind, p.slug, p.title, p.published_at, p.updated_at, p.comments_open FROM posts p \
             WHERE p.site_id = $1 AND p.id = $2 AND ",
            crate::public!("p", "$3")
        );
        #[allow(clippy::type_complexity)]
        let row: Option<(
            String,
            String,
            String,
            Option<DateTime<Utc>>,
            DateTime<Utc>,
            bool,
        )> = read_quick!(self.store,
            sqlite: |conn| conn
                .prepare_cached(SQL)?
                .query_row(
                    rusqlite::named_params! { "$1": site.0, "$2": id.0, "$3": quick::time_param(now) },
                    |r| {
                        Ok((
                            r.get(0)?,
                            r.get(1)?,
                            r.get(2)?,
                            quick::maybe_time_column(r, 3)?,
                            quick::time_column(r, 4)?,
                            r.get(5)?,
                        ))
                    },
                )
                .optional(),
            postgres: |pool| sqlx::query_as(SQL)
                .bind(site.0)
                .bind(id.0)
                .bind(now)
                .fetch_optional(pool)
                .await
                .map_err(StoreError::from),
        )?;
        row.map(
            |(kind, slug, title, published_at, updated_at, comments_open)| {
                let kind: PostKind = kind.parse().map_err(corrupt)?;
                Ok(PublicEntry {
                    kind,
                    path: post_path(kind, &slug, published_at),
                    slug,
                    title,
                    updated_at,
                    published_at,
                    comments_open,
                })
            },
        )
        .transpose()
    }

    /// The site's public pages, by title, for the navigation menu.
    pub async fn public_pages(&self, site: SiteId, now: DateTime<Utc>) -> Result<Vec<PostLink>> {
        const SQL: &str = concat!(
            "SELECT p.id, p.kind, p.slug, p.title, p.published_at FROM posts p \
             WHERE p.site_id = $1 AND p.kind = 'page' AND ",
            crate::public!("p", "$2"),
            " ORDER BY p.title"
        );
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

    /// The earliest time after `now` at which a scheduled entry of the site becomes public: what
    /// the site shows changes then by itself.
    pub async fn next_release(
        &self,
        site: SiteId,
        now: DateTime<Utc>,
    ) -> Result<Option<DateTime<Utc>>> {
        const SQL: &str = "SELECT MIN(published_at) FROM posts WHERE site_id = $1 AND status = 'published' AND published_at > $2";
        Ok(read!(self.store, |pool| sqlx::query_scalar(SQL)
            .bind(site.0)
            .bind(now)
            .fetch_one(pool)
            .await)?)
    }

    /// Posts (of any site) whose stored HTML is older than `version`, at most `limit`.
    pub async fn stale_renders(
        &self,
        version: i64,
        limit: i64,
    ) -> Result<Vec<(SiteId, StaleRender)>> {
        const SQL: &str = "SELECT site_id, id, body, excerpt FROM posts WHERE render_version < $1 ORDER BY id LIMIT $2";
        let rows: Vec<(i64, i64, String, String)> = read!(self.store, |pool| sqlx::query_as(SQL)
            .bind(version)
            .bind(limit)
            .fetch_all(pool)
            .await)?;
        Ok(rows
            .into_iter()
            .map(|(site, id, body, excerpt)| {
                (
                    SiteId(site),
                    StaleRender {
                        id: PostId(id),
                        body,
                        excerpt,
                    },
                )
            })
            .collect())
    }
}

fn assemble(row: PostRow, extras: Extras) -> Result<Post> {
    let status: PostStatus = row.status.parse().map_err(corrupt)?;
    Ok(Post {
        summary: row.summary.into_summary(extras.categories)?,
        status,
        body: row.body,
        body_html: row.body_html,
        excerpt: row.excerpt,
        updated_at: row.updated_at,
        tags: extras.tags,
        tracks: extras.tracks,
        downloads: extras.downloads,
        series: row
            .series_id
            .zip(row.series_position)
            .map(|(s, p)| (SeriesId(s), p)),
        subject_year: row.subject_year,
        featured_image: row.featured_image_id.map(DownloadId),
        comment_count: row.comment_count,
        like_count: row.like_count,
        comments_open: row.comments_open,
    })
}

impl PostsTx<'_> {
    /// Stores a validated post with its rendering, categories, tags, track listing and
    /// downloads. A taken slug is [`StoreError::Conflict`]`("slug")`; a category, tag, series or
    /// download of another site is [`StoreError::MissingReference`].
    pub async fn insert(
        &mut self,
        post: &NewPost,
        rendered: &Rendered,
        now: DateTime<Utc>,
    ) -> Result<PostId> {
        const POST: &str = "INSERT INTO posts (site_id, author_id, kind, status, slug, title, excerpt, body, \
                            published_at, created_at, updated_at, series_id, series_position, body_html, teaser, render_version, \
                            subject_year, featured_image_id, comments_open) \
                            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, $11, $12, $13, $14, $15, $16, $17, $18) RETURNING id";
        let id: i64 = in_tx!(self.tx, |conn| sqlx::query_scalar(POST)
            .bind(post.site_id.0)
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
            .bind(&rendered.body_html)
            .bind(&rendered.teaser)
            .bind(rendered.version)
            .bind(post.subject_year)
            .bind(post.featured_image.map(|d| d.0))
            .bind(post.comments_open)
            .fetch_one(&mut *conn)
            .await)
        .map_err(post_error)?;
        self.attach(post, id).await?;
        Ok(PostId(id))
    }

    /// Keeps what this save of post `id` holds as a revision, saved by `by` (none for the
    /// operator).
    pub async fn keep_revision(
        &mut self,
        id: PostId,
        post: &NewPost,
        by: Option<AccountId>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        crate::revisions::insert(self.tx, id, post, by, now).await
    }

    /// Replaces a post's fields, rendering, categories, tags, track listing and downloads.
    pub async fn update(
        &mut self,
        id: PostId,
        post: &NewPost,
        rendered: &Rendered,
        now: DateTime<Utc>,
    ) -> Result<()> {
        const POST: &str = "UPDATE posts SET author_id = $3, kind = $4, status = $5, slug = $6, title = $7, excerpt = $8, \
                            body = $9, published_at = $10, updated_at = $11, series_id = $12, series_position = $13, \
                            body_html = $14, teaser = $15, render_version = $16, subject_year = $17, \
                            featured_image_id = $18, comments_open = $19 WHERE site_id = $1 AND id = $2";
        const DETACH: [&str; 4] = [
            "DELETE FROM post_categories WHERE post_id = $1",
            "DELETE FROM post_tags WHERE post_id = $1",
            "DELETE FROM tracks WHERE post_id = $1",
            "DELETE FROM post_downloads WHERE post_id = $1",
        ];
        let done = in_tx!(self.tx, |conn| sqlx::query(POST)
            .bind(post.site_id.0)
            .bind(id.0)
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
            .bind(&rendered.body_html)
            .bind(&rendered.teaser)
            .bind(rendered.version)
            .bind(post.subject_year)
            .bind(post.featured_image.map(|d| d.0))
            .bind(post.comments_open)
            .execute(&mut *conn)
            .await
            .map(|r| r.rows_affected()))
        .map_err(post_error)?;
        crate::found(done)?;
        for sql in DETACH {
            in_tx!(self.tx, |conn| sqlx::query(sql)
                .bind(id.0)
                .execute(&mut *conn)
                .await
                .map(|_| ()))?;
        }
        self.attach(post, id.0).await
    }

    /// Stores a post's categories, tags, tracks and downloads.
    async fn attach(&mut self, post: &NewPost, id: i64) -> Result<()> {
        const CATEGORY: &str =
            "INSERT INTO post_categories (site_id, post_id, category_id) VALUES ($1, $2, $3)";
        const TAG: &str = "INSERT INTO post_tags (site_id, post_id, tag_id) VALUES ($1, $2, $3)";
        const TRACK: &str = "INSERT INTO tracks (site_id, post_id, position, artist, title, duration_seconds, link) \
                             VALUES ($1, $2, $3, $4, $5, $6, $7)";
        const DOWNLOAD: &str = "INSERT INTO post_downloads (site_id, post_id, download_id, position) VALUES ($1, $2, $3, $4)";
        let site = post.site_id.0;
        in_tx!(self.tx, |conn| {
            async {
                for category in &post.categories {
                    sqlx::query(CATEGORY)
                        .bind(site)
                        .bind(id)
                        .bind(category.0)
                        .execute(&mut *conn)
                        .await?;
                }
                for tag in &post.tags {
                    sqlx::query(TAG)
                        .bind(site)
                        .bind(id)
                        .bind(tag.0)
                        .execute(&mut *conn)
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
                        .bind(track.link.as_deref())
                        .execute(&mut *conn)
                        .await?;
                }
                for (position, download) in (1i64..).zip(&post.downloads) {
                    sqlx::query(DOWNLOAD)
                        .bind(site)
                        .bind(id)
                        .bind(download.0)
                        .bind(position)
                        .execute(&mut *conn)
                        .await?;
                }
                Ok::<(), sqlx::Error>(())
            }
            .await
        })
        .map_err(post_error)
    }

    /// Deletes a post with everything hanging off it (categories, tags, tracks, download links;
    /// the downloads themselves stay in the media library).
    pub async fn delete(&mut self, site: SiteId, id: PostId) -> Result<()> {
        const SQL: &str = "DELETE FROM posts WHERE site_id = $1 AND id = $2";
        let done = in_tx!(self.tx, |conn| sqlx::query(SQL)
            .bind(site.0)
            .bind(id.0)
            .execute(&mut *conn)
            .await
            .map(|r| r.rows_affected()))?;
        crate::found(done)
    }

    /// Where a post stands now, as this transaction sees it.
    pub async fn placement(&mut self, site: SiteId, id: PostId) -> Result<Option<Placement>> {
        const POST: &str = "SELECT kind, status, slug, published_at, author_id, title, series_id, series_position, \
                            subject_year FROM posts WHERE site_id = $1 AND id = $2";
        const LINKS: &str = "SELECT 'c' AS what, category_id AS other FROM post_categories WHERE post_id = $1 \
                             UNION ALL SELECT 't', tag_id FROM post_tags WHERE post_id = $1 \
                             UNION ALL SELECT 'd', download_id FROM post_downloads WHERE post_id = $1";
        #[allow(clippy::type_complexity)]
        let row: Option<(
            String,
            String,
            String,
            Option<DateTime<Utc>>,
            i64,
            String,
            Option<i64>,
            Option<i64>,
            Option<i32>,
        )> = in_tx!(self.tx, |conn| sqlx::query_as(POST)
            .bind(site.0)
            .bind(id.0)
            .fetch_optional(&mut *conn)
            .await)?;
        let Some((
            kind,
            status,
            slug,
            published_at,
            author,
            title,
            series_id,
            position,
            subject_year,
        )) = row
        else {
            return Ok(None);
        };
        let links: Vec<(String, i64)> = in_tx!(self.tx, |conn| sqlx::query_as(LINKS)
            .bind(id.0)
            .fetch_all(&mut *conn)
            .await)?;
        let mut placement = Placement {
            kind: kind.parse().map_err(corrupt)?,
            status: status.parse().map_err(corrupt)?,
            slug,
            published_at,
            author: AccountId(author),
            title,
            series: series_id.zip(position).map(|(s, p)| (SeriesId(s), p)),
            subject_year,
            categories: Vec::new(),
            tags: Vec::new(),
            downloads: Vec::new(),
        };
        for (what, other) in links {
            match what.as_str() {
                "c" => placement.categories.push(CategoryId(other)),
                "t" => placement.tags.push(TagId(other)),
                _ => placement.downloads.push(DownloadId(other)),
            }
        }
        placement.categories.sort();
        placement.tags.sort();
        placement.downloads.sort();
        Ok(Some(placement))
    }

    /// Stores a fresh rendering of a post's body.
    pub async fn set_rendered(
        &mut self,
        site: SiteId,
        id: PostId,
        rendered: &Rendered,
    ) -> Result<()> {
        const SQL: &str = "UPDATE posts SET body_html = $3, teaser = $4, render_version = $5 WHERE site_id = $1 AND id = $2";
        let done = in_tx!(self.tx, |conn| sqlx::query(SQL)
            .bind(site.0)
            .bind(id.0)
            .bind(&rendered.body_html)
            .bind(&rendered.teaser)
            .bind(rendered.version)
            .execute(&mut *conn)
            .await
            .map(|r| r.rows_affected()))?;
        crate::found(done)
    }

    /// The id of the entry with this kind and slug, if any.
    pub async fn id_by_slug(
        &mut self,
        site: SiteId,
        kind: PostKind,
        slug: &str,
    ) -> Result<Option<PostId>> {
        const SQL: &str = "SELECT id FROM posts WHERE site_id = $1 AND kind = $2 AND slug = $3";
        let id: Option<i64> = in_tx!(self.tx, |conn| sqlx::query_scalar(SQL)
            .bind(site.0)
            .bind(kind.as_str())
            .bind(slug)
            .fetch_optional(&mut *conn)
            .await)?;
        Ok(id.map(PostId))
    }
}

fn post_error(e: sqlx::Error) -> StoreError {
    classify(
        e,
        "slug",
        "a category, tag, series, download or author that does not exist on this site",
    )
}
