//! Jobs: claimed by one worker at a time, finished once, tried again when a worker vanishes.

use encore_store::testing::{TestBackend, TestStore, fixtures};

encore_store::backend_tests!(
    a_job_is_claimed_by_one_worker_and_finished_once,
    a_failed_job_waits_for_its_retry_and_is_given_up_with_its_error,
);

async fn a_job_is_claimed_by_one_worker_and_finished_once(backend: TestBackend) {
    let t = TestStore::new(backend).await;
    let now = fixtures::now();
    let lease = chrono::Duration::minutes(5);
    let mut tx = t.store.begin().await.unwrap();
    let mail = tx
        .jobs()
        .mail("reader@example.org", "Hello", "Body", now)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        t.store.jobs().mail(mail).await.unwrap().unwrap().subject,
        "Hello"
    );

    // Eight workers reach for it at once: exactly one gets it.
    let claims = futures_util::future::join_all((0..8).map(|i| {
        let store = t.store.clone();
        async move {
            store
                .jobs()
                .claim(&format!("worker-{i}"), now, lease, true)
                .await
                .unwrap()
        }
    }))
    .await;
    let won: Vec<_> = claims.into_iter().flatten().collect();
    assert_eq!(won.len(), 1, "{won:?}");
    let first = won[0].clone();
    assert_eq!((first.kind.as_str(), first.attempts), ("mail", 1));
    assert_eq!(first.payload, mail.to_string());

    // Its worker vanishes; when the lease has run out another takes the job up.
    let later = now + lease + chrono::Duration::seconds(1);
    assert!(
        t.store
            .jobs()
            .claim("early", now + chrono::Duration::minutes(1), lease, true)
            .await
            .unwrap()
            .is_none()
    );
    let second = t
        .store
        .jobs()
        .claim("late", later, lease, true)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((second.id, second.attempts), (first.id, 2));
    // The first worker comes back: its claim is gone, and it cannot finish the job.
    assert!(!t.store.jobs().finish(&first, later).await.unwrap());
    assert!(t.store.jobs().finish(&second, later).await.unwrap());
    assert!(
        !t.store.jobs().finish(&second, later).await.unwrap(),
        "finished once"
    );
    assert!(
        t.store
            .jobs()
            .claim("after", later + lease * 2, lease, true)
            .await
            .unwrap()
            .is_none()
    );
    let jobs = t.store.jobs().list(10).await.unwrap();
    assert_eq!(jobs[0].done_at, Some(later));
}

async fn a_failed_job_waits_for_its_retry_and_is_given_up_with_its_error(backend: TestBackend) {
    let t = TestStore::new(backend).await;
    let now = fixtures::now();
    let lease = chrono::Duration::minutes(5);
    assert_eq!(
        t.store.jobs().next_due().await.unwrap(),
        None,
        "nothing to do yet"
    );
    let mut tx = t.store.begin().await.unwrap();
    tx.jobs().enqueue("mail", "1", now).await.unwrap();
    tx.commit().await.unwrap();
    let job = t
        .store
        .jobs()
        .claim("w", now, lease, true)
        .await
        .unwrap()
        .unwrap();
    let retry = now + chrono::Duration::seconds(30);
    t.store
        .jobs()
        .fail(&job, "SMTP: connection refused", Some(retry), now)
        .await
        .unwrap();
    assert!(
        t.store
            .jobs()
            .claim("w", now + chrono::Duration::seconds(29), lease, true)
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(t.store.jobs().next_due().await.unwrap(), Some(retry));
    let job = t
        .store
        .jobs()
        .claim("w", retry, lease, true)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(job.attempts, 2);
    t.store
        .jobs()
        .fail(&job, "SMTP: still refused", None, retry)
        .await
        .unwrap();
    assert!(
        t.store
            .jobs()
            .claim("w", retry + chrono::Duration::days(9), lease, true)
            .await
            .unwrap()
            .is_none()
    );
    let state = &t.store.jobs().list(1).await.unwrap()[0];
    assert_eq!(state.failed_at, Some(retry));
    assert_eq!(state.last_error, "SMTP: still refused");
    assert_eq!(t.store.jobs().next_due().await.unwrap(), None);
}
