//! Group commit on SQLite: many use cases' transactions, one sync to disk.
//!
//! SQLite has one writer, and with `synchronous=FULL` every commit waits for the disk. Here each
//! use case's transaction is a savepoint inside one open SQLite transaction (a batch): it runs
//! alone (it holds the writer), releases its savepoint, lets the next use case in, and waits until
//! a commit has made its batch durable. A committer task commits the batch as soon as the writer
//! is free: the use cases queued behind the running one join the batch first (the writer's queue
//! is first come, first served), so under load one sync carries many writes, and alone a write
//! costs what it did. A use case that fails or is dropped before its commit is rolled back to its
//! savepoint; the rest of its batch is untouched. Nobody is told "done" before the sync.
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
    /// A use case left without committing: its savepoint is to be rolled back.
    stale: bool,
}

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

    /// Begins a use case's transaction: waits for the writer, opens a batch if none is open, and
    /// sets the use case's savepoint.
    pub(crate) async fn begin(self: &Arc<Self>) -> Result<GroupTx, StoreError> {
        let mut guard = self.batch.clone().lock_owned().await;
        undo_stale(&mut guard).await?;
        if guard.open.is_none() {
            guard.open = Some(self.pool.begin().await?);
        }
        let mut tx = GroupTx {
            group: self.clone(),
            guard: Some(guard),
        };
        sqlx::query("SAVEPOINT encore_use_case")
            .execute(tx.conn())
            .await?;
        Ok(tx)
    }
}

/// A use case's transaction in a batch; see [`Group`].
#[derive(Debug)]
pub(crate) struct GroupTx {
    group: Arc<Group>,
    guard: Option<OwnedMutexGuard<Batch>>,
}

impl GroupTx {
    /// The connection the use case writes on.
    pub(crate) fn conn(&mut self) -> &mut SqliteConnection {
        let batch = self
            .guard
            .as_mut()
            .expect("a use case holds the writer until it commits");
        batch
            .open
            .as_mut()
            .expect("a batch is open while a use case holds the writer")
    }

    /// Releases the use case's savepoint into the batch, lets the next use case in, and waits
    /// until the batch is on disk.
    pub(crate) async fn commit(mut self) -> Result<(), StoreError> {
        sqlx::query("RELEASE encore_use_case")
            .execute(self.conn())
            .await?;
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
            guard.stale = true;
            drop(guard);
            self.group.work.notify_one();
        }
    }
}

/// Rolls back the savepoint of a use case that left without committing.
async fn undo_stale(batch: &mut Batch) -> Result<(), StoreError> {
    if !batch.stale {
        return Ok(());
    }
    if let Some(open) = batch.open.as_mut() {
        sqlx::query("ROLLBACK TO encore_use_case")
            .execute(&mut **open)
            .await?;
        sqlx::query("RELEASE encore_use_case")
            .execute(&mut **open)
            .await?;
    }
    batch.stale = false;
    Ok(())
}

/// Commits each batch once the writer is free (for as long as the runtime runs).
async fn committer(group: Arc<Group>) {
    loop {
        // Woken by a release or a drop; a permit left by one while the committer was busy
        // wakes it at once.
        group.work.notified().await;
        let mut guard = group.batch.clone().lock_owned().await;
        if let Err(err) = undo_stale(&mut guard).await {
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
                d.failed.insert((number, err.to_string()));
                while d.failed.len() > FAILURES_KEPT {
                    d.failed.pop_first();
                }
            }
        });
    }
}
