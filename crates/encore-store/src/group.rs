//! Group commit on SQLite: many use cases' transactions, one sync to disk.
//!
//! SQLite has one writer, and with `synchronous=FULL` every commit waits for the disk. Here each
//! use case's transaction is a savepoint inside one open SQLite transaction (a batch): it runs
//! alone (it holds the writer), lets the next use case in, and waits until a commit has made its
//! batch durable. A committer task commits the batch as soon as the writer is free: the use cases
//! queued behind the running one join the batch first (the writer's queue is first come, first
//! served), so under load one sync carries many writes, and alone a write costs what it did. A
//! use case that fails or is dropped before its commit is rolled back to its savepoint; the rest
//! of its batch is untouched. Nobody is told "done" before the sync.
//!
//! Every statement is a message to sqlx's thread for the connection and a wake-up back (see
//! [`crate::quick`]), and the writer waits through each: so a use case's savepoint is set with its
//! first statement, in the same message when that statement is a script (see [`GroupTx::script`]),
//! and is never released: the savepoints of a batch nest, `ROLLBACK TO` undoes the innermost
//! (the one use case that failed), and the commit ends them all. Their undo copies are kept in
//! memory (`temp_store`), as a batch's would spill to a temporary file.
//!
//! The batch holds the writer pool's one connection while it is open, so other writes wait for
//! the commit, as they waited for the connection before.

use crate::StoreError;
use sqlx::{Sqlite, SqliteConnection, SqlitePool, Transaction};
use std::{collections::BTreeSet, sync::Arc};
use tokio::sync::{Mutex, Notify, OwnedMutexGuard, watch};

/// The batch of SQLite writes being gathered, and the committer's signals.
#[derive(Debug)]
pub(crate) struct Group {
    pool: SqlitePool,
    batch: Arc<Mutex<Batch>>,
    durable: watch::Sender<Durable>,
    work: Notify,
}

/// What the committer has made of the batches so far.
#[derive(Debug, Clone, Default)]
struct Durable {
    /// The last batch synced to disk.
    committed: u64,
    /// Recent batches whose commit failed, with why.
    failed: BTreeSet<(u64, String)>,
}

/// The open batch.
#[derive(Debug, Default)]
pub(crate) struct Batch {
    open: Option<Transaction<'static, Sqlite>>,
    /// The number of the open batch (or of the next one).
    number: u64,
    /// Use cases released into the open batch.
    released: usize,
    /// A use case left without committing: what is to be undone.
    stale: Stale,
}

/// What a use case that left without committing left behind.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum Stale {
    /// Nothing.
    #[default]
    No,
    /// Its savepoint, set: rolled back to.
    Savepoint,
    /// A script that failed, perhaps before its savepoint was set: the whole batch is rolled
    /// back (nobody has been told its writes are done), as a rollback to a savepoint that was
    /// not set would undo the use case before it.
    Batch,
}

/// The statement that sets a use case's savepoint (the innermost is the running one's), as a
/// literal, for scripts that begin with it (see [`GroupTx::script`]).
macro_rules! savepoint {
    () => {
        "SAVEPOINT encore_use_case"
    };
}
pub(crate) use savepoint;

const SAVEPOINT: &str = savepoint!();

/// Batches whose failure is remembered for waiters that wake late.
const FAILURES_KEPT: usize = 1024;

impl Group {
    /// A group writing through `pool` (one connection), with its committer running.
    pub(crate) fn start(pool: SqlitePool) -> Arc<Group> {
        let (durable, _) = watch::channel(Durable::default());
        let group = Arc::new(Group {
            pool,
            batch: Arc::new(Mutex::new(Batch {
                number: 1,
                ..Batch::default()
            })),
            durable,
            work: Notify::new(),
        });
        tokio::spawn(committer(group.clone()));
        group
    }

    /// Begins a use case's transaction: waits for the writer and opens a batch if none is open.
    pub(crate) async fn begin(self: &Arc<Self>) -> Result<GroupTx, StoreError> {
        let mut guard = self.batch.clone().lock_owned().await;
        undo_stale(&mut guard, &self.durable).await?;
        if guard.open.is_none() {
            guard.open = Some(self.pool.begin().await?);
        }
        Ok(GroupTx {
            group: self.clone(),
            guard: Some(guard),
            mark: Mark::None,
        })
    }
}

/// A use case's transaction in a batch; see [`Group`].
#[derive(Debug)]
pub(crate) struct GroupTx {
    group: Arc<Group>,
    guard: Option<OwnedMutexGuard<Batch>>,
    mark: Mark,
}

/// Where a use case's savepoint stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mark {
    /// Not set: the use case has written nothing.
    None,
    /// Set.
    Set,
    /// Sent at the head of a script that has not answered yet.
    Sent,
}

impl GroupTx {
    /// The connection the use case writes on, its savepoint set.
    pub(crate) async fn conn(&mut self) -> Result<&mut SqliteConnection, sqlx::Error> {
        if self.mark == Mark::None {
            sqlx::query(SAVEPOINT).execute(self.raw()).await?;
            self.mark = Mark::Set;
        }
        Ok(self.raw())
    }

