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
