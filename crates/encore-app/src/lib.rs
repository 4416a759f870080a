//! Encore's application layer: every write a person or a process can cause, one function each.
//!
//! The web, the CLI, the demo, the importer and the API call these functions and nothing below
//! them for writes. Each use case checks its input with core rules and the actor's capabilities,
//! runs **one** store transaction, records in that same transaction what it changed (a
//! [`Change`]), and after the commit tells every listener of this process (the page cache) at
//! once; other processes read the record (see [`feed`]).

pub mod accounts;
pub mod comments;
pub mod downloads;
pub mod drafts;
pub mod feed;
pub mod jobs;
pub mod likes;
pub mod mail;
pub mod moderation;
pub mod pictures;
pub mod posts;
pub mod renders;
pub mod sessions;
pub mod signup;
pub mod sites;
pub mod social;
pub mod stamps;
pub mod taxonomy;
#[cfg(feature = "testing")]
pub mod testing;

use encore_core::{
    ValidationError,
    change::Change,
    clock::Clock,
    ids::AccountId,
    roles::{Capability, Role},
};
use encore_store::{Store, StoreError, Tx};
use std::sync::{Arc, PoisonError, RwLock};

/// Why a use case did not happen.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// A field is not acceptable; shown next to the field, with what was typed kept.
    #[error(transparent)]
    Validation(#[from] ValidationError),
    /// Several fields of one form are not acceptable; each is shown next to its field.
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<ValidationError>),
    /// Someone saved the post after the writer's form was opened; nothing was written, so that
    /// neither save is lost without the writer knowing.
    #[error("{saved_by} saved this post at {} (UTC), after you opened it", saved_at.format("%H:%M:%S on %Y-%m-%d"))]
    EditConflict {
        /// Who saved it.
        saved_by: String,
        /// When.
        saved_at: chrono::DateTime<chrono::Utc>,
        /// The revision their save made.
        revision: i64,
    },
    /// The thing cannot go while something public uses it (a file a public post offers).
    #[error("{0}")]
    InUse(String),
    /// The thing to change does not exist (on this site).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// A unique value is taken (`slug`, `host`, `username`, `email`).
    #[error("that {0} is already taken")]
    Conflict(&'static str),
    /// The input names something that does not exist.
    #[error("{0}")]
    MissingReference(String),
    /// The actor may not do this.
    #[error("you may not {0}")]
    Forbidden(&'static str),
    /// A sign-in whose login and password do not match; says nothing of whether the account
    /// exists.
    #[error("that username or email address and that password do not match")]
    SignInRefused,
    /// A one-time link (password reset, invitation) that was used, is late, or never existed.
    #[error("this link has expired or was already used; ask for a new one")]
    LinkSpent,
    /// Too many failed attempts; try again later.
    #[error("too many failed attempts; try again in {} minutes", retry_after_seconds.div_ceil(60))]
    Throttled {
        /// How long to wait.
        retry_after_seconds: u64,
    },
    /// A sign-in through another service that cannot go on (a late or replayed state, a token
    /// that does not check out, an address that belongs to another account).
    #[error("{0}")]
    LoginRefused(String),
    /// A sign-in provider cannot be reached or answers nonsense.
    #[error("{0}")]
    ProviderDown(String),
    /// The database cannot be reached for now; worth trying again.
    #[error("the database is unavailable: {0}")]
    Unavailable(String),
    /// The store failed or holds corrupt data.
    #[error(transparent)]
    Store(StoreError),
}

impl From<StoreError> for AppError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::Validation(e) => AppError::Validation(e),
            StoreError::NotFound => AppError::NotFound("it"),
            StoreError::Conflict(field) => AppError::Conflict(field),
            StoreError::MissingReference(what) => AppError::MissingReference(what),
            StoreError::Unavailable(e) => AppError::Unavailable(e.to_string()),
            other => AppError::Store(other),
        }
    }
}

/// Shorthand for use case results.
pub type Result<T, E = AppError> = std::result::Result<T, E>;

/// Who is acting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    /// Whoever runs the instance: the command line, the demo, migrations. May do anything.
    Operator,
    /// A signed-in member of the site, with their role there.
    Member {
        /// Their account.
        account: AccountId,
        /// Their role on the site acted on.
        role: Role,
    },
}

impl Actor {
    /// Whether the actor has `capability`.
    pub fn can(self, capability: Capability) -> bool {
        match self {
            Actor::Operator => true,
            Actor::Member { role, .. } => role.can(capability),
        }
    }

    /// The account acting, if a member.
    pub fn account(self) -> Option<AccountId> {
        match self {
            Actor::Operator => None,
            Actor::Member { account, .. } => Some(account),
        }
    }

    /// Refuses the use case unless the actor has `capability`; `doing` names it for the message.
    pub fn require(self, capability: Capability, doing: &'static str) -> Result<()> {
        if self.can(capability) {
            Ok(())
        } else {
            Err(AppError::Forbidden(doing))
        }
    }
}

/// Something to tell about every change this process learns of, at once (the page cache).
pub type Listener = Arc<dyn Fn(&Change) + Send + Sync>;

/// How the application behaves where a choice is the operator's (or a test's).
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// How often, at most, a download's new count is announced to the pages that show it
    /// ([`downloads::ANNOUNCE_EVERY`] by default); zero announces every count.
    pub announce_counts_every: std::time::Duration,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            announce_counts_every: downloads::ANNOUNCE_EVERY,
        }
    }
}

