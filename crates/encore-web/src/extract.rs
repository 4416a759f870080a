//! Extractors: the site a request is for, and path parameters that fail as 404s.

use crate::{error::Error, state::AppState};
use axum::{
    extract::{ConnectInfo, FromRequestParts, Path},
    http::request::Parts,
};
use encore_core::site::Site;
use serde::de::DeserializeOwned;
use std::net::{IpAddr, SocketAddr};

/// The site the request's Host header names (or the default site).
#[derive(Debug, Clone)]
pub struct CurrentSite(pub Site);

impl FromRequestParts<AppState> for CurrentSite {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, Error> {
        if let Some(site) = parts.extensions.get::<CurrentSite>() {
            return Ok(site.clone());
        }
        let site = app
            .sites
            .for_request(
                &app.store,
                app.cache.freshness(),
                &parts.headers,
                &parts.uri,
            )
            .await?
            .ok_or(Error::NoSite)?;
        let current = CurrentSite(site);
        parts.extensions.insert(current.clone());
        Ok(current)
    }
}

/// The address of the reader: the peer, or — when the peer is a trusted proxy — the last address
/// in `X-Forwarded-For` that is not one of the trusted proxies.
#[derive(Debug, Clone, Copy)]
pub struct ClientIp(pub IpAddr);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        app: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(IpAddr::from([127, 0, 0, 1]), |c| c.0.ip());
        let trusted = |ip: &IpAddr| {
            app.settings
                .trusted_proxies
                .iter()
                .any(|net| net.contains(ip))
        };
        if !trusted(&peer) {
            return Ok(ClientIp(peer));
        }
        let forwarded: Vec<IpAddr> = parts
            .headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .filter_map(|a| a.trim().parse().ok())
            .collect();
        Ok(ClientIp(
            forwarded
                .into_iter()
                .rev()
                .find(|ip| !trusted(ip))
                .unwrap_or(peer),
        ))
    }
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
