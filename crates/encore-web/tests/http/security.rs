//! Headers, escaping and assets: what an attacker or a browser checks first.

use crate::support::{PostBuilder, TestApp, all_between, between, json_ld, location};
use encore_app::testing::Publish;
use encore_store::testing::{TestBackend, fixtures::now};
use reqwest::{StatusCode, header};

encore_store::backend_tests!(
    every_response_carries_security_headers,
    titles_and_bodies_cannot_inject_markup,
    theme_assets_are_served_and_cached_by_version,
    health_answers_when_the_database_does,
    links_never_come_from_a_forged_host,
    theme_paths_cannot_climb_out_of_the_theme_directory,
    a_database_outage_answers_503_with_retry_after,
    theme_files_are_typed_by_their_extension,
    metrics_are_for_this_machine_or_the_token_holder,
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
    post.publish(&app.app).await;
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

async fn links_never_come_from_a_forged_host(backend: TestBackend) {
    let app = TestApp::spawn(backend).await;
    let cat = encore_store::testing::fixtures::category(&app.store, &app.site, "1985").await;
    PostBuilder::new(&app.site, &app.author, "Rocky IV")
        .category(cat.id)
        .publish(&app.app)
        .await;
    let path = format!(
        "/{}/rocky-iv",
        (now() - chrono::Duration::days(1)).format("%Y/%m/%d")
    );
    let forged = |path: String| {
        app.request(reqwest::Method::GET, &path)
            .header(header::HOST, "evil.example")
            .header("x-forwarded-host", "evil.example")
            .header("x-forwarded-proto", "https")
            .header("forwarded", "host=evil.example;proto=https")
            .send()
    };
    for page in [path.as_str(), "/", "/category/1985", "/no-such-page"] {
        let response = forged(page.to_owned()).await.unwrap();
        let html = response.text().await.unwrap();
        assert!(!html.contains("evil.example"), "{page} took a forged host");
        let canonical = between(&html, "<link rel=\"canonical\" href=\"", "\"");
        if page != "/no-such-page" {
            assert!(
                canonical.unwrap().starts_with(&format!("{}/", app.base)),
                "{page}: canonical {canonical:?}"
            );
        }
        for url in all_between(&html, "<meta property=\"og:url\" content=\"", "\"") {
            assert!(url.starts_with(&app.base), "{page}: og:url {url}");
        }
    }
    let html = forged(path.clone()).await.unwrap().text().await.unwrap();
    let ld = json_ld(&html);
    for url in [
        &ld["url"],
        &ld["mainEntityOfPage"],
        &ld["author"]["url"],
        &ld["publisher"]["url"],
    ] {
        assert!(
            url.as_str().unwrap().starts_with(&app.base),
            "JSON-LD link {url} is not on the stored address"
        );
    }
    // Redirects stay on the site too: a stale date (relative) and a trailing slash (absolute,
    // on the stored address).
    let response = forged("/2001/01/01/rocky-iv".to_owned()).await.unwrap();
    assert_eq!(location(&response), path);
    let response = forged(format!("{path}/")).await.unwrap();
    assert_eq!(location(&response), format!("{}{path}", app.base));
}

async fn theme_paths_cannot_climb_out_of_the_theme_directory(backend: TestBackend) {
    let outside = tempfile::tempdir().unwrap();
    let theme = outside.path().join("theme");
    std::fs::create_dir_all(theme.join("static")).unwrap();
    std::fs::write(
        theme.join("static/style.css"),
        "body { color: rebeccapurple }",
    )
    .unwrap();
    std::fs::write(theme.join("secret.txt"), "THEME-LEVEL SECRET").unwrap();
    std::fs::write(outside.path().join("secret.txt"), "OUTSIDE SECRET").unwrap();
    let app = TestApp::spawn_themed(backend, theme).await;
    let get = async |target: &str| {
        app.raw(&format!(
            "GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
        ))
        .await
    };
    // The override directory is really in use: its stylesheet is served.
    let css = get("/theme/style.css").await;
    assert!(css.starts_with("HTTP/1.1 200"), "{css}");
    assert!(css.contains("rebeccapurple"), "{css}");
    for target in [
        "/theme/../secret.txt",
        "/theme/../../secret.txt",
        "/theme/static/../../secret.txt",
        "/theme/%2e%2e/secret.txt",
        "/theme/%2e%2e/%2e%2e/secret.txt",
        "/theme/..%2f..%2fsecret.txt",
        "/theme/%2E%2E%2F%2E%2E%2Fsecret.txt",
        "/theme/....//....//secret.txt",
        "/theme/%2f..%2f..%2fsecret.txt",
        "/theme/..%5c..%5csecret.txt",
    ] {
        let answer = get(target).await;
        assert!(
            answer.starts_with("HTTP/1.1 404") || answer.starts_with("HTTP/1.1 400"),
            "{target}: {answer}"
        );
        assert!(
            !answer.contains("SECRET"),
            "{target} read a file outside the theme"
        );
    }
}

async fn a_database_outage_answers_503_with_retry_after(backend: TestBackend) {
    let app = TestApp::spawn_for_outage(backend).await;
    PostBuilder::new(&app.site, &app.author, "Rocky IV")
        .publish(&app.app)
        .await;
    assert!(app.page("/").await.contains("Rocky IV"));
    app.outage().await;
    // A page in the page cache is still served: readers of a popular post see it.
    let cached = app.get("/").await;
    assert_eq!(cached.status(), StatusCode::OK);
    assert_eq!(cached.headers()["x-encore-cache"], "hit");
    for path in ["/page/2", "/healthz", "/category/none"] {
        let response = app.get(path).await;
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE, "{path}");
        assert_eq!(response.headers()[header::RETRY_AFTER], "5", "{path}");
        let body = response.text().await.unwrap();
        assert!(body.contains("try again in a moment"), "{path}: {body}");
    }
}

