//! Encore's web face: the router, handlers, extractors, and the theme renderer.
//!
//! Data flows one way: handlers call `encore-store` for data and `encore-core` for rules, then
//! render a template. Nothing here writes SQL or decides what is visible.

pub mod cache;
pub mod error;
pub mod extract;
pub mod front;
pub mod memo;
pub mod meta;
pub mod metrics;
pub mod pages;
pub mod router;
pub mod server;
pub mod session;
pub mod state;
pub mod theme;
pub mod throttle;
pub mod views;

pub use router::router;
pub use state::{AppState, Settings, SpamApi};
pub use theme::Theme;

use std::future::Future;
use tokio::net::TcpListener;

/// Serves the application on `listener`, with the settings' limits on slow and hostile clients,
/// until `shutdown` resolves; then finishes the requests in flight.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let limits = state.settings.limits;
    serve_router(listener, router(state), limits, shutdown).await
}

/// Serves any router (the blog with the spam API nested, say) the same way.
pub async fn serve_router(
    listener: TcpListener,
    app: axum::Router,
    limits: server::Limits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    metrics::handle();
    server::serve(listener, app, limits, shutdown).await
}
