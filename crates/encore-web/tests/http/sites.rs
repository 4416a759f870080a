//! Several sites on one instance, chosen by Host.

use crate::support::{PostBuilder, TestApp};
use encore_app::testing::Publish;
use encore_store::testing::{TestBackend, fixtures};
use reqwest::StatusCode;

encore_store::backend_tests!(
    two_sites_on_one_instance_never_show_each_others_posts,
    tags_series_and_downloads_belong_to_their_site,
);

async fn two_sites_on_one_instance_never_show_each_others_posts(backend: TestBackend) {
    let app = TestApp::spawn(backend).await;
    let second = fixtures::site(&app.store, "second.example").await;
    let writer = fixtures::author(&app.store, &second, "eva").await;
    PostBuilder::new(&app.site, &app.author, "Only On The Main Blog")
        .publish(&app.app)
        .await;
    PostBuilder::new(&second, &writer, "Only On The Second Blog")
        .publish(&app.app)
        .await;
    let path = |slug: &str| {
        format!(
            "/{}/{slug}",
            (fixtures::now() - chrono::Duration::days(1)).format("%Y/%m/%d")
        )
    };

    let main = app.get_on("127.0.0.1", "/").await.text().await.unwrap();
    assert!(main.contains("Only On The Main Blog") && !main.contains("Only On The Second Blog"));
    assert!(main.contains("Test Blog"));
    let other = app
        .get_on("Second.Example:8080", "/")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        other.contains("Only On The Second Blog") && !other.contains("Only On The Main Blog"),
        "{other}"
    );
    assert!(other.contains("Blog at second.example"));
    assert!(
        other.contains("<link rel=\"canonical\" href=\"https://second.example/\">"),
        "links use the site's own address"
    );

    assert_eq!(
        app.get_on("second.example", &path("only-on-the-main-blog"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get_on("127.0.0.1", &path("only-on-the-second-blog"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get_on("second.example", &path("only-on-the-second-blog"))
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        app.get_on("second.example", "/author/marty").await.status(),
        StatusCode::NOT_FOUND,
        "authors belong to their sites"
    );
    // An unknown host is served by the default site, never by guessing.
    let unknown = app
        .get_on("unknown.example", "/")
        .await
        .text()
        .await
        .unwrap();
    assert!(unknown.contains("Only On The Main Blog"));
}

/// Both sites use the same tag, series and file names; each shows only its own.
async fn tags_series_and_downloads_belong_to_their_site(backend: TestBackend) {
    let app = TestApp::spawn(backend).await;
    let second = fixtures::site(&app.store, "second.example").await;
    let writer = fixtures::author(&app.store, &second, "eva").await;
    let mut files = Vec::new();
    for (site, author, title) in [
        (&app.site, &app.author, "Main Blog Mixtape"),
        (&second, &writer, "Second Blog Mixtape"),
    ] {
        let tag = fixtures::tag(&app.store, site, "Mixtapes").await;
        let series = fixtures::series(&app.store, site, "Side A").await;
        let file = fixtures::download(
            &app.store,
            site,
            "tracklist.txt",
            bytes::Bytes::from(title.as_bytes().to_vec()),
        )
        .await;
        PostBuilder::new(site, author, title)
            .tag(tag.id)
            .in_series(series.id, 1)
            .download(file.id)
            .publish(&app.app)
            .await;
        files.push(format!("/download/{}/tracklist.txt", file.id));
    }
    for (host, own, other) in [
        ("127.0.0.1", "Main Blog Mixtape", "Second Blog Mixtape"),
        ("second.example", "Second Blog Mixtape", "Main Blog Mixtape"),
    ] {
        for path in ["/tag/mixtapes", "/series/side-a"] {
            let response = app.get_on(host, path).await;
            assert_eq!(response.status(), StatusCode::OK, "{host}{path}");
            let html = response.text().await.unwrap();
            assert!(
                html.contains(own) && !html.contains(other),
                "{host}{path}: {html}"
            );
        }
    }
    // Each file is served on its own site only, never through the other's host (HEAD too, which
    // is not counted and so reaches no counter that could refuse it).
    let main_file = app.get_on("127.0.0.1", &files[0]).await;
    assert_eq!(main_file.text().await.unwrap(), "Main Blog Mixtape");
    for (host, file) in [("second.example", &files[0]), ("127.0.0.1", &files[1])] {
        assert_eq!(
            app.get_on(host, file).await.status(),
            StatusCode::NOT_FOUND,
            "GET {host}{file}"
        );
        let head = app
            .request(reqwest::Method::HEAD, file)
            .header(reqwest::header::HOST, host)
            .send()
            .await
            .unwrap();
        assert_eq!(head.status(), StatusCode::NOT_FOUND, "HEAD {host}{file}");
    }
    let second_file = app.get_on("second.example", &files[1]).await;
    assert_eq!(second_file.text().await.unwrap(), "Second Blog Mixtape");
}
