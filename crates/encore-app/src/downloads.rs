//! Downloads: adding files to a site's media library.

use crate::{Actor, App, AppError, Result};
use bytes::Bytes;
use encore_core::{
    change::{Change, Topic},
    download::Download,
    ids::{DownloadId, SiteId},
    roles::Capability,
};
use encore_store::StoreError;
use std::{collections::HashMap, time::Duration};
use tokio::sync::{mpsc, oneshot};

/// Stores a file (bytes first, fsynced, then its record) for posts to offer. Nothing a reader
/// sees changes until a post offers it.
pub async fn add_download(
    app: &App,
    actor: Actor,
    site: SiteId,
    file_name: &str,
    bytes: Bytes,
) -> Result<Download> {
    actor.require(Capability::UploadFiles, "upload files")?;
    let mut tx = app.store().begin().await?;
    let download = tx
        .downloads()
        .insert(site, file_name, bytes, app.clock().now())
        .await?;
    app.commit(tx, Change::default()).await?;
    Ok(download)
}

/// Takes a file a writer uploads at the desk into the media library.
///
/// Only kinds the library takes ([`encore_core::download::UPLOAD_KINDS`]), at most
/// [`encore_core::download::MAX_UPLOAD_BYTES`], never empty; a picture is decoded and gets its
/// smaller copies in the same transaction.
pub async fn upload(
    app: &App,
    actor: Actor,
    site: SiteId,
    file_name: &str,
    bytes: Bytes,
) -> Result<Download> {
    actor.require(Capability::UploadFiles, "upload files")?;
    let name = encore_core::download::validate_file_name(file_name).map_err(|e| {
        encore_core::ValidationError::new("file", format!("its name {}", e.problem))
    })?;
    encore_core::download::check_upload_kind(&name)?;
    if bytes.is_empty() {
        return Err(encore_core::ValidationError::new("file", "is empty").into());
    }
    if bytes.len() > encore_core::download::MAX_UPLOAD_BYTES {
        return Err(encore_core::ValidationError::new(
            "file",
            format!(
                "is larger than {}",
                encore_core::download::human_size(encore_core::download::MAX_UPLOAD_BYTES as u64)
            ),
        )
        .into());
    }
    // A picture is decoded (so a file that only claims to be one is refused) and its smaller
    // copies made, off the threads that answer requests.
    let picture = if crate::pictures::is_picture(&name) {
        let bytes = bytes.clone();
        let made = tokio::task::spawn_blocking(move || {
            let picture = crate::pictures::decode(&bytes, "file")?;
            let variants = crate::pictures::variants(&picture)?;
            Ok::<_, encore_core::ValidationError>(((picture.width(), picture.height()), variants))
        })
        .await
        .map_err(|e| AppError::Store(encore_store::StoreError::Config(e.to_string())))??;
        Some(made)
    } else {
        None
    };
    let mut tx = app.store().begin().await?;
    let download = tx
        .downloads()
        .insert(site, &name, bytes, app.clock().now())
        .await?;
    if let Some((size, variants)) = picture {
        let variants = variants
            .into_iter()
            .map(|v| encore_store::pictures::NewVariant {
                width: v.width,
                height: v.height,
                content_type: v.content_type,
                bytes: Bytes::from(v.bytes),
            })
            .collect();
        tx.downloads()
            .make_picture(site, download.id, size, variants)
            .await?;
    }
    app.commit(tx, Change::default()).await?;
    Ok(download)
}

/// Deletes a file from the media library, unless a public post offers it (take it off the post
/// first); drafts that offered it no longer do. Its bytes go once the deletion is committed.
pub async fn delete_download(app: &App, actor: Actor, site: SiteId, id: DownloadId) -> Result<()> {
    actor.require(Capability::EditOthersPosts, "delete files")?;
    let mut tx = app.store().begin().await?;
    let public = tx
        .downloads()
        .public_offers(site, id, app.clock().now())
        .await?;
    if public > 0 {
        return Err(AppError::InUse(format!(
            "a public post offers this file ({public} in all); take it off the post first"
        )));
    }
    let featured = tx
        .downloads()
        .public_features(site, id, app.clock().now())
        .await?;
    if featured > 0 {
        return Err(AppError::InUse(format!(
            "a public post shows this picture at its top ({featured} in all); choose another there first"
        )));
    }
    let mut keys = tx.downloads().variant_keys(site, id).await?;
    let Some(key) = tx.downloads().delete(site, id).await? else {
        return Err(AppError::NotFound("file"));
    };
    keys.push(key);
    app.commit(tx, Change::default()).await?;
    for key in keys {
        if let Err(e) = app.store().forget_bytes(&key).await {
            // The file is gone from the library and from readers; only its bytes stay behind.
            tracing::warn!(key, error = %e, "a deleted file's bytes could not be removed");
        }
    }
    Ok(())
}

