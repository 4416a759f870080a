//! The one place that names SQLite and PostgreSQL: connecting, migrating, and the macros that run
//! one query body against whichever pool is live.

use crate::{StoreError, quick::QuickReaders};
use sqlx::{
    PgPool, SqlitePool,
    migrate::Migrator,
    postgres::PgPoolOptions,
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous},
};
use std::{str::FromStr, sync::Arc, time::Duration};

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/postgres");

/// The live database.
#[derive(Debug, Clone)]
pub(crate) enum Db {
    /// An embedded SQLite file: one writer connection (SQLite allows one writer at a time, so a
    /// queue in the pool beats lock retries) and a pool of read-only connections beside it.
    Sqlite {
        writer: SqlitePool,
        /// Use cases' transactions on `writer`, committed in groups (see [`crate::group`]).
        group: Arc<crate::group::Group>,
        reader: SqlitePool,
        /// The same file again, for the reads of public pages (see [`crate::quick`]).
        quick: Arc<QuickReaders>,
    },
    /// A PostgreSQL server; its pool serves reads and writes.
    Postgres(PgPool),
}

/// Which backend a database URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// `sqlite:` URLs.
    Sqlite,
    /// `postgres:` and `postgresql:` URLs.
    Postgres,
}

impl Backend {
    /// Chooses the backend by URL scheme, with a clear error for anything else.
    pub fn from_url(url: &str) -> Result<Backend, StoreError> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Ok(Backend::Postgres)
        } else {
            Err(StoreError::Config(format!(
                "database_url {:?} is not supported: use sqlite://PATH or postgres://USER@HOST/DB",
                redact_url(url)
            )))
        }
    }
}

/// Query parameters of a database URL that carry secrets (libpq's names).
const SECRET_PARAMETERS: &[&str] = &["password", "sslpassword"];

/// Hides the secrets of a database URL, for logs and error messages.
///
/// That is the password of the user-info part and `password` / `sslpassword` query parameters. A URL that does not parse is
/// not shown at all, since there is no telling where a password might be in it.
pub fn redact_url(raw: &str) -> String {
    let Ok(mut url) = url::Url::parse(raw) else {
        return "(a database URL that does not parse)".to_owned();
    };
    if url.password().is_some() {
        // Only fails for URLs that cannot have a password, which this one has.
        let _ = url.set_password(Some("***"));
    }
    if url
        .query_pairs()
        .any(|(k, _)| SECRET_PARAMETERS.contains(&k.as_ref()))
    {
        let pairs: Vec<(String, String)> = url
            .query_pairs()
            .map(|(k, v)| {
                let v = if SECRET_PARAMETERS.contains(&k.as_ref()) {
                    "***".to_owned()
                } else {
                    v.into_owned()
                };
                (k.into_owned(), v)
            })
            .collect();
        url.query_pairs_mut().clear().extend_pairs(pairs);
    }
    url.to_string()
}

/// Tuning knobs for the connection pools.
#[derive(Debug, Clone)]
pub struct PoolOptions {
    /// Connections to PostgreSQL, or read connections to SQLite.
    pub max_connections: u32,
    /// How long a query waits for a connection before giving up.
    pub acquire_timeout: Duration,
}

impl Default for PoolOptions {
    fn default() -> Self {
        Self {
            max_connections: 8,
            acquire_timeout: Duration::from_secs(10),
        }
    }
}

pub(crate) async fn connect(url: &str, pool: &PoolOptions) -> Result<Db, StoreError> {
    match Backend::from_url(url)? {
        Backend::Sqlite => {
            let base = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                // FULL: a write acknowledged to a reader is on disk, even across a power cut.
                .synchronous(SqliteSynchronous::Full)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10));
            let writer = SqlitePoolOptions::new()
                .max_connections(1)
                .acquire_timeout(pool.acquire_timeout)
                // Each use case in a batch writes under a savepoint of its own (see `group`);
                // their undo copies stay in memory rather than spill to a temporary file.
                .connect_with(base.clone().pragma("temp_store", "memory"))
                .await?;
            let quick = Arc::new(QuickReaders::new(
                base.get_filename(),
                pool.max_connections as usize,
            ));
            // A megabyte of page cache per reader (SQLite's default is two): the operating
            // system caches the file anyway, and the readers' caches add up in the resident size.
            let reader = SqlitePoolOptions::new()
                .max_connections(pool.max_connections.max(1))
                .acquire_timeout(pool.acquire_timeout)
                .connect_with(base.read_only(true).pragma("cache_size", "-1024"))
                .await?;
            Ok(Db::Sqlite {
                group: crate::group::Group::start(writer.clone()),
                writer,
                reader,
                quick,
            })
        }
        Backend::Postgres => {
            let pg = PgPoolOptions::new()
                .max_connections(pool.max_connections.max(2))
                .acquire_timeout(pool.acquire_timeout)
                .connect(url)
                .await?;
            Ok(Db::Postgres(pg))
        }
    }
}

pub(crate) async fn migrate(db: &Db) -> Result<(), StoreError> {
    match db {
        Db::Sqlite { writer, .. } => SQLITE_MIGRATIONS.run(writer).await?,
        Db::Postgres(pool) => POSTGRES_MIGRATIONS.run(pool).await?,
    }
    Ok(())
}

/// Applies migrations up to and including `version` only (for upgrade tests).
#[cfg(feature = "testing")]
pub(crate) async fn migrate_to(db: &Db, version: i64) -> Result<(), StoreError> {
    match db {
        Db::Sqlite { writer, .. } => SQLITE_MIGRATIONS.run_to(version, writer).await?,
        Db::Postgres(pool) => POSTGRES_MIGRATIONS.run_to(version, pool).await?,
    }
    Ok(())
}

