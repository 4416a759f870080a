//! Public page handlers, one module per resource; each extracts, calls the store, renders.

pub mod archives;
pub mod assets;
pub mod authors;
pub mod downloads;
pub mod errors;
pub mod lists;
pub mod misc;
pub mod posts;
pub mod series;
pub mod taxonomy;

use crate::{error::Result, state::AppState};
use axum::response::Html;
use serde::Serialize;

/// Renders a template into an HTML response.
pub(crate) fn render<T: Serialize>(
    app: &AppState,
    template: &str,
    context: &T,
) -> Result<Html<String>> {
    Ok(Html(app.theme.render(template, context)?))
}
