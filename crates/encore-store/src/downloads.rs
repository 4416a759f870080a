//! Downloads: their records, their bytes in the media store, and their durable counters.

use crate::{
    Result, Store, Tx,
    backend::{in_tx, read},
    classify,
    media::MediaStore,
};
use bytes::Bytes;
use chrono::{DateTime, Utc};
use encore_core::{
    ValidationError,
    download::{self, Download},
    ids::{DownloadId, PostId, SiteId},
};
use futures_util::stream::BoxStream;
use sha2::{Digest, Sha256};
use std::ops::Range;

/// Download queries; see [`Store::downloads`].
pub struct Downloads<'a> {
    pub(crate) store: &'a Store,
}

#[derive(sqlx::FromRow)]
pub(crate) struct DownloadRow {
    pub(crate) id: i64,
    pub(crate) file_name: String,
    pub(crate) content_type: String,
    pub(crate) byte_size: i64,
    pub(crate) sha256: String,
    pub(crate) storage_key: String,
    pub(crate) download_count: i64,
}

impl DownloadRow {
    fn into_stored(self) -> StoredDownload {
        let storage_key = self.storage_key.clone();
        StoredDownload {
            download: self.into_download(),
            storage_key,
        }
    }

    pub(crate) fn into_download(self) -> Download {
        Download {
            id: DownloadId(self.id),
            file_name: self.file_name,
            content_type: self.content_type,
            byte_size: u64::try_from(self.byte_size).unwrap_or(0),
            sha256: self.sha256,
            download_count: u64::try_from(self.download_count).unwrap_or(0),
        }
    }
}

/// A stored download and where its bytes are.
#[derive(Debug, Clone)]
pub struct StoredDownload {
    /// What pages show.
    pub download: Download,
    /// The media store key of its bytes.
    pub storage_key: String,
}

impl Downloads<'_> {
    /// A download of this site by id.
    pub async fn by_id(&self, site: SiteId, id: DownloadId) -> Result<Option<StoredDownload>> {
        const SQL: &str = "SELECT id, file_name, content_type, byte_size, sha256, storage_key, download_count \
                           FROM downloads WHERE site_id = $1 AND id = $2";
        let row: Option<DownloadRow> = read!(self.store, |pool| sqlx::query_as(SQL)
            .bind(site.0)
            .bind(id.0)
            .fetch_optional(pool)
            .await)?;
        Ok(row.map(|r| {
            let storage_key = r.storage_key.clone();
            StoredDownload {
                download: r.into_download(),
                storage_key,
            }
        }))
    }

    /// The download of this site with exactly this content and name, if one was stored already.
    pub async fn by_content(
        &self,
        site: SiteId,
        sha256: &str,
        file_name: &str,
    ) -> Result<Option<Download>> {
        const SQL: &str = "SELECT id, file_name, content_type, byte_size, sha256, storage_key, download_count \
                           FROM downloads WHERE site_id = $1 AND sha256 = $2 AND file_name = $3 ORDER BY id LIMIT 1";
        let row: Option<DownloadRow> = read!(self.store, |pool| sqlx::query_as(SQL)
            .bind(site.0)
            .bind(sha256)
            .bind(file_name)
            .fetch_optional(pool)
            .await)?;
        Ok(row.map(DownloadRow::into_download))
    }

    /// A download of this site that at least one public post offers. Files attached only to
    /// drafts or scheduled posts stay private until their post is public.
    pub async fn public_by_id(
        &self,
        site: SiteId,
        id: DownloadId,
        now: DateTime<Utc>,
    ) -> Result<Option<StoredDownload>> {
        const SQL: &str = concat!(
            "SELECT d.id, d.file_name, d.content_type, d.byte_size, d.sha256, d.storage_key, d.download_count \
             FROM downloads d WHERE d.site_id = $1 AND d.id = $2 AND EXISTS ( \
               SELECT 1 FROM post_downloads pd JOIN posts p ON p.id = pd.post_id \
               WHERE pd.download_id = d.id AND ",
            crate::public!("p", "$3"),
            ")"
        );
        let row: Option<DownloadRow> = read!(self.store, |pool| sqlx::query_as(SQL)
            .bind(site.0)
            .bind(id.0)
            .bind(now)
            .fetch_optional(pool)
            .await)?;
        Ok(row.map(DownloadRow::into_stored))
    }

    /// Streams a download's bytes, or the `range` of them (end exclusive).
    pub async fn bytes(
        &self,
        stored: &StoredDownload,
        range: Option<Range<u64>>,
    ) -> Result<BoxStream<'static, Result<Bytes, object_store::Error>>> {
        self.media().get(&stored.storage_key, range).await
    }

    /// A download's bytes, all of them in memory (for exports).
    pub async fn read_all(&self, stored: &StoredDownload) -> Result<Bytes> {
        use futures_util::TryStreamExt;
        let chunks: Vec<Bytes> = self.bytes(stored, None).await?.try_collect().await?;
        Ok(Bytes::from(chunks.concat()))
    }

    fn media(&self) -> &MediaStore {
        &self.store.media
    }
}