pub(crate) async fn close(db: &Db) {
    match db {
        Db::Sqlite { writer, reader, .. } => {
            reader.close().await;
            writer.close().await;
        }
        Db::Postgres(pool) => pool.close().await,
    }
}

/// An open write transaction on whichever backend is live.
pub(crate) enum TxConn {
    Sqlite(crate::group::GroupTx),
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
}

impl std::fmt::Debug for TxConn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            TxConn::Sqlite(_) => "TxConn::Sqlite",
            TxConn::Postgres(_) => "TxConn::Postgres",
        })
    }
}

pub(crate) async fn begin(db: &Db) -> Result<TxConn, StoreError> {
    Ok(match db {
        Db::Sqlite { group, .. } => TxConn::Sqlite(group.begin().await?),
        Db::Postgres(pool) => TxConn::Postgres(pool.begin().await?),
    })
}

pub(crate) async fn commit(tx: TxConn) -> Result<(), StoreError> {
    match tx {
        TxConn::Sqlite(t) => t.commit().await?,
        TxConn::Postgres(t) => t.commit().await?,
    }
    Ok(())
}

/// Runs `$body` with `$conn` bound to the transaction's connection (`&mut SqliteConnection` or
/// `&mut PgConnection`); the body reborrows it (`&mut *$conn`) for each query.
macro_rules! in_tx {
    ($tx:expr, |$conn:ident| $body:expr) => {
        match &mut $tx.conn {
            $crate::backend::TxConn::Sqlite(t) => {
                let $conn: &mut sqlx::SqliteConnection = t.conn().await?;
                $body
            }
            $crate::backend::TxConn::Postgres(t) => {
                let $conn: &mut sqlx::PgConnection = &mut *t;
                $body
            }
        }
    };
}

/// Like [`in_tx`], with a body per backend where the dialects differ.
macro_rules! in_tx_split {
    ($tx:expr, sqlite: |$sc:ident| $sbody:expr, postgres: |$pc:ident| $pbody:expr $(,)?) => {
        match &mut $tx.conn {
            $crate::backend::TxConn::Sqlite(t) => {
                let $sc: &mut sqlx::SqliteConnection = t.conn().await?;
                $sbody
            }
            $crate::backend::TxConn::Postgres(t) => {
                let $pc: &mut sqlx::PgConnection = &mut *t;
                $pbody
            }
        }
    };
}

/// Runs `$body` with `$pool` bound to a connection pool for reading.
macro_rules! read {
    ($store:expr, |$pool:ident| $body:expr) => {
        match &$store.db {
            $crate::backend::Db::Sqlite { reader: $pool, .. } => $body,
            $crate::backend::Db::Postgres($pool) => $body,
        }
    };
}

/// Runs `$body` with `$pool` bound to the pool that writes.
macro_rules! write {
    ($store:expr, |$pool:ident| $body:expr) => {
        match &$store.db {
            $crate::backend::Db::Sqlite { writer: $pool, .. } => $body,
            $crate::backend::Db::Postgres($pool) => $body,
        }
    };
}

/// Runs a body per backend where the dialects differ; each arm gets the reading pool.
macro_rules! read_split {
    ($store:expr, sqlite: |$sp:ident| $sbody:expr, postgres: |$pp:ident| $pbody:expr $(,)?) => {
        match &$store.db {
            $crate::backend::Db::Sqlite { reader: $sp, .. } => $sbody,
            $crate::backend::Db::Postgres($pp) => $pbody,
        }
    };
}

/// Runs a read of a public page: on SQLite `$sbody` on the calling thread with `$conn` a
/// `&rusqlite::Connection` (see [`crate::quick`]), on PostgreSQL `$pbody` with the pool.
macro_rules! read_quick {
    ($store:expr, sqlite: |$conn:ident| $sbody:expr, postgres: |$pp:ident| $pbody:expr $(,)?) => {
        match &$store.db {
            $crate::backend::Db::Sqlite { quick, .. } => quick.read(|$conn| $sbody),
            $crate::backend::Db::Postgres($pp) => $pbody,
        }
    };
}

pub(crate) use {in_tx, in_tx_split, read, read_quick, read_split, write};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backends_follow_the_scheme() {
        assert_eq!(
            Backend::from_url("sqlite://data/encore.db").unwrap(),
            Backend::Sqlite
        );
        assert_eq!(
            Backend::from_url("postgres://u@h/db").unwrap(),
            Backend::Postgres
        );
        assert_eq!(
            Backend::from_url("postgresql://u@h/db").unwrap(),
            Backend::Postgres
        );
        let err = Backend::from_url("mysql://root:hunter2@h/db")
            .unwrap_err()
            .to_string();
        assert!(err.contains("not supported"), "{err}");
        assert!(!err.contains("hunter2"), "{err}");
    }

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            redact_url("postgres://encore:s3cret@db:5432/encore"),
            "postgres://encore:***@db:5432/encore"
        );
        assert_eq!(
            redact_url("postgres://encore@db/encore"),
            "postgres://encore@db/encore"
        );
        assert_eq!(
            redact_url("sqlite://data/encore.db"),
            "sqlite://data/encore.db"
        );
        let in_query = redact_url(
            "postgres://encore@db/encore?sslmode=require&password=s3cret&sslpassword=k3y",
        );
        assert_eq!(
            in_query,
            "postgres://encore@db/encore?sslmode=require&password=***&sslpassword=***"
        );
        let both = redact_url("postgresql://u:p%40ss@db:5432/x?password=again");
        assert!(
            !both.contains("p%40ss") && !both.contains("again"),
            "{both}"
        );
        assert!(!redact_url("postgres://u:secret@[bad").contains("secret"));
    }
}
