//! Downloads: adding files to a site's media library.

use crate::{Actor, App, Result};
use bytes::Bytes;
use encore_core::{
    change::{Change, Topic},
    download::Download,
    ids::{DownloadId, SiteId},
    roles::Capability,
};

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

/// Counts one download, committed (on SQLite synced) before it returns, so a download that was
/// answered is never lost. The pages showing the counter change.
pub async fn count_download(app: &App, site: SiteId, id: DownloadId) -> Result<()> {
    let mut tx = app.store().begin().await?;
    tx.downloads().count(site, id, 1).await?;
    app.commit(tx, Change::on(site, [Topic::Download(id)]))
        .await?;
    Ok(())
}
