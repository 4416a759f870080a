//! The media store: where download files live.
//!
//! Local disk by default (under the data directory), through `object_store` so that S3-compatible
//! storage can take its place when Encore runs on several machines. Writes are fsynced before they
//! are acknowledged.

use crate::{Result, StoreError};
use bytes::Bytes;
use futures_util::stream::BoxStream;
use object_store::{
    GetOptions, GetRange, ObjectStore, ObjectStoreExt, PutPayload, local::LocalFileSystem,
    path::Path,
};
use std::{ops::Range, sync::Arc};

/// Byte storage for downloads, keyed by `storage_key`.
#[derive(Debug, Clone)]
pub struct MediaStore {
    inner: Arc<dyn ObjectStore>,
}

impl MediaStore {
    /// Opens (creating when missing) a media directory on local disk.
    pub fn open(dir: &std::path::Path) -> Result<Self> {
        std::fs::create_dir_all(dir).map_err(|e| {
            StoreError::Config(format!(
                "cannot create media directory {}: {e}",
                dir.display()
            ))
        })?;
        let local = LocalFileSystem::new_with_prefix(dir)?.with_fsync(true);
        Ok(Self {
            inner: Arc::new(local),
        })
    }

    /// Stores `bytes` under `key`, atomically and durably.
    pub async fn put(&self, key: &str, bytes: Bytes) -> Result<()> {
        self.inner
            .put(&Path::from(key), PutPayload::from(bytes))
            .await?;
        Ok(())
    }

    /// Removes the bytes of `key`; bytes already gone are no error.
    pub async fn delete(&self, key: &str) -> Result<()> {
        match self.inner.delete(&Path::from(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// Streams the bytes of `key` in `range` (end exclusive); the whole object when `None`.
    pub async fn get(
        &self,
        key: &str,
        range: Option<Range<u64>>,
    ) -> Result<BoxStream<'static, Result<Bytes, object_store::Error>>> {
        let options = GetOptions {
            range: range.map(GetRange::Bounded),
            ..GetOptions::default()
        };
        let result = self
            .inner
            .get_opts(&Path::from(key), options)
            .await
            .map_err(|e| match e {
                object_store::Error::NotFound { .. } => StoreError::NotFound,
                other => StoreError::Media(other),
            })?;
        Ok(result.into_stream())
    }
}
