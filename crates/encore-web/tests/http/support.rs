//! `TestApp`: one server, one database, one test.

use encore_app::App;
use encore_core::{
    clock::Clock,
    site::{NewSite, Site},
};
use encore_store::{
    Store,
    testing::{TestBackend, TestStore, fixtures},
};
use encore_web::{AppState, Settings, Theme};
use reqwest::{Response, StatusCode, header};
use tokio::{net::TcpListener, sync::oneshot};

pub use encore_store::testing::fixtures::PostBuilder;

/// A running server with its own store.
pub struct TestApp {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// The application layer the server writes through; tests publish through it too.
    pub app: App,
    pub store: Store,
    /// The default site (answers any host).
    pub site: Site,
    pub author: encore_core::account::Account,
    /// The server's clock: it stands at the fixtures' date until a test moves it.
    pub clock: Clock,
    client: reqwest::Client,
    /// The job worker, when the test sends mail.
    pub worker: Option<encore_app::jobs::Worker>,
    _stop: oneshot::Sender<()>,
    _db: TestStore,
}

impl TestApp {
    /// Starts a server with 10 posts per page.
    pub async fn spawn(backend: TestBackend) -> TestApp {
        Self::spawn_with(backend, 10).await
    }

    pub async fn spawn_with(backend: TestBackend, posts_per_page: u32) -> TestApp {
        Self::start(
            TestStore::new(backend).await,
            Settings::new(posts_per_page),
            None,
        )
        .await
    }

    /// Starts a server with these settings.
    pub async fn spawn_with_settings(backend: TestBackend, settings: Settings) -> TestApp {
        Self::start(TestStore::new(backend).await, settings, None).await
    }

    /// Starts a server that answers the Akismet-compatible spam API under `/akismet`, with one
    /// key for the test site; the key.
    pub async fn spawn_with_spam_api(backend: TestBackend) -> (TestApp, String) {
        let db = TestStore::new(backend).await;
        let options = encore_spam::service::ServiceOptions {
            clock: Clock::manual(fixtures::now()),
            ..Default::default()
        };
        let service = encore_spam::service::Service::new(db.store.clone(), options);
        let key = service
            .add_key("https://blog.example", Some(1000))
            .await
            .unwrap()
            .api_key;
        let mut settings = Settings::new(10);
        settings.spam = Some(encore_web::SpamApi {
            path: "/akismet".into(),
            service,
        });
        (Self::start(db, settings, None).await, key)
    }

    /// Starts a server whose theme files are overridden from `dir`.
    pub async fn spawn_themed(backend: TestBackend, dir: std::path::PathBuf) -> TestApp {
        Self::start(TestStore::new(backend).await, Settings::new(10), Some(dir)).await
    }

    /// Starts a server whose database [`TestApp::outage`] can take away.
    pub async fn spawn_for_outage(backend: TestBackend) -> TestApp {
        Self::start(
            TestStore::for_outage(backend).await,
            Settings::new(10),
            None,
        )
        .await
    }

    /// Starts a server whose job worker sends mail through `smtp` (which may be down).
    pub async fn spawn_with_mail(
        backend: TestBackend,
        smtp: &encore_app::testing::SmtpServer,
    ) -> TestApp {
        let mut t = Self::spawn(backend).await;
        let mailer =
            encore_app::mail::Mailer::new(&smtp.url(), "Test Blog <blog@example.org>").unwrap();
        t.worker = Some(encore_app::jobs::spawn_worker(t.app.clone(), Some(mailer)));
        t
    }

    /// Takes the database away (see [`TestStore::outage`]).
    pub async fn outage(&self) {
        self._db.outage().await;
    }

