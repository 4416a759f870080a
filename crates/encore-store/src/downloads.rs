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

/// A file of the media library, with the posts that offer it.
#[derive(Debug, Clone)]
pub struct LibraryItem {
    /// The file.
    pub download: Download,
    /// When it was uploaded.
    pub created_at: DateTime<Utc>,
    /// Posts that offer it, in any status.
    pub posts: i64,
    /// Public posts that offer it (it cannot be deleted while one does).
    pub public_posts: i64,
    /// Whether it is a picture (it has copies, and can be a post's featured picture).
    pub is_picture: bool,
}

#[derive(sqlx::FromRow)]
struct LibraryRow {
    #[sqlx(flatten)]
    download: DownloadRow,
    created_at: DateTime<Utc>,
    posts: i64,
    public_posts: i64,
    is_picture: bool,
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

    /// The site's media library, newest first, with the posts offering each file.
    pub async fn library(&self, site: SiteId, now: DateTime<Utc>) -> Result<Vec<LibraryItem>> {
        const SQL: &str = concat!(
            "SELECT d.id, d.file_name, d.content_type, d.byte_size, d.sha256, d.storage_key, d.download_count, \
             d.created_at, \
             (SELECT COUNT(*) FROM post_downloads pd WHERE pd.download_id = d.id) AS posts, \
             (SELECT COUNT(*) FROM post_downloads pd JOIN posts p ON p.id = pd.post_id \
              WHERE pd.download_id = d.id AND ",
            crate::public!("p", "$2"),
            ") AS public_posts, d.width IS NOT NULL AS is_picture \
             FROM downloads d WHERE d.site_id = $1 ORDER BY d.id DESC"
        );
        let rows: Vec<LibraryRow> = read!(self.store, |pool| sqlx::query_as(SQL)
            .bind(site.0)
            .bind(now)
            .fetch_all(pool)
            .await)?;
        Ok(rows
            .into_iter()
            .map(|r| LibraryItem {
                download: r.download.into_download(),
                created_at: r.created_at,
                posts: r.posts,
                public_posts: r.public_posts,
                is_picture: r.is_picture,
            })
            .collect())
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
        // A key of its own (the content's hash and a random part), so that deleting this record's
        // bytes can never take another upload's: files are not shared between records.
        let mut salt = [0u8; 8];
        getrandom::fill(&mut salt).map_err(|e| {
            crate::StoreError::Config(format!("no randomness for a file name: {e}"))
        })?;
        let key = format!("downloads/{}/{}-{}", site.0, sha256, hex::encode(salt));
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

    /// How many public posts offer a download, as this transaction sees it.
    pub async fn public_offers(
        &mut self,
        site: SiteId,
        id: DownloadId,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        const SQL: &str = concat!(
            "SELECT COUNT(*) FROM post_downloads pd JOIN posts p ON p.id = pd.post_id \
             WHERE pd.site_id = $1 AND pd.download_id = $2 AND ",
            crate::public!("p", "$3")
        );
        Ok(in_tx!(self.tx, |conn| sqlx::query_scalar(SQL)
            .bind(site.0)
            .bind(id.0)
            .bind(now)
            .fetch_one(&mut *conn)
            .await)?)
    }

    /// Deletes a download's record (posts that offered it no longer do); the key of its bytes, for
    /// [`crate::Store::forget_bytes`] once the deletion is committed. `None` when it did not exist.
    pub async fn delete(&mut self, site: SiteId, id: DownloadId) -> Result<Option<String>> {
        const SQL: &str =
            "DELETE FROM downloads WHERE site_id = $1 AND id = $2 RETURNING storage_key";
        Ok(in_tx!(self.tx, |conn| sqlx::query_scalar(SQL)
            .bind(site.0)
            .bind(id.0)
            .fetch_optional(&mut *conn)
            .await)?)
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
