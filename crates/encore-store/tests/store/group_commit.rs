//! Writes from many use cases at once: each transaction stands or falls alone, and none is
//! answered before it is durable (on SQLite they share one sync; on PostgreSQL each has its own).

use crate::fixtures::now;
use encore_core::site::NewSite;
use encore_store::testing::{TestBackend, TestStore};
use std::sync::Arc;

encore_store::backend_tests!(concurrent_writes_stand_or_fall_alone,);

fn new_site(host: &str) -> NewSite {
    NewSite {
        host: host.into(),
        title: format!("T {host}"),
        tagline: String::new(),
        base_url: None,
        is_default: false,
    }
    .validate()
    .unwrap()
}

async fn concurrent_writes_stand_or_fall_alone(backend: TestBackend) {
    let t = TestStore::new(backend).await;
    let store = Arc::new(t.store.clone());
    // Forty writers at once: every third gives up after writing (dropped, not committed), every
    // fifth of the others writes a host already taken and gets the error.
    let mut tasks = Vec::new();
    for i in 0..40 {
        let writer = store.clone();
        tasks.push(tokio::spawn(async move {
            let mut tx = writer.begin().await.unwrap();
            let host = if i % 5 == 4 && i % 3 != 0 {
                "taken.example".to_owned()
            } else {
                format!("writer{i}.example")
            };
            let written = tx.sites().insert(&new_site(&host), now()).await;
            if i % 3 == 0 {
                drop(tx);
                return (i, false);
            }
            match written {
                Ok(_) => (i, tx.commit().await.is_ok()),
                Err(_) => (i, false),
            }
        }));
        if i == 0 {
            // Someone took the host before the rest arrive.
            let mut tx = store.begin().await.unwrap();
            tx.sites()
                .insert(&new_site("taken.example"), now())
                .await
                .unwrap();
            tx.commit().await.unwrap();
        }
    }
    let mut committed = Vec::new();
    for task in tasks {
        let (i, ok) = task.await.unwrap();
        if ok {
            committed.push(i);
        }
    }
    for i in 0..40 {
        let site = store
            .sites()
            .for_host(&format!("writer{i}.example"))
            .await
            .unwrap();
        assert_eq!(
            site.is_some(),
            committed.contains(&i),
            "writer {i}: stored exactly when its commit said so"
        );
    }
    assert!(committed.len() >= 20, "{committed:?}");
    // The store still takes writes one at a time afterwards.
    let mut tx = store.begin().await.unwrap();
    tx.sites()
        .insert(&new_site("after.example"), now())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert!(
        store
            .sites()
            .for_host("after.example")
            .await
            .unwrap()
            .is_some()
    );
}
