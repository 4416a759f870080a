//! Comments under posts: storing one with its place in its thread, reading a post's threads in
//! the order they are shown, the post's response count, and each comment's history.

use crate::{
    Result, StoreError, Tx,
    backend::{in_tx, read, read_quick},
    quick,
};
use chrono::{DateTime, Utc};
use encore_core::{
    comment::{CommentStatus, Commenter, NewComment},
    ids::{AccountId, CommentId, PostId, SiteId},
};

/// Comments of the store, outside a transaction.
pub struct Comments<'a> {
    pub(crate) store: &'a crate::Store,
}

/// Comments within a transaction.
pub struct CommentsTx<'a> {
    pub(crate) tx: &'a mut Tx,
}

/// A comment as a page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    /// Its id.
    pub id: CommentId,
    /// The comment it answers.
    pub parent: Option<CommentId>,
    /// How deep it sits (0: a comment on the post itself).
    pub depth: u32,
    /// Where it stands.
    pub status: CommentStatus,
    /// Its writer's account, if signed in.
    pub account: Option<AccountId>,
    /// The name shown.
    pub author_name: String,
    /// The writer's address (for the avatar; never shown).
    pub author_email: String,
    /// The writer's website, or empty.
    pub author_url: String,
    /// The text as typed.
    pub body: String,
    /// The text rendered.
    pub body_html: String,
    /// When it was written.
    pub created_at: DateTime<Utc>,
    /// How many people like it.
    pub like_count: i64,
}

/// Who wrote a comment, as it was when they wrote it (an account's name and address are kept
/// too, so that the comment still reads if the account goes).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Byline {
    /// The name shown.
    pub name: String,
    /// The address (never shown).
    pub email: String,
    /// The website, or empty.
    pub website: String,
    /// For a guest, the hash of their browser's writer cookie (empty: none).
    pub writer_key: String,
    /// What the spam check was sent about the comment (JSON; empty: not checked), kept for
    /// reports to the checker.
    pub check_values: String,
    /// The guid the check answered with, or empty.
    pub check_guid: String,
}

/// How a new comment is filed: its status, how deep replies may nest, when, and the first
/// entries of its history.
#[derive(Debug, Clone, Copy)]
pub struct Filing<'a> {
    /// Where it goes.
    pub status: CommentStatus,
    /// The site's nesting limit.
    pub max_depth: u32,
    /// When it was written.
    pub at: DateTime<Utc>,
    /// What its history starts with.
    pub history: &'a [Entry<'a>],
}

/// An entry of a comment's history.
#[derive(Debug, Clone, Copy)]
pub struct Entry<'a> {
    /// Who did it (`None`: the writer as a guest, or the system).
    pub actor: Option<AccountId>,
    /// What happened.
    pub what: &'a str,
    /// Why, or more about it.
    pub detail: &'a str,
}

const INSERT: &str = "INSERT INTO comments (site_id, post_id, parent_id, thread_id, path, depth, status, \
     account_id, author_name, author_email, author_url, body, body_html, created_at, updated_at, writer_key, \
     check_values, check_guid) \
     VALUES ($1, $2, $3, 0, '', $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, $13, $14, $15) RETURNING id";

const COUNT_ONE_MORE: &str =
    "UPDATE posts SET comment_count = comment_count + 1 WHERE site_id = $1 AND id = $2";

/// [`INSERT`] with its place in the thread (under thread `$16` after path `$17`, or a thread of
/// its own), the post's count, and up to two entries of history (`$18`–`$20`, `$21`–`$23`; an
/// entry without `what` is none), as one script: each `$N` means the same value in every
/// statement. The id is the one `AUTOINCREMENT` would give (one past the highest ever given,
/// which `sqlite_sequence` keeps), taken here so that the path, which holds it, is written with
/// the row rather than by a second statement. `last_insert_rowid()` is the comment's id until
/// the history is written; the history reads it once, materialised, as its own rows change it.
macro_rules! insert_on_sqlite {
    () => {
        "\
INSERT INTO comments (id, site_id, post_id, parent_id, thread_id, path, depth, status, account_id, author_name, \
    author_email, author_url, body, body_html, created_at, updated_at, writer_key, check_values, check_guid) \
    SELECT n.id, $1, $2, $3, COALESCE($16, n.id), COALESCE($17 || '.', '') || printf('%019d', n.id), $4, $5, $6, \
        $7, $8, $9, $10, $11, $12, $12, $13, $14, $15 \
    FROM (SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'comments'), 0) + 1 AS id) n;
UPDATE posts SET comment_count = comment_count + 1 WHERE site_id = $1 AND id = $2 AND $5 = 'approved';
SELECT last_insert_rowid();
WITH c (id) AS MATERIALIZED (SELECT last_insert_rowid()) \
    INSERT INTO comment_events (comment_id, happened_at, actor_id, what, detail) \
    SELECT c.id, $12, e.column1, e.column2, e.column3 FROM c, (VALUES ($18, $19, $20), ($21, $22, $23)) e \
    WHERE e.column2 IS NOT NULL"
    };
}
const INSERT_ON_SQLITE: &str = insert_on_sqlite!();

