//! Records of what each write changed, so that every process's page cache can drop what is stale.
//!
//! A use case records its [`Change`] in the same transaction as its data: the record exists if and
//! only if the data changed. Each process reads the records after the last one it saw (and on
//! PostgreSQL is woken by `NOTIFY encore_changes` when one is committed).

use crate::{
    Result, Store, Tx,
    backend::{in_tx_split, read, write},
};
use chrono::{DateTime, Utc};
use encore_core::{change::Change, ids::SiteId};

/// The PostgreSQL channel that announces new change records.
pub const CHANNEL: &str = "encore_changes";

/// Reading change records; see [`Store::changes`].
pub struct Changes<'a> {
    pub(crate) store: &'a Store,
}

/// Writing change records; see [`Tx::changes`].
pub struct ChangesTx<'a> {
    pub(crate) tx: &'a mut Tx,
}

/// A change as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    /// Its place in the record, increasing.
    pub id: i64,
    /// What changed.
    pub change: Change,
    /// The process that wrote it.
    pub origin: String,
}

#[derive(sqlx::FromRow)]
struct ChangeRow {
    id: i64,
    site_id: Option<i64>,
    topics: String,
    origin: String,
}

impl ChangesTx<'_> {
    /// Records `change`, written by `origin`; on PostgreSQL, other processes are woken when the
    /// transaction commits.
    pub async fn record(
        &mut self,
        change: &Change,
        origin: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        const SQL: &str =
            "INSERT INTO changes (site_id, topics, origin, created_at) VALUES ($1, $2, $3, $4)";
        if change.topics.is_empty() {
            return Ok(());
        }
        let site = change.site.map(|s| s.0);
        let topics = change.topics_text();
        in_tx_split!(self.tx,
            sqlite: |conn| {
                sqlx::query(SQL).bind(site).bind(&topics).bind(origin).bind(now).execute(&mut *conn).await?;
            },
            postgres: |conn| {
                sqlx::query(SQL).bind(site).bind(&topics).bind(origin).bind(now).execute(&mut *conn).await?;
                // Delivered on commit, and only then.
                sqlx::query("SELECT pg_notify($1, '')").bind(CHANNEL).execute(&mut *conn).await?;
            },
        );
        Ok(())
    }
}

impl Changes<'_> {
    /// The newest record's id (0 when there is none): where a process starting now begins.
    pub async fn latest(&self) -> Result<i64> {
        const SQL: &str = "SELECT COALESCE(MAX(id), 0) FROM changes";
        Ok(read!(self.store, |pool| sqlx::query_scalar::<_, i64>(SQL)
            .fetch_one(pool)
            .await)?)
    }

    /// Records after `id`, oldest first, at most `limit`.
    pub async fn after(&self, id: i64, limit: i64) -> Result<Vec<Recorded>> {
        const SQL: &str =
            "SELECT id, site_id, topics, origin FROM changes WHERE id > $1 ORDER BY id LIMIT $2";
        let rows: Vec<ChangeRow> = read!(self.store, |pool| sqlx::query_as(SQL)
            .bind(id)
            .bind(limit)
            .fetch_all(pool)
            .await)?;
        Ok(rows
            .into_iter()
            .map(|r| Recorded {
                id: r.id,
                change: Change {
                    site: r.site_id.map(SiteId),
                    topics: Change::parse_topics(&r.topics),
                },
                origin: r.origin,
            })
            .collect())
    }

    /// What wakes a reader when a record is committed: PostgreSQL's `NOTIFY` on [`CHANNEL`]; on
    /// SQLite nothing (readers poll).
    pub async fn wakeups(&self) -> Wakeups {
        let listener = match &self.store.db {
            crate::backend::Db::Postgres(pool) => {
                match sqlx::postgres::PgListener::connect_with(pool).await {
                    Ok(mut listener) => match listener.listen(CHANNEL).await {
                        Ok(()) => Some(listener),
                        Err(err) => {
                            tracing::warn!(error = %err, "cannot LISTEN for changes; polling only");
                            None
                        }
                    },
                    Err(err) => {
                        tracing::warn!(error = %err, "cannot LISTEN for changes; polling only");
                        None
                    }
                }
            }
            crate::backend::Db::Sqlite { .. } => None,
        };
        Wakeups { listener }
    }

    /// Deletes records older than `before`; every running process has long read them.
    pub async fn prune(&self, before: DateTime<Utc>) -> Result<u64> {
        const SQL: &str = "DELETE FROM changes WHERE created_at < $1";
        Ok(write!(self.store, |pool| sqlx::query(SQL)
            .bind(before)
            .execute(pool)
            .await
            .map(|r| r.rows_affected()))?)
    }
}

/// Announcements of new change records; see [`Changes::wakeups`].
pub struct Wakeups {
    listener: Option<sqlx::postgres::PgListener>,
}

impl std::fmt::Debug for Wakeups {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Wakeups")
            .field("listening", &self.listener.is_some())
            .finish()
    }
}

impl Wakeups {
    /// Resolves when a record was announced; never, when nothing announces them. After a failure
    /// it stops listening (readers still poll).
    pub async fn next(&mut self) {
        match &mut self.listener {
            Some(listener) => {
                if let Err(err) = listener.recv().await {
                    tracing::warn!(error = %err, "lost the change announcements; polling only");
                    self.listener = None;
                }
            }
            None => futures_util::future::pending::<()>().await,
        }
    }
}
