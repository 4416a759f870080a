//! The page cache: pages from memory, with validators and compression, dropped exactly when what
//! they show changes.

use crate::support::{PostBuilder, TestApp, between};
use chrono::Duration;
use encore_app::{
    Actor,
    posts::{delete_post, update_post},
    testing::Publish,
};
use encore_store::testing::{
    TestBackend,
    fixtures::{self, now},
};
use reqwest::{StatusCode, header};

encore_store::backend_tests!(
    pages_come_from_memory_with_validators_and_compression,
    personal_and_unusual_requests_bypass_the_cache,
    an_edit_shows_on_every_page_that_shows_the_post_and_nowhere_else,
    a_scheduled_post_appears_on_cached_lists_at_its_second,
    a_deleted_post_leaves_every_page_at_once,
);

fn cache_state(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("x-encore-cache")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

fn day(days_ago: i64) -> String {
    (now() - Duration::days(days_ago))
        .format("/%Y/%m/%d")
        .to_string()
}

async fn pages_come_from_memory_with_validators_and_compression(backend: TestBackend) {
    let app = TestApp::spawn(backend).await;
    PostBuilder::new(&app.site, &app.author, "Rocky IV")
        .publish(&app.app)
        .await;
    let first = app.get("/").await;
    assert_eq!(cache_state(&first), "miss");
    let etag = first.headers()[header::ETAG].to_str().unwrap().to_owned();
    assert!(
        etag.starts_with('"') && !etag.starts_with("W/"),
        "a strong ETag: {etag}"
    );
    assert_eq!(first.headers()[header::CACHE_CONTROL], "no-cache");
    assert_eq!(first.headers()[header::VARY], "accept-encoding");
    assert!(first.headers().contains_key(header::LAST_MODIFIED));
    let html = first.text().await.unwrap();
    let second = app.get("/").await;
    assert_eq!(cache_state(&second), "hit");
    assert_eq!(second.headers()[header::ETAG], etag.as_str());
    assert!(
        second.headers()[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap()
            .contains("script-src 'self'"),
        "cached pages carry the security headers too"
    );
    assert_eq!(second.text().await.unwrap(), html);

    let revalidated = app
        .request(reqwest::Method::GET, "/")
        .header(header::IF_NONE_MATCH, &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(revalidated.status(), StatusCode::NOT_MODIFIED);
    assert!(revalidated.bytes().await.unwrap().is_empty());

    for (accept, encoding) in [("br", "br"), ("gzip", "gzip"), ("gzip, deflate, br", "br")] {
        let raw = app
            .raw(&format!(
                "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept-Encoding: {accept}\r\nConnection: close\r\n\r\n"
            ))
            .await;
        assert!(
            raw.to_ascii_lowercase()
                .contains(&format!("content-encoding: {encoding}\r\n")),
            "{accept}: {}",
            raw.lines().take(12).collect::<Vec<_>>().join("\n")
        );
    }
    // Decoded, each variant is the page.
    let fetch = |encoding: &'static str| {
        app.request(reqwest::Method::GET, "/")
            .header(header::ACCEPT_ENCODING, encoding)
            .send()
    };
    let gzipped = fetch("gzip").await.unwrap().bytes().await.unwrap();
    let mut unzipped = String::new();
    std::io::Read::read_to_string(
        &mut flate2::read::GzDecoder::new(&gzipped[..]),
        &mut unzipped,
    )
    .unwrap();
    assert_eq!(unzipped, html);
    let brotlied = fetch("br").await.unwrap().bytes().await.unwrap();
    let mut unbrotlied = Vec::new();
    brotli::BrotliDecompress(&mut &brotlied[..], &mut unbrotlied).unwrap();
    assert_eq!(String::from_utf8(unbrotlied).unwrap(), html);
    assert!(brotlied.len() < html.len() / 2 && gzipped.len() < html.len() / 2);
    // A validator is per encoding: the gzip variant's ETag is not the plain page's.
    let gz = app
        .request(reqwest::Method::GET, "/")
        .header(header::ACCEPT_ENCODING, "gzip")
        .send()
        .await
        .unwrap();
    assert_ne!(gz.headers()[header::ETAG], etag.as_str());

    let head = app
        .request(reqwest::Method::HEAD, "/")
        .send()
        .await
        .unwrap();
    assert_eq!(
        head.headers()[header::CONTENT_LENGTH],
        html.len().to_string().as_str()
    );
    assert!(head.bytes().await.unwrap().is_empty());
}

async fn personal_and_unusual_requests_bypass_the_cache(backend: TestBackend) {
    let app = TestApp::spawn(backend).await;
    PostBuilder::new(&app.site, &app.author, "Rocky IV")
        .publish(&app.app)
        .await;
    app.get("/").await;
    assert_eq!(cache_state(&app.get("/").await), "hit");
    let with_session = app
        .request(reqwest::Method::GET, "/")
        .header(header::COOKIE, "theme=dark; encore_session=abc123")
        .send()
        .await
        .unwrap();
    assert_eq!(with_session.status(), StatusCode::OK);
    assert_eq!(
        cache_state(&with_session),
        "",
        "a signed-in reader's page is made for them"
    );
    assert_eq!(cache_state(&app.get("/?utm_source=feed").await), "");
    assert_eq!(
        cache_state(&app.get("/no-such-page").await),
        "",
        "errors are not stored"
    );
    assert_eq!(
        app.get("/no-such-page").await.status(),
        StatusCode::NOT_FOUND
    );
}

async fn an_edit_shows_on_every_page_that_shows_the_post_and_nowhere_else(backend: TestBackend) {
    let app = TestApp::spawn(backend).await;
    let (site, store) = (&app.site, &app.store);
    let y85 = fixtures::category(store, site, "1985").await;
    let notes = fixtures::category(store, site, "Notes").await;
    let tag = fixtures::tag(store, site, "Soundtracks").await;
    let series = fixtures::series(store, site, "Great Soundtracks").await;
    PostBuilder::new(site, &app.author, "Back to the Future")
        .days_ago(3)
        .category(y85.id)
        .in_series(series.id, 1)
        .publish(&app.app)
        .await;
    let rocky = PostBuilder::new(site, &app.author, "Rocky IV")
        .days_ago(2)
        .category(y85.id)
        .tag(tag.id)
        .in_series(series.id, 2);
    let rocky_draft = rocky.0.clone();
    let rocky_id = rocky.publish(&app.app).await;
    PostBuilder::new(site, &app.author, "The Cult – Love")
        .days_ago(1)
        .category(y85.id)
        .publish(&app.app)
        .await;
    PostBuilder::new(site, &app.author, "Cassettes")
        .days_ago(10)
        .category(notes.id)
        .publish(&app.app)
        .await;
    let month = now().format("/%Y/%m").to_string();
    let year = now().format("/%Y").to_string();
    let showing = [
        format!("{}/rocky-iv", day(2)),
        format!("{}/back-to-the-future", day(3)),
        format!("{}/the-cult-love", day(1)),
        "/".to_owned(),
        "/category/1985".to_owned(),
        "/tag/soundtracks".to_owned(),
        "/series/great-soundtracks".to_owned(),
        "/author/marty".to_owned(),
        year.clone(),
        month.clone(),
    ];
    let not_showing = [
        format!("{}/cassettes", day(10)),
        "/category/notes".to_owned(),
    ];
    for path in showing.iter().chain(&not_showing) {
        app.page(path).await;
        let again = app.get(path).await;
        assert_eq!(cache_state(&again), "hit", "{path} is cached");
        assert!(
            path.contains("cassettes")
                || path.contains("notes")
                || again.text().await.unwrap().contains("Rocky IV"),
            "{path} shows Rocky IV"
        );
    }

    let mut edit = encore_app::testing::draft_of(&rocky_draft);
    edit.title = "Rocky IV (Expanded Edition)".into();
    edit.slug = "rocky-iv".into();
    update_post(&app.app, Actor::Operator, site.id, rocky_id, edit)
        .await
        .unwrap();

    for path in &showing {
        let response = app.get(path).await;
        assert_eq!(cache_state(&response), "miss", "{path} was dropped");
        let html = response.text().await.unwrap();
        assert!(
            html.contains("Rocky IV (Expanded Edition)"),
            "{path} shows the edit"
        );
    }
    for path in &not_showing {
        assert_eq!(
            cache_state(&app.get(path).await),
            "hit",
            "{path} does not show the post and stays cached"
        );
    }
    // The previous/next links of its neighbours name it anew.
    let older = app.page(&format!("{}/back-to-the-future", day(3))).await;
    let nav = between(&older, "<nav class=\"post-nav\"", "</nav>").unwrap();
    assert!(nav.contains("Rocky IV (Expanded Edition)"), "{nav}");
}

async fn a_scheduled_post_appears_on_cached_lists_at_its_second(backend: TestBackend) {
    let app = TestApp::spawn(backend).await;
    let cat = fixtures::category(&app.store, &app.site, "1985").await;
    PostBuilder::new(&app.site, &app.author, "Already Out")
        .category(cat.id)
        .publish(&app.app)
        .await;
    let release = now() + Duration::hours(1);
    PostBuilder::new(&app.site, &app.author, "Coming Soon")
        .at(release)
        .category(cat.id)
        .publish(&app.app)
        .await;
    for path in ["/", "/category/1985"] {
        app.page(path).await;
        let cached = app.get(path).await;
        assert_eq!(cache_state(&cached), "hit");
        assert!(!cached.text().await.unwrap().contains("Coming Soon"));
    }
    app.clock.advance(std::time::Duration::from_secs(3599));
    let early = app.get("/").await;
    assert_eq!(
        cache_state(&early),
        "hit",
        "a second early, nothing changes"
    );
    assert!(!early.text().await.unwrap().contains("Coming Soon"));
    app.clock.advance(std::time::Duration::from_secs(1));
    for path in ["/", "/category/1985"] {
        let html = app.page(path).await;
        assert!(html.contains("Coming Soon"), "{path} at its second");
        assert!(
            html.contains("<a href=\"/category/1985\">1985</a> <span class=\"count\">2</span>"),
            "{path}: the sidebar counts it too"
        );
    }
}

async fn a_deleted_post_leaves_every_page_at_once(backend: TestBackend) {
    let app = TestApp::spawn(backend).await;
    let tag = fixtures::tag(&app.store, &app.site, "Soundtracks").await;
    let id = PostBuilder::new(&app.site, &app.author, "Rocky IV")
        .tag(tag.id)
        .publish(&app.app)
        .await;
    PostBuilder::new(&app.site, &app.author, "Top Gun")
        .days_ago(2)
        .publish(&app.app)
        .await;
    let post = format!("{}/rocky-iv", day(1));
    for path in ["/", post.as_str(), "/tag/soundtracks", "/author/marty"] {
        app.page(path).await;
        assert_eq!(cache_state(&app.get(path).await), "hit");
    }
    delete_post(&app.app, Actor::Operator, app.site.id, id)
        .await
        .unwrap();
    assert_eq!(app.get(&post).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        app.get("/tag/soundtracks").await.status(),
        StatusCode::NOT_FOUND
    );
    for path in ["/", "/author/marty"] {
        let html = app.page(path).await;
        assert!(
            !html.contains("Rocky IV") && html.contains("Top Gun"),
            "{path}"
        );
    }
}
