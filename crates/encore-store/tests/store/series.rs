//! Series list their public parts in reading order.

use crate::fixtures::{self, PostBuilder, now};
use encore_store::testing::{TestBackend, TestStore};

encore_store::backend_tests!(
    parts_come_in_series_order_and_skip_drafts,
    a_place_in_a_series_is_taken_once
);

async fn parts_come_in_series_order_and_skip_drafts(backend: TestBackend) {
    let t = TestStore::new(backend).await;
    let site = fixtures::site(&t.store, "music.example").await;
    let max = fixtures::author(&t.store, &site, "max").await;
    let series = fixtures::series(&t.store, &site, "Great Soundtracks of 1985").await;
    assert_eq!(series.slug, "great-soundtracks-of-1985");
    // Published out of order: the series position decides, not the date.
    PostBuilder::new(&site, &max, "The Cult – Love")
        .days_ago(1)
        .in_series(series.id, 3)
        .insert(&t.store)
        .await;
    PostBuilder::new(&site, &max, "Back to the Future")
        .days_ago(2)
        .in_series(series.id, 1)
        .insert(&t.store)
        .await;
    PostBuilder::new(&site, &max, "Rocky IV")
        .days_ago(9)
        .in_series(series.id, 2)
        .insert(&t.store)
        .await;
    PostBuilder::new(&site, &max, "Unfinished")
        .draft()
        .in_series(series.id, 4)
        .insert(&t.store)
        .await;
    let parts = t
        .store
        .series()
        .public_parts(site.id, series.id, now())
        .await
        .unwrap();
    assert_eq!(
        parts.iter().map(|p| p.title.as_str()).collect::<Vec<_>>(),
        ["Back to the Future", "Rocky IV", "The Cult – Love"]
    );
    let in_use = t.store.series().in_use(site.id, now()).await.unwrap();
    assert_eq!((in_use.len(), in_use[0].posts), (1, 3));
    assert_eq!(
        t.store
            .series()
            .by_slug(site.id, "great-soundtracks-of-1985")
            .await
            .unwrap()
            .unwrap()
            .id,
        series.id
    );
}

async fn a_place_in_a_series_is_taken_once(backend: TestBackend) {
    let t = TestStore::new(backend).await;
    let site = fixtures::site(&t.store, "music.example").await;
    let max = fixtures::author(&t.store, &site, "max").await;
    let series = fixtures::series(&t.store, &site, "S").await;
    PostBuilder::new(&site, &max, "One")
        .in_series(series.id, 1)
        .insert(&t.store)
        .await;
    let clash = PostBuilder::new(&site, &max, "Two")
        .in_series(series.id, 1)
        .0
        .validate()
        .unwrap();
    assert!(fixtures::try_insert_post(&t.store, &clash).await.is_err());
}
