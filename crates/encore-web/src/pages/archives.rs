//! Date archives: `/{yyyy}` and `/{yyyy}/{mm}`, with their `/page/{n}` continuations.

use crate::{
    error::{Error, Result},
    extract::{CurrentSite, Params},
    pages::lists::{ListSpec, render_first, render_list},
    state::AppState,
};
use axum::{extract::State, http::Uri, response::Response};
use chrono::{DateTime, NaiveDate, Utc};
use encore_core::{address, site::Site, slug};
use encore_store::posts::PostFilter;

fn start_of(year: i32, month: u32) -> Option<DateTime<Utc>> {
    NaiveDate::from_ymd_opt(year, month, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|d| d.and_utc())
}

fn year_spec(year: &str) -> Result<ListSpec> {
    let y: i32 = year.parse().map_err(|_| Error::NotFound)?;
    let (from, to) = start_of(y, 1)
        .zip(start_of(y + 1, 1))
        .ok_or(Error::NotFound)?;
    Ok(ListSpec {
        filter: PostFilter::Between(from, to),
        base: address::year(y),
        heading: Some(year.to_owned()),
        label: Some("Archive"),
        description: String::new(),
        empty_is_not_found: true,
        avatar: None,
    })
}

fn month_spec(year: &str, month: &str) -> Result<ListSpec> {
    let y: i32 = year.parse().map_err(|_| Error::NotFound)?;
    let m: u32 = month.parse().map_err(|_| Error::NotFound)?;
    if !slug::is_year(year) || month.is_empty() || !month.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::NotFound);
    }
    let from = start_of(y, m).ok_or(Error::NotFound)?;
    let to = if m == 12 {
        start_of(y + 1, 1)
    } else {
        start_of(y, m + 1)
    }
    .ok_or(Error::NotFound)?;
    Ok(ListSpec {
        filter: PostFilter::Between(from, to),
        base: address::month(y, m),
        heading: Some(from.format("%B %Y").to_string()),
        label: Some("Archive"),
        description: String::new(),
        empty_is_not_found: true,
        avatar: None,
    })
}

/// A year archive page (called by `/{first}` when it is four digits).
pub(crate) async fn year(
    app: &AppState,
    site: &Site,
    year: &str,
    number: u32,
    uri: &Uri,
) -> Result<Response> {
    let spec = year_spec(year)?;
    if number == 1 {
        render_first(app, site, spec, uri).await
    } else {
        render_list(app, site, spec, number, uri).await
    }
}

/// `GET /{yyyy}/page/{n}`.
pub async fn year_page(
    State(app): State<AppState>,
    CurrentSite(site): CurrentSite,
    Params((y, n)): Params<(String, u32)>,
    uri: Uri,
) -> Result<Response> {
    if !slug::is_year(&y) {
        return Err(Error::NotFound);
    }
    render_list(&app, &site, year_spec(&y)?, n, &uri).await
}

/// `GET /{yyyy}/{mm}`.
pub async fn month(
    State(app): State<AppState>,
    CurrentSite(site): CurrentSite,
    Params((y, m)): Params<(String, String)>,
    uri: Uri,
) -> Result<Response> {
    render_first(&app, &site, month_spec(&y, &m)?, &uri).await
}

/// `GET /{yyyy}/{mm}/page/{n}`.
pub async fn month_page(
    State(app): State<AppState>,
    CurrentSite(site): CurrentSite,
    Params((y, m, n)): Params<(String, String, u32)>,
    uri: Uri,
) -> Result<Response> {
    render_list(&app, &site, month_spec(&y, &m)?, n, &uri).await
}