    /// For a script (several statements in one message, see `sqlx`'s multi-statement queries):
    /// the SQL to send, `marked` (the same script with [`SAVEPOINT`] first) while the use case's
    /// savepoint is not set, else `plain`, and the connection. Call [`GroupTx::script_ended`] once
    /// its rows are all read (each statement runs only when the rows before it are read).
    pub(crate) fn script(
        &mut self,
        plain: &'static str,
        marked: &'static str,
    ) -> (&'static str, &mut SqliteConnection) {
        let sql = if self.mark == Mark::Set {
            plain
        } else {
            self.mark = Mark::Sent;
            marked
        };
        (sql, self.raw())
    }

    /// Says how the script [`GroupTx::script`] gave ended. A constraint failing is a statement
    /// of the script's own failing, so its savepoint, first, was set: only the use case is then
    /// undone. Any other failure may have come before it, and undoes the batch.
    pub(crate) fn script_ended<T>(&mut self, result: &Result<T, sqlx::Error>) {
        let savepoint_set = match result {
            Ok(_) => true,
            Err(sqlx::Error::Database(e)) => !matches!(e.kind(), sqlx::error::ErrorKind::Other),
            Err(_) => false,
        };
        if savepoint_set {
            self.mark = Mark::Set;
        }
    }

    fn raw(&mut self) -> &mut SqliteConnection {
        let batch = self
            .guard
            .as_mut()
            .expect("a use case holds the writer until it commits");
        batch
            .open
            .as_mut()
            .expect("a batch is open while a use case holds the writer")
    }

    /// Leaves the use case's writes in the batch, lets the next use case in, and waits until the
    /// batch is on disk.
    pub(crate) async fn commit(mut self) -> Result<(), StoreError> {
        if self.mark == Mark::Sent {
            // Only a failed script leaves its mark sent, and a failed use case does not commit.
            return Err(StoreError::Corrupt(
                "a use case committed after its script failed".into(),
            ));
        }
        let mut guard = self
            .guard
            .take()
            .expect("a use case holds the writer until it commits");
        guard.released += 1;
        let mine = guard.number;
        drop(guard);
        let mut durable = self.group.durable.subscribe();
        self.group.work.notify_one();
        loop {
            {
                let now = durable.borrow_and_update();
                if let Some((_, why)) = now.failed.iter().find(|(n, _)| *n == mine) {
                    return Err(StoreError::Unavailable(sqlx::Error::Protocol(format!(
                        "the commit of this write failed: {why}"
                    ))));
                }
                if now.committed >= mine {
                    return Ok(());
                }
            }
            if durable.changed().await.is_err() {
                return Err(StoreError::Unavailable(sqlx::Error::PoolClosed));
            }
        }
    }
}

impl Drop for GroupTx {
    fn drop(&mut self) {
        // Not committed: the next holder of the writer rolls the savepoint back.
        if let Some(mut guard) = self.guard.take() {
            guard.stale = match self.mark {
                Mark::None => Stale::No,
                Mark::Set => Stale::Savepoint,
                Mark::Sent => Stale::Batch,
            };
            drop(guard);
            self.group.work.notify_one();
        }
    }
}

/// Undoes what a use case that left without committing wrote: its savepoint, or the whole batch.
async fn undo_stale(batch: &mut Batch, durable: &watch::Sender<Durable>) -> Result<(), StoreError> {
    let stale = std::mem::take(&mut batch.stale);
    match (stale, batch.open.as_mut()) {
        (Stale::No, _) | (_, None) => {}
        (Stale::Savepoint, Some(open)) => {
            sqlx::query("ROLLBACK TO encore_use_case")
                .execute(&mut **open)
                .await?;
            sqlx::query("RELEASE encore_use_case")
                .execute(&mut **open)
                .await?;
        }
        (Stale::Batch, Some(_)) => {
            let number = batch.number;
            batch.number += 1;
            batch.released = 0;
            if let Some(open) = batch.open.take() {
                open.rollback().await?;
            }
            durable.send_modify(|d| {
                d.fail(
                    number,
                    "another write of its batch failed part way; nothing of the batch was kept",
                );
            });
        }
    }
    Ok(())
}

impl Durable {
    fn fail(&mut self, number: u64, why: &str) {
        self.failed.insert((number, why.to_owned()));
        while self.failed.len() > FAILURES_KEPT {
            self.failed.pop_first();
        }
    }
}

/// Commits each batch once the writer is free (for as long as the runtime runs).
async fn committer(group: Arc<Group>) {
    loop {
        // Woken by a release or a drop; a permit left by one while the committer was busy
        // wakes it at once.
        group.work.notified().await;
        let mut guard = group.batch.clone().lock_owned().await;
        if let Err(err) = undo_stale(&mut guard, &group.durable).await {
            tracing::error!(error = %err, "a dropped write could not be rolled back");
        }
        let Some(open) = guard.open.take() else {
            continue;
        };
        let number = guard.number;
        let released = std::mem::take(&mut guard.released);
        if released == 0 {
            // Only a dropped use case was here: nothing to keep.
            if let Err(err) = open.rollback().await {
                tracing::error!(error = %err, "an empty batch could not be rolled back");
            }
            continue;
        }
        guard.number += 1;
        // The writer stays held through the sync: the next batch gathers in its queue.
        let result = open.commit().await;
        drop(guard);
        group.durable.send_modify(|d| match result {
            Ok(()) => d.committed = number,
            Err(err) => {
                tracing::error!(error = %err, batch = number, writes = released, "a batch of writes could not be committed");
                d.fail(number, &err.to_string());
            }
        });
    }
}
