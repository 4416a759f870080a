//! Pictures of the media library: their size, their smaller copies, and whether readers may see
//! them (a public post features or offers them).

use crate::{
    Result, StoreError,
    backend::{in_tx, read},
    downloads::{Downloads, DownloadsTx},
};
use bytes::Bytes;
use chrono::{DateTime, Utc};
use encore_core::ids::{DownloadId, SiteId};

/// A picture as pages show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Picture {
    /// Its download's id.
    pub id: DownloadId,
    /// Its file name.
    pub file_name: String,
    /// Its width in pixels.
    pub width: u32,
    /// Its height in pixels.
    pub height: u32,
    /// The widths and heights of its smaller copies, narrowest first.
    pub variants: Vec<(u32, u32)>,
}

/// A copy of a picture to serve.
#[derive(Debug, Clone)]
pub struct StoredVariant {
    /// Its media type.
    pub content_type: String,
    /// Where its bytes are.
    pub storage_key: String,
}

/// A smaller copy to keep.
#[derive(Debug, Clone)]
pub struct NewVariant {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Media type.
    pub content_type: &'static str,
    /// The encoded bytes.
    pub bytes: Bytes,
}

/// Whether a public post (`$3` now) features or offers download `d.id`.
macro_rules! picture_is_public {
    () => {
        concat!(
            "(EXISTS (SELECT 1 FROM posts p WHERE p.featured_image_id = d.id AND ",
            crate::public!("p", "$3"),
            ") OR EXISTS (SELECT 1 FROM post_downloads pd JOIN posts p ON p.id = pd.post_id \
             WHERE pd.download_id = d.id AND ",
            crate::public!("p", "$3"),
            "))"
        )
    };
}

fn pixels(n: i64) -> u32 {
    u32::try_from(n).unwrap_or(0)
}

impl Downloads<'_> {
    /// Picture `id` with its copies; only while a public post features or offers it, unless
    /// `now` is `None` (the desk).
    pub async fn picture(
        &self,
        site: SiteId,
        id: DownloadId,
        now: Option<DateTime<Utc>>,
    ) -> Result<Option<Picture>> {
        const ANY: &str = "SELECT d.id, d.file_name, d.width, d.height FROM downloads d \
                           WHERE d.site_id = $1 AND d.id = $2 AND d.width IS NOT NULL";
        const PUBLIC: &str = concat!(
            "SELECT d.id, d.file_name, d.width, d.height FROM downloads d \
             WHERE d.site_id = $1 AND d.id = $2 AND d.width IS NOT NULL AND ",
            picture_is_public!()
        );
        const VARIANTS: &str =
            "SELECT width, height FROM picture_variants WHERE download_id = $1 ORDER BY width";
        let row: Option<(i64, String, Option<i64>, Option<i64>)> =
            read!(self.store, |pool| match now {
                Some(now) => {
                    sqlx::query_as(PUBLIC)
                        .bind(site.0)
                        .bind(id.0)
                        .bind(now)
                        .fetch_optional(pool)
                        .await
                }
                None => {
                    sqlx::query_as(ANY)
                        .bind(site.0)
                        .bind(id.0)
                        .fetch_optional(pool)
                        .await
                }
            })?;
        let Some((id, file_name, Some(width), Some(height))) = row else {
            return Ok(None);
        };
        let variants: Vec<(i64, i64)> = read!(self.store, |pool| sqlx::query_as(VARIANTS)
            .bind(id)
            .fetch_all(pool)
            .await)?;
        Ok(Some(Picture {
            id: DownloadId(id),
            file_name,
            width: pixels(width),
            height: pixels(height),
            variants: variants
                .into_iter()
                .map(|(w, h)| (pixels(w), pixels(h)))
                .collect(),
        }))
    }

    /// The copy of public picture `id` that is `width` wide (`None`: the picture itself).
    pub async fn public_variant(
        &self,
        site: SiteId,
        id: DownloadId,
        width: Option<u32>,
        now: DateTime<Utc>,
    ) -> Result<Option<StoredVariant>> {
        const FULL: &str = concat!(
            "SELECT d.content_type, d.storage_key FROM downloads d \
             WHERE d.site_id = $1 AND d.id = $2 AND d.width IS NOT NULL AND ",
            picture_is_public!()
        );
        const COPY: &str = concat!(
            "SELECT v.content_type, v.storage_key FROM picture_variants v JOIN downloads d ON d.id = v.download_id \
             WHERE d.site_id = $1 AND d.id = $2 AND v.width = $4 AND ",
            picture_is_public!()
        );
        let row: Option<(String, String)> = read!(self.store, |pool| match width {
            None => {
                sqlx::query_as(FULL)
                    .bind(site.0)
                    .bind(id.0)
                    .bind(now)
                    .fetch_optional(pool)
                    .await
            }
            Some(width) => {
                sqlx::query_as(COPY)
                    .bind(site.0)
                    .bind(id.0)
                    .bind(now)
                    .bind(i64::from(width))
                    .fetch_optional(pool)
                    .await
            }
        })?;
        Ok(row.map(|(content_type, storage_key)| StoredVariant {
            content_type,
            storage_key,
        }))
    }

    /// The bytes of a copy, whole.
    pub async fn variant_bytes(&self, variant: &StoredVariant) -> Result<Bytes> {
        use futures_util::TryStreamExt;
        let chunks: Vec<Bytes> = self
            .store
            .media
            .get(&variant.storage_key, None)
            .await?
            .try_collect()
            .await?;
        Ok(Bytes::from(chunks.concat()))
    }
}

