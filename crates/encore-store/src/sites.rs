//! Sites: creating them and finding the one a request's Host header names.

use crate::{
    Result, Store, StoreError, Tx,
    backend::{in_tx, read},
    classify,
};
use chrono::{DateTime, Utc};
use encore_core::{
    ids::SiteId,
    site::{Discussion, NewSite, Site},
};

/// Site queries; see [`Store::sites`].
pub struct Sites<'a> {
    pub(crate) store: &'a Store,
}

#[derive(sqlx::FromRow)]
struct SiteRow {
    id: i64,
    host: String,
    title: String,
    tagline: String,
    base_url: String,
    is_default: bool,
    posts_per_page: Option<i64>,
    comment_depth: i64,
    comments_per_page: i64,
    comment_order: String,
    close_comments_after_days: i64,
    guest_likes: bool,
    gravatars: bool,
    comment_images: bool,
}

/// The columns a [`SiteRow`] reads, in a literal for `concat!`.
macro_rules! site_columns {
    () => {
        "id, host, title, tagline, base_url, is_default, posts_per_page, comment_depth, comments_per_page, \
         comment_order, close_comments_after_days, guest_likes, gravatars, comment_images"
    };
}

impl SiteRow {
    fn into_site(self) -> Site {
        Site {
            id: SiteId(self.id),
            host: self.host,
            title: self.title,
            tagline: self.tagline,
            base_url: self.base_url,
            is_default: self.is_default,
            posts_per_page: self
                .posts_per_page
                .and_then(|n| u32::try_from(n).ok())
                .filter(|n| *n > 0),
            // Out-of-range values (never written by Encore) fall back to the defaults.
            discussion: {
                let d = Discussion {
                    depth: u32::try_from(self.comment_depth).unwrap_or(0),
                    per_page: u32::try_from(self.comments_per_page).unwrap_or(0),
                    newest_first: self.comment_order == "newest",
                    close_after_days: u32::try_from(self.close_comments_after_days)
                        .unwrap_or(u32::MAX),
                    guest_likes: self.guest_likes,
                    gravatars: self.gravatars,
                    images: self.comment_images,
                };
                if d.problems().is_empty() {
                    d
                } else {
                    Discussion::default()
                }
            },
        }
    }
}

impl Sites<'_> {
    /// Whether anyone may sign up on a site (as a subscriber).
    pub async fn signup_open(&self, id: SiteId) -> Result<bool> {
        const SQL: &str = "SELECT signup FROM sites WHERE id = $1";
        let signup: Option<String> = read!(self.store, |pool| sqlx::query_scalar(SQL)
            .bind(id.0)
            .fetch_optional(pool)
            .await)?;
        Ok(signup.as_deref() == Some("open"))
    }

    /// The site for a (normalised) host name: the site claiming it, else the default site.
    pub async fn for_host(&self, host: &str) -> Result<Option<Site>> {
        const SQL: &str = concat!(
            "SELECT ",
            site_columns!(),
            " FROM sites WHERE host = $1 OR is_default ORDER BY (host = $1) DESC LIMIT 1"
        );
        let row: Option<SiteRow> = read!(self.store, |pool| sqlx::query_as(SQL)
            .bind(host)
            .fetch_optional(pool)
            .await)?;
        Ok(row.map(SiteRow::into_site))
    }

    /// The site with this id.
    pub async fn by_id(&self, id: SiteId) -> Result<Site> {
        const SQL: &str = concat!("SELECT ", site_columns!(), " FROM sites WHERE id = $1");
        let row: Option<SiteRow> = read!(self.store, |pool| sqlx::query_as(SQL)
            .bind(id.0)
            .fetch_optional(pool)
            .await)?;
        row.map(SiteRow::into_site).ok_or(StoreError::NotFound)
    }

    /// The site that answers unclaimed host names, if one exists.
    pub async fn default_site(&self) -> Result<Option<Site>> {
        const SQL: &str = concat!("SELECT ", site_columns!(), " FROM sites WHERE is_default");
        let row: Option<SiteRow> = read!(self.store, |pool| sqlx::query_as(SQL)
            .fetch_optional(pool)
            .await)?;
        Ok(row.map(SiteRow::into_site))
    }

    /// All sites, default first, then by host.
    pub async fn list(&self) -> Result<Vec<Site>> {
        const SQL: &str = concat!(
            "SELECT ",
            site_columns!(),
            " FROM sites ORDER BY is_default DESC, host"
        );
        let rows: Vec<SiteRow> =
            read!(self.store, |pool| sqlx::query_as(SQL).fetch_all(pool).await)?;
        Ok(rows.into_iter().map(SiteRow::into_site).collect())
    }

    /// The site answering on exactly this (normalised) host, if any.
    pub async fn by_host(&self, host: &str) -> Result<Option<Site>> {
        const SQL: &str = concat!("SELECT ", site_columns!(), " FROM sites WHERE host = $1");
        let row: Option<SiteRow> = read!(self.store, |pool| sqlx::query_as(SQL)
            .bind(host)
            .fetch_optional(pool)
            .await)?;
        Ok(row.map(SiteRow::into_site))
    }
}

