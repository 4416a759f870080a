//! Background jobs and the mail outbox.
//!
//! A job is claimed for a lease by one worker at a time — on PostgreSQL with
//! `FOR UPDATE SKIP LOCKED`, so any number of nodes can run workers; on SQLite the single writer
//! serialises claims. Only the holder of a claim can finish the job or put it back, so a job whose
//! worker died is taken up again when its lease ends, and never finished twice.

use crate::{
    Result, Store, Tx,
    backend::{in_tx, read, write},
};
use chrono::{DateTime, Utc};

/// Reading jobs and mail; see [`Store::jobs`].
pub struct Jobs<'a> {
    pub(crate) store: &'a Store,
}

/// Adding jobs and mail in a use case's transaction; see [`Tx::jobs`].
pub struct JobsTx<'a> {
    pub(crate) tx: &'a mut Tx,
}

/// A claimed job.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Claimed {
    /// The job.
    pub id: i64,
    /// What to do, e.g. `mail`.
    pub kind: String,
    /// Its input (for `mail`, the outbox row's id).
    pub payload: String,
    /// Attempts so far, this one included.
    pub attempts: i32,
    /// The claim that finishes it.
    pub claim: String,
}

/// A mail in the outbox.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Mail {
    /// Its row.
    pub id: i64,
    /// The one address it goes to.
    pub to_address: String,
    /// The subject line.
    pub subject: String,
    /// The plain-text body.
    pub body_text: String,
    /// When it was written.
    pub created_at: DateTime<Utc>,
    /// When the server accepted it, once it has.
    pub sent_at: Option<DateTime<Utc>>,
}

/// A job as the operator sees it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct JobState {
    /// The job.
    pub id: i64,
    /// What it does.
    pub kind: String,
    /// Attempts so far.
    pub attempts: i32,
    /// Why the last attempt failed.
    pub last_error: String,
    /// When it next runs (if not done).
    pub run_at: DateTime<Utc>,
    /// When it was done.
    pub done_at: Option<DateTime<Utc>>,
    /// When it was given up.
    pub failed_at: Option<DateTime<Utc>>,
}

impl JobsTx<'_> {
    /// Adds a job that may run from `run_at`.
    pub async fn enqueue(
        &mut self,
        kind: &str,
        payload: &str,
        run_at: DateTime<Utc>,
    ) -> Result<i64> {
        const SQL: &str = "INSERT INTO jobs (kind, payload, run_at, created_at) VALUES ($1, $2, $3, $3) RETURNING id";
        Ok(in_tx!(self.tx, |conn| sqlx::query_scalar(SQL)
            .bind(kind)
            .bind(payload)
            .bind(run_at)
            .fetch_one(&mut *conn)
            .await)?)
    }

    /// Writes a mail to the outbox and a job that sends it.
    pub async fn mail(
        &mut self,
        to: &str,
        subject: &str,
        body: &str,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        const SQL: &str = "INSERT INTO outbox (to_address, subject, body_text, created_at) VALUES ($1, $2, $3, $4) RETURNING id";
        let id: i64 = in_tx!(self.tx, |conn| sqlx::query_scalar(SQL)
            .bind(to)
            .bind(subject)
            .bind(body)
            .bind(now)
            .fetch_one(&mut *conn)
            .await)?;
        self.enqueue("mail", &id.to_string(), now).await?;
        Ok(id)
    }
}

