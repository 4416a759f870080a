//! Encore's web face: the router, handlers, extractors, and the theme renderer.
//!
//! Data flows one way: handlers call `encore-store` for data and `encore-core` for rules, then
//! render a template. Nothing here writes SQL or decides what is visible.

pub mod error;
pub mod extract;
pub mod meta;
pub mod pages;
pub mod router;
pub mod state;
pub mod theme;
pub mod views;

pub use router::router;
pub use state::{AppState, Settings};
pub use theme::Theme;

use std::future::Future;
use tokio::net::TcpListener;

/// Serves the application on `listener` until `shutdown` resolves, then finishes the requests
/// in flight.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await
}