/// Who may still change a comment, and whether they may.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ownership {
    /// The post it is under.
    pub post: PostId,
    /// Its writer's account, if signed in.
    pub account: Option<AccountId>,
    /// Its guest writer's browser key, or empty.
    pub writer_key: String,
    /// When it was written.
    pub created_at: DateTime<Utc>,
    /// Where it stands.
    pub status: CommentStatus,
    /// Answers to it that are shown or waiting.
    pub answers: i64,
    /// What its spam check was sent (JSON), or empty.
    pub check_values: String,
}

/// A page of a post's threads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThreadPage {
    /// The comments of the page's threads, each thread in reading order.
    pub comments: Vec<Comment>,
    /// The first comment of the next page's first thread, when there is one.
    pub next: Option<CommentId>,
}

/// Which comments the moderation queue lists.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueueFilter {
    /// Comments with this status.
    pub status: Option<CommentStatus>,
    /// Words that must appear in the name, address, website or text (any case).
    pub search: String,
}

/// A comment as the moderation queue lists it, with the post it is under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Queued {
    /// The comment.
    pub comment: Comment,
    /// The post's id.
    pub post: PostId,
    /// The post's title.
    pub post_title: String,
    /// The post's address.
    pub post_path: String,
}

/// How many comments of a site have each status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct StatusCounts {
    /// Waiting for a moderator.
    pub pending: i64,
    /// Shown.
    pub approved: i64,
    /// In the spam folder.
    pub spam: i64,
    /// In the trash.
    pub trash: i64,
}

/// One line of a comment's history.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Event {
    /// When.
    pub at: DateTime<Utc>,
    /// The account that acted (none: the system, or the writer as a guest).
    pub actor: Option<String>,
    /// What happened (`checked: not spam`, `held`, `approve`, …).
    pub what: String,
    /// Why, or what changed.
    pub detail: String,
}

/// What a comment's spam check was sent, and the check's guid.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CheckRecord {
    /// The comment.
    pub id: i64,
    /// Its site.
    pub site_id: i64,
    /// Its status now.
    pub status: String,
    /// The values, as JSON (empty for a comment written without a check).
    pub check_values: String,
    /// The guid the check answered with, or empty.
    pub check_guid: String,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    parent_id: Option<i64>,
    depth: i64,
    status: String,
    account_id: Option<i64>,
    author_name: String,
    author_email: String,
    author_url: String,
    body: String,
    body_html: String,
    created_at: DateTime<Utc>,
    like_count: i64,
}

impl Row {
    /// Reads a row of `comment_select!` on a quick reader (SQLite), by the columns' places:
    /// looking each up by name compared it with every column's name, a tenth of a long page's
    /// time.
    fn from_quick(r: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
        Ok(Row {
            id: r.get(0)?,
            parent_id: r.get(1)?,
            depth: r.get(2)?,
            status: r.get(3)?,
            account_id: r.get(4)?,
            author_name: r.get(5)?,
            author_email: r.get(6)?,
            author_url: r.get(7)?,
            body: r.get(8)?,
            body_html: r.get(9)?,
            created_at: quick::time_column(r, 10)?,
            like_count: r.get(11)?,
        })
    }

    fn into_comment(self) -> Result<Comment> {
        Ok(Comment {
            id: CommentId(self.id),
            parent: self.parent_id.map(CommentId),
            depth: u32::try_from(self.depth).map_err(|e| StoreError::Corrupt(e.to_string()))?,
            status: self.status.parse().map_err(StoreError::Corrupt)?,
            account: self.account_id.map(AccountId),
            author_name: self.author_name,
            author_email: self.author_email,
            author_url: self.author_url,
            body: self.body,
            body_html: self.body_html,
            created_at: self.created_at,
            like_count: self.like_count,
        })
    }
}

