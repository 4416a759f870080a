//! Extractors: the site a request is for, and path parameters that fail as 404s.

use crate::{error::Error, state::AppState};
use axum::{
    extract::{FromRequestParts, Path},
    http::{header::HOST, request::Parts},
};
use encore_core::site::{Site, normalize_host};
use serde::de::DeserializeOwned;

/// The site the request's Host header names (or the default site).
#[derive(Debug, Clone)]
pub struct CurrentSite(pub Site);

impl FromRequestParts<AppState> for CurrentSite {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, Error> {
        if let Some(site) = parts.extensions.get::<CurrentSite>() {
            return Ok(site.clone());
        }
        let host = request_host(parts).unwrap_or_default();
        let site = app
            .store
            .sites()
            .for_host(&host)
            .await?
            .ok_or(Error::NoSite)?;
        let current = CurrentSite(site);
        parts.extensions.insert(current.clone());
        Ok(current)
    }
}

/// The normalised host a request was sent to: the Host header, or the URI authority (HTTP/2).
/// `X-Forwarded-Host` is deliberately ignored: anyone can send it.
pub fn request_host(parts: &Parts) -> Option<String> {
    let raw = parts
        .headers
        .get(HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| parts.uri.authority().map(|a| a.as_str()))?;
    normalize_host(raw)
}

/// Path parameters; a value that does not parse means the page does not exist (404), not a
/// malformed request, and never reaches the database.
#[derive(Debug)]
pub struct Params<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for Params<T> {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Error> {
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|Path(t)| Params(t))
            .map_err(|_| Error::NotFound)
    }
}
