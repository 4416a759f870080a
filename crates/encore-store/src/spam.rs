//! The spam service's tables: API keys, monthly usage, checks and their reasons, training reports, blocklists.
//!
//! The classifier itself lives in `encore-spam`; this module only keeps its records. Values checked and reasons are
//! stored as JSON text that `encore-spam` writes and reads, so this crate does not depend on its types.

use crate::{
    Result, Store,
    backend::{in_tx, read, write},
    classify,
};
use chrono::{DateTime, Utc};
use encore_core::ValidationError;

/// Spam service queries; see [`Store::spam`].
pub struct Spam<'a> {
    pub(crate) store: &'a Store,
}

/// An API key of the spam service.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct SpamKey {
    /// Row id.
    pub id: i64,
    /// The key clients send.
    pub api_key: String,
    /// The blog address the key was issued for.
    pub blog: String,
    /// Checks allowed per month before usage-limit reports `throttled`; `None` for no limit.
    pub monthly_limit: Option<i64>,
    /// When it was issued.
    pub created_at: DateTime<Utc>,
    /// When it was revoked; a revoked key is invalid.
    pub revoked_at: Option<DateTime<Utc>>,
}

/// One comment-check to record.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct CheckRecord {
    /// The `X-akismet-guid` answered.
    pub guid: String,
    /// The key that asked.
    pub key_id: i64,
    /// When.
    pub checked_at: DateTime<Utc>,
    /// `ham`, `spam` or `discard`.
    pub verdict: String,
    /// Probability of spam, 0–1.
    pub score: f64,
    /// The top reasons, as JSON.
    pub reasons: String,
    /// Whether the client marked the call as a test.
    pub is_test: bool,
    /// The values checked, as JSON.
    pub comment: String,
}

/// A submit-spam or submit-ham report.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Report {
    /// Row id; reports replay in id order.
    pub id: i64,
    /// The key that reported.
    pub key_id: i64,
    /// The guid of the original check, when the client sent it back.
    pub guid: Option<String>,
    /// Spam (submit-spam) or ham (submit-ham).
    pub is_spam: bool,
    /// The values reported, as JSON.
    pub comment: String,
    /// When.
    pub reported_at: DateTime<Utc>,
}

/// What a blocklist entry matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BlockKind {
    /// A word or phrase in the comment text or author name.
    Word,
    /// An author email address (or `@domain` for a whole domain).
    Email,
    /// A client IP address.
    Ip,
    /// A domain linked in the text or given as the author's site.
    Domain,
}

impl BlockKind {
    /// The name stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Word => "word",
            Self::Email => "email",
            Self::Ip => "ip",
            Self::Domain => "domain",
        }
    }

    /// Parses a stored or typed name.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "word" => Some(Self::Word),
            "email" => Some(Self::Email),
            "ip" => Some(Self::Ip),
            "domain" => Some(Self::Domain),
            _ => None,
        }
    }
}