// An account's comment shows the account's name and website as they are now. `Row::from_quick`
// reads the columns by their places here.
macro_rules! comment_select {
    () => {
        "SELECT c.id, c.parent_id, c.depth, c.status, c.account_id, \
                COALESCE(a.display_name, c.author_name) AS author_name, \
                COALESCE(a.email, c.author_email) AS author_email, \
                COALESCE(a.website, c.author_url) AS author_url, c.body, c.body_html, \
                c.created_at, c.like_count \
           FROM comments c LEFT JOIN accounts a ON a.id = c.account_id "
    };
}

/// One step of a comment's path: ids padded to the same width sort as numbers do.
fn path_step(id: i64) -> String {
    format!("{id:019}")
}

impl Comments<'_> {
    /// Whether this writer (an account, or a guest's address) has had a comment approved on the
    /// site before.
    pub async fn known_writer(&self, site: SiteId, author: &Commenter) -> Result<bool> {
        const BY_ACCOUNT: &str = "SELECT EXISTS (SELECT 1 FROM comments WHERE site_id = $1 AND account_id = $2 \
                                  AND status = 'approved')";
        const BY_EMAIL: &str = "SELECT EXISTS (SELECT 1 FROM comments WHERE site_id = $1 AND account_id IS NULL \
                                AND author_email = $2 AND status = 'approved')";
        let (sql, who): (&str, rusqlite::types::Value) = match author {
            Commenter::Account(id) => (BY_ACCOUNT, id.0.into()),
            Commenter::Guest { email, .. } => (BY_EMAIL, email.clone().into()),
        };
        read_quick!(self.store,
            sqlite: |conn| conn
                .prepare_cached(sql)?
                .query_row(rusqlite::params![site.0, who], |row| row.get(0)),
            postgres: |pool| {
                let query = sqlx::query_scalar(sql).bind(site.0);
                match author {
                    Commenter::Account(id) => query.bind(id.0),
                    Commenter::Guest { email, .. } => query.bind(email),
                }
                .fetch_one(pool)
                .await
                .map_err(StoreError::from)
            },
        )
    }

    /// A page of `post`'s threads, oldest first (newest first when `newest_first`), `per_page`
    /// threads at most, starting with the thread whose first comment is `from` (the first thread
    /// when `None`). Each thread comes whole, in reading order: its approved comments, and those
    /// that are not approved (held, spam, trash) only where an approved answer sits under them —
    /// for the page to show a placeholder, so that the thread still reads. A thread with nothing
    /// approved is not shown. One indexed range per thread of the page, wherever the page is.
    pub async fn threads(
        &self,
        site: SiteId,
        post: PostId,
        from: Option<CommentId>,
        per_page: u32,
        newest_first: bool,
    ) -> Result<ThreadPage> {
        // The page's threads are the first `per_page + 1` shown thread ids from `from` on; the
        // extra one only says where the next page starts. The `+` before each `site_id` keeps
        // SQLite on the post's own first comments (comments_firsts_idx) and on each thread's range
        // (comments_in_thread_idx) rather than on every comment of the site.
        macro_rules! threads_sql {
            ($from:literal, $order:literal) => {
                concat!(
                    comment_select!(),
                    "WHERE +c.site_id = $1 AND c.thread_id IN ( \
                       SELECT t.id FROM comments t WHERE t.post_id = $2 AND t.parent_id IS NULL \
                         AND t.id ", $from, " $3 AND +t.site_id = $1 \
                         AND (t.status = 'approved' OR EXISTS (SELECT 1 FROM comments r \
                              WHERE r.thread_id = t.id AND r.status = 'approved')) \
                       ORDER BY t.id ", $order, " LIMIT $4) \
                     ORDER BY c.thread_id ", $order, ", c.path"
                )
            };
        }
        const OLDEST: &str = threads_sql!(">=", "ASC");
        const NEWEST: &str = threads_sql!("<=", "DESC");
        let (sql, from) = if newest_first {
            (NEWEST, from.map_or(i64::MAX, |c| c.0))
        } else {
            (OLDEST, from.map_or(0, |c| c.0))
        };
        let limit = i64::from(per_page) + 1;
        let rows: Vec<Row> = read_quick!(self.store,
            sqlite: |conn| conn
                .prepare_cached(sql)?
                .query_map(
                    rusqlite::named_params! { "$1": site.0, "$2": post.0, "$3": from, "$4": limit },
                    Row::from_quick,
                )?
                .collect(),
            postgres: |pool| sqlx::query_as(sql)
                .bind(site.0)
                .bind(post.0)
                .bind(from)
                .bind(limit)
                .fetch_all(pool)
                .await
                .map_err(StoreError::from),
        )?;
        let mut comments = rows
            .into_iter()
            .map(Row::into_comment)
            .collect::<Result<Vec<_>>>()?;
        // Threads are in id order (either way), so the extra thread is the last first comment.
        let tops = comments.iter().filter(|c| c.parent.is_none()).count();
        let mut next = None;
        if tops > per_page as usize
            && let Some(at) = comments.iter().rposition(|c| c.parent.is_none())
        {
            next = Some(comments[at].id);
            comments.truncate(at);
        }
        Ok(ThreadPage {
            comments: shown(comments),
            next,
        })
    }

    /// Where the page of `post`'s threads that shows comment `id` starts: `None` for the first
    /// page, else the first comment of that page (for `?comments_from=`). Pages are cut as
    /// [`Comments::threads`] cuts them.
    pub async fn page_of(
        &self,
        site: SiteId,
        post: PostId,
        id: CommentId,
        per_page: u32,
        newest_first: bool,
    ) -> Result<Option<CommentId>> {
        macro_rules! shown_tops {
            ($before:literal, $order:literal, $tail:literal) => {
                concat!(
                    "SELECT t.id FROM comments t WHERE t.post_id = $1 AND t.parent_id IS NULL \
                       AND +t.site_id = $2 AND t.id ",
                    $before,
                    " $3 \
                       AND (t.status = 'approved' OR EXISTS (SELECT 1 FROM comments r \
                            WHERE r.thread_id = t.id AND r.status = 'approved')) \
                     ORDER BY t.id ",
                    $order,
                    $tail
                )
            };
        }
        const THREAD: &str = "SELECT thread_id FROM comments WHERE site_id = $1 AND id = $2";
        let thread: Option<i64> = read!(self.store, |pool| sqlx::query_scalar(THREAD)
            .bind(site.0)
            .bind(id.0)
            .fetch_optional(pool)
            .await)?;
        let thread = thread.ok_or(StoreError::NotFound)?;
        // The threads shown before this one, in the page order.
        let (before, starts): (&str, &str) = if newest_first {
            (
                concat!(
                    "SELECT COUNT(*) FROM (",
                    shown_tops!(">", "DESC", ""),
                    ") b"
                ),
                shown_tops!("<=", "DESC", " LIMIT 1 OFFSET $4"),
            )
        } else {
            (
                concat!("SELECT COUNT(*) FROM (", shown_tops!("<", "ASC", ""), ") b"),
                shown_tops!(">=", "ASC", " LIMIT 1 OFFSET $4"),
            )
        };
        let earlier: i64 = read!(self.store, |pool| sqlx::query_scalar(before)
            .bind(post.0)
            .bind(site.0)
            .bind(thread)
            .fetch_one(pool)
            .await)?;
        let per_page = i64::from(per_page.max(1));
        let page = earlier / per_page;
        if page == 0 {
            return Ok(None);
        }
        // The first thread of that page: counted from the very first thread.
        let from = if newest_first { i64::MAX } else { 0 };
        let first: Option<i64> = read!(self.store, |pool| sqlx::query_scalar(starts)
            .bind(post.0)
            .bind(site.0)
            .bind(from)
            .bind(page * per_page)
            .fetch_optional(pool)
            .await)?;
        Ok(first.map(CommentId))
    }

    /// One comment of a site, whatever its status.
    pub async fn get(&self, site: SiteId, id: CommentId) -> Result<Option<Comment>> {
        const SQL: &str = concat!(comment_select!(), "WHERE c.site_id = $1 AND c.id = $2");
        let row: Option<Row> = read!(self.store, |pool| sqlx::query_as(SQL)
            .bind(site.0)
            .bind(id.0)
            .fetch_optional(pool)
            .await)?;
        row.map(Row::into_comment).transpose()
    }

    /// The moderation queue: a site's comments matching `filter`, newest first, `limit` at most,
    /// older than `before` when given (keyset paging).
    pub async fn queue(
        &self,
        site: SiteId,
        filter: &QueueFilter,
        before: Option<CommentId>,
        limit: u32,
    ) -> Result<Vec<Queued>> {
        #[derive(sqlx::FromRow)]
        struct QueueRow {
            #[sqlx(flatten)]
            row: Row,
            post_id: i64,
            post_title: String,
            post_slug: String,
            post_kind: String,
            post_published_at: Option<DateTime<Utc>>,
        }
        const SQL: &str = concat!(
            "SELECT q.*, p.id AS post_id, p.title AS post_title, p.slug AS post_slug, p.kind AS post_kind, \
                    p.published_at AS post_published_at FROM (",
            comment_select!(),
            "WHERE c.site_id = $1 AND ($2 = '' OR c.status = $2) AND c.id < $3 \
               AND ($4 = '' OR LOWER(c.author_name || ' ' || c.author_email || ' ' || c.author_url || ' ' || c.body) \
                    LIKE $4 ESCAPE '\\') \
             ORDER BY c.id DESC LIMIT $5) q JOIN comments k ON k.id = q.id JOIN posts p ON p.id = k.post_id \
             ORDER BY q.id DESC"
        );
        let status = filter.status.map_or("", |s| s.as_str());
        let search = filter.search.trim().to_lowercase();
        let pattern = if search.is_empty() {
            String::new()
        } else {
            let escaped = search
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_");
            format!("%{escaped}%")
        };
        let before = before.map_or(i64::MAX, |c| c.0);
        let rows: Vec<QueueRow> = read!(self.store, |pool| sqlx::query_as(SQL)
            .bind(site.0)
            .bind(status)
            .bind(before)
            .bind(&pattern)
            .bind(i64::from(limit))
            .fetch_all(pool)
            .await)?;
        rows.into_iter()
            .map(|r| {
                let kind = r
                    .post_kind
                    .parse()
                    .map_err(|e: encore_core::post::UnknownValue| {
                        StoreError::Corrupt(e.to_string())
                    })?;
                Ok(Queued {
                    comment: r.row.into_comment()?,
                    post: PostId(r.post_id),
                    post_path: encore_core::post::post_path(
                        kind,
                        &r.post_slug,
                        r.post_published_at,
                    ),
                    post_title: r.post_title,
                })
            })
            .collect()
    }

    /// How many comments of `site` have each status.
    pub async fn counts(&self, site: SiteId) -> Result<StatusCounts> {
        const SQL: &str =
            "SELECT status, COUNT(*) FROM comments WHERE site_id = $1 GROUP BY status";
        let rows: Vec<(String, i64)> = read!(self.store, |pool| sqlx::query_as(SQL)
            .bind(site.0)
            .fetch_all(pool)
            .await)?;
        let mut counts = StatusCounts::default();
        for (status, n) in rows {
            match status.as_str() {
                "pending" => counts.pending = n,
                "approved" => counts.approved = n,
                "spam" => counts.spam = n,
                "trash" => counts.trash = n,
                _ => {}
            }
        }
        Ok(counts)
    }

    /// What comment `id`'s spam check was sent.
    pub async fn check_record(&self, id: CommentId) -> Result<Option<CheckRecord>> {
        const SQL: &str =
            "SELECT id, site_id, status, check_values, check_guid FROM comments WHERE id = $1";
        Ok(read!(self.store, |pool| sqlx::query_as(SQL)
            .bind(id.0)
            .fetch_optional(pool)
            .await)?)
    }

    /// Who wrote comment `id` of `site`, when, and what answers it has.
    pub async fn ownership(&self, site: SiteId, id: CommentId) -> Result<Option<Ownership>> {
        const SQL: &str = "SELECT c.post_id, c.account_id, c.writer_key, c.created_at, c.status, c.check_values, \
                           (SELECT COUNT(*) FROM comments r WHERE r.parent_id = c.id \
                            AND r.status IN ('approved', 'pending')) AS answers \
                           FROM comments c WHERE c.site_id = $1 AND c.id = $2";
        #[allow(clippy::type_complexity)]
        let row: Option<(i64, Option<i64>, String, DateTime<Utc>, String, String, i64)> =
            read!(self.store, |pool| sqlx::query_as(SQL)
                .bind(site.0)
                .bind(id.0)
                .fetch_optional(pool)
                .await)?;
        row.map(
            |(post, account, writer_key, created_at, status, check_values, answers)| {
                Ok(Ownership {
                    post: PostId(post),
                    account: account.map(AccountId),
                    writer_key,
                    created_at,
                    status: status.parse().map_err(StoreError::Corrupt)?,
                    answers,
                    check_values,
                })
            },
        )
        .transpose()
    }

    /// The comments under `post` written since `since` by this account or this guest browser
    /// (`writer_key`, ignored when empty).
    pub async fn written_by(
        &self,
        post: PostId,
        account: Option<AccountId>,
        writer_key: &str,
        since: DateTime<Utc>,
    ) -> Result<Vec<CommentId>> {
        const SQL: &str = "SELECT id FROM comments WHERE post_id = $1 AND created_at >= $2 \
                           AND (account_id = $3 OR (writer_key = $4 AND writer_key <> ''))";
        let ids: Vec<i64> = read!(self.store, |pool| sqlx::query_scalar(SQL)
            .bind(post.0)
            .bind(since)
            .bind(account.map(|a| a.0))
            .bind(writer_key)
            .fetch_all(pool)
            .await)?;
        Ok(ids.into_iter().map(CommentId).collect())
    }

    /// The post comment `id` of `site` is under.
    pub async fn post_of(&self, site: SiteId, id: CommentId) -> Result<Option<PostId>> {
        const SQL: &str = "SELECT post_id FROM comments WHERE site_id = $1 AND id = $2";
        let post: Option<i64> = read!(self.store, |pool| sqlx::query_scalar(SQL)
            .bind(site.0)
            .bind(id.0)
            .fetch_optional(pool)
            .await)?;
        Ok(post.map(PostId))
    }

    /// A comment's history, oldest first.
    pub async fn history(&self, id: CommentId) -> Result<Vec<Event>> {
        const SQL: &str = "SELECT e.happened_at AS at, a.display_name AS actor, e.what, e.detail \
                           FROM comment_events e LEFT JOIN accounts a ON a.id = e.actor_id \
                           WHERE e.comment_id = $1 ORDER BY e.id";
        Ok(read!(self.store, |pool| sqlx::query_as(SQL)
            .bind(id.0)
            .fetch_all(pool)
            .await)?)
    }
}

