//! Headers, escaping and assets: what an attacker or a browser checks first.

use crate::support::{PostBuilder, TestApp, between};
use encore_store::testing::{TestBackend, fixtures::now};
use reqwest::{StatusCode, header};

encore_store::backend_tests!(
    every_response_carries_security_headers,
    titles_and_bodies_cannot_inject_markup,
    theme_assets_are_served_and_cached_by_version,
    health_answers_when_the_database_does,
);

async fn every_response_carries_security_headers(backend: TestBackend) {
    let app = TestApp::spawn(backend).await;
    for path in ["/", "/no-such-page", "/theme/style.css"] {
        let response = app.get(path).await;
        let h = response.headers();
        let csp = h[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
        assert!(
            csp.contains("script-src 'self'")
                && csp.contains("frame-src https://www.youtube-nocookie.com"),
            "{path}: {csp}"
        );
        assert!(csp.contains("frame-ancestors 'self'"));
        assert_eq!(h[header::X_CONTENT_TYPE_OPTIONS], "nosniff", "{path}");
        assert_eq!(
            h[header::REFERRER_POLICY],
            "strict-origin-when-cross-origin",
            "{path}"
        );
    }
}

async fn titles_and_bodies_cannot_inject_markup(backend: TestBackend) {
    let app = TestApp::spawn(backend).await;
    let mut post = PostBuilder::new(&app.site, &app.author, "<img src=x onerror=alert(1)> Title");
    post.0.slug = "xss".into();
    post.0.body = "<script>alert(1)</script>\n\n<a href=\"javascript:alert(2)\">click</a> <b onclick=\"alert(3)\">bold</b>".into();
    post.insert(&app.store).await;
    let html = app
        .page(&format!(
            "/{}/xss",
            (now() - chrono::Duration::days(1)).format("%Y/%m/%d")
        ))
        .await;
    assert!(
        html.contains("<h1 class=\"post-title\">&lt;img src=x onerror=alert(1)&gt; Title</h1>")
    );
    let body = between(&html, "<div class=\"post-body\">", "</div>").unwrap();
    assert!(
        !body.contains("<script") && !body.contains("javascript:") && !body.contains("onclick"),
        "{body}"
    );
    assert!(
        body.contains("<b>bold</b>"),
        "harmless markup stays: {body}"
    );
    let home = app.page("/").await;
    assert!(!home.contains("<img src=x"), "list pages escape titles too");
}

async fn theme_assets_are_served_and_cached_by_version(backend: TestBackend) {
    let app = TestApp::spawn(backend).await;
    let home = app.page("/").await;
    let css_href = between(&home, "<link rel=\"stylesheet\" href=\"", "\"")
        .unwrap()
        .to_owned();
    assert!(css_href.starts_with("/theme/style.css?v="));
    let css = app.get(&css_href).await;
    assert_eq!(css.status(), StatusCode::OK);
    assert_eq!(
        css.headers()[header::CONTENT_TYPE],
        "text/css; charset=utf-8"
    );
    assert_eq!(
        css.headers()[header::CACHE_CONTROL],
        "public, max-age=31536000, immutable"
    );
    assert!(css.text().await.unwrap().contains(".tracklist"));
    let unversioned = app.get("/theme/encore.js").await;
    assert_eq!(
        unversioned.headers()[header::CACHE_CONTROL],
        "public, max-age=300"
    );
    assert_eq!(
        app.get("/theme/../Cargo.toml").await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get("/theme/%2e%2e/%2e%2e/Cargo.toml").await.status(),
        StatusCode::NOT_FOUND
    );
}

async fn health_answers_when_the_database_does(backend: TestBackend) {
    let app = TestApp::spawn(backend).await;
    let response = app.get("/healthz").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.text().await.unwrap(), "ok\n");
    let robots = app.get("/robots.txt").await.text().await.unwrap();
    assert!(robots.contains("User-agent: *"));
}
