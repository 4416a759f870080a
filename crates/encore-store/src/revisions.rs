//! Revisions: what each save of a post held, kept so a writer can compare and go back.

use crate::{
    Result, StoreError, Tx,
    backend::{in_tx, read},
    posts::Posts,
};
use chrono::{DateTime, Utc};
use encore_core::{
    ids::{AccountId, PostId, SiteId},
    post::{NewPost, PostStatus},
    tracks::Track,
};

/// A revision as the editor lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevisionSummary {
    /// Its id.
    pub id: i64,
    /// The title it had.
    pub title: String,
    /// Who saved it (none for the command line, or an account since deleted).
    pub saved_by: Option<String>,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// A revision whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revision {
    /// What the editor lists.
    pub summary: RevisionSummary,
    /// Its address name.
    pub slug: String,
    /// Its excerpt.
    pub excerpt: String,
    /// Its Markdown.
    pub body: String,
    /// Its status.
    pub status: PostStatus,
    /// Its publish time.
    pub published_at: Option<DateTime<Utc>>,
    /// Its track listing.
    pub tracks: Vec<Track>,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    title: String,
    saved_by: Option<String>,
    created_at: DateTime<Utc>,
    slug: String,
    excerpt: String,
    body: String,
    status: String,
    published_at: Option<DateTime<Utc>>,
    tracks: String,
}

impl Row {
    fn summary(&self) -> RevisionSummary {
        RevisionSummary {
            id: self.id,
            title: self.title.clone(),
            saved_by: self.saved_by.clone(),
            created_at: self.created_at,
        }
    }

    fn into_revision(self) -> Result<Revision> {
        let corrupt = |e: String| StoreError::Corrupt(format!("revision {}: {e}", self.id));
        let status = self.status.parse().map_err(|e| corrupt(format!("{e:?}")))?;
        let tracks = serde_json::from_str(&self.tracks).map_err(|e| corrupt(e.to_string()))?;
        Ok(Revision {
            summary: self.summary(),
            slug: self.slug,
            excerpt: self.excerpt,
            body: self.body,
            status,
            published_at: self.published_at,
            tracks,
        })
    }
}

macro_rules! revision_select {
    () => {
        "SELECT r.id, r.title, a.display_name AS saved_by, r.created_at, r.slug, r.excerpt, r.body, \
         r.status, r.published_at, r.tracks FROM post_revisions r LEFT JOIN accounts a ON a.id = r.saved_by "
    };
}

impl Posts<'_> {
    /// A post's revisions, newest first.
    pub async fn revisions(&self, site: SiteId, post: PostId) -> Result<Vec<RevisionSummary>> {
        const SQL: &str = concat!(
            revision_select!(),
            "WHERE r.site_id = $1 AND r.post_id = $2 ORDER BY r.id DESC"
        );
        let rows: Vec<Row> = read!(self.store, |pool| sqlx::query_as(SQL)
            .bind(site.0)
            .bind(post.0)
            .fetch_all(pool)
            .await)?;
        Ok(rows.iter().map(Row::summary).collect())
    }

    /// One revision of a post.
    pub async fn revision(&self, site: SiteId, post: PostId, id: i64) -> Result<Option<Revision>> {
        const SQL: &str = concat!(
            revision_select!(),
            "WHERE r.site_id = $1 AND r.post_id = $2 AND r.id = $3"
        );
        let row: Option<Row> = read!(self.store, |pool| sqlx::query_as(SQL)
            .bind(site.0)
            .bind(post.0)
            .bind(id)
            .fetch_optional(pool)
            .await)?;
        row.map(Row::into_revision).transpose()
    }
}

/// Keeps what a save of `post` held, saved by `by` (none for the operator).
pub(crate) async fn insert(
    tx: &mut Tx,
    id: PostId,
    post: &NewPost,
    by: Option<AccountId>,
    now: DateTime<Utc>,
) -> Result<()> {
    const SQL: &str = "INSERT INTO post_revisions (site_id, post_id, saved_by, title, slug, excerpt, body, status, \
                       published_at, tracks, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)";
    let tracks =
        serde_json::to_string(&post.tracks).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    in_tx!(tx, |conn| sqlx::query(SQL)
        .bind(post.site_id.0)
        .bind(id.0)
        .bind(by.map(|a| a.0))
        .bind(&post.title)
        .bind(&post.slug)
        .bind(&post.excerpt)
        .bind(&post.body)
        .bind(post.status.as_str())
        .bind(post.published_at)
        .bind(&tracks)
        .bind(now)
        .execute(&mut *conn)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}
