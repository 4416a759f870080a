//! Test support for this crate's tests and the web and CLI crates'.
//!
//! A fresh, migrated store per test on SQLite (a file in a temporary directory) or PostgreSQL (a new database on the server
//! named by `ENCORE_TEST_PG_URL`, which `scripts/test` starts on loopback).
//!
//! PostgreSQL test databases are not dropped: they live in a throwaway cluster that
//! `scripts/test` deletes when the run ends.
#![allow(clippy::unwrap_used)]

use crate::{PoolOptions, Store, StoreOptions};
use sqlx::{AssertSqlSafe, Connection};
use std::sync::atomic::{AtomicU32, Ordering};
use tempfile::TempDir;

/// The environment variable naming the PostgreSQL server tests use.
pub const PG_URL_VAR: &str = "ENCORE_TEST_PG_URL";

/// Which database a test runs against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TestBackend {
    /// A SQLite file in the test's temporary directory.
    Sqlite,
    /// A fresh database on the `ENCORE_TEST_PG_URL` server.
    Postgres,
}

/// A migrated store owned by one test, with its temporary directory (media, SQLite file).
pub struct TestStore {
    /// The store.
    pub store: Store,
    /// Options it was opened with, to open it again (for restart tests).
    pub options: StoreOptions,
    /// The temporary directory; deleted when the test ends.
    pub dir: TempDir,
    /// The relay to PostgreSQL, for stores made by [`TestStore::for_outage`].
    proxy: Option<TcpProxy>,
}

impl TestStore {
    /// Creates and migrates a store for one test.
    pub async fn new(backend: TestBackend) -> TestStore {
        let test = Self::unmigrated(backend).await;
        test.store.migrate().await.unwrap();
        test
    }

    /// A migrated store whose database a test can take away with [`TestStore::outage`]. Waiting for a
    /// connection gives up after half a second, so an outage shows quickly.
    pub async fn for_outage(backend: TestBackend) -> TestStore {
        let mut test = Self::new(backend).await;
        let mut options = test.options.clone();
        options.pool.acquire_timeout = std::time::Duration::from_millis(500);
        if backend == TestBackend::Postgres {
            let (server, path) = split_authority(&options.database_url);
            let proxy = TcpProxy::start(server).await;
            options.database_url = path.replace("{authority}", &proxy.addr.to_string());
            test.proxy = Some(proxy);
        }
        test.store = Store::open(&options).await.unwrap();
        test.options = options;
        test
    }

    /// Takes the database away: the PostgreSQL server becomes unreachable (its relay drops every
    /// connection and refuses new ones), and a SQLite store's connections close.
    pub async fn outage(&self) {
        match &self.proxy {
            Some(proxy) => proxy.cut(),
            None => self.store.close().await,
        }
    }

    /// A store migrated only up to `version`, as an older release left it (for upgrade tests).
    pub async fn at_migration(backend: TestBackend, version: i64) -> TestStore {
        let test = Self::unmigrated(backend).await;
        test.store.migrate_to(version).await.unwrap();
        test
    }

    async fn unmigrated(backend: TestBackend) -> TestStore {
        let dir = tempfile::tempdir().unwrap();
        let database_url = match backend {
            TestBackend::Sqlite => format!("sqlite://{}", dir.path().join("encore.db").display()),
            TestBackend::Postgres => fresh_pg_database().await,
        };
        let options = StoreOptions {
            database_url,
            media_dir: dir.path().join("media"),
            pool: PoolOptions {
                max_connections: 4,
                ..PoolOptions::default()
            },
        };
        let store = Store::open(&options).await.unwrap();
        TestStore {
            store,
            options,
            dir,
            proxy: None,
        }
    }
}

/// Runs a statement as it stands, to put a store into a state no use case makes (a tampered
/// row); how many rows it changed.
pub async fn execute(store: &Store, sql: &str) -> u64 {
    crate::backend::write!(store, |pool| sqlx::query(AssertSqlSafe(sql.to_owned()))
        .execute(pool)
        .await
        .unwrap()
        .rows_affected())
}

