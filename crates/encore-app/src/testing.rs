//! Test support for the crates above this one: the store's post builder, published through the
//! use cases (so the page cache hears of it, as it would of a real writer).
#![allow(clippy::unwrap_used)]

use crate::{
    Actor, App,
    posts::{PostDraft, Ref, create_post},
};
use encore_core::{ids::PostId, post::NewPost};
use encore_store::testing::fixtures::PostBuilder;

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
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
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
        let child = std::process::Command::new(python)
            .args(["-m", "aiosmtpd", "-n", "-l"])
            .arg(format!("127.0.0.1:{}", self.port))
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(self.dir.path().join("box"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        self.child = Some(child);
        for _ in 0..200 {
            if std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(25));
        }
        panic!("the SMTP server did not start on port {}", self.port);
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
