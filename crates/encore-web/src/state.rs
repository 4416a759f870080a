//! The state every handler shares.

use crate::theme::Theme;
use encore_app::App;
use encore_core::clock::Clock;
use encore_store::Store;
use std::sync::Arc;

/// Shared, cheaply cloned application state.
#[derive(Debug, Clone)]
pub struct AppState {
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
}

/// Web settings from the configuration.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Posts per page on the home page and archives.
    pub posts_per_page: u32,
}

impl AppState {
    /// Bundles the parts.
    pub fn new(app: App, theme: Theme, settings: Settings) -> AppState {
        AppState {
            store: app.store().clone(),
            clock: app.clock().clone(),
            app,
            theme: Arc::new(theme),
            settings: Arc::new(settings),
        }
    }
}