/// Creates an empty database on the test server and returns its URL.
pub async fn fresh_pg_database() -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let server = std::env::var(PG_URL_VAR).unwrap_or_else(|_| {
        panic!("{PG_URL_VAR} is not set: run the tests with scripts/test, which starts PostgreSQL, or point it at a server")
    });
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let name = format!(
        "encore_t{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        nanos
    );
    let mut admin = sqlx::PgConnection::connect(&server).await.unwrap();
    sqlx::query(AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut admin)
        .await
        .unwrap();
    admin.close().await.unwrap();
    with_database(&server, &name)
}

/// `host:port` of a PostgreSQL URL, and the URL with `{authority}` in its place.
fn split_authority(url: &str) -> (String, String) {
    let start = url.find("://").map_or(0, |i| i + 3);
    let rest = &url[start..];
    let end = rest.find(['/', '?']).map_or(url.len(), |i| start + i);
    let authority = &url[start..end];
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let prefix = &url[..end - host_port.len()];
    (
        host_port.to_owned(),
        format!("{prefix}{{authority}}{}", &url[end..]),
    )
}

/// A TCP relay on loopback that a test can cut, to play a database server going away.
struct TcpProxy {
    addr: std::net::SocketAddr,
    stop: tokio::sync::watch::Sender<bool>,
}

impl TcpProxy {
    async fn start(target: String) -> TcpProxy {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = tokio::sync::watch::channel(false);
        tokio::spawn(async move {
            loop {
                let mut cut = stopped.clone();
                tokio::select! {
                    accepted = listener.accept() => {
                        let Ok((mut inbound, _)) = accepted else { break };
                        let target = target.clone();
                        let mut cut = stopped.clone();
                        tokio::spawn(async move {
                            let Ok(mut outbound) = tokio::net::TcpStream::connect(&target).await else {
                                return;
                            };
                            tokio::select! {
                                _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
                                _ = cut.wait_for(|c| *c) => {}
                            }
                        });
                    }
                    _ = cut.wait_for(|c| *c) => break,
                }
            }
            // The listener is dropped here: new connections are refused from now on.
        });
        TcpProxy { addr, stop }
    }

    fn cut(&self) {
        let _ = self.stop.send(true);
    }
}

/// Replaces the database name in a PostgreSQL URL.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let path_start = base[authority_start..]
        .find('/')
        .map_or(base.len(), |i| authority_start + i);
    let mut out = format!("{}/{name}", &base[..path_start]);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

/// Defines each listed `async fn name(backend: TestBackend)` as two tests, `sqlite::name` and
/// `postgres::name`, so that every store story runs on both backends.
#[macro_export]
macro_rules! backend_tests {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    super::$name($crate::testing::TestBackend::Sqlite).await
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $name() {
                    super::$name($crate::testing::TestBackend::Postgres).await
                }
            )*
        }
    };
}

/// Builders for test data: a site with an author, and posts with sensible defaults.
pub mod fixtures {
    use crate::Store;
    use chrono::{DateTime, Duration, TimeZone, Utc};
    use encore_core::{
        account::{Account, NewAccount},
        ids::{CategoryId, DownloadId, PostId, SeriesId, TagId},
        post::{NewPost, PostKind, PostStatus},
        roles::Role,
        site::{NewSite, Site},
        tracks::Track,
    };

