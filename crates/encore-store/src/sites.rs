//! Sites: creating them and finding the one a request's Host header names.

use crate::{
    Result, Store, StoreError,
    backend::{read, write},
    classify,
};
use chrono::{DateTime, Utc};
use encore_core::{
    ids::SiteId,
    site::{NewSite, Site},
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
        }
    }
}

impl Sites<'_> {
    /// The site for a (normalised) host name: the site claiming it, else the default site.
    pub async fn for_host(&self, host: &str) -> Result<Option<Site>> {
        const SQL: &str = "SELECT id, host, title, tagline, base_url, is_default FROM sites \
                           WHERE host = $1 OR is_default ORDER BY (host = $1) DESC LIMIT 1";
        let row: Option<SiteRow> = read!(self.store, |pool| sqlx::query_as(SQL)
            .bind(host)
            .fetch_optional(pool)
            .await)?;
        Ok(row.map(SiteRow::into_site))
    }

    /// The site with this id.
    pub async fn by_id(&self, id: SiteId) -> Result<Site> {
        const SQL: &str =
            "SELECT id, host, title, tagline, base_url, is_default FROM sites WHERE id = $1";
        let row: Option<SiteRow> = read!(self.store, |pool| sqlx::query_as(SQL)
            .bind(id.0)
            .fetch_optional(pool)
            .await)?;
        row.map(SiteRow::into_site).ok_or(StoreError::NotFound)
    }

    /// The site that answers unclaimed host names, if one exists.
    pub async fn default_site(&self) -> Result<Option<Site>> {
        const SQL: &str =
            "SELECT id, host, title, tagline, base_url, is_default FROM sites WHERE is_default";
        let row: Option<SiteRow> = read!(self.store, |pool| sqlx::query_as(SQL)
            .fetch_optional(pool)
            .await)?;
        Ok(row.map(SiteRow::into_site))
    }

    /// All sites, default first, then by host.
    pub async fn list(&self) -> Result<Vec<Site>> {
        const SQL: &str = "SELECT id, host, title, tagline, base_url, is_default FROM sites ORDER BY is_default DESC, host";
        let rows: Vec<SiteRow> =
            read!(self.store, |pool| sqlx::query_as(SQL).fetch_all(pool).await)?;
        Ok(rows.into_iter().map(SiteRow::into_site).collect())
    }

    /// Creates a site from validated input. A taken host is [`StoreError::Conflict`]`("host")`.
    pub async fn insert(&self, site: &NewSite, now: DateTime<Utc>) -> Result<Site> {
        const SQL: &str = "INSERT INTO sites (host, title, tagline, base_url, is_default, created_at) \
                           VALUES ($1, $2, $3, $4, $5, $6) RETURNING id, host, title, tagline, base_url, is_default";
        let base_url = site
            .base_url
            .clone()
            .unwrap_or_else(|| format!("https://{}", site.host));
        let row: SiteRow = write!(self.store, |pool| sqlx::query_as(SQL)
            .bind(&site.host)
            .bind(&site.title)
            .bind(&site.tagline)
            .bind(&base_url)
            .bind(site.is_default)
            .bind(now)
            .fetch_one(pool)
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

    /// Changes a site's one-line description.
    pub async fn set_tagline(&self, id: SiteId, tagline: &str) -> Result<()> {
        const SQL: &str = "UPDATE sites SET tagline = $1 WHERE id = $2";
        let n = write!(self.store, |pool| sqlx::query(SQL)
            .bind(tagline.trim())
            .bind(id.0)
            .execute(pool)
            .await
            .map(|r| r.rows_affected()))?;
        crate::found(n)
    }

    /// Makes sure a default site exists, creating it from `site` when missing; when it exists,
    /// brings its title and base URL in line with `site` (the configuration file is the source of
    /// truth for the default site). Returns the default site.
    pub async fn ensure_default(&self, site: &NewSite, now: DateTime<Utc>) -> Result<Site> {
        if let Some(existing) = self.default_site().await? {
            const SQL: &str =
                "UPDATE sites SET title = $1, base_url = $2, tagline = $3 WHERE id = $4";
            let base_url = site.base_url.clone().unwrap_or(existing.base_url.clone());
            // An empty tagline in the configuration means "not configured": keep the stored one.
            let tagline = if site.tagline.is_empty() {
                existing.tagline.clone()
            } else {
                site.tagline.clone()
            };
            if existing.title != site.title
                || existing.base_url != base_url
                || existing.tagline != tagline
            {
                write!(self.store, |pool| sqlx::query(SQL)
                    .bind(&site.title)
                    .bind(&base_url)
                    .bind(&tagline)
                    .bind(existing.id.0)
                    .execute(pool)
                    .await
                    .map(|r| r.rows_affected()))?;
            }
            return self.by_id(existing.id).await;
        }
        let new = NewSite {
            is_default: true,
            ..site.clone()
        };
        match self.insert(&new, now).await {
            // Another node created it between our look and our insert.
            Err(StoreError::Conflict(_)) => self.default_site().await?.ok_or(StoreError::NotFound),
            other => other,
        }
    }
}
