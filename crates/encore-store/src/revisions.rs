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

/// The latest save of a post: what a writer's form was based on, to tell whether someone saved
/// in between.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    /// The latest revision's id (0 when the post has none, as posts saved before revisions).
    pub revision: i64,
    /// Who saved it.
    pub saved_by: Option<String>,
    /// When.
    pub saved_at: Option<DateTime<Utc>>,
}

/// The latest save of post `id`, as `tx` sees it. On PostgreSQL the post's row is locked until
/// the transaction ends, so two saves that both read the same head cannot both go on; SQLite
/// runs one writing transaction at a time.
pub(crate) async fn head(tx: &mut Tx, site: SiteId, id: PostId) -> Result<Head> {
    const LOCK: &str = "SELECT id FROM posts WHERE site_id = $1 AND id = $2 FOR UPDATE";
    crate::backend::in_tx_split!(tx,
        sqlite: |_conn| Ok::<_, sqlx::Error>(()),
        postgres: |conn| sqlx::query(LOCK)
            .bind(site.0)
            .bind(id.0)
            .execute(&mut *conn)
            .await
            .map(|_| ()),
    )?;
    let row: HeadRow = in_tx!(tx, |conn| sqlx::query_as(HEAD)
        .bind(site.0)
        .bind(id.0)
        .fetch_optional(&mut *conn)
        .await)?;
    Ok(head_of(row))
}

const HEAD: &str = "SELECT r.id, a.display_name, r.created_at FROM post_revisions r \
                    LEFT JOIN accounts a ON a.id = r.saved_by \
                    WHERE r.site_id = $1 AND r.post_id = $2 ORDER BY r.id DESC LIMIT 1";

type HeadRow = Option<(i64, Option<String>, DateTime<Utc>)>;

fn head_of(row: HeadRow) -> Head {
    match row {
        Some((revision, saved_by, saved_at)) => Head {
            revision,
            saved_by,
            saved_at: Some(saved_at),
        },
        None => Head {
            revision: 0,
            saved_by: None,
            saved_at: None,
        },
    }
}

/// What a writer typed and has not saved, as the editor's script sent it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Autosave {
    /// The form's fields, as JSON (the editor's to read).
    pub fields: String,
    /// When it was kept.
    pub saved_at: DateTime<Utc>,
}

/// The key of a post's autosave: its id, or 0 for a post not saved yet.
fn autosave_key(post: Option<PostId>) -> i64 {
    post.map_or(0, |p| p.0)
}

impl Posts<'_> {
    /// What `account` typed for `post` (`None`: a new post) and has not saved, if anything.
    pub async fn autosave(
        &self,
        site: SiteId,
        account: AccountId,
        post: Option<PostId>,
    ) -> Result<Option<Autosave>> {
        const SQL: &str = "SELECT fields, saved_at FROM post_autosaves \
                           WHERE site_id = $1 AND account_id = $2 AND post_key = $3";
        let row: Option<(String, DateTime<Utc>)> = read!(self.store, |pool| sqlx::query_as(SQL)
            .bind(site.0)
            .bind(account.0)
            .bind(autosave_key(post))
            .fetch_optional(pool)
            .await)?;
        Ok(row.map(|(fields, saved_at)| Autosave { fields, saved_at }))
    }
}

impl crate::posts::PostsTx<'_> {
    /// The latest save of post `id`, locking the post until the transaction ends (see [`head`]).
    pub async fn head(&mut self, site: SiteId, id: PostId) -> Result<Head> {
        head(self.tx, site, id).await
    }

    /// Keeps what `account` typed for `post` (`None`: a new post), over what was kept before.
    pub async fn keep_autosave(
        &mut self,
        site: SiteId,
        account: AccountId,
        post: Option<PostId>,
        fields: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        const SQL: &str = "INSERT INTO post_autosaves (site_id, account_id, post_key, fields, saved_at) \
                           VALUES ($1, $2, $3, $4, $5) ON CONFLICT (site_id, account_id, post_key) \
                           DO UPDATE SET fields = excluded.fields, saved_at = excluded.saved_at";
        in_tx!(self.tx, |conn| sqlx::query(SQL)
            .bind(site.0)
            .bind(account.0)
            .bind(autosave_key(post))
            .bind(fields)
            .bind(now)
            .execute(&mut *conn)
            .await
            .map(|_| ()))?;
        Ok(())
    }

    /// Forgets `account`'s autosave of `post` (`None`: a new post); with `account` `None`, every
    /// writer's (the post is gone).
    pub async fn drop_autosave(
        &mut self,
        site: SiteId,
        account: Option<AccountId>,
        post: Option<PostId>,
    ) -> Result<()> {
        const ONE: &str =
            "DELETE FROM post_autosaves WHERE site_id = $1 AND post_key = $2 AND account_id = $3";
        const ALL: &str = "DELETE FROM post_autosaves WHERE site_id = $1 AND post_key = $2";
        let key = autosave_key(post);
        in_tx!(self.tx, |conn| {
            match account {
                Some(account) => sqlx::query(ONE)
                    .bind(site.0)
                    .bind(key)
                    .bind(account.0)
                    .execute(&mut *conn)
                    .await
                    .map(|_| ()),
                None => sqlx::query(ALL)
                    .bind(site.0)
                    .bind(key)
                    .execute(&mut *conn)
                    .await
                    .map(|_| ()),
            }
        })?;
        Ok(())
    }
}

impl Posts<'_> {
    /// The token of a post's preview link, while its writer shares one.
    pub async fn preview_token(&self, site: SiteId, id: PostId) -> Result<Option<String>> {
        const SQL: &str = "SELECT preview_token FROM posts WHERE site_id = $1 AND id = $2";
        let token: Option<Option<String>> = read!(self.store, |pool| sqlx::query_scalar(SQL)
            .bind(site.0)
            .bind(id.0)
            .fetch_optional(pool)
            .await)?;
        Ok(token.flatten())
    }

    /// The post a preview link shows, in whatever status.
    pub async fn by_preview_token(
        &self,
        site: SiteId,
        token: &str,
    ) -> Result<Option<encore_core::post::Post>> {
        const SQL: &str = "SELECT id FROM posts WHERE site_id = $1 AND preview_token = $2";
        let id: Option<i64> = read!(self.store, |pool| sqlx::query_scalar(SQL)
            .bind(site.0)
            .bind(token)
            .fetch_optional(pool)
            .await)?;
        match id {
            Some(id) => self.by_id(site, PostId(id)).await,
            None => Ok(None),
        }
    }
}

impl crate::posts::PostsTx<'_> {
    /// Shares a post through a preview link with `token`, or stops sharing it (`None`); `false`
    /// when the post does not exist.
    pub async fn set_preview_token(
        &mut self,
        site: SiteId,
        id: PostId,
        token: Option<&str>,
    ) -> Result<bool> {
        const SQL: &str = "UPDATE posts SET preview_token = $3 WHERE site_id = $1 AND id = $2";
        let done = in_tx!(self.tx, |conn| sqlx::query(SQL)
            .bind(site.0)
            .bind(id.0)
            .bind(token)
            .execute(&mut *conn)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(done > 0)
    }
}
