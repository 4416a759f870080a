//! Test support for the crates above this one: the store's post builder, published through the
//! use cases (so the page cache hears of it, as it would of a real writer).
#![allow(clippy::unwrap_used)]

use crate::{
    Actor, App,
    posts::{PostDraft, Ref, create_post},
};
use encore_core::{ids::PostId, post::NewPost};
use encore_store::testing::fixtures::PostBuilder;

/// Makes `app` check comments with the in-process spam engine on its own store and clock,
/// under a new key for `blog`, as `encore serve` does.
pub async fn check_comments_locally(app: &App, blog: &str) {
    use encore_spam::{
        client::{Client, ClientOptions, Endpoint},
        service::{Service, ServiceOptions},
    };
    let clock = app.clock().clone();
    let service = Service::new(
        app.store().clone(),
        ServiceOptions {
            clock: clock.clone(),
            ..ServiceOptions::default()
        },
    );
    let key = service.add_key(blog, None).await.unwrap().api_key;
    app.use_spam_checker(Client::new(
        Endpoint::Local { service, key },
        ClientOptions {
            clock,
            ..ClientOptions::default()
        },
    ));
}

/// The draft that creates the builder's post.
pub fn draft_of(post: &NewPost) -> PostDraft {
    PostDraft {
        kind: post.kind,
        status: post.status,
        slug: post.slug.clone(),
        title: post.title.clone(),
        excerpt: post.excerpt.clone(),
        body: post.body.clone(),
        published_at: post.published_at,
        author: post.author_id,
        categories: post.categories.iter().copied().map(Ref::Id).collect(),
        tags: post.tags.iter().copied().map(Ref::Id).collect(),
        series: post.series.map(|(id, part)| (Ref::Id(id), part)),
        tracks: post.tracks.clone(),
        downloads: post.downloads.clone(),
        subject_year: post.subject_year,
        based_on: None,
        featured_image: post.featured_image,
        comments_open: post.comments_open,
    }
}

/// Publishing a [`PostBuilder`] through the application layer.
pub trait Publish {
    /// Creates the post as a writer would; panics when the use case refuses it.
    fn publish(self, app: &App) -> impl std::future::Future<Output = PostId> + Send;
}

impl Publish for PostBuilder {
    async fn publish(self, app: &App) -> PostId {
        let site = self.0.site_id;
        create_post(app, Actor::Operator, site, draft_of(&self.0))
            .await
            .unwrap()
            .id
    }
}

/// A real SMTP server on loopback for tests.
///
/// It is `PyPI`'s `aiosmtpd`, run from the Python that `ENCORE_TEST_SMTP_PYTHON` names
/// (`scripts/test` installs it), writing every mail it accepts to a Maildir that
/// [`SmtpServer::mails`] reads.
pub struct SmtpServer {
    /// The port it listens on (kept across [`SmtpServer::stop`] and [`SmtpServer::start`]).
    pub port: u16,
    dir: tempfile::TempDir,
    child: Option<std::process::Child>,
}

impl SmtpServer {
    /// A server on a free port, not started.
    pub fn new() -> SmtpServer {
        let port = helper_port();
        SmtpServer {
            port,
            dir: tempfile::tempdir().unwrap(),
            child: None,
        }
    }

