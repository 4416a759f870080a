//! Category, tag and subject-year pages.

use crate::{
    error::{Error, Result},
    extract::{CurrentSite, Params},
    pages::lists::{ListSpec, render_first, render_list},
    state::AppState,
};
use axum::{extract::State, http::Uri, response::Response};
use encore_core::{address, post::SUBJECT_YEARS, site::Site, slug};
use encore_store::posts::PostFilter;

async fn category_spec(app: &AppState, site: &Site, slug: &str) -> Result<ListSpec> {
    let slug = &slug::normalize(slug);
    if !slug::is_valid(slug) {
        return Err(Error::NotFound);
    }
    let category = app
        .store
        .taxonomy()
        .category_by_slug(site.id, slug)
        .await?
        .ok_or(Error::NotFound)?;
    Ok(ListSpec {
        filter: PostFilter::Category(category.id),
        base: address::category(&category.slug),
        heading: Some(category.name),
        label: Some("Category"),
        description: category.description,
        empty_is_not_found: true,
        avatar: None,
    })
}

async fn tag_spec(app: &AppState, site: &Site, slug: &str) -> Result<ListSpec> {
    let slug = &slug::normalize(slug);
    if !slug::is_valid(slug) {
        return Err(Error::NotFound);
    }
    let tag = app
        .store
        .taxonomy()
        .tag_by_slug(site.id, slug)
        .await?
        .ok_or(Error::NotFound)?;
    Ok(ListSpec {
        filter: PostFilter::Tag(tag.id),
        base: address::tag(&tag.slug),
        heading: Some(tag.name),
        label: Some("Tag"),
        description: String::new(),
        empty_is_not_found: true,
        avatar: None,
    })
}

fn subject_spec(year: &str) -> Result<ListSpec> {
    let year: i32 = year.parse().map_err(|_| Error::NotFound)?;
    if !SUBJECT_YEARS.contains(&year) {
        return Err(Error::NotFound);
    }
    Ok(ListSpec {
        filter: PostFilter::SubjectYear(year),
        base: address::subject_year(year),
        heading: Some(format!("About {year}")),
        label: Some("Subject"),
        description: format!("Posts about {year}, whenever they were written."),
        empty_is_not_found: true,
        avatar: None,
    })
}

/// `GET /subject/{year}`: the posts about a year.
pub async fn subject(
    State(app): State<AppState>,
    CurrentSite(site): CurrentSite,
    Params(year): Params<String>,
    uri: Uri,
) -> Result<Response> {
    render_first(&app, &site, subject_spec(&year)?, &uri).await
}

/// `GET /subject/{year}/page/{n}`.
pub async fn subject_page(
    State(app): State<AppState>,
    CurrentSite(site): CurrentSite,
    Params((year, n)): Params<(String, u32)>,
    uri: Uri,
) -> Result<Response> {
    render_list(&app, &site, subject_spec(&year)?, n, &uri).await
}

/// `GET /category/{slug}`.
pub async fn category(
    State(app): State<AppState>,
    CurrentSite(site): CurrentSite,
    Params(slug): Params<String>,
    uri: Uri,
) -> Result<Response> {
    let spec = category_spec(&app, &site, &slug).await?;
    render_first(&app, &site, spec, &uri).await
}

/// `GET /category/{slug}/page/{n}`.
pub async fn category_page(
    State(app): State<AppState>,
    CurrentSite(site): CurrentSite,
    Params((slug, n)): Params<(String, u32)>,
    uri: Uri,
) -> Result<Response> {
    let spec = category_spec(&app, &site, &slug).await?;
    render_list(&app, &site, spec, n, &uri).await
}

/// `GET /tag/{slug}`.
pub async fn tag(
    State(app): State<AppState>,
    CurrentSite(site): CurrentSite,
    Params(slug): Params<String>,
    uri: Uri,
) -> Result<Response> {
    let spec = tag_spec(&app, &site, &slug).await?;
    render_first(&app, &site, spec, &uri).await
}

/// `GET /tag/{slug}/page/{n}`.
pub async fn tag_page(
    State(app): State<AppState>,
    CurrentSite(site): CurrentSite,
    Params((slug, n)): Params<(String, u32)>,
    uri: Uri,
) -> Result<Response> {
    let spec = tag_spec(&app, &site, &slug).await?;
    render_list(&app, &site, spec, n, &uri).await
}