/// How long one client's repeated downloads of a file count as one.
pub const SAME_CLIENT_WINDOW: Duration = Duration::from_secs(3600);
/// How often, at most, a download's new count is announced to the pages that show it: they stay
/// cached, and show a count at most this old.
pub const ANNOUNCE_EVERY: Duration = Duration::from_secs(10);

/// What happened to a download request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Counted {
    /// A new download, committed (on SQLite, synced) before this was returned.
    Yes,
    /// The same client downloaded the file a moment ago.
    Repeat,
    /// Not a download: a probe or a resumed part.
    No,
}

/// Counts a download the way a reader would.
///
/// That is once per client and file in [`SAME_CLIENT_WINDOW`], never for a probe or a resumed
/// part. A counted download is committed
/// before this returns, so one that was answered is never lost; downloads that arrive together
/// share one commit. `client` identifies the reader (address and browser, hashed).
pub async fn count_download(
    app: &App,
    site: SiteId,
    download: &Download,
    client: u64,
    start: u64,
    length: u64,
) -> Result<Counted> {
    if !encore_core::download::is_download(start, length, download.byte_size) {
        return Ok(Counted::No);
    }
    let counter = app.counter();
    let key = (download.id.0, client);
    if counter.seen.contains_key(&key) {
        return Ok(Counted::Repeat);
    }
    counter.seen.insert(key, ());
    let (done, answer) = oneshot::channel();
    let request = Request::Count(Count {
        site,
        id: download.id,
        done,
    });
    let outcome = match counter.queue.send(request) {
        Ok(()) => answer.await.unwrap_or(Err(Failure::Stopped)),
        Err(_) => Err(Failure::Stopped),
    };
    match outcome {
        Ok(()) => Ok(Counted::Yes),
        Err(failure) => {
            // Not counted: the next try may count it.
            counter.seen.invalidate(&key);
            Err(match failure {
                Failure::Unavailable(why) => AppError::Unavailable(why),
                Failure::Failed(why) => AppError::Unavailable(why),
                Failure::Stopped => {
                    AppError::Unavailable("the download counter has stopped".into())
                }
            })
        }
    }
}

/// Announces now the counts held back whose time has come (the counter does this every second;
/// tests call it after moving their clock).
pub async fn announce_held_counts(app: &App) {
    let (done, answer) = oneshot::channel();
    if app.counter().queue.send(Request::AnnounceDue(done)).is_ok() {
        let _ = answer.await;
    }
}

/// What the writer is asked to do.
enum Request {
    /// Count a download and say when it is committed.
    Count(Count),
    /// Announce the held-back counts that are due, then say so.
    AnnounceDue(oneshot::Sender<()>),
}

/// One download to count, and who waits for the commit.
struct Count {
    site: SiteId,
    id: DownloadId,
    done: oneshot::Sender<Result<(), Failure>>,
}

#[derive(Debug, Clone)]
enum Failure {
    Unavailable(String),
    Failed(String),
    Stopped,
}

/// The process's download counter: recently seen clients, and the queue of its writer.
pub(crate) struct Counter {
    seen: moka::sync::Cache<(i64, u64), ()>,
    queue: mpsc::UnboundedSender<Request>,
}

impl Counter {
    /// Starts the writer task (on the current runtime).
    pub(crate) fn start(app: &App) -> Counter {
        let (queue, requests) = mpsc::unbounded_channel();
        // The writer holds the application weakly: the queue lives in it, and the writer ends
        // when the application is dropped.
        tokio::spawn(write_counts(app.downgrade(), requests));
        Counter {
            seen: moka::sync::Cache::builder()
                .max_capacity(200_000)
                .time_to_live(SAME_CLIENT_WINDOW)
                .build(),
            queue,
        }
    }
}

/// When downloads were last announced, and which are owed an announcement (since when), on the
/// application clock's monotonic time.
#[derive(Default)]
struct Announcements {
    last: HashMap<(SiteId, DownloadId), Duration>,
    owed: HashMap<(SiteId, DownloadId), Duration>,
}

