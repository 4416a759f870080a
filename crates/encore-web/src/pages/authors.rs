//! Author pages: a member's public posts.

use crate::{
    error::{Error, Result},
    extract::{CurrentSite, Params},
    pages::lists::{ListSpec, render_first, render_list},
    state::AppState,
};
use axum::{extract::State, http::Uri, response::Response};
use encore_core::{address, site::Site};
use encore_store::posts::PostFilter;

async fn author_spec(app: &AppState, site: &Site, username: &str) -> Result<ListSpec> {
    let valid = (2..=60).contains(&username.len())
        && username.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'-' | b'_' | b'.')
        });
    if !valid {
        return Err(Error::NotFound);
    }
    let author = app
        .store
        .accounts()
        .member_by_username(site.id, username)
        .await?
        .ok_or(Error::NotFound)?;
    let avatar = crate::pages::avatars::url_of(app, author.id).await?;
    Ok(ListSpec {
        filter: PostFilter::Author(author.id),
        base: address::author(&author.username),
        heading: Some(author.display_name),
        label: Some("Author"),
        description: author.bio,
        empty_is_not_found: true,
        avatar: Some(avatar),
    })
}

/// `GET /author/{username}`.
pub async fn show(
    State(app): State<AppState>,
    CurrentSite(site): CurrentSite,
    Params(username): Params<String>,
    uri: Uri,
) -> Result<Response> {
    let spec = author_spec(&app, &site, &username).await?;
    render_first(&app, &site, spec, &uri).await
}

/// `GET /author/{username}/page/{n}`.
pub async fn show_page(
    State(app): State<AppState>,
    CurrentSite(site): CurrentSite,
    Params((username, n)): Params<(String, u32)>,
    uri: Uri,
) -> Result<Response> {
    let spec = author_spec(&app, &site, &username).await?;
    render_list(&app, &site, spec, n, &uri).await
}
