//! Every route of Encore's web face, in one list, and the layers around them.

use crate::{
    pages::{archives, assets, authors, downloads, errors, misc, posts, series, taxonomy},
    state::AppState,
};
use axum::{
    Router,
    extract::Request,
    http::{HeaderName, HeaderValue, StatusCode, header},
    middleware::{self, Next},
    response::{IntoResponse, Redirect, Response},
    routing::get,
};
use std::time::Duration;
use tower_http::{
    catch_panic::CatchPanicLayer, limit::RequestBodyLimitLayer, set_header::SetResponseHeaderLayer,
    timeout::TimeoutLayer, trace::TraceLayer,
};

/// The players an embed may frame (see `encore_core::embed::PLAYER_PREFIXES`).
const CSP: &str = "default-src 'self'; img-src 'self' https: data:; media-src 'self' https:; \
    style-src 'self'; style-src-attr 'unsafe-inline'; script-src 'self'; object-src 'none'; base-uri 'self'; \
    form-action 'self'; frame-ancestors 'self'; frame-src https://www.youtube-nocookie.com https://player.vimeo.com \
    https://w.soundcloud.com https://bandcamp.com https://open.spotify.com";

/// Builds the application: routes, error pages, security headers, limits and tracing.
pub fn router(state: AppState) -> Router {
    let header = |name: HeaderName, value: &'static str| {
        SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
    };
    Router::new()
        .route("/", get(posts::home))
        .route("/page/{n}", get(posts::home_page))
        .route("/{first}", get(posts::section))
        .route("/{first}/page/{n}", get(archives::year_page))
        .route("/{first}/{second}", get(archives::month))
        .route("/{first}/{second}/page/{n}", get(archives::month_page))
        .route("/{first}/{second}/{day}/{slug}", get(posts::show))
        .route("/category/{slug}", get(taxonomy::category))
        .route("/category/{slug}/page/{n}", get(taxonomy::category_page))
        .route("/tag/{slug}", get(taxonomy::tag))
        .route("/tag/{slug}/page/{n}", get(taxonomy::tag_page))
        .route("/series/{slug}", get(series::show))
        .route("/author/{username}", get(authors::show))
        .route("/author/{username}/page/{n}", get(authors::show_page))
        .route("/download/{id}/{name}", get(downloads::get))
        .route("/theme/{*path}", get(assets::get))
        .route("/robots.txt", get(misc::robots))
        .route("/healthz", get(misc::health))
        .fallback(errors::not_found)
        // Inner to outer: panics become 500 responses that the error-page layer then renders.
        .layer(CatchPanicLayer::custom(errors::panic_response))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            errors::error_pages,
        ))
        .layer(middleware::from_fn(trailing_slash))
        .layer(header(header::CONTENT_SECURITY_POLICY, CSP))
        .layer(header(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(header(
            header::REFERRER_POLICY,
            "strict-origin-when-cross-origin",
        ))
        .layer(header(header::X_FRAME_OPTIONS, "SAMEORIGIN"))
        .layer(RequestBodyLimitLayer::new(64 * 1024))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(30),
        ))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Sends `/1985/` to `/1985`, so every page has one address (links from WordPress end in `/`).
async fn trailing_slash(request: Request, next: Next) -> Response {
    let path = request.uri().path();
    // `//host` would be a protocol-relative address: never echo one back as a redirect.
    if path.len() > 1 && path.ends_with('/') && !path.starts_with("//") {
        let trimmed = path.trim_end_matches('/');
        let target = match request.uri().query() {
            Some(q) => format!("{trimmed}?{q}"),
            None => trimmed.to_owned(),
        };
        if !target.starts_with("//") && !target.is_empty() {
            return Redirect::permanent(&target).into_response();
        }
    }
    next.run(request).await
}
