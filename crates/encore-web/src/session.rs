//! Who is signed in, and the tokens that prove a form came from this site.
//!
//! Signed-in forms carry their session's token. Forms shown to anyone (sign in) carry a random
//! token that is also set as a cookie only this site can set and read (double submit). Every
//! state-changing request must also not come from another site (`Sec-Fetch-Site`, `Origin`).

use crate::{cache::SESSION_COOKIE, error::Error, extract::CurrentSite, state::AppState};
use axum::{
    extract::FromRequestParts,
    http::{HeaderMap, HeaderValue, header, request::Parts},
};
use encore_core::site::Site;
use encore_store::sessions::SessionRecord;

/// The cookie that carries the token of forms shown to anyone.
pub const FORM_COOKIE: &str = "encore_form";

/// The value of cookie `name`, if the request sends it.
pub fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|c| {
            let (key, value) = c.trim().split_once('=')?;
            (key == name).then_some(value.trim_matches('"'))
        })
}

/// Whether two tokens are equal, in time that does not depend on where they differ.
pub fn same_token(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && !a.is_empty()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// A `Set-Cookie` value for the site: `HttpOnly`, `SameSite=Lax` (or `Strict`), `Secure` when the
/// site's address is https. `max_age` 0 deletes the cookie.
pub fn set_cookie(site: &Site, name: &str, value: &str, max_age: i64, strict: bool) -> HeaderValue {
    let secure = if site.base_url.starts_with("https://") {
        "; Secure"
    } else {
        ""
    };
    let same_site = if strict { "Strict" } else { "Lax" };
    let cookie = format!(
        "{name}={value}; Path=/; Max-Age={max_age}; HttpOnly; SameSite={same_site}{secure}"
    );
    HeaderValue::from_str(&cookie).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// Whether a cookie's value is a token Encore could have set: long enough, and plain (it goes
/// back into headers and hashes).
pub fn plain_token(value: &str) -> bool {
    (16..=128).contains(&value.len())
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Refuses a state-changing request that a browser says came from another site.
pub fn same_origin(headers: &HeaderMap, site: &Site) -> Result<(), Error> {
    let refuse = || {
        Err(Error::Forbidden(
            "this form was sent from another site".into(),
        ))
    };
    if let Some(fetch_site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok())
        && !matches!(fetch_site, "same-origin" | "none")
    {
        return refuse();
    }
    if let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok())
        && origin != "null"
    {
        let ours = site.base_url.trim_end_matches('/');
        let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
        let same_host = host.is_some_and(|h| {
            origin
                .split_once("://")
                .is_some_and(|(_, authority)| authority.eq_ignore_ascii_case(h))
        });
        if !origin.eq_ignore_ascii_case(ours) && !same_host {
            return refuse();
        }
    }
    Ok(())
}

/// The signed-in reader, if any: their session and its cookie value.
#[derive(Debug, Clone)]
pub struct Viewer(pub Option<SignedIn>);

/// A live session.
#[derive(Debug, Clone)]
pub struct SignedIn {
    /// The session and its account.
    pub session: SessionRecord,
    /// The cookie value that names it.
    pub token: String,
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, Error> {
        if let Some(viewer) = parts.extensions.get::<Viewer>() {
            return Ok(viewer.clone());
        }
        let Some(token) = cookie(&parts.headers, SESSION_COOKIE) else {
            return Ok(Viewer(None));
        };
        let token = token.to_owned();
        let viewer = encore_app::sessions::session(&app.app, &token)
            .await?
            .map(|session| SignedIn { session, token });
        let viewer = Viewer(viewer);
        parts.extensions.insert(viewer.clone());
        Ok(viewer)
    }
}

/// The site a form was sent to, after checking that the browser sent it from this site.
pub struct FormSite(pub Site);

impl FromRequestParts<AppState> for FormSite {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, Error> {
        let CurrentSite(site) = CurrentSite::from_request_parts(parts, app).await?;
        same_origin(&parts.headers, &site)?;
        Ok(FormSite(site))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_compare_whole() {
        assert!(same_token("abc", "abc"));
        assert!(!same_token("abc", "abd"));
        assert!(!same_token("abc", "ab"));
        assert!(!same_token("", ""));
    }

    fn site(base_url: &str) -> Site {
        Site {
            id: encore_core::ids::SiteId(1),
            host: "blog.example.org".into(),
            title: "A blog".into(),
            tagline: String::new(),
            base_url: base_url.into(),
            is_default: true,
            posts_per_page: None,
            discussion: Default::default(),
        }
    }

    #[test]
    fn cookies_are_secure_on_an_https_site_and_never_readable_by_scripts() {
        let https = set_cookie(
            &site("https://blog.example.org"),
            "encore_session",
            "t",
            60,
            false,
        );
        let https = https.to_str().unwrap();
        assert!(
            https.contains("; Secure")
                && https.contains("HttpOnly")
                && https.contains("SameSite=Lax"),
            "{https}"
        );
        let http = set_cookie(&site("http://127.0.0.1:8080"), "encore_form", "t", 60, true);
        let http = http.to_str().unwrap();
        assert!(
            !http.contains("Secure") && http.contains("SameSite=Strict"),
            "{http}"
        );
    }

    #[test]
    fn forms_from_other_sites_are_refused() {
        let ours = site("https://blog.example.org");
        let headers = |pairs: &[(&'static str, &'static str)]| {
            let mut map = HeaderMap::new();
            for (k, v) in pairs {
                map.insert(*k, HeaderValue::from_static(v));
            }
            map
        };
        assert!(same_origin(&headers(&[]), &ours).is_ok());
        assert!(same_origin(&headers(&[("origin", "https://blog.example.org")]), &ours).is_ok());
        assert!(same_origin(&headers(&[("sec-fetch-site", "same-origin")]), &ours).is_ok());
        assert!(same_origin(&headers(&[("origin", "https://evil.example")]), &ours).is_err());
        assert!(same_origin(&headers(&[("origin", "http://blog.example.org")]), &ours).is_err());
        assert!(same_origin(&headers(&[("sec-fetch-site", "cross-site")]), &ours).is_err());
        assert!(same_origin(&headers(&[("sec-fetch-site", "same-site")]), &ours).is_err());
    }

    #[test]
    fn cookies_are_found_by_exact_name() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("encore_session_old=1; encore_session=abc; other=2"),
        );
        assert_eq!(cookie(&headers, "encore_session"), Some("abc"));
        assert_eq!(cookie(&headers, "missing"), None);
    }
}