/// The writer: takes every count waiting, commits them in one transaction, then answers them
/// all. While one commit syncs, the next downloads queue up and share the next one. New counts
/// are announced at most every [`crate::Options::announce_counts_every`] per download; one held
/// back is announced when its time comes.
async fn write_counts(app: crate::WeakApp, mut requests: mpsc::UnboundedReceiver<Request>) {
    let mut announcements = Announcements::default();
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let request = tokio::select! {
            request = requests.recv() => match request {
                Some(request) => Some(request),
                None => return,
            },
            _ = tick.tick() => None,
        };
        let Some(app) = app.upgrade() else { return };
        let first = match request {
            Some(Request::Count(count)) => count,
            Some(Request::AnnounceDue(done)) => {
                announce_due(&app, &mut announcements).await;
                let _ = done.send(());
                continue;
            }
            None => {
                announce_due(&app, &mut announcements).await;
                continue;
            }
        };
        let mut batch = vec![first];
        let mut flushes = Vec::new();
        while batch.len() < 1000 {
            match requests.try_recv() {
                Ok(Request::Count(count)) => batch.push(count),
                Ok(Request::AnnounceDue(done)) => flushes.push(done),
                Err(_) => break,
            }
        }
        let mut counts: HashMap<(SiteId, DownloadId), u64> = HashMap::new();
        for count in &batch {
            *counts.entry((count.site, count.id)).or_default() += 1;
        }
        let now = app.clock().elapsed();
        let every = app.options().announce_counts_every;
        let mut announce = Vec::new();
        for key in counts.keys() {
            let recent = announcements
                .last
                .get(key)
                .is_some_and(|at| now.saturating_sub(*at) < every);
            if recent {
                announcements.owed.entry(*key).or_insert(now);
            } else {
                announce.push(*key);
            }
        }
        let result = commit_counts(&app, &counts, &announce).await;
        if result.is_ok() {
            for key in announce {
                announcements.last.insert(key, now);
                announcements.owed.remove(&key);
            }
        }
        if announcements.last.len() > 100_000 {
            announcements
                .last
                .retain(|_, at| now.saturating_sub(*at) < every);
        }
        for count in batch {
            let _ = count.done.send(result.clone());
        }
        if !flushes.is_empty() {
            announce_due(&app, &mut announcements).await;
            for done in flushes {
                let _ = done.send(());
            }
        }
    }
}

/// Announces the held-back counts whose time has come.
async fn announce_due(app: &App, announcements: &mut Announcements) {
    let now = app.clock().elapsed();
    let every = app.options().announce_counts_every;
    let due: Vec<_> = announcements
        .owed
        .iter()
        .filter(|(key, _)| {
            announcements
                .last
                .get(*key)
                .is_none_or(|at| now.saturating_sub(*at) >= every)
        })
        .map(|(key, _)| *key)
        .collect();
    if due.is_empty() {
        return;
    }
    match commit_counts(app, &HashMap::new(), &due).await {
        Ok(()) => {
            for key in due {
                announcements.owed.remove(&key);
                announcements.last.insert(key, now);
            }
        }
        Err(err) => tracing::warn!(?err, "cannot announce download counts; will retry"),
    }
}
async fn commit_counts(
    app: &App,
    counts: &HashMap<(SiteId, DownloadId), u64>,
    announce: &[(SiteId, DownloadId)],
) -> Result<(), Failure> {
    let fail = |err: StoreError| match err {
        StoreError::Unavailable(e) => Failure::Unavailable(e.to_string()),
        other => Failure::Failed(other.to_string()),
    };
    let mut tx = app.store().begin().await.map_err(fail)?;
    for ((site, id), n) in counts {
        tx.downloads().count(*site, *id, *n).await.map_err(fail)?;
    }
    // Record the announcements in the same transaction, so other processes hear of them too.
    let mut by_site: HashMap<SiteId, Vec<Topic>> = HashMap::new();
    for (site, id) in announce {
        by_site.entry(*site).or_default().push(Topic::Download(*id));
    }
    let now = app.clock().now();
    let mut changes = Vec::new();
    for (site, topics) in by_site {
        let change = Change::on(site, topics);
        tx.changes()
            .record(&change, app.origin(), now)
            .await
            .map_err(fail)?;
        changes.push(change);
    }
    tx.commit().await.map_err(fail)?;
    for change in &changes {
        app.announce(change);
    }
    Ok(())
}
