//! A spam server on an ephemeral loopback port, over a test store.

use encore_core::clock::Clock;
use encore_spam::params::CommentValues;
use encore_spam::service::{Service, ServiceOptions};
use encore_store::testing::{TestBackend, TestStore};
use std::time::Duration;

pub struct SpamServer {
    pub url: String,
    pub service: Service,
    pub key: String,
    pub test: TestStore,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

/// No rate limit, quick flushes, and a clock of its own that stands still at the fixtures' date until a test moves it.
pub fn options() -> ServiceOptions {
    ServiceOptions {
        rate_per_second: 0.0,
        flush_every: Duration::from_millis(50),
        clock: Clock::manual(encore_store::testing::fixtures::now()),
        ..ServiceOptions::default()
    }
}

impl SpamServer {
    pub async fn start(backend: TestBackend, options: ServiceOptions) -> SpamServer {
        let test = TestStore::new(backend).await;
        let service = Service::new(test.store.clone(), options);
        let key = service
            .add_key("https://blog.example", Some(1000))
            .await
            .unwrap()
            .api_key;
        Self::serve(test, service, key).await
    }

    pub async fn serve(test: TestStore, service: Service, key: String) -> SpamServer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(encore_spam::server::serve(
            listener,
            service.clone(),
            async move {
                let _ = rx.await;
            },
        ));
        SpamServer {
            url,
            service,
            key,
            test,
            stop: Some(tx),
            task: Some(task),
        }
    }

    /// Stops the server (flushing its records) and hands back its store.
    pub async fn stop(mut self) -> TestStore {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.await.unwrap().unwrap();
        }
        self.test
    }
}

/// A reader's comment on a music blog.
pub fn reader_comment() -> CommentValues {
    CommentValues {
        blog: "https://blog.example".into(),
        user_ip: "198.51.100.23".into(),
        user_agent: "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0".into(),
        permalink: "https://blog.example/2026/11/rocky-iv".into(),
        comment_type: "comment".into(),
        comment_author: "Jo".into(),
        comment_author_email: "jo@example.org".into(),
        comment_content: "The training montage track is still the best part of the album, thanks for the write-up!"
            .into(),
        blog_lang: "en".into(),
        blog_charset: "UTF-8".into(),
        ..CommentValues::default()
    }
}

/// Comment spam.
pub fn spam_comment() -> CommentValues {
    CommentValues {
        comment_author: "Cheap Pills".into(),
        comment_author_email: "sales@pills.example".into(),
        comment_author_url: "http://pills.example".into(),
        comment_content: "WIN a FREE prize! Buy cheap viagra online, casino bonus free spins, call 09061701461 now \
                          http://pills.example"
            .into(),
        ..reader_comment()
    }
}

/// A form body from fields.
pub fn form(fields: &[(&str, &str)]) -> String {
    encore_spam::params::encode_form(fields)
}

/// The fields of comment values plus a key.
pub fn fields_with_key(values: &CommentValues, key: &str) -> String {
    let mut fields = values.to_fields();
    fields.insert(0, ("api_key".into(), key.into()));
    encore_spam::params::encode_form(&fields)
}

/// What a POST answered: status, body, and the Akismet headers.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub body: String,
    pub guid: Option<String>,
    pub pro_tip: Option<String>,
    pub debug_help: Option<String>,
    pub retry_after: Option<String>,
    pub content_type: String,
}

pub async fn post(url: &str, body: impl Into<reqwest::Body>, host: Option<&str>) -> Answer {
    let mut request = reqwest::Client::new()
        .post(url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body);
    if let Some(host) = host {
        request = request.header("host", host);
    }
    answer(request.send().await.unwrap()).await
}

pub async fn answer(response: reqwest::Response) -> Answer {
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
    };
    let (guid, pro_tip, debug_help) = (
        header("x-akismet-guid"),
        header("x-akismet-pro-tip"),
        header("x-akismet-debug-help"),
    );
    let content_type = header("content-type").unwrap_or_default();
    let retry_after = header("retry-after");
    let status = response.status().as_u16();
    Answer {
        status,
        body: response.text().await.unwrap(),
        guid,
        pro_tip,
        debug_help,
        retry_after,
        content_type,
    }
}