/// Download writes; see [`Tx::downloads`].
pub struct DownloadsTx<'a> {
    pub(crate) tx: &'a mut Tx,
}

impl DownloadsTx<'_> {
    /// Stores a file and its record. The bytes are written (and fsynced) first, under a key
    /// derived from their SHA-256, so a crash between the two steps leaves at worst an orphan
    /// file, never a record without bytes.
    pub async fn insert(
        &mut self,
        site: SiteId,
        file_name: &str,
        bytes: Bytes,
        now: DateTime<Utc>,
    ) -> Result<Download> {
        const SQL: &str = "INSERT INTO downloads (site_id, file_name, content_type, byte_size, sha256, storage_key, created_at) \
                           VALUES ($1, $2, $3, $4, $5, $6, $7) \
                           RETURNING id, file_name, content_type, byte_size, sha256, storage_key, download_count";
        let file_name = download::validate_file_name(file_name)?;
        let size = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
        if size > download::MAX_BYTES {
            return Err(ValidationError::new(
                "file",
                format!(
                    "is larger than {}",
                    download::human_size(download::MAX_BYTES)
                ),
            )
            .into());
        }
        let sha256 = hex::encode(Sha256::digest(&bytes));
        let key = format!("downloads/{}/{}", site.0, sha256);
        self.tx.media.put(&key, bytes).await?;
        let row: DownloadRow = in_tx!(self.tx, |conn| sqlx::query_as(SQL)
            .bind(site.0)
            .bind(&file_name)
            .bind(encore_core::media_type::for_file(&file_name))
            .bind(i64::try_from(size).unwrap_or(i64::MAX))
            .bind(&sha256)
            .bind(&key)
            .bind(now)
            .fetch_one(&mut *conn)
            .await)
        .map_err(|e| classify(e, "download", "no such site"))?;
        Ok(row.into_download())
    }

    /// Adds `by` to a download's counter.
    pub async fn count(&mut self, site: SiteId, id: DownloadId, by: u64) -> Result<()> {
        const SQL: &str = "UPDATE downloads SET download_count = download_count + $3 WHERE site_id = $1 AND id = $2";
        let by = i64::try_from(by).unwrap_or(i64::MAX);
        let done = in_tx!(self.tx, |conn| sqlx::query(SQL)
            .bind(site.0)
            .bind(id.0)
            .bind(by)
            .execute(&mut *conn)
            .await
            .map(|r| r.rows_affected()))?;
        crate::found(done)
    }

    /// The posts offering a download, whose pages show its counter.
    pub async fn offered_by(&mut self, id: DownloadId) -> Result<Vec<PostId>> {
        const SQL: &str = "SELECT post_id FROM post_downloads WHERE download_id = $1";
        let ids: Vec<i64> = in_tx!(self.tx, |conn| sqlx::query_scalar(SQL)
            .bind(id.0)
            .fetch_all(&mut *conn)
            .await)?;
        Ok(ids.into_iter().map(PostId).collect())
    }
}
