//! Public page handlers, one module per resource; each extracts, calls the store, renders.

pub mod account;
pub mod admin;
pub mod archives;
pub mod assets;
pub mod authors;
pub mod avatars;
pub mod comments;
pub mod downloads;
pub mod errors;
pub mod likes;
pub mod lists;
pub mod misc;
pub mod pictures;
pub mod posts;
pub mod series;
pub mod social;
pub mod taxonomy;

use crate::{cache::PageTopics, error::Result, state::AppState};
use axum::response::{Html, IntoResponse, Response};
use encore_core::change::Topic;
use serde::Serialize;

/// Renders a public page that shows `topics` (besides the site's frame), which the page cache
/// may keep until one of them changes.
pub(crate) fn render_page<T: Serialize>(
    app: &AppState,
    template: &str,
    context: &T,
    topics: Vec<Topic>,
) -> Result<Response> {
    let mut response = Html(app.theme.render(template, context)?).into_response();
    response.extensions_mut().insert(PageTopics(topics));
    Ok(response)
}