    /// A fixed "now" so that scheduled posts are deterministic.
    pub fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap()
    }

    pub async fn site(store: &Store, host: &str) -> Site {
        let new = NewSite {
            host: host.into(),
            title: format!("Blog at {host}"),
            tagline: String::new(),
            base_url: None,
            is_default: false,
        }
        .validate()
        .unwrap();
        let mut tx = store.begin().await.unwrap();
        let site = tx.sites().insert(&new, now()).await.unwrap();
        tx.commit().await.unwrap();
        site
    }

    pub async fn author(store: &Store, site: &Site, username: &str) -> Account {
        let new = NewAccount {
            username: username.into(),
            email: format!("{username}@example.org"),
            display_name: username.to_uppercase(),
            bio: String::new(),
        }
        .validate()
        .unwrap();
        let mut tx = store.begin().await.unwrap();
        let account = tx
            .accounts()
            .insert(&new, Some("$argon2id$test"), now())
            .await
            .unwrap();
        tx.accounts()
            .set_role(site.id, account.id, Role::Author, now())
            .await
            .unwrap();
        tx.commit().await.unwrap();
        account
    }

    /// The category `name` of `site`, created when missing.
    pub async fn category(
        store: &Store,
        site: &Site,
        name: &str,
    ) -> encore_core::taxonomy::Category {
        category_described(store, site, name, "").await
    }

    /// The category `name` of `site` with a description, created when missing.
    pub async fn category_described(
        store: &Store,
        site: &Site,
        name: &str,
        description: &str,
    ) -> encore_core::taxonomy::Category {
        let mut tx = store.begin().await.unwrap();
        let category = tx
            .taxonomy()
            .ensure_category(site.id, name, description)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        category
    }

    /// The tag `name` of `site`, created when missing.
    pub async fn tag(store: &Store, site: &Site, name: &str) -> encore_core::taxonomy::Tag {
        let mut tx = store.begin().await.unwrap();
        let tag = tx.taxonomy().ensure_tag(site.id, name).await.unwrap();
        tx.commit().await.unwrap();
        tag
    }

    /// A series of `site` titled `title`.
    pub async fn series(store: &Store, site: &Site, title: &str) -> encore_core::series::Series {
        series_described(store, site, title, "").await
    }

    /// A series of `site` titled `title`, with a description.
    pub async fn series_described(
        store: &Store,
        site: &Site,
        title: &str,
        description: &str,
    ) -> encore_core::series::Series {
        let mut tx = store.begin().await.unwrap();
        let series = tx
            .series()
            .insert(site.id, title, "", description, now())
            .await
            .unwrap();
        tx.commit().await.unwrap();
        series
    }

    /// A file in `site`'s media library.
    pub async fn download(
        store: &Store,
        site: &Site,
        file_name: &str,
        bytes: bytes::Bytes,
    ) -> encore_core::download::Download {
        let mut tx = store.begin().await.unwrap();
        let download = tx
            .downloads()
            .insert(site.id, file_name, bytes, now())
            .await
            .unwrap();
        tx.commit().await.unwrap();
        download
    }

    /// Stores a validated post in its own transaction, for tests of what the store refuses.
    pub async fn try_insert_post(
        store: &Store,
        post: &NewPost,
    ) -> Result<PostId, crate::StoreError> {
        let rendered = encore_core::post::Rendered::of(&post.body, &post.excerpt);
        let mut tx = store.begin().await?;
        let id = tx.posts().insert(post, &rendered, now()).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Creates a site from `new`, in its own transaction.
    pub async fn try_site(store: &Store, new: &NewSite) -> Result<Site, crate::StoreError> {
        let mut tx = store.begin().await?;
        let site = tx.sites().insert(new, now()).await?;
        tx.commit().await?;
        Ok(site)
    }

    /// A published post builder: `PostBuilder::new(&site, &author, "Title").at(days_ago).insert(&store)`.
    pub struct PostBuilder(pub NewPost);

    impl PostBuilder {
        pub fn new(site: &Site, author: &Account, title: &str) -> Self {
            Self(NewPost {
                site_id: site.id,
                author_id: author.id,
                kind: PostKind::Post,
                status: PostStatus::Published,
                slug: String::new(),
                title: title.into(),
                excerpt: String::new(),
                body: format!("All about {title}."),
                published_at: Some(now() - Duration::days(1)),
                series: None,
                categories: vec![],
                tags: vec![],
                tracks: vec![],
                downloads: vec![],
                subject_year: None,
                featured_image: None,
                comments_open: true,
            })
        }

        pub fn days_ago(mut self, days: i64) -> Self {
            self.0.published_at = Some(now() - Duration::days(days));
            self
        }

        pub fn at(mut self, at: DateTime<Utc>) -> Self {
            self.0.published_at = Some(at);
            self
        }

        /// A draft that keeps its date, so only the status keeps it hidden (see [`Self::undated`]).
        pub fn draft(self) -> Self {
            self.status(PostStatus::Draft)
        }

        /// Submitted for review, with a date.
        pub fn pending(self) -> Self {
            self.status(PostStatus::Pending)
        }

        /// Private: dated like a published post, never shown to readers.
        pub fn private(self) -> Self {
            self.status(PostStatus::Private)
        }

        pub fn status(mut self, status: PostStatus) -> Self {
            self.0.status = status;
            self
        }

        /// No publish date (only drafts and pending posts may lack one).
        pub fn undated(mut self) -> Self {
            self.0.published_at = None;
            self
        }

        pub fn page(mut self) -> Self {
            self.0.kind = PostKind::Page;
            self
        }

        pub fn in_series(mut self, series: SeriesId, position: i64) -> Self {
            self.0.series = Some((series, position));
            self
        }

        pub fn category(mut self, id: CategoryId) -> Self {
            self.0.categories.push(id);
            self
        }

        pub fn tag(mut self, id: TagId) -> Self {
            self.0.tags.push(id);
            self
        }

        pub fn tracks(mut self, tracks: Vec<Track>) -> Self {
            self.0.tracks = tracks;
            self
        }

        pub fn download(mut self, id: DownloadId) -> Self {
            self.0.downloads.push(id);
            self
        }

        /// Stores the post directly (for store tests; the web's tests publish through the
        /// application layer, which also tells the page cache).
        pub async fn insert(self, store: &Store) -> PostId {
            let post = self.0.validate().unwrap();
            try_insert_post(store, &post).await.unwrap()
        }
    }
}

