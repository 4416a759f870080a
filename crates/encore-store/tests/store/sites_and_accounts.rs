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
    the_default_site_follows_the_configuration,
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
    let default = sites
        .insert(&new_site("main.example", true), now())
        .await
        .unwrap();
    let second = sites
        .insert(&new_site("second.example", false), now())
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
    t.store
        .sites()
        .insert(&new_site("x.example", false), now())
        .await
        .unwrap();
    let err = t
        .store
        .sites()
        .insert(&new_site("x.example", false), now())
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict("host")), "{err:?}");
    t.store
        .sites()
        .insert(&new_site("a.example", true), now())
        .await
        .unwrap();
    let err = t
        .store
        .sites()
        .insert(&new_site("b.example", true), now())
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Conflict(_)),
        "a second default site must be refused: {err:?}"
    );
}

async fn the_default_site_follows_the_configuration(backend: TestBackend) {
    let t = TestStore::new(backend).await;
    let mut config = new_site("127.0.0.1", true);
    config.base_url = Some("http://127.0.0.1:8080".into());
    let first = t
        .store
        .sites()
        .ensure_default(&config, now())
        .await
        .unwrap();
    let again = t
        .store
        .sites()
        .ensure_default(&config, now())
        .await
        .unwrap();
    assert_eq!(first.id, again.id, "a second start keeps the same site");
    config.title = "Renamed".into();
    config.base_url = Some("https://blog.example".into());
    let renamed = t
        .store
        .sites()
        .ensure_default(&config, now())
        .await
        .unwrap();
    assert_eq!(
        (
            renamed.id,
            renamed.title.as_str(),
            renamed.base_url.as_str()
        ),
        (first.id, "Renamed", "https://blog.example")
    );
    assert_eq!(t.store.sites().list().await.unwrap().len(), 1);
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
    let max = t
        .store
        .accounts()
        .insert(&account("max", "max@example.org"), None, now())
        .await
        .unwrap();
    let err = t
        .store
        .accounts()
        .insert(&account("MAX", "other@example.org"), None, now())
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict("username")), "{err:?}");
    let err = t
        .store
        .accounts()
        .insert(&account("maxine", "Max@Example.org"), None, now())
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict("email")), "{err:?}");
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
    t.store
        .accounts()
        .set_role(a.id, writer.id, Role::Editor, now())
        .await
        .unwrap();
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