impl Jobs<'_> {
    /// Claims the oldest due job for `lease`, marking the attempt; none when nothing is due.
    /// Mail jobs only `with_mail` (a worker without an SMTP server leaves them waiting).
    pub async fn claim(
        &self,
        claim: &str,
        now: DateTime<Utc>,
        lease: chrono::Duration,
        with_mail: bool,
    ) -> Result<Option<Claimed>> {
        // The inner SELECT picks one due job that no live claim holds; on PostgreSQL a job
        // another worker is claiming at this instant is skipped, not waited for.
        macro_rules! claim_sql {
            ($lock:literal) => {
                concat!(
                    "UPDATE jobs SET claim = $1, lease_ends_at = $3, attempts = attempts + 1 \
                     WHERE id = (SELECT id FROM jobs WHERE done_at IS NULL AND failed_at IS NULL AND run_at <= $2 \
                                 AND (lease_ends_at IS NULL OR lease_ends_at < $2) AND ($4 OR kind <> 'mail') \
                                 ORDER BY run_at, id LIMIT 1",
                    $lock,
                    ") RETURNING id, kind, payload, attempts, claim"
                )
            };
        }
        let until = now + lease;
        let claimed = match &self.store.db {
            crate::backend::Db::Sqlite { writer, .. } => {
                sqlx::query_as(claim_sql!(""))
                    .bind(claim)
                    .bind(now)
                    .bind(until)
                    .bind(with_mail)
                    .fetch_optional(writer)
                    .await
            }
            crate::backend::Db::Postgres(pool) => {
                sqlx::query_as(claim_sql!(" FOR UPDATE SKIP LOCKED"))
                    .bind(claim)
                    .bind(now)
                    .bind(until)
                    .bind(with_mail)
                    .fetch_optional(pool)
                    .await
            }
        }?;
        Ok(claimed)
    }

    /// Finishes a claimed job; false when the claim was lost (its lease ended and another
    /// worker took the job).
    pub async fn finish(&self, job: &Claimed, now: DateTime<Utc>) -> Result<bool> {
        const SQL: &str = "UPDATE jobs SET done_at = $3, claim = NULL, lease_ends_at = NULL, last_error = '' \
                           WHERE id = $1 AND claim = $2 AND done_at IS NULL";
        let done = write!(self.store, |pool| sqlx::query(SQL)
            .bind(job.id)
            .bind(&job.claim)
            .bind(now)
            .execute(pool)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(done == 1)
    }

    /// Puts a claimed job back after a failed attempt, to run again at `retry_at`, or gives it
    /// up when `retry_at` is none. The error is kept.
    pub async fn fail(
        &self,
        job: &Claimed,
        error: &str,
        retry_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        const RETRY: &str = "UPDATE jobs SET run_at = $3, claim = NULL, lease_ends_at = NULL, last_error = $4 \
                             WHERE id = $1 AND claim = $2";
        const GIVE_UP: &str = "UPDATE jobs SET failed_at = $3, claim = NULL, lease_ends_at = NULL, last_error = $4 \
                               WHERE id = $1 AND claim = $2";
        let error: String = error.chars().take(1000).collect();
        let (sql, at) = match retry_at {
            Some(at) => (RETRY, at),
            None => (GIVE_UP, now),
        };
        write!(self.store, |pool| sqlx::query(sql)
            .bind(job.id)
            .bind(&job.claim)
            .bind(at)
            .bind(&error)
            .execute(pool)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// A mail in the outbox.
    pub async fn mail(&self, id: i64) -> Result<Option<Mail>> {
        const SQL: &str = "SELECT id, to_address, subject, body_text, created_at, sent_at FROM outbox WHERE id = $1";
        Ok(read!(self.store, |pool| sqlx::query_as(SQL)
            .bind(id)
            .fetch_optional(pool)
            .await)?)
    }

    /// Marks a mail sent.
    pub async fn mail_sent(&self, id: i64, now: DateTime<Utc>) -> Result<()> {
        const SQL: &str = "UPDATE outbox SET sent_at = $2 WHERE id = $1 AND sent_at IS NULL";
        write!(self.store, |pool| sqlx::query(SQL)
            .bind(id)
            .bind(now)
            .execute(pool)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Every job, newest first, at most `limit`.
    pub async fn list(&self, limit: i64) -> Result<Vec<JobState>> {
        const SQL: &str = "SELECT id, kind, attempts, last_error, run_at, done_at, failed_at FROM jobs ORDER BY id DESC LIMIT $1";
        Ok(read!(self.store, |pool| sqlx::query_as(SQL)
            .bind(limit)
            .fetch_all(pool)
            .await)?)
    }

    /// Whether mail waits to be sent (a job of kind `mail` not yet done nor given up).
    pub async fn mail_waiting(&self) -> Result<bool> {
        const SQL: &str = "SELECT COUNT(*) FROM jobs WHERE kind = 'mail' AND done_at IS NULL AND failed_at IS NULL";
        let n: i64 = read!(self.store, |pool| sqlx::query_scalar(SQL)
            .fetch_one(pool)
            .await)?;
        Ok(n > 0)
    }

    /// The earliest time a job not yet done is due, if any.
    pub async fn next_due(&self) -> Result<Option<DateTime<Utc>>> {
        const SQL: &str =
            "SELECT MIN(run_at) FROM jobs WHERE done_at IS NULL AND failed_at IS NULL";
        Ok(read!(self.store, |pool| sqlx::query_scalar(SQL)
            .fetch_one(pool)
            .await)?)
    }
}