async fn theme_files_are_typed_by_their_extension(backend: TestBackend) {
    let dir = tempfile::tempdir().unwrap();
    let files = [
        ("app.mjs", "text/javascript; charset=utf-8"),
        ("cover.webp", "image/webp"),
        ("font.woff2", "font/woff2"),
        ("icon.svg", "image/svg+xml; charset=utf-8"),
        ("data.json", "application/json; charset=utf-8"),
    ];
    std::fs::create_dir_all(dir.path().join("static")).unwrap();
    for (name, _) in files {
        std::fs::write(dir.path().join("static").join(name), b"x").unwrap();
    }
    let app = TestApp::spawn_themed(backend, dir.path().to_owned()).await;
    for (name, expected) in files {
        let response = app.get(&format!("/theme/{name}")).await;
        assert_eq!(response.status(), StatusCode::OK, "{name}");
        // With nosniff, a browser trusts this type alone: a module script must be JavaScript.
        assert_eq!(response.headers()[header::CONTENT_TYPE], expected, "{name}");
        assert_eq!(
            response.headers()[header::X_CONTENT_TYPE_OPTIONS],
            "nosniff"
        );
    }
}

async fn metrics_are_for_this_machine_or_the_token_holder(backend: TestBackend) {
    let app = TestApp::spawn(backend).await;
    PostBuilder::new(&app.site, &app.author, "Rocky IV")
        .publish(&app.app)
        .await;
    app.get("/").await;
    app.get("/").await;
    app.get("/no-such-page").await;
    let response = app.get("/metrics").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    let text = response.text().await.unwrap();
    for needle in [
        "encore_http_requests_total{",
        "route=\"/\"",
        "status=\"404\"",
        "encore_http_request_duration_seconds_bucket{",
        "encore_page_cache_total{result=\"hit\"}",
        "encore_page_cache_total{result=\"miss\"}",
        "encore_page_cache_bytes",
        "encore_db_pool_connections",
    ] {
        assert!(
            text.contains(needle),
            "{needle} missing from /metrics:\n{text}"
        );
    }

    let mut settings = encore_web::Settings::new(10);
    settings.metrics_token = Some("s3cret-token".into());
    let guarded = TestApp::spawn_with_settings(backend, settings).await;
    assert_eq!(
        guarded.get("/metrics").await.status(),
        StatusCode::NOT_FOUND
    );
    let wrong = guarded
        .request(reqwest::Method::GET, "/metrics")
        .header(header::AUTHORIZATION, "Bearer guess")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::NOT_FOUND);
    let right = guarded
        .request(reqwest::Method::GET, "/metrics")
        .header(header::AUTHORIZATION, "Bearer s3cret-token")
        .send()
        .await
        .unwrap();
    assert_eq!(right.status(), StatusCode::OK);
}