/// Site writes; see [`Tx::sites`].
pub struct SitesTx<'a> {
    pub(crate) tx: &'a mut Tx,
}

impl SitesTx<'_> {
    /// Creates a site from validated input. A taken host is [`StoreError::Conflict`]`("host")`;
    /// a second default site is [`StoreError::Conflict`]`("default site")`.
    pub async fn insert(&mut self, site: &NewSite, now: DateTime<Utc>) -> Result<Site> {
        const SQL: &str = concat!(
            "INSERT INTO sites (host, title, tagline, base_url, is_default, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING ",
            site_columns!()
        );
        let base_url = site
            .base_url
            .clone()
            .unwrap_or_else(|| format!("https://{}", site.host));
        let row: SiteRow = in_tx!(self.tx, |conn| sqlx::query_as(SQL)
            .bind(&site.host)
            .bind(&site.title)
            .bind(&site.tagline)
            .bind(&base_url)
            .bind(site.is_default)
            .bind(now)
            .fetch_one(&mut *conn)
            .await)
        .map_err(|e| {
            classify(
                e,
                if site.is_default {
                    "default site"
                } else {
                    "host"
                },
                "invalid site",
            )
        })?;
        Ok(row.into_site())
    }

    /// Replaces a site's host, title, tagline and public address with validated values.
    pub async fn update(&mut self, id: SiteId, site: &NewSite) -> Result<Site> {
        const SQL: &str = concat!(
            "UPDATE sites SET host = $1, title = $2, tagline = $3, base_url = $4 WHERE id = $5 \
             RETURNING ",
            site_columns!()
        );
        let base_url = site
            .base_url
            .clone()
            .unwrap_or_else(|| format!("https://{}", site.host));
        let row: Option<SiteRow> = in_tx!(self.tx, |conn| sqlx::query_as(SQL)
            .bind(&site.host)
            .bind(&site.title)
            .bind(&site.tagline)
            .bind(&base_url)
            .bind(id.0)
            .fetch_optional(&mut *conn)
            .await)
        .map_err(|e| classify(e, "host", "invalid site"))?;
        row.map(SiteRow::into_site).ok_or(StoreError::NotFound)
    }

    /// Opens or closes sign-up on a site.
    pub async fn set_signup(&mut self, id: SiteId, open: bool) -> Result<()> {
        const SQL: &str = "UPDATE sites SET signup = $2 WHERE id = $1";
        let done = in_tx!(self.tx, |conn| sqlx::query(SQL)
            .bind(id.0)
            .bind(if open { "open" } else { "closed" })
            .execute(&mut *conn)
            .await
            .map(|r| r.rows_affected()))?;
        if done == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// Sets how the site's conversations go.
    pub async fn set_discussion(&mut self, id: SiteId, d: &Discussion) -> Result<()> {
        const SQL: &str = "UPDATE sites SET comment_depth = $2, comments_per_page = $3, comment_order = $4, \
                           close_comments_after_days = $5, guest_likes = $6, gravatars = $7, \
                           comment_images = $8 WHERE id = $1";
        let done = in_tx!(self.tx, |conn| sqlx::query(SQL)
            .bind(id.0)
            .bind(i64::from(d.depth))
            .bind(i64::from(d.per_page))
            .bind(if d.newest_first { "newest" } else { "oldest" })
            .bind(i64::from(d.close_after_days))
            .bind(d.guest_likes)
            .bind(d.gravatars)
            .bind(d.images)
            .execute(&mut *conn)
            .await
            .map(|r| r.rows_affected()))?;
        if done == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// Sets how many posts a page of the site's lists shows; `None` for the configured default.
    pub async fn set_posts_per_page(&mut self, id: SiteId, posts: Option<u32>) -> Result<()> {
        const SQL: &str = "UPDATE sites SET posts_per_page = $2 WHERE id = $1";
        let done = in_tx!(self.tx, |conn| sqlx::query(SQL)
            .bind(id.0)
            .bind(posts.map(i64::from))
            .execute(&mut *conn)
            .await
            .map(|r| r.rows_affected()))?;
        if done == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// The site with this id, as this transaction sees it.
    pub async fn by_id(&mut self, id: SiteId) -> Result<Option<Site>> {
        const SQL: &str = concat!("SELECT ", site_columns!(), " FROM sites WHERE id = $1");
        let row: Option<SiteRow> = in_tx!(self.tx, |conn| sqlx::query_as(SQL)
            .bind(id.0)
            .fetch_optional(&mut *conn)
            .await)?;
        Ok(row.map(SiteRow::into_site))
    }
}
