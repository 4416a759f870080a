//! Sites chosen by host, accounts shared by all sites, roles per site.

use crate::fixtures::{self, now};
use encore_core::{account::NewAccount, roles::Role, site::NewSite};
use encore_store::{
    StoreError,
    testing::{TestBackend, TestStore},
};

encore_store::backend_tests!(
    a_claimed_host_gets_its_site_and_others_the_default,
    a_taken_host_is_a_conflict,
    site_settings_change_in_a_transaction,
    usernames_and_emails_are_unique_regardless_of_case,
    roles_are_per_site,
);

fn new_site(host: &str, is_default: bool) -> NewSite {
    NewSite {
        host: host.into(),
        title: format!("T {host}"),
        tagline: String::new(),
        base_url: None,
        is_default,
    }
    .validate()
    .unwrap()
}

async fn a_claimed_host_gets_its_site_and_others_the_default(backend: TestBackend) {
    let t = TestStore::new(backend).await;
    let sites = t.store.sites();
    assert!(
        sites.for_host("anything.example").await.unwrap().is_none(),
        "no site yet"
    );
    let default = fixtures::try_site(&t.store, &new_site("main.example", true))
        .await
        .unwrap();
    let second = fixtures::try_site(&t.store, &new_site("second.example", false))
        .await
        .unwrap();
    assert_eq!(
        sites.for_host("second.example").await.unwrap().unwrap().id,
        second.id
    );
    assert_eq!(
        sites.for_host("main.example").await.unwrap().unwrap().id,
        default.id
    );
    assert_eq!(
        sites.for_host("unknown.example").await.unwrap().unwrap().id,
        default.id
    );
    assert_eq!(second.base_url, "https://second.example");
}

async fn a_taken_host_is_a_conflict(backend: TestBackend) {
    let t = TestStore::new(backend).await;
    fixtures::try_site(&t.store, &new_site("x.example", false))
        .await
        .unwrap();
    let err = fixtures::try_site(&t.store, &new_site("x.example", false))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict("host")), "{err:?}");
    fixtures::try_site(&t.store, &new_site("a.example", true))
        .await
        .unwrap();
    let err = fixtures::try_site(&t.store, &new_site("b.example", true))
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Conflict(_)),
        "a second default site must be refused: {err:?}"
    );
}

async fn site_settings_change_in_a_transaction(backend: TestBackend) {
    let t = TestStore::new(backend).await;
    let mut config = new_site("127.0.0.1", true);
    config.base_url = Some("http://127.0.0.1:8080".into());
    let first = fixtures::try_site(&t.store, &config).await.unwrap();
    let mut renamed = config.clone();
    renamed.title = "Renamed".into();
    renamed.base_url = Some("https://blog.example".into());
    let mut tx = t.store.begin().await.unwrap();
    tx.sites().update(first.id, &renamed).await.unwrap();
    assert_eq!(
        t.store.sites().by_id(first.id).await.unwrap().title,
        config.title,
        "not visible before the commit"
    );
    tx.commit().await.unwrap();
    let site = t.store.sites().by_id(first.id).await.unwrap();
    assert_eq!(
        (site.title.as_str(), site.base_url.as_str()),
        ("Renamed", "https://blog.example")
    );
    let taken = fixtures::try_site(&t.store, &new_site("other.example", false))
        .await
        .unwrap();
    let mut tx = t.store.begin().await.unwrap();
    let mut clash = renamed.clone();
    clash.host = "other.example".into();
    assert!(matches!(
        tx.sites().update(first.id, &clash).await,
        Err(StoreError::Conflict("host"))
    ));
    drop(tx);
    assert_eq!(
        t.store.sites().by_id(taken.id).await.unwrap().host,
        "other.example"
    );
    assert_eq!(t.store.sites().list().await.unwrap().len(), 2);
}

async fn usernames_and_emails_are_unique_regardless_of_case(backend: TestBackend) {
    let t = TestStore::new(backend).await;
    let account = |u: &str, e: &str| {
        NewAccount {
            username: u.into(),
            email: e.into(),
            display_name: String::new(),
            bio: String::new(),
        }
        .validate()
        .unwrap()
    };
    let mut tx = t.store.begin().await.unwrap();
    let max = tx
        .accounts()
        .insert(&account("max", "max@example.org"), None, now())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut tx = t.store.begin().await.unwrap();
    let err = tx
        .accounts()
        .insert(&account("MAX", "other@example.org"), None, now())
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict("username")), "{err:?}");
    let err = tx
        .accounts()
        .insert(&account("maxine", "Max@Example.org"), None, now())
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict("email")), "{err:?}");
    drop(tx);
    assert_eq!(
        t.store
            .accounts()
            .by_username("Max")
            .await
            .unwrap()
            .unwrap()
            .id,
        max.id
    );
    assert_eq!(
        t.store.accounts().password_hash(max.id).await.unwrap(),
        None
    );
}

async fn roles_are_per_site(backend: TestBackend) {
    let t = TestStore::new(backend).await;
    let a = fixtures::site(&t.store, "a.example").await;
    let b = fixtures::site(&t.store, "b.example").await;
    let writer = fixtures::author(&t.store, &a, "writer").await;
    assert_eq!(
        t.store.accounts().role(a.id, writer.id).await.unwrap(),
        Some(Role::Author)
    );
    assert_eq!(
        t.store.accounts().role(b.id, writer.id).await.unwrap(),
        None
    );
    let mut tx = t.store.begin().await.unwrap();
    tx.accounts()
        .set_role(a.id, writer.id, Role::Editor, now())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        t.store.accounts().role(a.id, writer.id).await.unwrap(),
        Some(Role::Editor)
    );
    assert!(
        t.store
            .accounts()
            .member_by_username(a.id, "writer")
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        t.store
            .accounts()
            .member_by_username(b.id, "writer")
            .await
            .unwrap()
            .is_none()
    );
}
