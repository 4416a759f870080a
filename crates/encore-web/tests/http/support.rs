//! `TestApp`: one server, one database, one test.

use encore_core::site::{NewSite, Site};
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
    pub store: Store,
    /// The default site (answers any host).
    pub site: Site,
    pub author: encore_core::account::Account,
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
        let db = TestStore::new(backend).await;
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
        let site = store
            .sites()
            .ensure_default(&new, fixtures::now())
            .await
            .unwrap();
        let author = fixtures::author(&store, &site, "marty").await;
        let state = AppState::new(store.clone(), Theme::new(None), Settings { posts_per_page });
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
            store,
            site,
            author,
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
