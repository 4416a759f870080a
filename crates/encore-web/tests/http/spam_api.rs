//! The Akismet-compatible spam API served by the blog's own router: its answers are the
//! protocol's, and it lives inside the same limits, headers and metrics as every other route.

use crate::support::TestApp;
use encore_store::testing::TestBackend;
use reqwest::StatusCode;

encore_store::backend_tests!(the_spam_api_answers_inside_the_routers_layers);

/// A POST of `fields` as a form.
fn post(t: &TestApp, path: &str, fields: &[(&str, &str)]) -> reqwest::RequestBuilder {
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish();
    t.request(reqwest::Method::POST, path)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
}

async fn the_spam_api_answers_inside_the_routers_layers(backend: TestBackend) {
    let (t, key) = TestApp::spawn_with_spam_api(backend).await;
    let verify = |key: String| {
        let fields = [("key", key), ("blog", "https://blog.example".to_owned())];
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        post(&t, "/akismet/1.1/verify-key", &fields).send()
    };
    let answer = verify(key.clone()).await.unwrap();
    assert_eq!(answer.status(), StatusCode::OK);
    // The router's headers are on it: the API passed through its layers.
    assert_eq!(answer.headers()["x-content-type-options"], "nosniff");
    assert_eq!(answer.text().await.unwrap(), "valid");
    let answer = verify("not-a-key".into()).await.unwrap();
    assert_eq!(answer.status(), StatusCode::OK, "the protocol's own answer");
    assert!(answer.headers().contains_key("x-akismet-debug-help"));
    assert_eq!(answer.text().await.unwrap(), "invalid");

    let check = post(
        &t,
        "/akismet/1.1/comment-check",
        &[
            ("api_key", key.as_str()),
            ("blog", "https://blog.example"),
            ("user_ip", "198.51.100.23"),
            ("comment_type", "comment"),
            (
                "comment_content",
                "The Rocky IV training montage still gets me up the stairs.",
            ),
        ],
    )
    .send()
    .await
    .unwrap();
    assert_eq!(check.status(), StatusCode::OK);
    let verdict = check.text().await.unwrap();
    assert!(verdict == "true" || verdict == "false", "{verdict}");

    // A body beyond the router's limit is refused before the API reads it.
    let big = "x".repeat(200 * 1024);
    let answer = post(
        &t,
        "/akismet/1.1/comment-check",
        &[("api_key", key.as_str()), ("comment_content", big.as_str())],
    )
    .send()
    .await
    .unwrap();
    assert_eq!(answer.status(), StatusCode::PAYLOAD_TOO_LARGE);
    // An unknown API address is the protocol's 404, not the blog's page.
    let answer = t
        .request(reqwest::Method::POST, "/akismet/1.1/nothing-here")
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::NOT_FOUND);
    let body = answer.text().await.unwrap();
    assert!(!body.contains("<html"), "{body}");
    // The blog itself still answers around it.
    assert_eq!(t.get("/").await.status(), StatusCode::OK);
}
