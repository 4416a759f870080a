//! Series pages: the parts of a series in reading order.

use crate::{
    error::{Error, Result},
    extract::{CurrentSite, Params},
    meta,
    pages::render_page,
    state::AppState,
    views::Layout,
};
use axum::{extract::State, response::Response};
use encore_core::{
    change::Topic,
    series::{Series, SeriesPart},
    slug,
};
use serde::Serialize;

#[derive(Serialize)]
struct SeriesPage {
    layout: Layout,
    series: Series,
    parts: Vec<SeriesPart>,
}

/// `GET /series/{slug}`.
pub async fn show(
    State(app): State<AppState>,
    CurrentSite(site): CurrentSite,
    Params(slug): Params<String>,
) -> Result<Response> {
    let slug = slug::normalize(&slug);
    if !slug::is_valid(&slug) {
        return Err(Error::NotFound);
    }
    let now = app.clock.now();
    let series = app
        .store
        .series()
        .by_slug(site.id, &slug)
        .await?
        .ok_or(Error::NotFound)?;
    let parts = app
        .store
        .series()
        .public_parts(site.id, series.id, now)
        .await?;
    if parts.is_empty() {
        return Err(Error::NotFound);
    }
    let path = series.path();
    let head = meta::page_head(&site, Some(&series.title), &series.description, &path);
    let layout = Layout::load(&app, &site, &path, head, now).await?;
    let topics = parts.iter().map(|p| Topic::Post(p.id)).collect();
    render_page(
        &app,
        "series.html",
        &SeriesPage {
            layout,
            series,
            parts,
        },
        topics,
    )
}
