//! The state every handler shares.

use crate::{
    cache::PageCache,
    memo::{Frames, SiteMap},
    theme::Theme,
};
use encore_app::App;
use encore_core::clock::Clock;
use encore_store::Store;
use std::sync::Arc;

/// Shared application state: one `Arc`, so that the clone each layer and handler takes costs one
/// atomic increment.
#[derive(Debug, Clone)]
pub struct AppState(Arc<Shared>);

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// What [`AppState`] holds.
#[derive(Debug)]
pub struct Shared {
    /// The application layer: every write goes through it.
    pub app: App,
    /// Database and media, for reading (the application's store).
    pub store: Store,
    /// Where "now" comes from: what is public, and what a download is counted against (the
    /// application's clock).
    pub clock: Clock,
    /// Templates and assets.
    pub theme: Arc<Theme>,
    /// Settings the web layer reads.
    pub settings: Arc<Settings>,
    /// Pages ready to send, and what changed when.
    pub cache: Arc<PageCache>,
    /// The sites by host.
    pub sites: Arc<SiteMap>,
    /// Each site's menu and sidebar.
    pub frames: Arc<Frames>,
    /// What each client has sent this minute.
    pub throttle: Arc<crate::throttle::Throttle>,
}

/// Web settings from the configuration.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Posts per page on the home page and archives.
    pub posts_per_page: u32,
    /// Bytes the page cache may hold; 0 turns it off.
    pub page_cache_bytes: u64,
    /// Limits on connections and slow clients.
    pub limits: crate::server::Limits,
    /// Proxies whose `X-Forwarded-For` names the client (their own address is not the client's).
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// A bearer token that opens `/metrics` to other machines; without one, only to this one.
    pub metrics_token: Option<String>,
    /// How many comments and likes one client may send a minute.
    pub rates: crate::throttle::Rates,
    /// Services readers may sign in through.
    pub social: encore_app::social::Social,
    /// The Akismet-compatible spam API, answered under a path of its own, if it is on.
    pub spam: Option<SpamApi>,
}

/// The spam API as the router serves it.
#[derive(Clone)]
pub struct SpamApi {
    /// Where its routes start (`/akismet`: `/akismet/1.1/comment-check`).
    pub path: String,
    /// What answers them.
    pub service: encore_spam::service::Service,
}

impl std::fmt::Debug for SpamApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SpamApi")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl Settings {
    /// Defaults for tests and embedding: `posts_per_page`, a 32 MB page cache, the default
    /// limits, no trusted proxy, metrics for this machine only.
    pub fn new(posts_per_page: u32) -> Settings {
        Settings {
            posts_per_page,
            page_cache_bytes: 32 * 1024 * 1024,
            limits: crate::server::Limits::default(),
            trusted_proxies: Vec::new(),
            metrics_token: None,
            rates: crate::throttle::Rates::default(),
            social: encore_app::social::Social::default(),
            spam: None,
        }
    }
}

impl AppState {
    /// Bundles the parts, and has the page cache hear of every change the application makes or
    /// learns of.
    pub fn new(app: App, theme: Theme, settings: Settings) -> AppState {
        let cache = Arc::new(PageCache::new(settings.page_cache_bytes));
        let throttle = Arc::new(crate::throttle::Throttle::new(settings.rates));
        let listener = cache.clone();
        app.listen(Arc::new(move |change| listener.note(change)));
        AppState(Arc::new(Shared {
            store: app.store().clone(),
            clock: app.clock().clone(),
            app,
            theme: Arc::new(theme),
            settings: Arc::new(settings),
            cache,
            sites: Arc::new(SiteMap::default()),
            frames: Arc::new(Frames::default()),
            throttle,
        }))
    }
}
