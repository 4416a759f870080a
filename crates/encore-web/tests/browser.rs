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

impl Browser {
    /// Waits up to ten seconds for `script` to return true.
    async fn wait_for(&self, script: &str) {
        for _ in 0..100 {
            if self.eval(script).await == Value::Bool(true) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let seen = self
            .eval("return location.href + ' ' + document.body.innerText")
            .await;
        panic!("waited in vain for {script}; the page: {seen}");
    }
}

#[tokio::test]
async fn a_reader_signs_in_with_a_provider_and_out_again() {
    use encore_app::testing::{OidcAccount, OidcProvider};
    let mut provider = OidcProvider::new();
    let mut settings = encore_web::Settings::new(10);
    settings.social = encore_app::social::Social::new(vec![provider.provider("testid")]);
    let app = TestApp::spawn_with_settings(TestBackend::Sqlite, settings).await;
    provider.start(
        &[format!("{}/account/login/testid/callback", app.base)],
        &OidcAccount {
            sub: "reader-in-chromium".into(),
            email: "chromium.reader@example.org".into(),
            email_verified: true,
            name: "Chromium Reader".into(),
        },
    );

    let browser = Browser::start().await;
    browser.goto(&format!("{}/account/login", app.base)).await;
    browser
        .click("form[action='/account/login/testid'] button")
        .await;
    // To the provider and back (its sign-in and consent steps finish by themselves).
    browser
        .wait_for("return location.pathname === '/account' && document.body.innerText.includes('chromium-reader')")
        .await;
    assert_eq!(
        browser
            .eval("return document.body.innerText.includes('as chromium.reader@example.org')")
            .await,
        true,
        "the account page lists the linked provider"
    );
    browser.click("form[action='/account/logout'] button").await;
    browser.wait_for("return location.pathname === '/'").await;
    browser.goto(&format!("{}/account", app.base)).await;
    browser
        .wait_for("return location.pathname === '/account/login'")
        .await;
    let _ = browser.call(reqwest::Method::DELETE, "", json!({})).await;
}

impl Browser {
    /// Types `value` into the field `css` as a person would have: the value, then an `input`
    /// event the page's script hears.
    async fn fill(&self, css: &str, value: &str) {
        let script = format!(
            "var f = document.querySelector({}); f.value = {}; \
             f.dispatchEvent(new Event('input', {{bubbles: true}})); return true",
            serde_json::to_string(css).unwrap(),
            serde_json::to_string(value).unwrap(),
        );
        assert_eq!(self.eval(&script).await, true, "{css}");
    }

    /// The text of the page's body.
    async fn text(&self) -> String {
        self.eval("return document.body.innerText")
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }
}

#[tokio::test]
async fn a_writer_publishes_edits_and_restores_at_the_desk() {
    use encore_core::roles::Role;
    let app = TestApp::spawn(TestBackend::Sqlite).await;
    app.signed_in_as("ed", Role::Editor).await;
    let notes = encore_app::downloads::upload(
        &app.app,
        encore_app::Actor::Operator,
        app.site.id,
        "rocky-iv-notes.txt",
        bytes::Bytes::from_static(b"Side A, side B, and the liner notes."),
    )
    .await
    .unwrap();
    // The cached home page, before the post exists.
    assert!(!app.page("/").await.contains("Rocky IV"));

    let browser = Browser::start().await;
    browser.goto(&format!("{}/account/login", app.base)).await;
    browser.fill("#login", "ed").await;
    browser.fill("#password", support::PASSWORD).await;
    browser
        .click("form[action='/account/login'] button[type=submit]")
        .await;
    browser
        .wait_for("return location.pathname !== '/account/login'")
        .await;

    // Write: the live preview and the autosave work in the real page, under its security policy.
    browser.goto(&format!("{}/admin/posts/new", app.base)).await;
    browser.fill("#title", "Rocky IV").await;
    browser
        .fill("#body", "The **training montage**, bar by bar.")
        .await;
    browser
        .wait_for(
            "var p = document.getElementById('live-preview'); \
             return !p.hidden && p.innerHTML.includes('<strong>training montage</strong>')",
        )
        .await;
    browser
        .wait_for("return document.getElementById('autosave-status').textContent.includes('kept')")
        .await;
    let when = (app.clock.now() - chrono::Duration::hours(1))
        .format("%Y-%m-%dT%H:%M")
        .to_string();
    browser.fill("#status-field", "published").await;
    browser.fill("#published_at", &when).await;
    browser.fill("input[name=track_0_artist]", "Survivor").await;
    browser
        .fill("input[name=track_0_title]", "Burning Heart")
        .await;
    browser.fill("input[name=track_0_duration]", "3:51").await;
    browser
        .fill("input[name=track_1_artist]", "James Brown")
        .await;
    browser
        .fill("input[name=track_1_title]", "Living in America")
        .await;
    browser.click(&format!("#download-{}", notes.id.0)).await;
    browser.click("button[name=action][value=save]").await;
    browser
        .wait_for("return location.search === '?saved=1'")
        .await;
    let editor = browser.eval("return location.href").await;
    let editor = editor
        .as_str()
        .unwrap()
        .trim_end_matches("?saved=1")
        .to_owned();
    let public = browser
        .eval("return document.querySelector('.form-notice a').getAttribute('href')")
        .await;
    let public = public.as_str().unwrap().to_owned();

    // Readers see it at once, on its page and on the cached home page.
    browser.goto(&format!("{}{public}", app.base)).await;
    let page = browser.text().await;
    for expected in [
        "Rocky IV",
        "training montage",
        "Burning Heart",
        "Living in America",
        "rocky-iv-notes.txt",
    ] {
        assert!(
            page.contains(expected),
            "{expected} on the post page: {page}"
        );
    }
    assert!(app.page("/").await.contains("Rocky IV"));

    // Edit it; the first save stays as a revision, which can be compared and restored.
    browser.goto(&editor).await;
    browser.fill("#title", "Rocky IV (1985)").await;
    browser.click("button[name=action][value=save]").await;
    browser
        .wait_for("return location.search === '?saved=1'")
        .await;
    assert!(app.page(&public).await.contains("Rocky IV (1985)"));
    let revisions = browser
        .eval("return Array.from(document.querySelectorAll('a[href*=\"/revisions/\"]')).map(a => a.getAttribute('href'))")
        .await;
    let revisions = revisions.as_array().unwrap();
    assert_eq!(revisions.len(), 2, "{revisions:?}");
    let first = revisions.last().unwrap().as_str().unwrap();
    browser.goto(&format!("{}{first}", app.base)).await;
    let compared = browser.text().await;
    assert!(
        compared.contains("Rocky IV (1985)") && compared.contains("Title"),
        "{compared}"
    );
    browser.click("form[action$='/restore'] button").await;
    browser
        .wait_for("return location.search === '?saved=1'")
        .await;
    assert_eq!(
        browser
            .eval("return document.getElementById('title').value")
            .await,
        "Rocky IV"
    );
    let page = app.page(&public).await;
    assert!(page.contains("Rocky IV") && !page.contains("Rocky IV (1985)"));
    let _ = browser.call(reqwest::Method::DELETE, "", json!({})).await;
}
