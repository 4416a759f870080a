//! All of Encore's SQL, on SQLite and PostgreSQL, and the media store that holds downloads.
//!
//! The rest of Encore talks to one concrete [`Store`]; which database sits behind it is decided
//! at runtime from the database URL (see `backend.rs`, the only module that names either).
//! Queries are written once in the SQL both dialects share and run through the `read!`/`write!`
//! macros; where the dialects differ, `read_split!` holds both versions side by side.

/// The visibility rule of [`encore_core::post::is_public`] in SQL, written once and used by every
/// public query: `$alias` names the posts table, `$now` the placeholder holding the current time.
macro_rules! public {
    ($alias:literal, $now:literal) => {
        concat!(
            $alias,
            ".status = 'published' AND ",
            $alias,
            ".published_at <= ",
            $now
        )
    };
}
pub(crate) use public;

pub mod accounts;
mod backend;
pub mod changes;
pub mod comments;
pub mod downloads;
mod group;
pub mod jobs;
pub mod likes;
pub mod logins;
pub mod media;
pub mod pictures;
pub mod posts;
mod quick;
pub mod revisions;
pub mod secrets;
pub mod series;
pub mod sessions;
pub mod sites;
pub mod spam;
pub mod taxonomy;
pub mod terms;

pub use backend::{Backend, PoolOptions, redact_url};
use backend::{Db, TxConn};
use chrono::{DateTime, Utc};
use encore_core::ValidationError;
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
    /// A field of the input is not acceptable; the error names the field and says why, in words
    /// that can be shown next to it.
    #[error(transparent)]
    Validation(#[from] ValidationError),
    /// The input refers to something that does not exist (or belongs to another site); the text
    /// says what.
    #[error("{0}")]
    MissingReference(String),
    /// Stored data that cannot be read back (an unknown status, say): a bug or a hand edit.
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    /// The configuration cannot work (an unsupported database URL, an unusable media directory).
    #[error("{0}")]
    Config(String),
    /// The database cannot be reached or cannot serve now (connection lost or refused, pool
    /// exhausted or closed, server shutting down, disk I/O failing): worth retrying later.
    #[error("database unavailable: {0}")]
    Unavailable(sqlx::Error),
    /// The database failed.
    #[error("database error: {0}")]
    Backend(sqlx::Error),
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
/// caller's to fix and become [`StoreError::Conflict`] / [`StoreError::MissingReference`]. SQLite
/// does not report constraint names, so the caller says which field a unique violation concerns.
pub(crate) fn classify(
    err: sqlx::Error,
    unique_field: &'static str,
    fk_problem: &str,
) -> StoreError {
    if let sqlx::Error::Database(db) = &err {
        match db.kind() {
            sqlx::error::ErrorKind::UniqueViolation => return StoreError::Conflict(unique_field),
            sqlx::error::ErrorKind::ForeignKeyViolation => {
                return StoreError::MissingReference(fk_problem.to_owned());
            }
            _ => {}
        }
    }
    StoreError::from(err)
}

impl From<sqlx::Error> for StoreError {
    fn from(err: sqlx::Error) -> Self {
        if is_unavailable(&err) {
            StoreError::Unavailable(err)
        } else {
            StoreError::Backend(err)
        }
    }
}

/// Whether an error says the database is out of reach for now, rather than that a query is wrong.
fn is_unavailable(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::Protocol(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(db) => {
            let code = db.code().unwrap_or_default();
            match db.try_downcast_ref::<sqlx::sqlite::SqliteError>() {
                // SQLite's primary result code is the low byte of its extended code: BUSY (5),
                // LOCKED (6), IOERR (10), FULL (13), CANTOPEN (14).
                Some(_) => code
                    .parse::<i64>()
                    .is_ok_and(|c| matches!(c & 0xff, 5 | 6 | 10 | 13 | 14)),
                // PostgreSQL SQLSTATE classes: 08 connection exception, 53 insufficient
                // resources, 57 operator intervention (shutdown, cannot connect now).
                None => ["08", "53", "57"]
                    .iter()
                    .any(|class| code.starts_with(class)),
            }
        }
        _ => false,
    }
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

    /// Applies migrations up to and including `version` only, to build a database as an older
    /// release left it (for upgrade tests).
    #[cfg(feature = "testing")]
    pub async fn migrate_to(&self, version: i64) -> Result<()> {
        backend::migrate_to(&self.db, version).await
    }

    /// Starts a write transaction. Everything written through it becomes visible at once on
    /// [`Tx::commit`], or not at all; dropping it uncommitted rolls it back.
    pub async fn begin(&self) -> Result<Tx> {
        Ok(Tx {
            conn: backend::begin(&self.db).await?,
            media: self.media.clone(),
        })
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

    /// Signed-in sessions and failed sign-ins.
    pub fn sessions(&self) -> sessions::Sessions<'_> {
        sessions::Sessions { store: self }
    }

    /// Outside identities linked to accounts.
    pub fn logins(&self) -> logins::Logins<'_> {
        logins::Logins { store: self }
    }

    /// Background jobs and the mail outbox.
    pub fn jobs(&self) -> jobs::Jobs<'_> {
        jobs::Jobs { store: self }
    }

    /// Comments.
    pub fn comments(&self) -> comments::Comments<'_> {
        comments::Comments { store: self }
    }

    /// Likes of posts and comments.
    pub fn likes(&self) -> likes::Likes<'_> {
        likes::Likes { store: self }
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

    /// Categories, tags and series as the desk manages them.
    pub fn terms(&self) -> terms::Terms<'_> {
        terms::Terms { store: self }
    }

    /// Downloads: their records, counters and bytes.
    pub fn downloads(&self) -> downloads::Downloads<'_> {
        downloads::Downloads { store: self }
    }

    /// Removes the bytes under `key`, unless a record still names them. Called after the
    /// transaction that deleted a record committed, so that a rolled-back delete keeps its bytes.
    pub async fn forget_bytes(&self, key: &str) -> Result<()> {
        const SQL: &str = "SELECT COUNT(*) FROM downloads WHERE storage_key = $1";
        let named: i64 = backend::read!(self, |pool| sqlx::query_scalar(SQL)
            .bind(key)
            .fetch_one(pool)
            .await)?;
        if named > 0 {
            return Ok(());
        }
        self.media.delete(key).await
    }

    /// Records of what writes changed, for page caches.
    pub fn changes(&self) -> changes::Changes<'_> {
        changes::Changes { store: self }
    }

    /// The spam service's keys, usage, checks, reports and blocklists.
    pub fn spam(&self) -> spam::Spam<'_> {
        spam::Spam { store: self }
    }

    /// Connections open in the pool that serves reads, and how many of them are idle.
    pub fn pool_use(&self) -> (u32, usize) {
        match &self.db {
            Db::Sqlite { reader, .. } => (reader.size(), reader.num_idle()),
            Db::Postgres(pool) => (pool.size(), pool.num_idle()),
        }
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

/// A write transaction: every write goes through one, so a use case that touches posts,
/// downloads, counters and change records commits them together.
#[derive(Debug)]
pub struct Tx {
    conn: TxConn,
    media: media::MediaStore,
}

impl Tx {
    /// Makes every write of this transaction durable and visible (on SQLite, synced to disk).
    pub async fn commit(self) -> Result<()> {
        backend::commit(self.conn).await
    }

    /// Comments.
    pub fn comments(&mut self) -> comments::CommentsTx<'_> {
        comments::CommentsTx { tx: self }
    }

    /// Likes of posts and comments.
    pub fn likes(&mut self) -> likes::LikesTx<'_> {
        likes::LikesTx { tx: self }
    }

    /// Keys this instance signs with.
    pub fn secrets(&mut self) -> secrets::SecretsTx<'_> {
        secrets::SecretsTx { tx: self }
    }

    /// Sites.
    pub fn sites(&mut self) -> sites::SitesTx<'_> {
        sites::SitesTx { tx: self }
    }

    /// Accounts and site roles.
    pub fn accounts(&mut self) -> accounts::AccountsTx<'_> {
        accounts::AccountsTx { tx: self }
    }

    /// Signed-in sessions and failed sign-ins.
    pub fn sessions(&mut self) -> sessions::SessionsTx<'_> {
        sessions::SessionsTx { tx: self }
    }

    /// Outside identities and sign-ins under way at a provider.
    pub fn logins(&mut self) -> logins::LoginsTx<'_> {
        logins::LoginsTx { tx: self }
    }

    /// Background jobs and the mail outbox.
    pub fn jobs(&mut self) -> jobs::JobsTx<'_> {
        jobs::JobsTx { tx: self }
    }

    /// Posts and pages.
    pub fn posts(&mut self) -> posts::PostsTx<'_> {
        posts::PostsTx { tx: self }
    }

    /// Categories and tags.
    pub fn taxonomy(&mut self) -> taxonomy::TaxonomyTx<'_> {
        taxonomy::TaxonomyTx { tx: self }
    }

    /// Series.
    pub fn series(&mut self) -> series::SeriesTx<'_> {
        series::SeriesTx { tx: self }
    }

    /// Categories, tags and series as the desk manages them.
    pub fn terms(&mut self) -> terms::TermsTx<'_> {
        terms::TermsTx { tx: self }
    }

    /// Downloads.
    pub fn downloads(&mut self) -> downloads::DownloadsTx<'_> {
        downloads::DownloadsTx { tx: self }
    }

    /// Records of what changed, for every node's page cache.
    pub fn changes(&mut self) -> changes::ChangesTx<'_> {
        changes::ChangesTx { tx: self }
    }
}

/// The current time at the precision the store keeps (whole seconds).
pub fn now() -> DateTime<Utc> {
    encore_core::post::truncate_to_seconds(Utc::now())
}

#[cfg(feature = "testing")]
pub mod testing;
