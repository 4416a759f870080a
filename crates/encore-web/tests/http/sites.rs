//! Several sites on one instance, chosen by Host.

use crate::support::{PostBuilder, TestApp};
use encore_store::testing::{TestBackend, fixtures};
use reqwest::StatusCode;

encore_store::backend_tests!(two_sites_on_one_instance_never_show_each_others_posts);

async fn two_sites_on_one_instance_never_show_each_others_posts(backend: TestBackend) {
    let app = TestApp::spawn(backend).await;
    let second = fixtures::site(&app.store, "second.example").await;
    let writer = fixtures::author(&app.store, &second, "eva").await;
    PostBuilder::new(&app.site, &app.author, "Only On The Main Blog")
        .insert(&app.store)
        .await;
    PostBuilder::new(&second, &writer, "Only On The Second Blog")
        .insert(&app.store)
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
