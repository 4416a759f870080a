//! Counting downloads the way a reader would, durably, without emptying the page cache on every
//! click.

use bytes::Bytes;
use encore_app::{
    Actor, App, Options,
    downloads::{Counted, add_download, announce_held_counts, count_download},
};
use encore_core::{
    change::{Change, Topic},
    clock::Clock,
};
use encore_store::testing::{TestBackend, TestStore, fixtures};
use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

encore_store::backend_tests!(a_reader_counts_once_and_pages_hear_at_most_every_ten_seconds);

async fn a_reader_counts_once_and_pages_hear_at_most_every_ten_seconds(backend: TestBackend) {
    let t = TestStore::new(backend).await;
    let clock = Clock::manual(fixtures::now());
    let app = App::with_options(t.store.clone(), clock.clone(), Options::default());
    let heard: Arc<Mutex<Vec<Change>>> = Arc::default();
    let sink = heard.clone();
    app.listen(Arc::new(move |change: &Change| {
        sink.lock().unwrap().push(change.clone())
    }));
    let site = fixtures::site(&t.store, "music.example").await;
    let file = add_download(
        &app,
        Actor::Operator,
        site.id,
        "mix.wav",
        Bytes::from(vec![7u8; 4096]),
    )
    .await
    .unwrap();
    let count = || async {
        t.store
            .downloads()
            .by_id(site.id, file.id)
            .await
            .unwrap()
            .unwrap()
            .download
            .download_count
    };
    let announcements = || {
        heard
            .lock()
            .unwrap()
            .iter()
            .filter(|c| c.topics.contains(&Topic::Download(file.id)))
            .count()
    };

    let whole = |reader| count_download(&app, site.id, &file, reader, 0, 4096);
    assert_eq!(
        count_download(&app, site.id, &file, 1, 0, 1).await.unwrap(),
        Counted::No,
        "a probe"
    );
    assert_eq!(
        count_download(&app, site.id, &file, 1, 2048, 2048)
            .await
            .unwrap(),
        Counted::No,
        "a resumed part"
    );
    assert_eq!(whole(1).await.unwrap(), Counted::Yes);
    assert_eq!(count().await, 1, "committed before it returned");
    assert_eq!(announcements(), 1, "the first count reaches pages at once");
    assert_eq!(
        whole(1).await.unwrap(),
        Counted::Repeat,
        "the same reader again"
    );
    assert_eq!(whole(2).await.unwrap(), Counted::Yes);
    assert_eq!(whole(3).await.unwrap(), Counted::Yes);
    assert_eq!(count().await, 3);
    assert_eq!(
        announcements(),
        1,
        "held back: the cached page keeps its count for a while"
    );

    clock.advance(Duration::from_secs(9));
    announce_held_counts(&app).await;
    assert_eq!(announcements(), 1);
    clock.advance(Duration::from_secs(1));
    announce_held_counts(&app).await;
    assert_eq!(
        announcements(),
        2,
        "ten seconds on, the new count is announced"
    );
    // Other processes hear of it too.
    let records = t.store.changes().after(0, 100).await.unwrap();
    assert_eq!(
        records
            .iter()
            .filter(|r| r.change.topics.contains(&Topic::Download(file.id)))
            .count(),
        2
    );

    // Many readers at once: every one counted, sharing commits.
    let mut waits = Vec::new();
    for reader in 100..150 {
        let app = app.clone();
        let file = file.clone();
        waits.push(tokio::spawn(async move {
            count_download(&app, site.id, &file, reader, 0, 4096)
                .await
                .unwrap()
        }));
    }
    for wait in waits {
        assert_eq!(wait.await.unwrap(), Counted::Yes);
    }
    assert_eq!(count().await, 53);
}
