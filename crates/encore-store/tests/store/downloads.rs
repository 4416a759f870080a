//! Downloads keep their bytes, checksum and counter, across a restart too.

use crate::fixtures::{self, PostBuilder, now};
use bytes::Bytes;
use encore_core::post::PostKind;
use encore_store::{
    Store, StoreError,
    testing::{TestBackend, TestStore},
};
use futures_util::TryStreamExt;
use sha2::{Digest, Sha256};

encore_store::backend_tests!(
    bytes_checksum_and_ranges_come_back,
    counts_survive_a_restart,
    a_download_belongs_to_one_site,
    files_of_drafts_stay_private,
);

async fn read_all(
    store: &Store,
    site: encore_core::ids::SiteId,
    id: encore_core::ids::DownloadId,
    range: Option<std::ops::Range<u64>>,
) -> Vec<u8> {
    let stored = store.downloads().by_id(site, id).await.unwrap().unwrap();
    let chunks: Vec<Bytes> = store
        .downloads()
        .bytes(&stored, range)
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    chunks.concat()
}

async fn bytes_checksum_and_ranges_come_back(backend: TestBackend) {
    let t = TestStore::new(backend).await;
    let site = fixtures::site(&t.store, "music.example").await;
    let max = fixtures::author(&t.store, &site, "max").await;
    let content = b"Side A: Burning Heart, Hearts on Fire\n".repeat(10);
    let d = fixtures::download(
        &t.store,
        &site,
        "liner-notes.txt",
        Bytes::from(content.clone()),
    )
    .await;
    assert_eq!(d.byte_size, content.len() as u64);
    assert_eq!(d.sha256, hex::encode(Sha256::digest(&content)));
    assert_eq!(d.content_type, "text/plain; charset=utf-8");
    assert_eq!(read_all(&t.store, site.id, d.id, None).await, content);
    assert_eq!(
        read_all(&t.store, site.id, d.id, Some(7..19)).await,
        &content[7..19]
    );

    PostBuilder::new(&site, &max, "Rocky IV")
        .download(d.id)
        .insert(&t.store)
        .await;
    let post = t
        .store
        .posts()
        .public_by_slug(site.id, PostKind::Post, "rocky-iv", now())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        post.downloads
            .iter()
            .map(|d| d.file_name.as_str())
            .collect::<Vec<_>>(),
        ["liner-notes.txt"]
    );
    let mut tx = t.store.begin().await.unwrap();
    let err = tx
        .downloads()
        .insert(site.id, "../../etc/passwd", Bytes::from_static(b"x"), now())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, StoreError::Validation(e) if e.field == "file_name"),
        "{err:?}"
    );
}

async fn counts_survive_a_restart(backend: TestBackend) {
    let t = TestStore::new(backend).await;
    let site = fixtures::site(&t.store, "music.example").await;
    let d = fixtures::download(&t.store, &site, "a.txt", Bytes::from_static(b"abc")).await;
    for _ in 0..3 {
        let mut tx = t.store.begin().await.unwrap();
        tx.downloads().count(site.id, d.id, 1).await.unwrap();
        tx.commit().await.unwrap();
    }
    // Drop the store without closing it, as a crash would, and open the files again.
    drop(t.store);
    let reopened = Store::open(&t.options).await.unwrap();
    let stored = reopened
        .downloads()
        .by_id(site.id, d.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.download.download_count, 3);
    assert_eq!(read_all(&reopened, site.id, d.id, None).await, b"abc");
}

async fn a_download_belongs_to_one_site(backend: TestBackend) {
    let t = TestStore::new(backend).await;
    let a = fixtures::site(&t.store, "a.example").await;
    let b = fixtures::site(&t.store, "b.example").await;
    let d = fixtures::download(&t.store, &a, "a.txt", Bytes::from_static(b"abc")).await;
    assert!(
        t.store
            .downloads()
            .by_id(b.id, d.id)
            .await
            .unwrap()
            .is_none()
    );
    let mut tx = t.store.begin().await.unwrap();
    assert!(matches!(
        tx.downloads().count(b.id, d.id, 1).await,
        Err(StoreError::NotFound)
    ));
}

async fn files_of_drafts_stay_private(backend: TestBackend) {
    let t = TestStore::new(backend).await;
    let site = fixtures::site(&t.store, "music.example").await;
    let max = fixtures::author(&t.store, &site, "max").await;
    let unattached =
        fixtures::download(&t.store, &site, "loose.txt", Bytes::from_static(b"1")).await;
    let drafted = fixtures::download(&t.store, &site, "draft.txt", Bytes::from_static(b"2")).await;
    let public = fixtures::download(&t.store, &site, "public.txt", Bytes::from_static(b"3")).await;
    PostBuilder::new(&site, &max, "Draft")
        .draft()
        .download(drafted.id)
        .insert(&t.store)
        .await;
    PostBuilder::new(&site, &max, "Live")
        .download(public.id)
        .insert(&t.store)
        .await;
    let downloads = t.store.downloads();
    assert!(
        downloads
            .public_by_id(site.id, unattached.id, now())
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        downloads
            .public_by_id(site.id, drafted.id, now())
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(
        downloads
            .public_by_id(site.id, public.id, now())
            .await
            .unwrap()
            .unwrap()
            .download
            .file_name,
        "public.txt"
    );
}
