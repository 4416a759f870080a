//! Builders for test data: a site with an author, and posts with sensible defaults.

use chrono::{DateTime, Duration, TimeZone, Utc};
use encore_core::{
    account::{Account, NewAccount},
    ids::{CategoryId, DownloadId, PostId, SeriesId, TagId},
    post::{NewPost, PostKind, PostStatus},
    roles::Role,
    site::{NewSite, Site},
    tracks::Track,
};
use encore_store::Store;

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
    store.sites().insert(&new, now()).await.unwrap()
}

pub async fn author(store: &Store, site: &Site, username: &str) -> Account {
    let new = NewAccount {
        username: username.into(),
        email: format!("{username}@example.org"),
        display_name: username.to_uppercase(),
    }
    .validate()
    .unwrap();
    let account = store
        .accounts()
        .insert(&new, Some("$argon2id$test"), now())
        .await
        .unwrap();
    store
        .accounts()
        .set_role(site.id, account.id, Role::Author, now())
        .await
        .unwrap();
    account
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

    pub fn draft(mut self) -> Self {
        self.0.status = PostStatus::Draft;
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

    pub async fn insert(self, store: &Store) -> PostId {
        let post = self.0.validate().unwrap();
        store.posts().insert(&post, now()).await.unwrap()
    }
}
