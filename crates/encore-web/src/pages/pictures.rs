//! Pictures for readers: `/media/{id}/{size}/{name}`, the picture itself (`full`) or one of its
//! smaller copies (`480`, `960`, `1600`), while a public post features or offers it.

use crate::{
    error::{Error, Result},
    extract::{CurrentSite, Params},
    state::AppState,
};
use axum::{
    extract::State,
    http::{HeaderValue, header},
    response::{IntoResponse, Response},
};
use encore_core::ids::DownloadId;

/// `GET /media/{id}/{size}/{name}`.
pub async fn show(
    State(app): State<AppState>,
    CurrentSite(site): CurrentSite,
    Params((id, size, name)): Params<(i64, String, String)>,
) -> Result<Response> {
    let width = match size.as_str() {
        "full" => None,
        width => Some(width.parse::<u32>().map_err(|_| Error::NotFound)?),
    };
    let id = DownloadId(id);
    let downloads = app.store.downloads();
    let picture = downloads
        .picture(site.id, id, Some(app.clock.now()))
        .await?
        .ok_or(Error::NotFound)?;
    // One address per copy: the name is the picture's own.
    if picture.file_name != name {
        return Err(Error::NotFound);
    }
    let variant = downloads
        .public_variant(site.id, id, width, app.clock.now())
        .await?
        .ok_or(Error::NotFound)?;
    let bytes = downloads.variant_bytes(&variant).await?;
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&variant.content_type)
            .unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    // A picture never changes under its id; a deleted one stops being served at once here, and
    // within a day in browsers.
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=86400"),
    );
    Ok(response)
}
