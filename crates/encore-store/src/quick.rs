//! Reads of the public pages on SQLite, run on the calling thread.
//!
//! sqlx drives each SQLite connection from a thread of its own: every query is a message to that
//! thread and a wake-up back. On two cores that hand-off costs about 100 µs of CPU per query,
//! more than the queries of a post page take themselves (20–60 µs). The reads a reader's page
//! makes therefore go through plain `rusqlite` connections, opened read-only on the same file
//! and used from the async task's own thread: a query this short blocks a worker no longer than
//! the hand-off did, and costs a fraction of it. Writes, and every other read, stay on sqlx.
//!
//! A thread holds a connection only while it runs a query, never across an `.await`, so with as
//! many connections as threads that read no thread ever waits for another.

use crate::StoreError;
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OpenFlags};
use std::{
    path::{Path, PathBuf},
    sync::{Mutex, MutexGuard, TryLockError},
    time::Duration,
};

/// Read-only SQLite connections, opened when first needed.
pub(crate) struct QuickReaders {
    path: PathBuf,
    slots: Box<[Mutex<Option<Connection>>]>,
}

impl std::fmt::Debug for QuickReaders {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QuickReaders")
            .field("path", &self.path)
            .field("slots", &self.slots.len())
            .finish()
    }
}

impl QuickReaders {
    pub(crate) fn new(path: &Path, slots: usize) -> QuickReaders {
        QuickReaders {
            path: path.to_owned(),
            slots: (0..slots.max(1)).map(|_| Mutex::new(None)).collect(),
        }
    }

    /// Runs `read` on a free connection (opening it if need be); waits for one only when every
    /// connection is in use.
    pub(crate) fn read<T>(
        &self,
        read: impl FnOnce(&Connection) -> rusqlite::Result<T>,
    ) -> Result<T, StoreError> {
        let mut slot = self.free_slot();
        if slot.is_none() {
            *slot = Some(self.open().map_err(from_rusqlite)?);
        }
        match slot.as_ref() {
            Some(conn) => read(conn).map_err(from_rusqlite),
            None => Err(StoreError::Corrupt(
                "a reader connection went missing".into(),
            )),
        }
    }

    fn free_slot(&self) -> MutexGuard<'_, Option<Connection>> {
        for slot in &self.slots {
            match slot.try_lock() {
                Ok(guard) => return guard,
                // A thread that panicked mid-read leaves the connection as good as it was.
                Err(TryLockError::Poisoned(poisoned)) => return poisoned.into_inner(),
                Err(TryLockError::WouldBlock) => {}
            }
        }
        // Every connection is busy: wait for the one this thread's turn points at.
        let at = thread_index() % self.slots.len();
        self.slots[at]
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn open(&self) -> rusqlite::Result<Connection> {
        let conn = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_ONLY
                | OpenFlags::SQLITE_OPEN_NO_MUTEX
                | OpenFlags::SQLITE_OPEN_URI,
        )?;
        conn.busy_timeout(Duration::from_secs(10))?;
        // As the sqlx readers: a megabyte of page cache (the operating system caches the file).
        conn.pragma_update(None, "cache_size", -1024)?;
        conn.set_prepared_statement_cache_capacity(32);
        Ok(conn)
    }
}

fn thread_index() -> usize {
    use std::hash::{BuildHasher, RandomState};
    thread_local! {
        static INDEX: usize = RandomState::new().hash_one(std::thread::current().id()) as usize;
    }
    INDEX.with(|i| *i)
}

/// A time as sqlx writes it to SQLite (RFC 3339 text), so that comparisons in SQL agree.
pub(crate) fn time_param(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, false)
}

/// Reads a time written by sqlx.
pub(crate) fn time_column(
    row: &rusqlite::Row<'_>,
    column: impl rusqlite::RowIndex,
) -> rusqlite::Result<DateTime<Utc>> {
    maybe_time_column(row, column)?.ok_or(rusqlite::Error::InvalidColumnType(
        0,
        "a time".into(),
        rusqlite::types::Type::Null,
    ))
}

/// Like [`time_column`], for a column that may be NULL.
pub(crate) fn maybe_time_column(
    row: &rusqlite::Row<'_>,
    column: impl rusqlite::RowIndex,
) -> rusqlite::Result<Option<DateTime<Utc>>> {
    let text: Option<String> = row.get(column)?;
    text.map(|t| parse_time(&t)).transpose().map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, e.into())
    })
}

fn parse_time(text: &str) -> Result<DateTime<Utc>, chrono::ParseError> {
    DateTime::parse_from_rfc3339(text)
        .or_else(|_| DateTime::parse_from_str(text, "%F %T%.f%:z"))
        .map(|t| t.with_timezone(&Utc))
}

/// SQLite's answers as the store's errors: busy, locked, I/O, full and cannot-open mean the
/// database is out of reach for now, as they do through sqlx.
fn from_rusqlite(err: rusqlite::Error) -> StoreError {
    use rusqlite::ErrorCode::{
        CannotOpen, DatabaseBusy, DatabaseLocked, DiskFull, SystemIoFailure,
    };
    let unavailable = matches!(
        err.sqlite_error_code(),
        Some(DatabaseBusy | DatabaseLocked | SystemIoFailure | DiskFull | CannotOpen)
    );
    let err = sqlx::Error::AnyDriverError(Box::new(err));
    if unavailable {
        StoreError::Unavailable(err)
    } else {
        StoreError::Backend(err)
    }
}
