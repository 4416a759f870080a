//! Likes of posts and of comments, one per liker, with the count kept beside what is liked.
//!
//! A liker is named by a string: `a:ID` for an account, `v:HASH` for a guest's browser (a hash of
//! a random cookie; nothing about the guest's address is stored).

use crate::{
    Result, StoreError, Tx,
    backend::{in_tx, read, read_quick},
};
use chrono::{DateTime, Utc};
use encore_core::ids::{AccountId, CommentId, PostId, SiteId};

/// Reading likes; see [`crate::Store::likes`].
pub struct Likes<'a> {
    pub(crate) store: &'a crate::Store,
}

/// Liking and unliking in a transaction; see [`Tx::likes`].
pub struct LikesTx<'a> {
    pub(crate) tx: &'a mut Tx,
}

/// What is liked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Liked {
    /// A post of the site.
    Post(PostId),
    /// A comment of the site.
    Comment(CommentId),
}

/// A signed-in liker, as the row of faces under a post shows them.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Face {
    /// Their account.
    pub account_id: i64,
    /// Their name.
    pub display_name: String,
    /// Their username (for their page).
    pub username: String,
}

/// The statements of one kind of like, each written out whole.
struct Statements {
    exists: &'static str,
    insert: &'static str,
    delete: &'static str,
    count: &'static str,
    likes: &'static str,
}

macro_rules! statements {
    ($likes:literal, $key:literal, $table:literal) => {
        Statements {
            exists: concat!(
                "SELECT COUNT(*) FROM ",
                $table,
                " WHERE site_id = $1 AND id = $2"
            ),
            insert: concat!(
                "INSERT INTO ",
                $likes,
                " (",
                $key,
                ", liker, account_id, created_at) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING"
            ),
            delete: concat!(
                "DELETE FROM ",
                $likes,
                " WHERE ",
                $key,
                " = $1 AND liker = $2"
            ),
            count: concat!(
                "UPDATE ",
                $table,
                " SET like_count = like_count + $1 WHERE id = $2 RETURNING like_count"
            ),
            likes: concat!(
                "SELECT COUNT(*) FROM ",
                $likes,
                " WHERE ",
                $key,
                " = $1 AND liker = $2"
            ),
        }
    };
}

const POST: Statements = statements!("post_likes", "post_id", "posts");
const COMMENT: Statements = statements!("comment_likes", "comment_id", "comments");

impl Liked {
    fn statements(self) -> (&'static Statements, i64) {
        match self {
            Liked::Post(id) => (&POST, id.0),
            Liked::Comment(id) => (&COMMENT, id.0),
        }
    }
}

impl LikesTx<'_> {
    /// Adds `liker`'s like of `what` (of `site`); whether it is new, and the count after.
    /// `NotFound` when `what` is not on the site.
    pub async fn like(
        &mut self,
        site: SiteId,
        what: Liked,
        liker: &str,
        account: Option<AccountId>,
        now: DateTime<Utc>,
    ) -> Result<(bool, i64)> {
        let (sql, id) = what.statements();
        self.exists(site, sql, id).await?;
        let added = in_tx!(self.tx, |conn| sqlx::query(sql.insert)
            .bind(id)
            .bind(liker)
            .bind(account.map(|a| a.0))
            .bind(now)
            .execute(&mut *conn)
            .await
            .map(|r| r.rows_affected()))?;
        let count = self.count(what, i64::try_from(added).unwrap_or(0)).await?;
        Ok((added > 0, count))
    }

    /// Takes `liker`'s like of `what` back; whether there was one, and the count after.
    pub async fn unlike(&mut self, site: SiteId, what: Liked, liker: &str) -> Result<(bool, i64)> {
        let (sql, id) = what.statements();
        self.exists(site, sql, id).await?;
        let removed = in_tx!(self.tx, |conn| sqlx::query(sql.delete)
            .bind(id)
            .bind(liker)
            .execute(&mut *conn)
            .await
            .map(|r| r.rows_affected()))?;
        let count = self
            .count(what, -i64::try_from(removed).unwrap_or(0))
            .await?;
        Ok((removed > 0, count))
    }

    async fn exists(&mut self, site: SiteId, sql: &Statements, id: i64) -> Result<()> {
        let n: i64 = in_tx!(self.tx, |conn| sqlx::query_scalar(sql.exists)
            .bind(site.0)
            .bind(id)
            .fetch_one(&mut *conn)
            .await)?;
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// Moves the kept count by `by`; the count after.
    async fn count(&mut self, what: Liked, by: i64) -> Result<i64> {
        let (sql, id) = what.statements();
        Ok(in_tx!(self.tx, |conn| sqlx::query_scalar(sql.count)
            .bind(by)
            .bind(id)
            .fetch_one(&mut *conn)
            .await)?)
    }
}

impl Likes<'_> {
    /// Whether `liker` likes `what`.
    pub async fn likes(&self, what: Liked, liker: &str) -> Result<bool> {
        let (sql, id) = what.statements();
        let n: i64 = read!(self.store, |pool| sqlx::query_scalar(sql.likes)
            .bind(id)
            .bind(liker)
            .fetch_one(pool)
            .await)?;
        Ok(n > 0)
    }

    /// Which of the comments of `post` `liker` likes.
    pub async fn comments_liked(&self, post: PostId, liker: &str) -> Result<Vec<CommentId>> {
        const SQL: &str = "SELECT l.comment_id FROM comment_likes l JOIN comments c ON c.id = l.comment_id \
                           WHERE c.post_id = $1 AND l.liker = $2";
        let ids: Vec<i64> = read!(self.store, |pool| sqlx::query_scalar(SQL)
            .bind(post.0)
            .bind(liker)
            .fetch_all(pool)
            .await)?;
        Ok(ids.into_iter().map(CommentId).collect())
    }

    /// The latest signed-in likers of `post`, at most `limit`, newest first.
    pub async fn faces(&self, post: PostId, limit: u32) -> Result<Vec<Face>> {
        const SQL: &str = "SELECT a.id AS account_id, a.display_name, a.username FROM post_likes l \
                           JOIN accounts a ON a.id = l.account_id WHERE l.post_id = $1 \
                           ORDER BY l.created_at DESC, a.id DESC LIMIT $2";
        let limit = i64::from(limit);
        read_quick!(self.store,
            sqlite: |conn| conn
                .prepare_cached(SQL)?
                .query_map(rusqlite::named_params! { "$1": post.0, "$2": limit }, |r| {
                    Ok(Face {
                        account_id: r.get(0)?,
                        display_name: r.get(1)?,
                        username: r.get(2)?,
                    })
                })?
                .collect(),
            postgres: |pool| sqlx::query_as(SQL)
                .bind(post.0)
                .bind(limit)
                .fetch_all(pool)
                .await
                .map_err(StoreError::from),
        )
    }
}
