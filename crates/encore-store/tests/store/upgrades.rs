//! Migrations applied to a database an older release filled: nothing is lost on the way.

use crate::fixtures::{self, PostBuilder, now};
use bytes::Bytes;
use encore_core::{
    post::{PostKind, PostStatus},
    tracks::parse_listing,
};
use encore_store::testing::{TestBackend, TestStore};

encore_store::backend_tests!(new_post_statuses_keep_every_post_and_what_hangs_off_it);

/// 0003 rebuilds the posts table on SQLite (a CHECK constraint cannot change in place). Rows that
/// reference posts — categories, tags, tracks, downloads — must all survive, with their links.
async fn new_post_statuses_keep_every_post_and_what_hangs_off_it(backend: TestBackend) {
    let t = TestStore::at_migration(backend, 2).await;
    let site = fixtures::site(&t.store, "music.example").await;
    let author = fixtures::author(&t.store, &site, "max").await;
    let cat = fixtures::category(&t.store, &site, "1985").await;
    let tag = fixtures::tag(&t.store, &site, "Soundtracks").await;
    let series = t
        .store
        .series()
        .insert(site.id, "Great Soundtracks of 1985", "", "", now())
        .await
        .unwrap();
    let file = t
        .store
        .downloads()
        .insert(site.id, "notes.txt", Bytes::from_static(b"side A"), now())
        .await
        .unwrap();
    let id = PostBuilder::new(&site, &author, "Rocky IV")
        .category(cat.id)
        .tag(tag.id)
        .in_series(series.id, 1)
        .tracks(parse_listing("Survivor – Burning Heart (3:51)").unwrap())
        .download(file.id)
        .insert(&t.store)
        .await;

    t.store.migrate().await.unwrap();

    let post = t.store.posts().by_id(site.id, id).await.unwrap().unwrap();
    assert_eq!(post.summary.title, "Rocky IV");
    assert_eq!(post.summary.categories[0].name, "1985");
    assert_eq!(post.tags[0].name, "Soundtracks");
    assert_eq!(post.series, Some((series.id, 1)));
    assert_eq!(post.tracks[0].title, "Burning Heart");
    assert_eq!(post.downloads[0].file_name, "notes.txt");
    // The new statuses are accepted, and the database still refuses to mix sites.
    PostBuilder::new(&site, &author, "Only for us")
        .private()
        .insert(&t.store)
        .await;
    PostBuilder::new(&site, &author, "Waiting for review")
        .pending()
        .undated()
        .insert(&t.store)
        .await;
    let other = fixtures::site(&t.store, "other.example").await;
    let crossing = PostBuilder::new(&site, &author, "Crossing")
        .category(fixtures::category(&t.store, &other, "Elsewhere").await.id)
        .0
        .validate()
        .unwrap();
    assert!(t.store.posts().insert(&crossing, now()).await.is_err());
    // A private post needs its date, as a published one does.
    let undated_private = PostBuilder::new(&site, &author, "No date")
        .status(PostStatus::Private)
        .undated()
        .0
        .validate();
    assert!(undated_private.is_err());
    assert!(
        t.store
            .posts()
            .public_by_slug(site.id, PostKind::Post, "only-for-us", now())
            .await
            .unwrap()
            .is_none(),
        "private is not public"
    );
}