/// The application: the store, the clock, and who listens for changes. Cheap to clone.
#[derive(Clone)]
pub struct App {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    clock: Clock,
    options: Options,
    origin: String,
    listeners: RwLock<Vec<Listener>>,
    counter: std::sync::OnceLock<downloads::Counter>,
    spam: std::sync::OnceLock<encore_spam::client::Client>,
    /// The form stamp's signing key, read (or made) on first use.
    stamp_key: tokio::sync::OnceCell<Vec<u8>>,
}

/// The application, held without keeping it alive (by its own background tasks).
pub(crate) struct WeakApp(std::sync::Weak<Inner>);

impl WeakApp {
    /// The application, while it lives.
    pub(crate) fn upgrade(&self) -> Option<App> {
        self.0.upgrade().map(|inner| App { inner })
    }
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App")
            .field("origin", &self.inner.origin)
            .finish_non_exhaustive()
    }
}

impl App {
    /// The application over a migrated store, reading time from `clock`.
    pub fn new(store: Store, clock: Clock) -> App {
        App::with_options(store, clock, Options::default())
    }

    /// The application with `options`.
    pub fn with_options(store: Store, clock: Clock, options: Options) -> App {
        let mut id = [0u8; 6];
        // The origin only tells this process's own change records from others'; if the OS cannot
        // give randomness, the process id still does that on one machine.
        let origin = match getrandom::fill(&mut id) {
            Ok(()) => id.iter().map(|b| format!("{b:02x}")).collect(),
            Err(_) => format!("pid{}", std::process::id()),
        };
        App {
            inner: Arc::new(Inner {
                store,
                clock,
                options,
                origin,
                listeners: RwLock::new(Vec::new()),
                counter: std::sync::OnceLock::new(),
                spam: std::sync::OnceLock::new(),
                stamp_key: tokio::sync::OnceCell::new(),
            }),
        }
    }

    /// The store, for reading. Writes go through the use cases.
    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    /// The clock.
    pub fn clock(&self) -> &Clock {
        &self.inner.clock
    }

    /// A handle that does not keep the application alive.
    pub(crate) fn downgrade(&self) -> WeakApp {
        WeakApp(Arc::downgrade(&self.inner))
    }

    /// Checks comments for spam with `checker` from now on (the in-process engine, or any
    /// Akismet-compatible endpoint). Without one, every comment is held for a moderator. Set
    /// once; a second call is ignored.
    pub fn use_spam_checker(&self, checker: encore_spam::client::Client) {
        if self.inner.spam.set(checker).is_err() {
            tracing::warn!("a spam checker was set already; keeping the first");
        }
    }

    /// What checks comments for spam, if anything.
    pub fn spam_checker(&self) -> Option<&encore_spam::client::Client> {
        self.inner.spam.get()
    }

    /// The key that signs comment forms' stamps: read from the database, or made and kept there
    /// on first use so that every server shares it.
    pub(crate) async fn stamp_key(&self) -> Result<&[u8]> {
        let name = "comment-form-stamp";
        let key = self
            .inner
            .stamp_key
            .get_or_try_init(|| async {
                let fresh = sessions::random_token()?;
                let mut tx = self.store().begin().await?;
                let kept = tx.secrets().get_or_keep(name, &fresh).await?;
                tx.commit().await?;
                hex::decode(kept.trim()).map_err(|e| {
                    AppError::Store(StoreError::Corrupt(format!("the key {name}: {e}")))
                })
            })
            .await?;
        Ok(key)
    }

    /// The options in force.
    pub fn options(&self) -> &Options {
        &self.inner.options
    }

    /// The download counter, started on first use.
    pub(crate) fn counter(&self) -> &downloads::Counter {
        self.inner
            .counter
            .get_or_init(|| downloads::Counter::start(self))
    }

    /// This process's name in change records.
    pub fn origin(&self) -> &str {
        &self.inner.origin
    }

    /// Calls `listener` with every change this process makes or learns of, from now on.
    pub fn listen(&self, listener: Listener) {
        self.inner
            .listeners
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .push(listener);
    }

    /// Tells the listeners of this process about `change`.
    pub fn announce(&self, change: &Change) {
        if change.topics.is_empty() {
            return;
        }
        let listeners = self
            .inner
            .listeners
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        for listener in listeners {
            listener(change);
        }
    }

    /// Records `change` in `tx`, commits, and tells this process's listeners before returning,
    /// so the next request here already sees the change.
    /// Like [`App::commit`], for a use case that changes several sites at once.
    pub(crate) async fn commit_all(&self, mut tx: Tx, changes: Vec<Change>) -> Result<()> {
        for change in &changes {
            tx.changes()
                .record(change, self.origin(), self.clock().now())
                .await?;
        }
        tx.commit().await?;
        for change in &changes {
            self.announce(change);
        }
        Ok(())
    }

    pub(crate) async fn commit(&self, mut tx: Tx, change: Change) -> Result<Change> {
        tx.changes()
            .record(&change, self.origin(), self.clock().now())
            .await?;
        tx.commit().await?;
        self.announce(&change);
        Ok(change)
    }
}