impl CommentsTx<'_> {
    /// Stores a comment under a public post of `site` as `filing` says, in its thread, with the
    /// first entries of its history, and counts it on the post when approved. A reply deeper than
    /// the filing's depth attaches to the deepest comment allowed above it. Fails with
    /// `MissingReference` when the comment it answers is not an approved comment of the same post.
    ///
    /// On SQLite every statement after the parent's lookup goes to the database in one message
    /// (see [`crate::quick`] for what each message costs there); on PostgreSQL one by one.
    pub async fn insert(
        &mut self,
        site: SiteId,
        comment: &NewComment,
        byline: &Byline,
        filing: &Filing<'_>,
    ) -> Result<CommentId> {
        // The parent and its ancestors, nearest first: a reply past the depth limit goes under
        // the ancestor at the limit.
        let parent = match comment.parent {
            Some(parent) => {
                self.placement(site, comment.post, parent, filing.max_depth)
                    .await?
            }
            None => None,
        };
        let account = match &comment.author {
            Commenter::Account(id) => Some(id.0),
            Commenter::Guest { .. } => None,
        };
        let depth = parent.as_ref().map_or(0, |p| p.depth + 1);
        let status = filing.status;
        // `$1`–`$15` of both backends' inserts.
        macro_rules! row_binds {
            ($query:expr) => {
                $query
                    .bind(site.0)
                    .bind(comment.post.0)
                    .bind(parent.as_ref().map(|p| p.id))
                    .bind(depth)
                    .bind(status.as_str())
                    .bind(account)
                    .bind(&byline.name)
                    .bind(&byline.email)
                    .bind(&byline.website)
                    .bind(&comment.body)
                    .bind(&comment.body_html)
                    .bind(filing.at)
                    .bind(&byline.writer_key)
                    .bind(&byline.check_values)
                    .bind(&byline.check_guid)
            };
        }
        // The comment's id, and how many entries of its history went with it.
        let (id, written_with_it) = match &mut self.tx.conn {
            crate::backend::TxConn::Sqlite(t) => {
                // The two entries of history a use case writes at most go with the comment; more
                // follow one by one.
                let entry = |i: usize| filing.history.get(i);
                let (sql, conn) = t.script(
                    INSERT_ON_SQLITE,
                    concat!(crate::group::savepoint!(), ";\n", insert_on_sqlite!()),
                );
                let rows: std::result::Result<Vec<i64>, sqlx::Error> =
                    row_binds!(sqlx::query_scalar(sql))
                        .bind(parent.as_ref().map(|p| p.thread))
                        .bind(parent.as_ref().map(|p| p.path.as_str()))
                        .bind(entry(0).and_then(|e| e.actor).map(|a| a.0))
                        .bind(entry(0).map(|e| e.what))
                        .bind(entry(0).map(|e| e.detail))
                        .bind(entry(1).and_then(|e| e.actor).map(|a| a.0))
                        .bind(entry(1).map(|e| e.what))
                        .bind(entry(1).map(|e| e.detail))
                        .fetch_all(&mut *conn)
                        .await;
                t.script_ended(&rows);
                let rows =
                    rows.map_err(|e| crate::classify(e, "comment", "that post does not exist"))?;
                let id = rows.first().copied().ok_or_else(|| {
                    StoreError::Corrupt("a comment was stored without an id".into())
                })?;
                (id, 2)
            }
            crate::backend::TxConn::Postgres(conn) => {
                let id: i64 = row_binds!(sqlx::query_scalar(INSERT))
                    .fetch_one(&mut **conn)
                    .await
                    .map_err(|e| crate::classify(e, "comment", "that post does not exist"))?;
                let (thread, path) = match &parent {
                    Some(p) => (p.thread, format!("{}.{}", p.path, path_step(id))),
                    None => (id, path_step(id)),
                };
                sqlx::query("UPDATE comments SET thread_id = $1, path = $2 WHERE id = $3")
                    .bind(thread)
                    .bind(&path)
                    .bind(id)
                    .execute(&mut **conn)
                    .await?;
                if status == CommentStatus::Approved {
                    // One more: counting them all again would cost more the longer the conversation.
                    sqlx::query(COUNT_ONE_MORE)
                        .bind(site.0)
                        .bind(comment.post.0)
                        .execute(&mut **conn)
                        .await?;
                }
                (id, 0)
            }
        };
        let id = CommentId(id);
        for entry in filing.history.iter().skip(written_with_it) {
            self.record(id, entry.actor, entry.what, entry.detail, filing.at)
                .await?;
        }
        Ok(id)
    }

    /// Where a reply to `parent` goes: under `parent` itself, or, when that would be deeper than
    /// `max_depth` levels, under its ancestor one level above the deepest (`None`: a site that
    /// does not nest replies puts them on the post).
    async fn placement(
        &mut self,
        site: SiteId,
        post: PostId,
        parent: CommentId,
        max_depth: u32,
    ) -> Result<Option<Placement>> {
        const SQL: &str = "SELECT id, thread_id, path, depth FROM comments \
                           WHERE site_id = $1 AND post_id = $2 AND id = $3 AND status = 'approved'";
        let missing =
            || StoreError::MissingReference("the comment you reply to is not there".into());
        let row: Option<(i64, i64, String, i64)> = in_tx!(self.tx, |conn| sqlx::query_as(SQL)
            .bind(site.0)
            .bind(post.0)
            .bind(parent.0)
            .fetch_optional(&mut *conn)
            .await)?;
        let (id, thread, path, depth) = row.ok_or_else(missing)?;
        // The deepest level a comment may sit at (0: on the post).
        let deepest = i64::from(max_depth.max(1)) - 1;
        if depth < deepest {
            return Ok(Some(Placement {
                id,
                thread,
                path,
                depth,
            }));
        }
        if deepest == 0 {
            return Ok(None);
        }
        // The ancestor one level above the deepest is named by its step of the path.
        let steps: Vec<&str> = path.split('.').collect();
        let at = usize::try_from(deepest - 1).unwrap_or(0);
        let ancestor: i64 = steps
            .get(at)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| StoreError::Corrupt(format!("comment {id} has path {path:?}")))?;
        Ok(Some(Placement {
            id: ancestor,
            thread,
            path: steps[..=at].join("."),
            depth: deepest - 1,
        }))
    }

    /// Sets a comment's status, keeping the post's response count right.
    pub async fn set_status(
        &mut self,
        site: SiteId,
        id: CommentId,
        status: CommentStatus,
        now: DateTime<Utc>,
    ) -> Result<PostId> {
        const SQL: &str = "UPDATE comments SET status = $1, updated_at = $2 WHERE site_id = $3 AND id = $4 RETURNING post_id";
        let post: Option<i64> = in_tx!(self.tx, |conn| sqlx::query_scalar(SQL)
            .bind(status.as_str())
            .bind(now)
            .bind(site.0)
            .bind(id.0)
            .fetch_optional(&mut *conn)
            .await)?;
        let post = PostId(post.ok_or(StoreError::NotFound)?);
        self.recount(site, post).await?;
        Ok(post)
    }

    /// Notes what happened to a comment, by whom (none: the system).
    pub async fn record(
        &mut self,
        id: CommentId,
        actor: Option<AccountId>,
        what: &str,
        detail: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        const SQL: &str = "INSERT INTO comment_events (comment_id, happened_at, actor_id, what, detail) VALUES ($1, $2, $3, $4, $5)";
        in_tx!(self.tx, |conn| sqlx::query(SQL)
            .bind(id.0)
            .bind(now)
            .bind(actor.map(|a| a.0))
            .bind(what)
            .bind(detail)
            .execute(&mut *conn)
            .await
            .map(|_| ()))?;
        Ok(())
    }

    /// Keeps what the spam check of comment `id` was sent (JSON) and the guid it answered with.
    pub async fn keep_check(&mut self, id: CommentId, values: &str, guid: &str) -> Result<()> {
        const SQL: &str = "UPDATE comments SET check_values = $1, check_guid = $2 WHERE id = $3";
        in_tx!(self.tx, |conn| sqlx::query(SQL)
            .bind(values)
            .bind(guid)
            .bind(id.0)
            .execute(&mut *conn)
            .await
            .map(|_| ()))?;
        Ok(())
    }

    /// Changes a comment's text (as typed, and rendered).
    pub async fn edit(
        &mut self,
        site: SiteId,
        id: CommentId,
        body: &str,
        body_html: &str,
        now: DateTime<Utc>,
    ) -> Result<PostId> {
        const SQL: &str = "UPDATE comments SET body = $1, body_html = $2, updated_at = $3 \
                           WHERE site_id = $4 AND id = $5 RETURNING post_id";
        let post: Option<i64> = in_tx!(self.tx, |conn| sqlx::query_scalar(SQL)
            .bind(body)
            .bind(body_html)
            .bind(now)
            .bind(site.0)
            .bind(id.0)
            .fetch_optional(&mut *conn)
            .await)?;
        Ok(PostId(post.ok_or(StoreError::NotFound)?))
    }

    /// The status of comment `id` of `site`, read in the transaction.
    pub async fn status(&mut self, site: SiteId, id: CommentId) -> Result<Option<CommentStatus>> {
        const SQL: &str = "SELECT status FROM comments WHERE site_id = $1 AND id = $2";
        let status: Option<String> = in_tx!(self.tx, |conn| sqlx::query_scalar(SQL)
            .bind(site.0)
            .bind(id.0)
            .fetch_optional(&mut *conn)
            .await)?;
        status
            .map(|s| s.parse().map_err(StoreError::Corrupt))
            .transpose()
    }

    /// Deletes spam last changed before `before`, on every site; how many went.
    pub async fn purge_spam(&mut self, before: DateTime<Utc>) -> Result<u64> {
        const SQL: &str = "DELETE FROM comments WHERE status = 'spam' AND updated_at < $1";
        Ok(in_tx!(self.tx, |conn| sqlx::query(SQL)
            .bind(before)
            .execute(&mut *conn)
            .await
            .map(|r| r.rows_affected()))?)
    }

    /// Counts a post's approved comments again (the count pages show).
    async fn recount(&mut self, site: SiteId, post: PostId) -> Result<()> {
        const SQL: &str = "UPDATE posts SET comment_count = (SELECT COUNT(*) FROM comments \
                           WHERE post_id = $1 AND status = 'approved') WHERE site_id = $2 AND id = $1";
        in_tx!(self.tx, |conn| sqlx::query(SQL)
            .bind(post.0)
            .bind(site.0)
            .execute(&mut *conn)
            .await
            .map(|_| ()))?;
        Ok(())
    }
}

/// The comments of threads (in reading order) that a page shows: the approved ones, and those
/// above an approved one (as placeholders); the rest are left out.
fn shown(comments: Vec<Comment>) -> Vec<Comment> {
    let mut kept = vec![false; comments.len()];
    // The comments above the current one, nearest last.
    let mut above: Vec<usize> = Vec::new();
    for (i, comment) in comments.iter().enumerate() {
        while above
            .last()
            .is_some_and(|&a| comments[a].depth >= comment.depth)
        {
            above.pop();
        }
        if comment.status == CommentStatus::Approved {
            kept[i] = true;
            for &a in above.iter().rev() {
                if kept[a] {
                    break;
                }
                kept[a] = true;
            }
        }
        above.push(i);
    }
    comments
        .into_iter()
        .zip(kept)
        .filter_map(|(c, keep)| keep.then_some(c))
        .collect()
}

/// Where a reply goes.
struct Placement {
    id: i64,
    thread: i64,
    path: String,
    depth: i64,
}
