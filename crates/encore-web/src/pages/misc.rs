//! Small endpoints for machines: health and robots.

use crate::{error::Result, state::AppState};
use axum::{extract::State, http::header, response::IntoResponse};

/// `GET /healthz`: 200 "ok" when the database answers.
pub async fn health(State(app): State<AppState>) -> Result<impl IntoResponse> {
    app.store.ping().await?;
    Ok(([(header::CACHE_CONTROL, "no-store")], "ok\n"))
}

/// `GET /robots.txt`: everything public may be indexed.
pub async fn robots() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        "User-agent: *\nDisallow:\n",
    )
}