impl Spam<'_> {
    /// Issues a key for a blog.
    pub async fn add_key(
        &self,
        api_key: &str,
        blog: &str,
        monthly_limit: Option<i64>,
        now: DateTime<Utc>,
    ) -> Result<SpamKey> {
        const SQL: &str = concat!(
            "INSERT INTO spam_keys (api_key, blog, monthly_limit, created_at) VALUES ($1, $2, $3, $4) RETURNING ",
            "id, api_key, blog, monthly_limit, created_at, revoked_at"
        );
        if monthly_limit.is_some_and(|l| l <= 0) {
            return Err(ValidationError::new("monthly_limit", "must be at least 1").into());
        }
        write!(self.store, |pool| sqlx::query_as(SQL)
            .bind(api_key)
            .bind(blog)
            .bind(monthly_limit)
            .bind(now)
            .fetch_one(pool)
            .await)
        .map_err(|e| classify(e, "api_key", "invalid key"))
    }

    /// Every key, oldest first, revoked ones included.
    pub async fn keys(&self) -> Result<Vec<SpamKey>> {
        const SQL: &str = "SELECT id, api_key, blog, monthly_limit, created_at, revoked_at FROM spam_keys ORDER BY id";
        Ok(read!(self.store, |pool| sqlx::query_as(SQL)
            .fetch_all(pool)
            .await)?)
    }

    /// A key by the value clients send, revoked or not.
    pub async fn key(&self, api_key: &str) -> Result<Option<SpamKey>> {
        const SQL: &str = "SELECT id, api_key, blog, monthly_limit, created_at, revoked_at FROM spam_keys WHERE api_key = $1";
        Ok(read!(self.store, |pool| sqlx::query_as(SQL)
            .bind(api_key)
            .fetch_optional(pool)
            .await)?)
    }

    /// Revokes a key; later calls with it are answered `invalid`.
    pub async fn revoke_key(&self, api_key: &str, now: DateTime<Utc>) -> Result<()> {
        const SQL: &str =
            "UPDATE spam_keys SET revoked_at = $2 WHERE api_key = $1 AND revoked_at IS NULL";
        let done = write!(self.store, |pool| sqlx::query(SQL)
            .bind(api_key)
            .bind(now)
            .execute(pool)
            .await
            .map(|r| r.rows_affected()))?;
        crate::found(done)
    }

    /// Adds counted checks to the monthly usage, all in one transaction: `(key id, "YYYY-MM", checks)`.
    pub async fn add_usage(&self, counts: &[(i64, String, i64)]) -> Result<()> {
        const SQL: &str = "INSERT INTO spam_usage (key_id, month, checks) VALUES ($1, $2, $3) \
                           ON CONFLICT (key_id, month) DO UPDATE SET checks = spam_usage.checks + excluded.checks";
        if counts.is_empty() {
            return Ok(());
        }
        // A use case's transaction: on SQLite it joins the comments' group commit rather than
        // waiting for the writer between batches.
        let mut tx = self.store.begin().await?;
        for (key, month, n) in counts {
            in_tx!(tx, |conn| sqlx::query(SQL)
                .bind(key)
                .bind(month)
                .bind(n)
                .execute(&mut *conn)
                .await
                .map(|_| ()))?;
        }
        tx.commit().await
    }

    /// Checks counted for a key in a month (`YYYY-MM`).
    pub async fn usage(&self, key_id: i64, month: &str) -> Result<i64> {
        const SQL: &str = "SELECT checks FROM spam_usage WHERE key_id = $1 AND month = $2";
        let n: Option<i64> = read!(self.store, |pool| sqlx::query_scalar(SQL)
            .bind(key_id)
            .bind(month)
            .fetch_optional(pool)
            .await)?;
        Ok(n.unwrap_or(0))
    }

    /// Records checks, all in one transaction.
    pub async fn record_checks(&self, checks: &[CheckRecord]) -> Result<()> {
        const SQL: &str = "INSERT INTO spam_checks (guid, key_id, checked_at, verdict, score, reasons, is_test, comment) \
                           VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (guid) DO NOTHING";
        if checks.is_empty() {
            return Ok(());
        }
        let mut tx = self.store.begin().await?;
        for c in checks {
            in_tx!(tx, |conn| sqlx::query(SQL)
                .bind(&c.guid)
                .bind(c.key_id)
                .bind(c.checked_at)
                .bind(&c.verdict)
                .bind(c.score)
                .bind(&c.reasons)
                .bind(c.is_test)
                .bind(&c.comment)
                .execute(&mut *conn)
                .await
                .map(|_| ()))
            .map_err(|e| classify(e, "guid", "no such key"))?;
        }
        tx.commit().await
    }

    /// A recorded check of this key.
    pub async fn check(&self, key_id: i64, guid: &str) -> Result<Option<CheckRecord>> {
        const SQL: &str = "SELECT guid, key_id, checked_at, verdict, score, reasons, is_test, comment \
                           FROM spam_checks WHERE key_id = $1 AND guid = $2";
        Ok(read!(self.store, |pool| sqlx::query_as(SQL)
            .bind(key_id)
            .bind(guid)
            .fetch_optional(pool)
            .await)?)
    }

    /// Deletes check records older than `before`, in batches so a long backlog never holds the writer for long.
    /// Returns how many were deleted. Reports, usage and keys are kept.
    pub async fn prune_checks(&self, before: DateTime<Utc>) -> Result<u64> {
        const SQL: &str = "DELETE FROM spam_checks WHERE guid IN \
                           (SELECT guid FROM spam_checks WHERE checked_at < $1 LIMIT 5000)";
        let mut total = 0;
        loop {
            let deleted = write!(self.store, |pool| sqlx::query(SQL)
                .bind(before)
                .execute(pool)
                .await
                .map(|r| r.rows_affected()))?;
            total += deleted;
            if deleted < 5000 {
                return Ok(total);
            }
        }
    }

    /// The latest checks of a key, newest first.
    pub async fn recent_checks(&self, key_id: i64, limit: i64) -> Result<Vec<CheckRecord>> {
        const SQL: &str = "SELECT guid, key_id, checked_at, verdict, score, reasons, is_test, comment \
                           FROM spam_checks WHERE key_id = $1 ORDER BY checked_at DESC, guid LIMIT $2";
        Ok(read!(self.store, |pool| sqlx::query_as(SQL)
            .bind(key_id)
            .bind(limit.clamp(1, 1000))
            .fetch_all(pool)
            .await)?)
    }

    /// Records a submit-spam / submit-ham report; committed before it returns.
    pub async fn add_report(
        &self,
        key_id: i64,
        guid: Option<&str>,
        is_spam: bool,
        comment: &str,
        now: DateTime<Utc>,
    ) -> Result<Report> {
        const SQL: &str = "INSERT INTO spam_reports (key_id, guid, is_spam, comment, reported_at) \
                           VALUES ($1, $2, $3, $4, $5) RETURNING id, key_id, guid, is_spam, comment, reported_at";
        write!(self.store, |pool| sqlx::query_as(SQL)
            .bind(key_id)
            .bind(guid)
            .bind(is_spam)
            .bind(comment)
            .bind(now)
            .fetch_one(pool)
            .await)
        .map_err(|e| classify(e, "report", "no such key"))
    }

    /// Every report of a key, in the order they arrived.
    pub async fn reports(&self, key_id: i64) -> Result<Vec<Report>> {
        const SQL: &str = "SELECT id, key_id, guid, is_spam, comment, reported_at FROM spam_reports \
                           WHERE key_id = $1 ORDER BY id";
        Ok(read!(self.store, |pool| sqlx::query_as(SQL)
            .bind(key_id)
            .fetch_all(pool)
            .await)?)
    }

    /// Adds a blocklist entry (lowercased); adding it twice is not an error.
    pub async fn block(
        &self,
        key_id: i64,
        kind: BlockKind,
        value: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        const SQL: &str = "INSERT INTO spam_blocklist (key_id, kind, value, created_at) VALUES ($1, $2, $3, $4) \
                           ON CONFLICT (key_id, kind, value) DO NOTHING";
        let value = value.trim().to_lowercase();
        if value.is_empty() {
            return Err(ValidationError::new("value", "must not be empty").into());
        }
        write!(self.store, |pool| sqlx::query(SQL)
            .bind(key_id)
            .bind(kind.as_str())
            .bind(&value)
            .bind(now)
            .execute(pool)
            .await
            .map(|r| r.rows_affected()))
        .map_err(|e| classify(e, "value", "no such key"))?;
        Ok(())
    }

    /// Removes a blocklist entry.
    pub async fn unblock(&self, key_id: i64, kind: BlockKind, value: &str) -> Result<()> {
        const SQL: &str =
            "DELETE FROM spam_blocklist WHERE key_id = $1 AND kind = $2 AND value = $3";
        let done = write!(self.store, |pool| sqlx::query(SQL)
            .bind(key_id)
            .bind(kind.as_str())
            .bind(value.trim().to_lowercase())
            .execute(pool)
            .await
            .map(|r| r.rows_affected()))?;
        crate::found(done)
    }

    /// A key's blocklist, by kind then value.
    pub async fn blocklist(&self, key_id: i64) -> Result<Vec<(BlockKind, String)>> {
        const SQL: &str =
            "SELECT kind, value FROM spam_blocklist WHERE key_id = $1 ORDER BY kind, value";
        let rows: Vec<(String, String)> = read!(self.store, |pool| sqlx::query_as(SQL)
            .bind(key_id)
            .fetch_all(pool)
            .await)?;
        Ok(rows
            .into_iter()
            .filter_map(|(k, v)| BlockKind::parse(&k).map(|k| (k, v)))
            .collect())
    }
}