    /// The URL Encore sends through: plain SMTP, as a server on this machine.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}?tls=none", self.port)
    }

    /// Starts the server and waits until it accepts connections.
    pub fn start(&mut self) {
        let python = std::env::var("ENCORE_TEST_SMTP_PYTHON").expect(
            "ENCORE_TEST_SMTP_PYTHON names a Python with aiosmtpd (scripts/test installs it)",
        );
        let mut command = std::process::Command::new(python);
        command
            .args(["-m", "aiosmtpd", "-n", "-l"])
            .arg(format!("127.0.0.1:{}", self.port))
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(self.dir.path().join("box"));
        self.child = Some(spawn_listening(
            &mut command,
            self.port,
            "the SMTP server",
            None,
        ));
    }

    /// Stops the server (mail already received stays readable).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Every mail received so far, as raw text, oldest first.
    pub fn mails(&self) -> Vec<String> {
        let mut files: Vec<_> = ["new", "cur"]
            .iter()
            .filter_map(|d| std::fs::read_dir(self.dir.path().join("box").join(d)).ok())
            .flatten()
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .collect();
        files.sort_by_key(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok());
        files
            .iter()
            .filter_map(|p| std::fs::read_to_string(p).ok())
            .collect()
    }

    /// Waits up to five seconds for the `n`th mail (1-based) and returns it.
    pub async fn mail(&self, n: usize) -> String {
        for _ in 0..200 {
            if let Some(mail) = self.mails().into_iter().nth(n - 1) {
                return mail;
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
        panic!("mail {n} did not arrive; received {:?}", self.mails());
    }
}

impl Default for SmtpServer {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A free loopback port for a helper process, below the kernel's ephemeral range.
///
/// A port found by binding port 0 and letting go is one the kernel hands out again: a test server
/// or chromedriver binding port 0 a moment later took it before the helper could (`EADDRINUSE`,
/// seen in CI). Ports below the ephemeral range are only ever given to whoever asks for them by
/// number, so picking one at random there and checking that it is free leaves no such race.
fn helper_port() -> u16 {
    let ephemeral_low = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|range| range.split_whitespace().next()?.parse::<u16>().ok())
        .unwrap_or(32_768);
    let (from, to) = (10_000u16, ephemeral_low.max(10_100));
    for _ in 0..1000 {
        let mut bytes = [0u8; 2];
        getrandom::fill(&mut bytes).unwrap();
        let port = from + u16::from_le_bytes(bytes) % (to - from);
        if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
    panic!("no free port between {from} and {to}");
}

/// Starts `command` and waits until it accepts connections on `port` (and, with `ready`, has
/// printed that line: proof that the listener is this process, not another that took the port).
///
/// A loaded two-core machine running the suite in parallel can take many seconds to start Node.js
/// or Python, so the wait is long; a process that exits first fails at once, with what it printed.
fn spawn_listening(
    command: &mut std::process::Command,
    port: u16,
    what: &str,
    ready: Option<&str>,
) -> std::process::Child {
    match try_spawn_listening(command, port, what, ready, 90) {
        Ok(child) => child,
        Err(why) => panic!("{why}"),
    }
}

/// Like [`spawn_listening`], waiting `seconds`; what went wrong, if it did not listen.
fn try_spawn_listening(
    command: &mut std::process::Command,
    port: u16,
    what: &str,
    ready: Option<&str>,
    seconds: u64,
) -> Result<std::process::Child, String> {
    let out = tempfile::tempfile().unwrap();
    let log = tempfile::tempfile().unwrap();
    let mut child = command
        .stdout(out.try_clone().unwrap())
        .stderr(log.try_clone().unwrap())
        .spawn()
        .unwrap();
    let printed = || format!("{}{}", read_all(&out), read_all(&log));
    let started = std::time::Instant::now();
    while started.elapsed() < std::time::Duration::from_secs(seconds) {
        let said = ready.is_none_or(|line| read_all(&out).contains(line));
        if said && std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Ok(child);
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!(
                "{what} exited ({status}) before listening on port {port}: {}",
                printed()
            );
        }
        std::thread::sleep(std::time::Duration::from_millis(25));
    }
    let _ = child.kill();
    let _ = child.wait();
    Err(format!(
        "{what} did not listen on port {port} within {seconds} s: {}",
        printed()
    ))
}

/// Everything written to `file` from its start.
fn read_all(file: &std::fs::File) -> String {
    use std::io::{Read, Seek};
    let mut file = file;
    let mut text = String::new();
    let _ = file.rewind();
    let _ = file.read_to_string(&mut text);
    text
}

/// A real OpenID Connect provider on loopback for tests.
///
/// It is npm's `oidc-provider` on the machine's Node.js, run by `scripts/oidc-provider.mjs` from
/// the directory `ENCORE_TEST_OIDC_DIR` names (`scripts/test` installs it there), with one client
/// and one account whose sign-in and consent steps finish at once. [`OidcProvider::authorize`]
/// plays the browser's part at the provider.
pub struct OidcProvider {
    /// The port it listens on.
    pub port: u16,
    child: Option<std::process::Child>,
    /// The provider's cookies by (name, path).
    cookies: std::collections::BTreeMap<(String, String), String>,
}

/// Who signs in at an [`OidcProvider`].
#[derive(Debug, Clone)]
pub struct OidcAccount {
    /// The provider's id for the account.
    pub sub: String,
    /// Its address.
    pub email: String,
    /// Whether the provider vouches for the address.
    pub email_verified: bool,
    /// Its name.
    pub name: String,
}

/// The client id the test provider knows.
pub const OIDC_CLIENT_ID: &str = "encore-test";
/// The client secret the test provider knows.
pub const OIDC_CLIENT_SECRET: &str = "a-client-secret-for-tests-only-0123456789";

impl OidcProvider {
    /// A provider on a free port, not started (so that its issuer can be configured first).
    pub fn new() -> OidcProvider {
        let port = helper_port();
        OidcProvider {
            port,
            child: None,
            cookies: Default::default(),
        }
    }

    /// Starts the provider, sending readers back to `redirect_uris` and signing `account` in.
    pub fn start(&mut self, redirect_uris: &[String], account: &OidcAccount) {
        let dir = std::env::var("ENCORE_TEST_OIDC_DIR").expect(
            "ENCORE_TEST_OIDC_DIR names a directory with npm's oidc-provider (scripts/test installs it)",
        );
        let script = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../scripts/oidc-provider.mjs"
        );
        let claims = format!(
            r#"{{"sub":{:?},"email":{:?},"email_verified":{},"name":{:?}}}"#,
            account.sub, account.email, account.email_verified, account.name
        );
        let mut command = std::process::Command::new("node");
        // The provider keeps the machine's clock: a run with a faked date (scripts/test preloads
        // libfaketime) is about Encore's clock, and Node.js making its RSA key under libfaketime
        // hung for more than 90 s in CI.
        command
            .env_remove("LD_PRELOAD")
            .arg(script)
            .env("OIDC_DIR", dir)
            .env("PORT", self.port.to_string())
            .env("CLIENT_ID", OIDC_CLIENT_ID)
            .env("CLIENT_SECRET", OIDC_CLIENT_SECRET)
            .env("REDIRECT_URIS", redirect_uris.join(","))
            .env("ACCOUNT", claims);
        // Now and then, on a loaded machine, Node.js stalls for minutes before its first key is
        // made (seen in CI only, between "loaded" and "signing key made"); a fresh process does
        // not, so a stalled one is replaced.
        let ready = format!("listening on {}", self.port);
        let mut tries = Vec::new();
        self.child = None;
        for _ in 0..3 {
            match try_spawn_listening(
                &mut command,
                self.port,
                "the OpenID Connect provider",
                Some(&ready),
                40,
            ) {
                Ok(child) => {
                    self.child = Some(child);
                    break;
                }
                Err(why) => tries.push(why),
            }
        }
        assert!(self.child.is_some(), "{}", tries.join("\n"));
        self.cookies.clear();
    }

    /// The provider as Encore's configuration names it, with id `id`.
    pub fn provider(&self, id: &str) -> crate::social::Provider {
        crate::social::Provider {
            id: id.into(),
            label: "Test ID".into(),
            protocol: crate::social::Protocol::OpenIdConnect {
                issuer: self.issuer(),
            },
            client_id: OIDC_CLIENT_ID.into(),
            client_secret: OIDC_CLIENT_SECRET.into(),
            scopes: "openid email profile".into(),
        }
    }

    /// The issuer.
    pub fn issuer(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Stops the provider (a provider that is down).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Follows the provider's redirects from an authorisation address, as a browser would, until
    /// they lead elsewhere; that address (the client's callback, with `code` and `state`).
    pub async fn authorize(&mut self, url: &str) -> String {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let origin = self.issuer();
        let mut url = url.to_owned();
        for _ in 0..10 {
            if !url.starts_with(&origin) {
                return url;
            }
            let path = url[origin.len()..]
                .split('?')
                .next()
                .unwrap_or("/")
                .to_owned();
            let cookies = self
                .cookies
                .iter()
                .filter(|((_, p), _)| path.starts_with(p.as_str()))
                .map(|((n, _), v)| format!("{n}={v}"))
                .collect::<Vec<_>>()
                .join("; ");
            let response = client
                .get(&url)
                .header("cookie", cookies)
                .send()
                .await
                .unwrap();
            for set in response.headers().get_all("set-cookie") {
                let set = set.to_str().unwrap();
                let mut parts = set.split(';');
                let (name, value) = parts.next().unwrap().split_once('=').unwrap();
                let path = parts
                    .find_map(|a| a.trim().strip_prefix("path="))
                    .unwrap_or("/");
                self.cookies
                    .insert((name.to_owned(), path.to_owned()), value.to_owned());
            }
            let status = response.status();
            let location = response
                .headers()
                .get("location")
                .map(|l| l.to_str().unwrap().to_owned());
            let Some(location) = location else {
                panic!(
                    "the provider answered {status}: {}",
                    response.text().await.unwrap()
                );
            };
            url = if location.starts_with('/') {
                format!("{origin}{location}")
            } else {
                location
            };
        }
        panic!("the provider redirected too often");
    }
}

impl Default for OidcProvider {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for OidcProvider {
    fn drop(&mut self) {
        self.stop();
    }
}
