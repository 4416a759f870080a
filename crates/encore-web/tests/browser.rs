//! Browser tests: the post page in real headless Chromium, driven over WebDriver (chromedriver,
//! installed by `scripts/test` from Debian's `chromium-driver`). A small WebDriver client is
//! written here over reqwest; the protocol is a handful of JSON calls.
#![allow(clippy::unwrap_used)]

// Shared with the HTTP tests; this binary uses only part of it.
#[allow(dead_code, unused_imports)]
#[path = "http/support.rs"]
mod support;

use encore_app::testing::Publish;
use encore_store::testing::{TestBackend, fixtures::now};
use serde_json::{Value, json};
use std::{
    process::{Child, Command, Stdio},
    time::Duration,
};
use support::{PostBuilder, TestApp};

/// A chromedriver process and one headless Chromium session.
struct Browser {
    driver: Child,
    base: String,
    session: String,
    http: reqwest::Client,
    _profile: tempfile::TempDir,
}

impl Browser {
    async fn start() -> Browser {
        let chromedriver = ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"]
            .into_iter()
            .find(|p| std::path::Path::new(p).exists())
            .expect(
                "chromedriver is missing: install Debian's chromium-driver (scripts/test does)",
            );
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        // The browser keeps the machine's clock: a run with a faked date (scripts/test with
        // ENCORE_TEST_DATE preloads libfaketime) is about Encore's clock, and Chromium under
        // libfaketime runs many times slower.
        let driver = Command::new(chromedriver)
            .env_remove("LD_PRELOAD")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let base = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::new();
        for _ in 0..100 {
            if http.get(format!("{base}/status")).send().await.is_ok() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let profile = tempfile::tempdir().unwrap();
        let args = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            &format!("--user-data-dir={}", profile.path().display()),
        ];
        let capabilities = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": "/usr/bin/chromium", "args": args},
        }}});
        let created = send(
            &http,
            reqwest::Method::POST,
            &format!("{base}/session"),
            &capabilities,
        )
        .await;
        let session = created["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {created}"))
            .to_owned();
        Browser {
            driver,
            base,
            session,
            http,
            _profile: profile,
        }
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Value) -> Value {
        let url = format!("{}/session/{}{path}", self.base, self.session);
        let response = send(&self.http, method, &url, &body).await;
        assert!(
            response["value"].get("error").is_none(),
            "WebDriver {path}: {response}"
        );
        response["value"].clone()
    }

    async fn goto(&self, url: &str) {
        self.call(reqwest::Method::POST, "/url", json!({"url": url}))
            .await;
    }

    async fn eval(&self, script: &str) -> Value {
        self.call(
            reqwest::Method::POST,
            "/execute/sync",
            json!({"script": script, "args": []}),
        )
        .await
    }

    async fn click(&self, css: &str) {
        let found = self
            .call(
                reqwest::Method::POST,
                "/element",
                json!({"using": "css selector", "value": css}),
            )
            .await;
        let id = found
            .as_object()
            .and_then(|o| o.values().next())
            .and_then(Value::as_str)
            .unwrap()
            .to_owned();
        self.call(
            reqwest::Method::POST,
            &format!("/element/{id}/click"),
            json!({}),
        )
        .await;
    }
}

/// One WebDriver call: a JSON request, a JSON answer.
async fn send(http: &reqwest::Client, method: reqwest::Method, url: &str, body: &Value) -> Value {
    http.request(method, url)
        .json(body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

#[tokio::test]
async fn an_embed_loads_its_player_only_when_the_reader_asks() {
    let app = TestApp::spawn(TestBackend::Sqlite).await;
    let mut post = PostBuilder::new(&app.site, &app.author, "Rocky IV");
    post.0.body =
        "The song everybody remembers:\n\nhttps://www.youtube.com/watch?v=btPJPFnesV4\n".into();
    post.publish(&app.app).await;
    let url = format!(
        "{}/{}/rocky-iv",
        app.base,
        (now() - chrono::Duration::days(1)).format("%Y/%m/%d")
    );

    let browser = Browser::start().await;
    browser.goto(&url).await;
    assert_eq!(
        browser.eval("return document.title").await,
        "Rocky IV – Test Blog"
    );
    let button = browser
        .eval("return document.querySelector('figure.embed .embed-load').textContent")
        .await;
    assert_eq!(button, "Play video from YouTube");
    assert_eq!(
        browser
            .eval("return document.querySelectorAll('iframe').length")
            .await,
        0
    );
    let fetched = browser
        .eval("return performance.getEntriesByType('resource').map(e => e.name)")
        .await;
    let foreign: Vec<&Value> = fetched
        .as_array()
        .unwrap()
        .iter()
        .filter(|u| !u.as_str().unwrap().starts_with(&app.base))
        .collect();
    assert!(
        foreign.is_empty(),
        "requests to other hosts before any click: {foreign:?}"
    );

    browser.click("figure.embed .embed-load").await;
    let src = browser
        .eval("var f = document.querySelector('figure.embed iframe'); return f ? f.src : null")
        .await;
    assert_eq!(
        src, "https://www.youtube-nocookie.com/embed/btPJPFnesV4?autoplay=1",
        "the click puts the player in place"
    );
    assert_eq!(
        browser
            .eval("return document.querySelector('figure.embed iframe').title")
            .await,
        "YouTube player"
    );
    let _ = browser.call(reqwest::Method::DELETE, "", json!({})).await;
}
