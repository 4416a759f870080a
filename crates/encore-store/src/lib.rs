//! All of Encore's SQL, on SQLite and PostgreSQL, and the media store that holds downloads.
//!
//! The rest of Encore talks to one concrete [`Store`]; which database sits behind it is decided
//! at runtime from the database URL (see `backend.rs`, the only module that names either).
//! Queries are written once in the SQL both dialects share and run through the `read!`/`write!`
//! macros; where the dialects differ, `read_split!` holds both versions side by side.

pub mod accounts;
mod backend;
pub mod downloads;
pub mod media;
pub mod posts;
pub mod series;
pub mod sites;
pub mod spam;
pub mod taxonomy;

use backend::Db;
pub use backend::{Backend, PoolOptions, redact_url};
use chrono::{DateTime, Utc};
use std::path::PathBuf;

/// What can go wrong in the store, in terms callers can act on.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The thing asked for does not exist (on this site).
    #[error("not found")]
    NotFound,
    /// A unique value is taken already; names the field (`slug`, `host`, `username`, `email`).
    #[error("{0} is already taken")]
    Conflict(&'static str),
    /// The input referred to something that does not exist or belongs to another site.
    #[error("{0}")]
    Invalid(String),
    /// The configuration cannot work (an unsupported database URL, an unusable media directory).
    #[error("{0}")]
    Config(String),
    /// The database failed.
    #[error("database error: {0}")]
    Backend(#[from] sqlx::Error),
    /// Applying migrations failed.
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The media store failed.
    #[error("media store error: {0}")]
    Media(#[from] object_store::Error),
}

/// Shorthand for results of store operations.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Classifies a database error raised while writing: unique and foreign-key violations are the
/// caller's to fix and become [`StoreError::Conflict`] / [`StoreError::Invalid`]. SQLite does not
/// report constraint names, so the caller says which field a unique violation concerns.
pub(crate) fn classify(
    err: sqlx::Error,
    unique_field: &'static str,
    fk_problem: &str,
) -> StoreError {
    if let sqlx::Error::Database(db) = &err {
        match db.kind() {
            sqlx::error::ErrorKind::UniqueViolation => return StoreError::Conflict(unique_field),
            sqlx::error::ErrorKind::ForeignKeyViolation => {
                return StoreError::Invalid(fk_problem.to_owned());
            }
            _ => {}
        }
    }
    StoreError::Backend(err)
}

/// An update or delete that changed no row was aimed at something that does not exist.
pub(crate) fn found(rows_affected: u64) -> Result<()> {
    if rows_affected == 0 {
        Err(StoreError::NotFound)
    } else {
        Ok(())
    }
}

/// How to open a store.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// `sqlite://PATH` or `postgres://…`.
    pub database_url: String,
    /// Directory of the local media store (download files).
    pub media_dir: PathBuf,
    /// Pool sizes and timeouts.
    pub pool: PoolOptions,
}

/// Encore's storage: the database and the media store, cheap to clone.
#[derive(Debug, Clone)]
pub struct Store {
    db: Db,
    media: media::MediaStore,
}

impl Store {
    /// Connects to the database and opens the media store. Does not migrate; see [`Store::migrate`].
    pub async fn open(options: &StoreOptions) -> Result<Store> {
        let db = backend::connect(&options.database_url, &options.pool).await?;
        let media = media::MediaStore::open(&options.media_dir)?;
        Ok(Store { db, media })
    }

    /// Applies the migrations this build carries that the database has not seen yet.
    pub async fn migrate(&self) -> Result<()> {
        backend::migrate(&self.db).await
    }

    /// Which backend is live.
    pub fn backend(&self) -> Backend {
        match self.db {
            Db::Sqlite { .. } => Backend::Sqlite,
            Db::Postgres(_) => Backend::Postgres,
        }
    }

    /// Waits for open connections to finish and closes the pools.
    pub async fn close(&self) {
        backend::close(&self.db).await;
    }

    /// Sites and host lookup.
    pub fn sites(&self) -> sites::Sites<'_> {
        sites::Sites { store: self }
    }

    /// Accounts and site roles.
    pub fn accounts(&self) -> accounts::Accounts<'_> {
        accounts::Accounts { store: self }
    }

    /// Posts and pages.
    pub fn posts(&self) -> posts::Posts<'_> {
        posts::Posts { store: self }
    }

    /// Categories and tags.
    pub fn taxonomy(&self) -> taxonomy::Taxonomy<'_> {
        taxonomy::Taxonomy { store: self }
    }

    /// Series of posts.
    pub fn series(&self) -> series::SeriesStore<'_> {
        series::SeriesStore { store: self }
    }

    /// Downloads: their records, counters and bytes.
    pub fn downloads(&self) -> downloads::Downloads<'_> {
        downloads::Downloads { store: self }
    }

    /// The spam service's keys, usage, checks, reports and blocklists.
    pub fn spam(&self) -> spam::Spam<'_> {
        spam::Spam { store: self }
    }

    /// Answers whether the database responds, for health checks.
    pub async fn ping(&self) -> Result<()> {
        backend::read!(self, |pool| sqlx::query("SELECT 1")
            .execute(pool)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(())
    }
}

/// The current time at the precision the store keeps (whole seconds).
pub fn now() -> DateTime<Utc> {
    encore_core::post::truncate_to_seconds(Utc::now())
}

#[cfg(feature = "testing")]
pub mod testing;