impl DownloadsTx<'_> {
    /// Records that download `id` is a picture of this size, with its smaller copies (their bytes
    /// written and synced first, each under a key of its own).
    pub async fn make_picture(
        &mut self,
        site: SiteId,
        id: DownloadId,
        (width, height): (u32, u32),
        variants: Vec<NewVariant>,
    ) -> Result<()> {
        const SIZE: &str = "UPDATE downloads SET width = $3, height = $4 WHERE site_id = $1 AND id = $2 \
                            RETURNING storage_key";
        const VARIANT: &str = "INSERT INTO picture_variants \
                               (site_id, download_id, width, height, content_type, byte_size, storage_key) \
                               VALUES ($1, $2, $3, $4, $5, $6, $7)";
        let key: Option<String> = in_tx!(self.tx, |conn| sqlx::query_scalar(SIZE)
            .bind(site.0)
            .bind(id.0)
            .bind(i64::from(width))
            .bind(i64::from(height))
            .fetch_optional(&mut *conn)
            .await)?;
        let key = key.ok_or(StoreError::NotFound)?;
        for variant in variants {
            let variant_key = format!("{key}-w{}", variant.width);
            let size = i64::try_from(variant.bytes.len()).unwrap_or(i64::MAX);
            self.tx.media.put(&variant_key, variant.bytes).await?;
            in_tx!(self.tx, |conn| sqlx::query(VARIANT)
                .bind(site.0)
                .bind(id.0)
                .bind(i64::from(variant.width))
                .bind(i64::from(variant.height))
                .bind(variant.content_type)
                .bind(size)
                .bind(&variant_key)
                .execute(&mut *conn)
                .await
                .map(|_| ()))?;
        }
        Ok(())
    }

    /// The keys of a download's copies (to forget once the download is deleted).
    pub async fn variant_keys(&mut self, site: SiteId, id: DownloadId) -> Result<Vec<String>> {
        const SQL: &str =
            "SELECT storage_key FROM picture_variants WHERE site_id = $1 AND download_id = $2";
        Ok(in_tx!(self.tx, |conn| sqlx::query_scalar(SQL)
            .bind(site.0)
            .bind(id.0)
            .fetch_all(&mut *conn)
            .await)?)
    }

    /// Whether download `id` of the site is a picture.
    pub async fn is_picture(&mut self, site: SiteId, id: DownloadId) -> Result<bool> {
        const SQL: &str =
            "SELECT COUNT(*) FROM downloads WHERE site_id = $1 AND id = $2 AND width IS NOT NULL";
        let n: i64 = in_tx!(self.tx, |conn| sqlx::query_scalar(SQL)
            .bind(site.0)
            .bind(id.0)
            .fetch_one(&mut *conn)
            .await)?;
        Ok(n > 0)
    }

    /// How many public posts feature picture `id`, as this transaction sees it.
    pub async fn public_features(
        &mut self,
        site: SiteId,
        id: DownloadId,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        const SQL: &str = concat!(
            "SELECT COUNT(*) FROM posts p WHERE p.site_id = $1 AND p.featured_image_id = $2 AND ",
            crate::public!("p", "$3")
        );
        Ok(in_tx!(self.tx, |conn| sqlx::query_scalar(SQL)
            .bind(site.0)
            .bind(id.0)
            .bind(now)
            .fetch_one(&mut *conn)
            .await)?)
    }
}
