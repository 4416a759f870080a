//! The default site is seeded once and never rewritten by a start; settings change on purpose.

use encore_app::{
    Actor, App, AppError,
    sites::{Configured, SiteSettings, ensure_default_site, update_site},
};
use encore_core::{
    change::{Change, Topic},
    clock::Clock,
    roles::Role,
    site::NewSite,
};
use encore_store::testing::{TestBackend, TestStore, fixtures};
use std::sync::{Arc, Mutex};

encore_store::backend_tests!(
    the_configuration_seeds_the_default_site_once,
    settings_change_on_purpose_and_are_announced,
);

fn seed(title: &str) -> NewSite {
    NewSite {
        host: "127.0.0.1".into(),
        title: title.into(),
        tagline: String::new(),
        base_url: Some("http://127.0.0.1:8080".into()),
        is_default: true,
    }
}

async fn the_configuration_seeds_the_default_site_once(backend: TestBackend) {
    let t = TestStore::new(backend).await;
    let app = App::new(t.store.clone(), Clock::manual(fixtures::now()));
    let (first, mismatches) =
        ensure_default_site(&app, seed("Cassette Diaries"), &Configured::default())
            .await
            .unwrap();
    assert!(mismatches.is_empty());
    let configured = Configured {
        title: Some("My Encore blog".into()),
        tagline: None,
        base_url: Some("http://127.0.0.1:9999/".into()),
    };
    let (again, mismatches) = ensure_default_site(&app, seed("My Encore blog"), &configured)
        .await
        .unwrap();
    assert_eq!(again.id, first.id);
    assert_eq!(
        again.title, "Cassette Diaries",
        "a later start never renames the blog"
    );
    assert_eq!(again.base_url, "http://127.0.0.1:8080");
    let settings: Vec<_> = mismatches.iter().map(|m| m.setting).collect();
    assert_eq!(settings, ["site_title", "base_url"]);
    assert_eq!(mismatches[1].configured, "http://127.0.0.1:9999");
    assert!(mismatches[0].to_string().contains("\"My Encore blog\""));
    let same = Configured {
        base_url: Some("http://127.0.0.1:8080/".into()),
        ..Configured::default()
    };
    assert!(
        ensure_default_site(&app, seed("x"), &same)
            .await
            .unwrap()
            .1
            .is_empty(),
        "a trailing slash is the same address"
    );
    assert_eq!(t.store.sites().list().await.unwrap().len(), 1);
}

async fn settings_change_on_purpose_and_are_announced(backend: TestBackend) {
    let t = TestStore::new(backend).await;
    let app = App::new(t.store.clone(), Clock::manual(fixtures::now()));
    let heard: Arc<Mutex<Vec<Change>>> = Arc::default();
    let sink = heard.clone();
    app.listen(Arc::new(move |change: &Change| {
        sink.lock().unwrap().push(change.clone())
    }));
    let (site, _) = ensure_default_site(&app, seed("Side A"), &Configured::default())
        .await
        .unwrap();
    let settings = SiteSettings {
        title: Some("Side B".into()),
        base_url: Some("https://music.example.org/".into()),
        ..SiteSettings::default()
    };
    let updated = update_site(&app, Actor::Operator, site.id, settings)
        .await
        .unwrap();
    assert_eq!(
        (
            updated.title.as_str(),
            updated.base_url.as_str(),
            updated.host.as_str()
        ),
        ("Side B", "https://music.example.org", "127.0.0.1")
    );
    assert_eq!(
        heard.lock().unwrap().last().unwrap(),
        &Change::on(site.id, [Topic::Site, Topic::Sites]),
        "every page of the site, and the host map of every node"
    );
    // Another process reads the same record.
    let records = t.store.changes().after(0, 10).await.unwrap();
    assert_eq!(
        records.last().unwrap().change.topics,
        [Topic::Sites, Topic::Site]
    );
    assert_eq!(records.last().unwrap().origin, app.origin());

    // Every bad setting is named, and none is written.
    let bad = SiteSettings {
        title: Some(" ".into()),
        base_url: Some("not a url".into()),
        posts_per_page: Some(Some(0)),
        ..SiteSettings::default()
    };
    match update_site(&app, Actor::Operator, site.id, bad).await {
        Err(AppError::Invalid(problems)) => {
            let fields: Vec<_> = problems.iter().map(|p| p.field).collect();
            assert_eq!(fields, ["title", "base_url", "posts_per_page"]);
        }
        other => panic!("expected every bad field named, got {other:?}"),
    }
    let kept = t.store.sites().by_id(site.id).await.unwrap();
    assert_eq!(kept.posts_per_page, None);
    assert_ne!(kept.title.trim(), "");
    let editor = Actor::Member {
        account: fixtures::author(&t.store, &site, "eva").await.id,
        role: Role::Editor,
    };
    assert!(matches!(
        update_site(&app, editor, site.id, SiteSettings::default()).await,
        Err(AppError::Forbidden(_))
    ));
    assert_eq!(
        t.store.sites().by_id(site.id).await.unwrap().title,
        "Side B"
    );
}
