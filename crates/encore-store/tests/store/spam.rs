//! The spam service's records: keys, usage, checks, reports and blocklists.

use crate::fixtures::now;
use encore_store::{
    StoreError,
    spam::{BlockKind, CheckRecord},
    testing::{TestBackend, TestStore},
};

/// A key without a monthly limit, issued now.
async fn issue(
    spam: &encore_store::spam::Spam<'_>,
    api_key: &str,
    blog: &str,
) -> encore_store::spam::SpamKey {
    spam.add_key(api_key, blog, None, now()).await.unwrap()
}

encore_store::backend_tests!(
    keys_are_unique_and_revocable,
    usage_adds_up_per_key_and_month,
    checks_and_reports_are_kept,
    blocklists_are_per_key,
    old_checks_are_pruned_and_reports_kept,
);

async fn keys_are_unique_and_revocable(backend: TestBackend) {
    let test = TestStore::new(backend).await;
    let spam = test.store.spam();
    let key = spam
        .add_key("abc123def456", "https://blog.example", Some(1000), now())
        .await
        .unwrap();
    assert_eq!(key.blog, "https://blog.example");
    assert_eq!(key.monthly_limit, Some(1000));
    let again = spam
        .add_key("abc123def456", "https://other.example", None, now())
        .await;
    assert!(
        matches!(again, Err(StoreError::Conflict("api_key"))),
        "{again:?}"
    );
    assert!(matches!(
        spam.add_key("k2", "b", Some(0), now()).await,
        Err(StoreError::Validation(_))
    ));
    spam.revoke_key("abc123def456", now()).await.unwrap();
    let revoked = spam.key("abc123def456").await.unwrap().unwrap();
    assert_eq!(revoked.revoked_at, Some(now()));
    assert!(matches!(
        spam.revoke_key("abc123def456", now()).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        spam.revoke_key("nope", now()).await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(spam.keys().await.unwrap().len(), 1);
}

async fn usage_adds_up_per_key_and_month(backend: TestBackend) {
    let test = TestStore::new(backend).await;
    let spam = test.store.spam();
    let a = issue(&spam, "a", "https://a.example").await;
    let b = issue(&spam, "b", "https://b.example").await;
    spam.add_usage(&[(a.id, "2026-11".into(), 3), (b.id, "2026-11".into(), 1)])
        .await
        .unwrap();
    spam.add_usage(&[(a.id, "2026-11".into(), 4), (a.id, "2026-12".into(), 2)])
        .await
        .unwrap();
    assert_eq!(spam.usage(a.id, "2026-11").await.unwrap(), 7);
    assert_eq!(spam.usage(a.id, "2026-12").await.unwrap(), 2);
    assert_eq!(spam.usage(b.id, "2026-11").await.unwrap(), 1);
    assert_eq!(spam.usage(b.id, "2027-01").await.unwrap(), 0);
}

async fn checks_and_reports_are_kept(backend: TestBackend) {
    let test = TestStore::new(backend).await;
    let spam = test.store.spam();
    let key = issue(&spam, "k", "https://blog.example").await;
    let check = CheckRecord {
        guid: "0b1c2d3e-0000-4000-8000-000000000001".into(),
        key_id: key.id,
        checked_at: now(),
        verdict: "spam".into(),
        score: 0.97,
        reasons: r#"[{"label":"word \"casino\"","weight":2.5}]"#.into(),
        is_test: false,
        comment: r#"{"comment_content":"casino"}"#.into(),
    };
    spam.record_checks(std::slice::from_ref(&check))
        .await
        .unwrap();
    // Recording the same guid twice keeps the first.
    spam.record_checks(&[CheckRecord {
        verdict: "ham".into(),
        ..check.clone()
    }])
    .await
    .unwrap();
    assert_eq!(
        spam.check(key.id, &check.guid).await.unwrap(),
        Some(check.clone())
    );
    assert_eq!(
        spam.recent_checks(key.id, 10).await.unwrap(),
        vec![check.clone()]
    );
    let other = issue(&spam, "other", "https://other.example").await;
    assert_eq!(
        spam.check(other.id, &check.guid).await.unwrap(),
        None,
        "a check belongs to its key"
    );

    spam.add_report(key.id, Some(&check.guid), false, "{}", now())
        .await
        .unwrap();
    spam.add_report(key.id, None, true, r#"{"comment_content":"x"}"#, now())
        .await
        .unwrap();
    let reports = spam.reports(key.id).await.unwrap();
    assert_eq!(
        reports.iter().map(|r| r.is_spam).collect::<Vec<_>>(),
        vec![false, true]
    );
    assert_eq!(reports[0].guid.as_deref(), Some(check.guid.as_str()));
    assert!(spam.reports(other.id).await.unwrap().is_empty());
}

async fn blocklists_are_per_key(backend: TestBackend) {
    let test = TestStore::new(backend).await;
    let spam = test.store.spam();
    let a = issue(&spam, "a", "https://a.example").await;
    let b = issue(&spam, "b", "https://b.example").await;
    spam.block(a.id, BlockKind::Domain, " Casino.Example ", now())
        .await
        .unwrap();
    spam.block(a.id, BlockKind::Domain, "casino.example", now())
        .await
        .unwrap();
    spam.block(a.id, BlockKind::Ip, "203.0.113.9", now())
        .await
        .unwrap();
    assert!(matches!(
        spam.block(a.id, BlockKind::Word, "  ", now()).await,
        Err(StoreError::Validation(_))
    ));
    assert_eq!(
        spam.blocklist(a.id).await.unwrap(),
        vec![
            (BlockKind::Domain, "casino.example".into()),
            (BlockKind::Ip, "203.0.113.9".into())
        ]
    );
    assert!(spam.blocklist(b.id).await.unwrap().is_empty());
    spam.unblock(a.id, BlockKind::Ip, "203.0.113.9")
        .await
        .unwrap();
    assert!(matches!(
        spam.unblock(a.id, BlockKind::Ip, "203.0.113.9").await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(spam.blocklist(a.id).await.unwrap().len(), 1);
}

async fn old_checks_are_pruned_and_reports_kept(backend: TestBackend) {
    let test = TestStore::new(backend).await;
    let spam = test.store.spam();
    let key = issue(&spam, "k", "https://blog.example").await;
    let record = |n: i64, days_ago: i64| CheckRecord {
        guid: format!("guid-{n}"),
        key_id: key.id,
        checked_at: now() - chrono::Duration::days(days_ago),
        verdict: "ham".into(),
        score: 0.1,
        reasons: "[]".into(),
        is_test: false,
        comment: "{}".into(),
    };
    let old: Vec<_> = (0..5003).map(|n| record(n, 100)).collect();
    spam.record_checks(&old).await.unwrap();
    spam.record_checks(&[record(9_000_001, 10)]).await.unwrap();
    spam.add_report(
        key.id,
        Some("guid-1"),
        true,
        "{}",
        now() - chrono::Duration::days(100),
    )
    .await
    .unwrap();
    let deleted = spam
        .prune_checks(now() - chrono::Duration::days(90))
        .await
        .unwrap();
    assert_eq!(deleted, 5003, "more than one batch");
    let left = spam.recent_checks(key.id, 100).await.unwrap();
    assert_eq!(
        left.iter().map(|c| c.guid.as_str()).collect::<Vec<_>>(),
        vec!["guid-9000001"]
    );
    assert_eq!(
        spam.reports(key.id).await.unwrap().len(),
        1,
        "reports are what the key learned; kept"
    );
}
