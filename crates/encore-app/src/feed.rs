//! The change feed: what other processes on the same database changed, told to this process's
//! listeners within a fraction of a second.
//!
//! Every node reads the change records after the last one it saw, every [`POLL`] — and at once
//! when PostgreSQL announces a new one with `NOTIFY`. Its own records it skips: it told its
//! listeners when it committed them.

use crate::App;
use std::time::Duration;
use tokio::task::JoinHandle;

/// How often the records are read when nothing wakes the feed earlier.
pub const POLL: Duration = Duration::from_millis(250);
/// How long records are kept: far longer than any running node needs to read them.
const KEEP: chrono::Duration = chrono::Duration::hours(24);
/// How often old records are deleted.
const PRUNE_EVERY: Duration = Duration::from_secs(3600);

/// A running feed; stops when dropped or with [`Feed::stop`].
#[derive(Debug)]
pub struct Feed {
    task: JoinHandle<()>,
}

impl Feed {
    /// Stops reading.
    pub fn stop(self) {
        self.task.abort();
    }
}

impl Drop for Feed {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Starts reading the change records of other processes, from the newest one now.
pub async fn spawn(app: App) -> encore_store::Result<Feed> {
    let mut last = app.store().changes().latest().await?;
    let mut wakeups = app.store().changes().wakeups().await;
    let task = tokio::spawn(async move {
        let mut tick = tokio::time::interval(POLL);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut pruned = tokio::time::Instant::now();
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                () = wakeups.next() => {}
            }
            match app.store().changes().after(last, 1000).await {
                Ok(records) => {
                    for record in records {
                        last = record.id;
                        if record.origin != app.origin() {
                            app.announce(&record.change);
                        }
                    }
                }
                Err(err) => tracing::warn!(error = %err, "cannot read change records; will retry"),
            }
            if pruned.elapsed() >= PRUNE_EVERY {
                pruned = tokio::time::Instant::now();
                let before = app.clock().now() - KEEP;
                if let Err(err) = app.store().changes().prune(before).await {
                    tracing::warn!(error = %err, "cannot prune change records");
                }
            }
        }
    });
    Ok(Feed { task })
}