    async fn start(
        db: TestStore,
        settings: Settings,
        theme_dir: Option<std::path::PathBuf>,
    ) -> TestApp {
        let store = db.store.clone();
        // Bound before the server task starts, so no request can arrive too early.
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let new = NewSite {
            host: "127.0.0.1".into(),
            title: "Test Blog".into(),
            tagline: "Records and notes".into(),
            base_url: Some(base.clone()),
            is_default: true,
        }
        .validate()
        .unwrap();
        let clock = Clock::manual(fixtures::now());
        // Download counts reach pages at once here; the delay that keeps popular pages cached is
        // tested on its own.
        let options = encore_app::Options {
            announce_counts_every: std::time::Duration::ZERO,
        };
        let app = App::with_options(store.clone(), clock.clone(), options);
        let (site, _) = encore_app::sites::ensure_default_site(&app, new, &Default::default())
            .await
            .unwrap();
        let author = fixtures::author(&store, &site, "marty").await;
        let state = AppState::new(app.clone(), Theme::new(theme_dir), settings);
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(encore_web::serve(listener, state, async {
            let _ = stopped.await;
        }));
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        TestApp {
            base,
            app,
            store,
            site,
            author,
            clock,
            client,
            worker: None,
            _stop: stop,
            _db: db,
        }
    }

    pub async fn get(&self, path: &str) -> Response {
        self.client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap()
    }

    /// A GET with a chosen Host header, as a reader of another site would send it.
    pub async fn get_on(&self, host: &str, path: &str) -> Response {
        self.client
            .get(format!("{}{path}", self.base))
            .header(header::HOST, host)
            .send()
            .await
            .unwrap()
    }

    pub fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.client.request(method, format!("{}{path}", self.base))
    }

    /// Sends `request` exactly as written (no client normalises its target) and returns the whole
    /// answer, headers and body, as text. The request should ask for `Connection: close`.
    pub async fn raw(&self, request: &str) -> String {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let addr = self.base.trim_start_matches("http://");
        let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer).await.unwrap();
        String::from_utf8_lossy(&answer).into_owned()
    }

    /// The body of a page that must answer 200.
    pub async fn page(&self, path: &str) -> String {
        let response = self.get(path).await;
        assert_eq!(response.status(), StatusCode::OK, "GET {path}");
        response.text().await.unwrap()
    }
}

/// Where a redirect points.
pub fn location(response: &Response) -> String {
    response
        .headers()
        .get(header::LOCATION)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

pub use encore_store::testing::html::{all_between, between};

/// The schema.org JSON-LD of a page, parsed.
pub fn json_ld(html: &str) -> serde_json::Value {
    let raw = between(html, "<script type=\"application/ld+json\">", "</script>")
        .expect("a JSON-LD block");
    serde_json::from_str(raw).expect("JSON-LD that parses")
}

/// A browser's memory of one site: the cookies it was given, sent back with every request.
pub struct Browser<'a> {
    app: &'a TestApp,
    cookies: std::collections::BTreeMap<String, String>,
    /// Sent as `User-Agent`.
    pub agent: &'static str,
}

