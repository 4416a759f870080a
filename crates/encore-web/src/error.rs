//! The web layer's one error type and its mapping to HTTP responses.
//!
//! A handler returns `Result<T, Error>`; `IntoResponse` picks the status and stores an
//! [`ErrorPage`] in the response's extensions. The `error_pages` middleware in `pages/errors.rs`
//! turns that into the theme's error page, where it also knows the site. 5xx causes are logged
//! here and never shown.

use axum::{
    http::StatusCode,
    response::{IntoResponse, Response},
};
use encore_store::StoreError;

/// What went wrong while answering a request.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No such page (or not visible to this reader).
    #[error("not found")]
    NotFound,
    /// No site is configured to answer this host.
    #[error("no site is configured for this host")]
    NoSite,
    /// The request itself is malformed; the message says how.
    #[error("bad request: {0}")]
    BadRequest(String),
    /// A byte range outside the file (RFC 9110 §15.5.17); carries the file length.
    #[error("range not satisfiable")]
    RangeNotSatisfiable(u64),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A template failed.
    #[error(transparent)]
    Theme(#[from] crate::theme::ThemeError),
    /// A response could not be built (a stored value that is not a valid header, say).
    #[error("internal error: {0}")]
    Internal(String),
    /// The reader may not do this.
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// What was sent conflicts with what exists (a taken name).
    #[error("conflict: {0}")]
    Conflict(String),
    /// The database cannot be reached for now.
    #[error("unavailable: {0}")]
    Unavailable(String),
    /// Too many attempts; carries the seconds to wait.
    #[error("too many requests")]
    TooManyRequests(u64),
    /// The page is for signed-in members: to the sign-in page, then back to this address.
    #[error("sign in first")]
    SignInFirst(String),
}

impl From<encore_app::AppError> for Error {
    fn from(err: encore_app::AppError) -> Self {
        use encore_app::AppError;
        match err {
            AppError::NotFound(_) => Error::NotFound,
            AppError::Validation(e) => Error::BadRequest(e.to_string()),
            AppError::Invalid(_) => Error::BadRequest(err.to_string()),
            AppError::MissingReference(what) => Error::BadRequest(what),
            AppError::Conflict(_) | AppError::EditConflict { .. } | AppError::InUse(_) => {
                Error::Conflict(err.to_string())
            }
            AppError::Forbidden(_) => Error::Forbidden(err.to_string()),
            AppError::SignInRefused => Error::Forbidden(err.to_string()),
            AppError::LinkSpent | AppError::LoginRefused(_) => Error::BadRequest(err.to_string()),
            AppError::ProviderDown(why) => Error::Unavailable(why),
            AppError::Throttled {
                retry_after_seconds,
            } => Error::TooManyRequests(retry_after_seconds),
            AppError::Unavailable(why) => Error::Unavailable(why),
            AppError::Store(e) => Error::Store(e),
        }
    }
}

/// What a 503 asks clients (and crawlers) to wait before trying again while the database is out of
/// reach.
pub const RETRY_AFTER_SECONDS: &str = "5";

/// Shorthand for handler results.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The reader-facing description of an error, left in response extensions for the error page.
#[derive(Debug, Clone)]
pub struct ErrorPage {
    /// Short title, e.g. "Page not found".
    pub title: &'static str,
    /// One or two sentences for the reader.
    pub message: String,
}

impl Error {
    fn status_and_page(&self) -> (StatusCode, ErrorPage) {
        let page = |title, message: &str| ErrorPage {
            title,
            message: message.to_owned(),
        };
        match self {
            Error::NotFound | Error::Store(StoreError::NotFound) => (
                StatusCode::NOT_FOUND,
                page(
                    "Page not found",
                    "There is nothing at this address. It may have moved, or it may never have existed.",
                ),
            ),
            Error::NoSite => (
                StatusCode::SERVICE_UNAVAILABLE,
                page(
                    "No blog here yet",
                    "This Encore instance has no site for this address. Run `encore migrate` or `encore site add`.",
                ),
            ),
            Error::BadRequest(why) => (StatusCode::BAD_REQUEST, page("Bad request", why)),
            Error::Forbidden(why) => (StatusCode::FORBIDDEN, page("Not allowed", why)),
            Error::SignInFirst(_) => (
                StatusCode::SEE_OTHER,
                page("Sign in first", "This page is for the blog's members."),
            ),
            Error::Conflict(why) => (StatusCode::CONFLICT, page("Already taken", why)),
            Error::Store(StoreError::Unavailable(_)) | Error::Unavailable(_) => (
                StatusCode::SERVICE_UNAVAILABLE,
                page(
                    "Back in a moment",
                    "The blog cannot reach its database right now. Please try again in a moment.",
                ),
            ),
            Error::TooManyRequests(_) => (
                StatusCode::TOO_MANY_REQUESTS,
                page(
                    "Too many attempts",
                    "There were too many attempts from here. Please wait a few minutes and try again.",
                ),
            ),
            Error::RangeNotSatisfiable(_) => (
                StatusCode::RANGE_NOT_SATISFIABLE,
                page(
                    "Range not satisfiable",
                    "The requested part of the file lies beyond its end.",
                ),
            ),
            Error::Store(_) | Error::Theme(_) | Error::Internal(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                page(
                    "Something went wrong",
                    "The page could not be shown because of a problem on our side. Please try again in a moment.",
                ),
            ),
        }
    }
}

impl Error {
    /// The error as JSON problem details (RFC 9457), for scripts that asked for JSON.
    pub fn into_problem(self) -> Response {
        let (status, page) = self.status_and_page();
        if status.is_server_error() {
            tracing::error!(error = %self, "request failed");
        }
        let status = if status == StatusCode::SEE_OTHER {
            StatusCode::UNAUTHORIZED
        } else {
            status
        };
        let body = serde_json::json!({
            "type": "about:blank",
            "title": page.title,
            "status": status.as_u16(),
            "detail": page.message,
        });
        let mut response = (
            status,
            [(axum::http::header::CONTENT_TYPE, "application/problem+json")],
            body.to_string(),
        )
            .into_response();
        if let Error::TooManyRequests(seconds) = self {
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from(seconds),
            );
        }
        response
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        if let Error::SignInFirst(next) = &self {
            return crate::pages::account::see_other(&format!(
                "{}?next={next}",
                crate::pages::account::LOGIN_PATH
            ));
        }
        let (status, page) = self.status_and_page();
        if status.is_server_error() {
            tracing::error!(error = %self, "request failed");
        }
        let mut response = (status, page.message.clone()).into_response();
        if let Error::RangeNotSatisfiable(len) = self
            && let Ok(value) = format!("bytes */{len}").parse()
        {
            response
                .headers_mut()
                .insert(axum::http::header::CONTENT_RANGE, value);
        }
        if let Error::TooManyRequests(seconds) = self {
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from(seconds),
            );
        }
        if matches!(
            self,
            Error::Store(StoreError::Unavailable(_)) | Error::Unavailable(_)
        ) {
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from_static(RETRY_AFTER_SECONDS),
            );
        }
        response.extensions_mut().insert(page);
        response
    }
}
