//! `GET /theme/{*path}`: the theme's static files.

use crate::{
    error::{Error, Result},
    extract::Params,
    state::AppState,
};
use axum::{
    extract::State,
    http::{Uri, header},
    response::{IntoResponse, Response},
};

/// Serves an asset. Asset links carry `?v=<theme version>`; such a request may be cached for a
/// year, because a changed asset gets a new version. Anything else is cached briefly.
pub async fn get(
    State(app): State<AppState>,
    Params(path): Params<String>,
    uri: Uri,
) -> Result<Response> {
    let asset = app.theme.asset(&path).ok_or(Error::NotFound)?;
    let versioned = uri.query().is_some_and(|q| {
        q.split('&')
            .any(|kv| kv == format!("v={}", app.theme.version))
    });
    let cache = if versioned {
        "public, max-age=31536000, immutable"
    } else {
        "public, max-age=300"
    };
    Ok((
        [
            (header::CONTENT_TYPE, asset.content_type.as_str()),
            (header::CACHE_CONTROL, cache),
        ],
        asset.bytes,
    )
        .into_response())
}