/// Reading rendered pages in tests without an HTML parser: the markup is ours and stable.
pub mod html {
    /// The text between `start` and the next `end` after it.
    pub fn between<'a>(html: &'a str, start: &str, end: &str) -> Option<&'a str> {
        let from = html.find(start)? + start.len();
        let to = html[from..].find(end)? + from;
        Some(&html[from..to])
    }

    /// Every text between `start` and `end`, in order.
    pub fn all_between<'a>(html: &'a str, start: &str, end: &str) -> Vec<&'a str> {
        let mut out = Vec::new();
        let mut rest = html;
        while let Some(from) = rest.find(start) {
            let after = &rest[from + start.len()..];
            let Some(to) = after.find(end) else { break };
            out.push(&after[..to]);
            rest = &after[to + end.len()..];
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn authorities_are_found_in_urls() {
        assert_eq!(
            super::split_authority("postgres://encore@127.0.0.1:5544/t1"),
            (
                "127.0.0.1:5544".to_owned(),
                "postgres://encore@{authority}/t1".to_owned()
            )
        );
    }

    #[test]
    fn database_names_are_swapped_in_urls() {
        assert_eq!(
            with_database("postgres://u@127.0.0.1:5433/postgres", "t1"),
            "postgres://u@127.0.0.1:5433/t1"
        );
        assert_eq!(
            with_database("postgres://u@127.0.0.1:5433", "t1"),
            "postgres://u@127.0.0.1:5433/t1"
        );
        assert_eq!(
            with_database("postgres://u@h/db?sslmode=disable", "t1"),
            "postgres://u@h/t1?sslmode=disable"
        );
    }
}
