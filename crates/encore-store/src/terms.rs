//! Categories, tags and series as the desk manages them: listed with their posts in any status,
//! made, renamed, merged and deleted.
//!
//! The three live in tables of one shape, so one set of queries serves them; the table and column
//! names come from [`TermKind`] (never from input), hence the few statements built at run time.

use crate::{
    Result, Store, Tx,
    backend::{in_tx, read},
    classify,
};
use chrono::{DateTime, Utc};
use encore_core::{ids::SiteId, taxonomy::TermKind};
use serde::Serialize;
use sqlx::AssertSqlSafe;

/// A category, tag or series with the number of posts filed under it (any status).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Term {
    /// Its id.
    pub id: i64,
    /// Its address name.
    pub slug: String,
    /// Its name (a series' title).
    pub name: String,
    /// Its description (empty for tags).
    pub description: String,
    /// The category it sits inside (categories only).
    pub parent_id: Option<i64>,
    /// Posts filed under it, in any status.
    pub posts: i64,
}

/// A term to write, checked by the caller.
#[derive(Debug, Clone)]
pub struct TermFields<'a> {
    /// Its name.
    pub name: &'a str,
    /// Its address name.
    pub slug: &'a str,
    /// Its description (ignored for tags).
    pub description: &'a str,
    /// The category it sits inside (ignored but for categories).
    pub parent_id: Option<i64>,
}

/// Where a kind lives.
struct Shape {
    table: &'static str,
    name: &'static str,
    /// The table that files posts under a term, and its column naming the term; `None` for
    /// series, whose posts name it themselves.
    link: Option<(&'static str, &'static str)>,
}

fn shape(kind: TermKind) -> Shape {
    match kind {
        TermKind::Category => Shape {
            table: "categories",
            name: "name",
            link: Some(("post_categories", "category_id")),
        },
        TermKind::Tag => Shape {
            table: "tags",
            name: "name",
            link: Some(("post_tags", "tag_id")),
        },
        TermKind::Series => Shape {
            table: "series",
            name: "title",
            link: None,
        },
    }
}

/// The `SELECT` of terms of `kind`, up to its `WHERE`.
fn select(kind: TermKind) -> String {
    let s = shape(kind);
    let description = if kind.has_description() {
        "t.description"
    } else {
        "''"
    };
    let parent = if kind.has_parent() {
        "t.parent_id"
    } else {
        "CAST(NULL AS BIGINT)"
    };
    let posts = match s.link {
        Some((table, column)) => format!("SELECT COUNT(*) FROM {table} l WHERE l.{column} = t.id"),
        None => "SELECT COUNT(*) FROM posts p WHERE p.series_id = t.id".to_owned(),
    };
    format!(
        "SELECT t.id, t.slug, t.{name} AS name, {description} AS description, {parent} AS parent_id, \
         ({posts}) AS posts FROM {table} t ",
        name = s.name,
        table = s.table,
    )
}

/// Term queries; see [`Store::terms`].
pub struct Terms<'a> {
    pub(crate) store: &'a Store,
}

impl Terms<'_> {
    /// Every term of `kind` on the site, by name.
    pub async fn list(&self, site: SiteId, kind: TermKind) -> Result<Vec<Term>> {
        let sql = format!(
            "{}WHERE t.site_id = $1 ORDER BY lower(t.{}), t.id",
            select(kind),
            shape(kind).name
        );
        Ok(read!(self.store, |pool| sqlx::query_as(AssertSqlSafe(
            sql.clone()
        ))
        .bind(site.0)
        .fetch_all(pool)
        .await)?)
    }

    /// The term of `kind` with this id on the site.
    pub async fn get(&self, site: SiteId, kind: TermKind, id: i64) -> Result<Option<Term>> {
        let sql = format!("{}WHERE t.site_id = $1 AND t.id = $2", select(kind));
        Ok(read!(self.store, |pool| sqlx::query_as(AssertSqlSafe(
            sql.clone()
        ))
        .bind(site.0)
        .bind(id)
        .fetch_optional(pool)
        .await)?)
    }
}

/// Term writes; see [`Tx::terms`].
pub struct TermsTx<'a> {
    pub(crate) tx: &'a mut Tx,
}

