//! The state every handler shares.

use crate::theme::Theme;
use encore_core::clock::Clock;
use encore_store::Store;
use std::sync::Arc;

/// Shared, cheaply cloned application state.
#[derive(Debug, Clone)]
pub struct AppState {
    /// Database and media.
    pub store: Store,
    /// Templates and assets.
    pub theme: Arc<Theme>,
    /// Settings the web layer reads.
    pub settings: Arc<Settings>,
    /// Where "now" comes from: what is public, and what a download is counted against.
    pub clock: Clock,
}

/// Web settings from the configuration.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Posts per page on the home page and archives.
    pub posts_per_page: u32,
}

impl AppState {
    /// Bundles the parts, with the system clock.
    pub fn new(store: Store, theme: Theme, settings: Settings) -> AppState {
        AppState {
            store,
            theme: Arc::new(theme),
            settings: Arc::new(settings),
            clock: Clock::system(),
        }
    }

    /// The same state reading time from `clock` (tests set the date they need).
    pub fn with_clock(mut self, clock: Clock) -> AppState {
        self.clock = clock;
        self
    }
}
