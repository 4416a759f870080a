//! Series of posts and their public parts in reading order.

use crate::{
    Result, Store, Tx,
    backend::{in_tx, read},
    classify,
    taxonomy::Counted,
};
use chrono::{DateTime, Utc};
use encore_core::{
    error::required_text,
    ids::{PostId, SeriesId, SiteId},
    post::{PostKind, post_path},
    series::{Series, SeriesPart},
    slug,
};

/// Series queries; see [`Store::series`].
pub struct SeriesStore<'a> {
    pub(crate) store: &'a Store,
}

#[derive(sqlx::FromRow)]
struct SeriesRow {
    id: i64,
    slug: String,
    title: String,
    description: String,
}

impl SeriesRow {
    fn into_series(self) -> Series {
        Series {
            id: SeriesId(self.id),
            slug: self.slug,
            title: self.title,
            description: self.description,
        }
    }
}

#[derive(sqlx::FromRow)]
struct CountedSeriesRow {
    #[sqlx(flatten)]
    series: SeriesRow,
    posts: i64,
}

#[derive(sqlx::FromRow)]
struct PartRow {
    id: i64,
    slug: String,
    title: String,
    published_at: Option<DateTime<Utc>>,
}

impl SeriesStore<'_> {
    /// The series with this slug on this site.
    pub async fn by_slug(&self, site: SiteId, slug: &str) -> Result<Option<Series>> {
        const SQL: &str =
            "SELECT id, slug, title, description FROM series WHERE site_id = $1 AND slug = $2";
        let row: Option<SeriesRow> = read!(self.store, |pool| sqlx::query_as(SQL)
            .bind(site.0)
            .bind(slug)
            .fetch_optional(pool)
            .await)?;
        Ok(row.map(SeriesRow::into_series))
    }

    /// The series with this id on this site.
    pub async fn by_id(&self, site: SiteId, id: SeriesId) -> Result<Option<Series>> {
        const SQL: &str =
            "SELECT id, slug, title, description FROM series WHERE site_id = $1 AND id = $2";
        let row: Option<SeriesRow> = read!(self.store, |pool| sqlx::query_as(SQL)
            .bind(site.0)
            .bind(id.0)
            .fetch_optional(pool)
            .await)?;
        Ok(row.map(SeriesRow::into_series))
    }

    /// The public posts of a series in reading order.
    pub async fn public_parts(
        &self,
        site: SiteId,
        series: SeriesId,
        now: DateTime<Utc>,
    ) -> Result<Vec<SeriesPart>> {
        const SQL: &str = concat!(
            "SELECT p.id, p.slug, p.title, p.published_at FROM posts p \
             WHERE p.site_id = $1 AND p.series_id = $2 AND p.kind = 'post' AND ",
            crate::public!("p", "$3"),
            " ORDER BY p.series_position"
        );
        let rows: Vec<PartRow> = read!(self.store, |pool| sqlx::query_as(SQL)
            .bind(site.0)
            .bind(series.0)
            .bind(now)
            .fetch_all(pool)
            .await)?;
        Ok(rows
            .into_iter()
            .map(|r| SeriesPart {
                id: PostId(r.id),
                path: post_path(PostKind::Post, &r.slug, r.published_at),
                title: r.title,
            })
            .collect())
    }

    /// The site's series that have public parts, by title, with their counts.
    pub async fn in_use(&self, site: SiteId, now: DateTime<Utc>) -> Result<Vec<Counted<Series>>> {
        const SQL: &str = concat!(
            "SELECT s.id, s.slug, s.title, s.description, COUNT(*) AS posts FROM series s \
             JOIN posts p ON p.series_id = s.id \
             WHERE s.site_id = $1 AND p.kind = 'post' AND ",
            crate::public!("p", "$2"),
            " GROUP BY s.id, s.slug, s.title, s.description ORDER BY s.title"
        );
        let rows: Vec<CountedSeriesRow> = read!(self.store, |pool| sqlx::query_as(SQL)
            .bind(site.0)
            .bind(now)
            .fetch_all(pool)
            .await)?;
        Ok(rows
            .into_iter()
            .map(|r| Counted {
                item: r.series.into_series(),
                posts: r.posts,
            })
            .collect())
    }
}

/// Series writes; see [`Tx::series`].
pub struct SeriesTx<'a> {
    pub(crate) tx: &'a mut Tx,
}

impl SeriesTx<'_> {
    /// Creates a series; its slug is derived from the title when `slug` is empty.
    pub async fn insert(
        &mut self,
        site: SiteId,
        title: &str,
        slug: &str,
        description: &str,
        now: DateTime<Utc>,
    ) -> Result<Series> {
        const SQL: &str = "INSERT INTO series (site_id, slug, title, description, created_at) VALUES ($1, $2, $3, $4, $5) \
                           RETURNING id, slug, title, description";
        let title = required_text("title", title, 200)?;
        let slug = if slug.trim().is_empty() {
            slug::slugify(&title)
        } else {
            slug::normalize(slug.trim())
        };
        slug::validate("slug", &slug)?;
        let row: SeriesRow = in_tx!(self.tx, |conn| sqlx::query_as(SQL)
            .bind(site.0)
            .bind(&slug)
            .bind(&title)
            .bind(description.trim())
            .bind(now)
            .fetch_one(&mut *conn)
            .await)
        .map_err(|e| classify(e, "slug", "no such site"))?;
        Ok(row.into_series())
    }

    /// The series titled `title` (by its slug), created when missing.
    pub async fn ensure(
        &mut self,
        site: SiteId,
        title: &str,
        now: DateTime<Utc>,
    ) -> Result<Series> {
        const SELECT: &str =
            "SELECT id, slug, title, description FROM series WHERE site_id = $1 AND slug = $2";
        let title = required_text("series", title, 200)?;
        let slug = slug::slugify(&title);
        let row: Option<SeriesRow> = in_tx!(self.tx, |conn| sqlx::query_as(SELECT)
            .bind(site.0)
            .bind(&slug)
            .fetch_optional(&mut *conn)
            .await)?;
        match row {
            Some(row) => Ok(row.into_series()),
            None => self.insert(site, &title, &slug, "", now).await,
        }
    }
}