impl TermsTx<'_> {
    /// The term of `kind` with this id on the site, as this transaction sees it.
    pub async fn get(&mut self, site: SiteId, kind: TermKind, id: i64) -> Result<Option<Term>> {
        let sql = format!("{}WHERE t.site_id = $1 AND t.id = $2", select(kind));
        Ok(in_tx!(self.tx, |conn| sqlx::query_as(AssertSqlSafe(
            sql.clone()
        ))
        .bind(site.0)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await)?)
    }

    /// Makes a term; a taken slug is [`crate::StoreError::Conflict`]`("slug")`.
    pub async fn insert(
        &mut self,
        site: SiteId,
        kind: TermKind,
        fields: &TermFields<'_>,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let id: i64 = in_tx!(self.tx, |conn| {
            let query = match kind {
                TermKind::Category => sqlx::query_scalar(
                    "INSERT INTO categories (site_id, slug, name, description, parent_id) \
                     VALUES ($1, $2, $3, $4, $5) RETURNING id",
                )
                .bind(site.0)
                .bind(fields.slug)
                .bind(fields.name)
                .bind(fields.description)
                .bind(fields.parent_id),
                TermKind::Tag => sqlx::query_scalar(
                    "INSERT INTO tags (site_id, slug, name) VALUES ($1, $2, $3) RETURNING id",
                )
                .bind(site.0)
                .bind(fields.slug)
                .bind(fields.name),
                TermKind::Series => sqlx::query_scalar(
                    "INSERT INTO series (site_id, slug, title, description, created_at) \
                     VALUES ($1, $2, $3, $4, $5) RETURNING id",
                )
                .bind(site.0)
                .bind(fields.slug)
                .bind(fields.name)
                .bind(fields.description)
                .bind(now),
            };
            query.fetch_one(&mut *conn).await
        })
        .map_err(|e| classify(e, "slug", "no such site or parent"))?;
        Ok(id)
    }

    /// Renames a term, gives it another address name, description or parent; `false` when it
    /// does not exist. A taken slug is [`crate::StoreError::Conflict`]`("slug")`.
    pub async fn update(
        &mut self,
        site: SiteId,
        kind: TermKind,
        id: i64,
        fields: &TermFields<'_>,
    ) -> Result<bool> {
        let s = shape(kind);
        let mut sets = format!("slug = $3, {} = $4", s.name);
        if kind.has_description() {
            sets.push_str(", description = $5");
        }
        if kind.has_parent() {
            sets.push_str(", parent_id = $6");
        }
        let sql = format!(
            "UPDATE {} SET {sets} WHERE site_id = $1 AND id = $2",
            s.table
        );
        let done = in_tx!(self.tx, |conn| {
            let mut query = sqlx::query(AssertSqlSafe(sql.clone()))
                .bind(site.0)
                .bind(id)
                .bind(fields.slug)
                .bind(fields.name);
            if kind.has_description() {
                query = query.bind(fields.description);
            }
            if kind.has_parent() {
                query = query.bind(fields.parent_id);
            }
            query.execute(&mut *conn).await.map(|r| r.rows_affected())
        })
        .map_err(|e| classify(e, "slug", "no such parent"))?;
        Ok(done > 0)
    }

    /// Files every post of term `from` under `into` too, and deletes `from`. A series' posts
    /// follow the parts `into` has, in their order; a category's children move into `into`.
    pub async fn merge(
        &mut self,
        site: SiteId,
        kind: TermKind,
        from: i64,
        into: i64,
    ) -> Result<()> {
        match shape(kind).link {
            Some((table, column)) => {
                let copy = format!(
                    "INSERT INTO {table} (site_id, post_id, {column}) \
                     SELECT site_id, post_id, $3 FROM {table} WHERE site_id = $1 AND {column} = $2 \
                     ON CONFLICT DO NOTHING"
                );
                in_tx!(self.tx, |conn| sqlx::query(AssertSqlSafe(copy.clone()))
                    .bind(site.0)
                    .bind(from)
                    .bind(into)
                    .execute(&mut *conn)
                    .await
                    .map(|_| ()))?;
            }
            None => {
                const LAST: &str = "SELECT COALESCE(MAX(series_position), 0) FROM posts WHERE site_id = $1 AND series_id = $2";
                const MOVE: &str = "UPDATE posts SET series_id = $3, series_position = series_position + $4 \
                                    WHERE site_id = $1 AND series_id = $2";
                let last: i64 = in_tx!(self.tx, |conn| sqlx::query_scalar(LAST)
                    .bind(site.0)
                    .bind(into)
                    .fetch_one(&mut *conn)
                    .await)?;
                in_tx!(self.tx, |conn| sqlx::query(MOVE)
                    .bind(site.0)
                    .bind(from)
                    .bind(into)
                    .bind(last)
                    .execute(&mut *conn)
                    .await
                    .map(|_| ()))?;
            }
        }
        if kind.has_parent() {
            // The merged category's children move into the one it joins (the caller first lifts
            // that one out from under the merged one, if it was inside it).
            const ADOPT: &str = "UPDATE categories SET parent_id = $3 \
                                 WHERE site_id = $1 AND parent_id = $2 AND id <> $3";
            in_tx!(self.tx, |conn| sqlx::query(ADOPT)
                .bind(site.0)
                .bind(from)
                .bind(into)
                .execute(&mut *conn)
                .await
                .map(|_| ()))?;
        }
        self.delete(site, kind, from).await?;
        Ok(())
    }

    /// Deletes a term: posts stop being filed under it (a series' posts stand alone), and a
    /// category's children move up to its parent. `false` when it does not exist.
    pub async fn delete(&mut self, site: SiteId, kind: TermKind, id: i64) -> Result<bool> {
        let s = shape(kind);
        let unlink = match s.link {
            Some((table, column)) => format!("DELETE FROM {table} WHERE site_id = $1 AND {column} = $2"),
            None => "UPDATE posts SET series_id = NULL, series_position = NULL WHERE site_id = $1 AND series_id = $2".to_owned(),
        };
        in_tx!(self.tx, |conn| sqlx::query(AssertSqlSafe(unlink.clone()))
            .bind(site.0)
            .bind(id)
            .execute(&mut *conn)
            .await
            .map(|_| ()))?;
        if kind.has_parent() {
            const LIFT: &str = "UPDATE categories SET parent_id = (SELECT parent_id FROM categories WHERE id = $2) \
                                WHERE site_id = $1 AND parent_id = $2";
            in_tx!(self.tx, |conn| sqlx::query(LIFT)
                .bind(site.0)
                .bind(id)
                .execute(&mut *conn)
                .await
                .map(|_| ()))?;
        }
        let delete = format!("DELETE FROM {} WHERE site_id = $1 AND id = $2", s.table);
        let done = in_tx!(self.tx, |conn| sqlx::query(AssertSqlSafe(delete.clone()))
            .bind(site.0)
            .bind(id)
            .execute(&mut *conn)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(done > 0)
    }
}