impl TestApp {
    /// A browser with no cookies yet.
    pub fn browser(&self, agent: &'static str) -> Browser<'_> {
        Browser {
            app: self,
            cookies: Default::default(),
            agent,
        }
    }
}

impl Browser<'_> {
    fn keep(&mut self, response: &Response) {
        for set in response.headers().get_all(header::SET_COOKIE) {
            let set = set.to_str().unwrap();
            let (pair, attributes) = set.split_once(';').unwrap_or((set, ""));
            let (name, value) = pair.split_once('=').unwrap();
            if attributes.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// The value of a cookie the browser holds.
    pub fn cookie(&self, name: &str) -> Option<&str> {
        self.cookies.get(name).map(String::as_str)
    }

    /// Sets a cookie by hand (another browser's, say).
    pub fn set_cookie(&mut self, name: &str, value: &str) {
        self.cookies.insert(name.to_owned(), value.to_owned());
    }

    pub async fn get(&mut self, path: &str) -> Response {
        let response = self
            .app
            .request(reqwest::Method::GET, path)
            .header(header::COOKIE, self.cookie_header())
            .header(header::USER_AGENT, self.agent)
            .send()
            .await
            .unwrap();
        self.keep(&response);
        response
    }

    /// The page at `path` as this browser gets it.
    pub async fn page(&mut self, path: &str) -> String {
        self.get(path).await.text().await.unwrap()
    }

    /// Sends a form as a browser on the site would (`Origin` the site's own).
    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Response {
        self.post_from(&self.app.base.clone(), path, fields).await
    }

    /// Sends a form with the `Origin` of the page that sent it.
    pub async fn post_from(
        &mut self,
        origin: &str,
        path: &str,
        fields: &[(&str, &str)],
    ) -> Response {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        let response = self
            .app
            .request(reqwest::Method::POST, path)
            .header(header::COOKIE, self.cookie_header())
            .header(header::USER_AGENT, self.agent)
            .header(header::ORIGIN, origin)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap();
        self.keep(&response);
        response
    }
}

impl Browser<'_> {
    /// Sends a `multipart/form-data` form (a file upload): text fields, then one file field
    /// `(name, file name, content type, bytes)`.
    pub async fn post_multipart(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        file: (&str, &str, &str, &[u8]),
    ) -> Response {
        let boundary = "encore-test-boundary-7f3a9c";
        let mut body = Vec::new();
        for (name, value) in fields {
            body.extend_from_slice(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                    .as_bytes(),
            );
        }
        let (name, file_name, content_type, bytes) = file;
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{file_name}\"\r\n\
                 Content-Type: {content_type}\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let response = self
            .app
            .request(reqwest::Method::POST, path)
            .header(header::COOKIE, self.cookie_header())
            .header(header::USER_AGENT, self.agent)
            .header(header::ORIGIN, self.app.base.clone())
            .header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(body)
            .send()
            .await
            .unwrap();
        self.keep(&response);
        response
    }
}

/// The password [`TestApp::member`] gives its accounts.
pub const PASSWORD: &str = "a long enough secret";

impl TestApp {
    /// Adds a subscriber `username` (email `username@example.org`) with [`PASSWORD`].
    pub async fn member(&self, username: &str) {
        let account = encore_core::account::NewAccount {
            username: username.into(),
            email: format!("{username}@example.org"),
            display_name: format!("{username} the reader"),
            bio: String::new(),
        };
        encore_app::accounts::add_user(
            &self.app,
            encore_app::Actor::Operator,
            account,
            Some(PASSWORD),
            self.site.id,
            encore_core::roles::Role::Subscriber,
        )
        .await
        .unwrap();
    }

    /// A member `username` with `role` on the site, signed in; their browser.
    pub async fn signed_in_as(
        &self,
        username: &str,
        role: encore_core::roles::Role,
    ) -> Browser<'_> {
        self.member(username).await;
        let account = self
            .store
            .accounts()
            .by_username(username)
            .await
            .unwrap()
            .unwrap();
        encore_app::accounts::set_role(
            &self.app,
            encore_app::Actor::Operator,
            self.site.id,
            account.id,
            role,
        )
        .await
        .unwrap();
        let mut browser = self.browser("a member's browser");
        assert_eq!(
            browser.sign_in(username, PASSWORD).await.status(),
            StatusCode::SEE_OTHER
        );
        browser
    }
}

impl Browser<'_> {
    /// Opens the sign-in form and sends it; the answer to the form.
    pub async fn sign_in(&mut self, login: &str, password: &str) -> Response {
        let form = self.get("/account/login").await.text().await.unwrap();
        let csrf = csrf_of(&form);
        self.post(
            "/account/login",
            &[
                ("csrf", &csrf),
                ("login", login),
                ("password", password),
                ("next", "/"),
            ],
        )
        .await
    }
}

/// The value of the hidden `csrf` field of a page's first form.
pub fn csrf_of(html: &str) -> String {
    between(html, "name=\"csrf\" value=\"", "\"")
        .expect("a form with a token")
        .to_owned()
}
