//! The Akismet REST protocol over HTTP, answered by a [`Service`].
//!
//! Answers are `text/plain` (JSON for usage-limit) with status 200, `invalid` ones included: those always carry
//! `X-akismet-debug-help`. Two answers are not 200: 429 with `Retry-After` when a key exceeds its rate, and 503 when
//! the service's database is down — both tell a client to try again rather than trust a verdict.

use crate::params::{self, CommentValues, Form, MAX_BODY_BYTES};
use crate::service::{Refusal, Service};
use axum::{
    Router,
    body::{Body, to_bytes},
    extract::{Request, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
    routing::{get, post},
};

/// What submit-spam and submit-ham answer.
pub const THANKS: &str = "Thanks for making the web a better place.";

/// The Akismet routes (`/1.1/…`, `/1.2/usage-limit`), to serve alone or nest under a path.
pub fn router(service: Service) -> Router {
    Router::new()
        .route("/1.1/verify-key", post(verify_key))
        .route("/1.1/comment-check", post(comment_check))
        .route("/1.1/submit-spam", post(submit_spam))
        .route("/1.1/submit-ham", post(submit_ham))
        .route("/1.2/usage-limit", get(usage_limit).post(usage_limit))
        .fallback(not_found)
        .with_state(service)
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(panicked))
}

/// A bug must not look like a verdict: 500, with the usual debug header, so clients retry or hold the comment.
fn panicked(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("a spam API handler panicked");
    let mut response = invalid("Internal error in the spam service; retry later.");
    *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
    response
}

/// A parsed request: its form (body, or query string for GET) and the key it carries.
struct Call {
    form: Form,
    key: Option<String>,
}

async fn read_call(request: Request) -> Result<Call, Response> {
    let (parts, body) = request.into_parts();
    let host_key = key_from_host(&parts.headers, &parts.uri);
    let body = to_bytes(body, MAX_BODY_BYTES)
        .await
        .map_err(|_| invalid(&params::FormError::TooLarge.to_string()))?;
    // The form is the body; a GET (usage-limit) carries it in the query string.
    let source = if body.is_empty() {
        parts.uri.query().unwrap_or("").as_bytes()
    } else {
        &body[..]
    };
    let form = params::parse_form(source).map_err(|e| invalid(&e.to_string()))?;
    let key = params::key_field(&form).map(str::to_owned).or(host_key);
    Ok(Call { form, key })
}

/// The key as the first label of the Host (`KEY.rest.akismet.com`), as clients that put the key in the address
/// send it. Hosts that are IP addresses, or have a single label, carry no key.
fn key_from_host(headers: &HeaderMap, uri: &axum::http::Uri) -> Option<String> {
    let raw = match uri.host() {
        Some(host) => host,
        None => headers.get(header::HOST)?.to_str().ok()?,
    };
    let host = encore_core::site::normalize_host(raw)?;
    if host.parse::<std::net::IpAddr>().is_ok() || host.starts_with('[') {
        return None;
    }
    let (first, rest) = host.split_once('.')?;
    if first.is_empty() || rest.is_empty() || !first.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return None;
    }
    Some(first.to_owned())
}

async fn verify_key(State(service): State<Service>, request: Request) -> Response {
    let call = match read_call(request).await {
        Ok(call) => call,
        Err(response) => return response,
    };
    let blog = call.form.get("blog").unwrap_or("");
    match service.verify_key(call.key.as_deref(), blog).await {
        Ok(()) => text("valid"),
        Err(Refusal::Invalid(help)) => invalid(&help),
        Err(other) => refused(other),
    }
}

async fn comment_check(State(service): State<Service>, request: Request) -> Response {
    let call = match read_call(request).await {
        Ok(call) => call,
        Err(response) => return response,
    };
    if let Err(refusal) = service.admit(call.key.as_deref()).await {
        return refused(refusal);
    }
    let values = CommentValues::from_form(&call.form);
    match service.comment_check(call.key.as_deref(), values).await {
        Ok(checked) => {
            let verdict = checked.judgement.verdict;
            let mut response = text(if verdict.is_spam() { "true" } else { "false" });
            let headers = response.headers_mut();
            if let Ok(guid) = HeaderValue::from_str(&checked.guid) {
                headers.insert("x-akismet-guid", guid);
            }
            if verdict == crate::engine::Verdict::Discard {
                headers.insert("x-akismet-pro-tip", HeaderValue::from_static("discard"));
            }
            response
        }
        Err(other) => refused(other),
    }
}

async fn submit_spam(State(service): State<Service>, request: Request) -> Response {
    submit(service, request, true).await
}

async fn submit_ham(State(service): State<Service>, request: Request) -> Response {
    submit(service, request, false).await
}

async fn submit(service: Service, request: Request, spam: bool) -> Response {
    let call = match read_call(request).await {
        Ok(call) => call,
        Err(response) => return response,
    };
    if let Err(refusal) = service.admit(call.key.as_deref()).await {
        return refused(refusal);
    }
    let values = CommentValues::from_form(&call.form);
    match service.submit(call.key.as_deref(), values, spam).await {
        Ok(()) => text(THANKS),
        Err(other) => refused(other),
    }
}

async fn usage_limit(State(service): State<Service>, request: Request) -> Response {
    let call = match read_call(request).await {
        Ok(call) => call,
        Err(response) => return response,
    };
    match service.usage_limit(call.key.as_deref()).await {
        Ok(usage) => axum::Json(usage).into_response(),
        Err(other) => refused(other),
    }
}

async fn not_found() -> Response {
    let mut response =
        invalid("Unknown endpoint: see /1.1/comment-check, verify-key, submit-spam, submit-ham.");
    *response.status_mut() = StatusCode::NOT_FOUND;
    response
}

fn text(body: &'static str) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; charset=utf-8"),
        )],
        body,
    )
        .into_response()
}

/// `invalid` with status 200 and the reason in `X-akismet-debug-help`.
fn invalid(help: &str) -> Response {
    let mut response = text("invalid");
    response
        .headers_mut()
        .insert("x-akismet-debug-help", header_text(help));
    response
}

fn refused(refusal: Refusal) -> Response {
    match refusal {
        Refusal::Invalid(help) => invalid(&help),
        Refusal::RateLimited(wait) => {
            let mut response = invalid("Rate limit exceeded for this key; retry later.");
            *response.status_mut() = StatusCode::TOO_MANY_REQUESTS;
            let seconds = wait.as_secs_f64().ceil().max(1.0) as u64;
            if let Ok(value) = HeaderValue::from_str(&seconds.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
            response
        }
        Refusal::Unavailable => {
            let mut response =
                Response::new(Body::from("The spam service is temporarily unavailable."));
            *response.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
            response.headers_mut().insert(
                "x-akismet-debug-help",
                HeaderValue::from_static("The service cannot reach its database; retry later."),
            );
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
            response
        }
    }
}

/// A header value from any text: characters a header cannot hold become `?`.
fn header_text(text: &str) -> HeaderValue {
    let clean: String = text
        .chars()
        .map(|c| {
            if c == '\t' || (' '..='~').contains(&c) {
                c
            } else {
                '?'
            }
        })
        .take(300)
        .collect();
    HeaderValue::from_str(&clean).unwrap_or_else(|_| HeaderValue::from_static("invalid request"))
}

/// Serves the Akismet API alone on a listener until `shutdown` resolves; check records are flushed on the way out.
pub async fn serve(
    listener: tokio::net::TcpListener,
    service: Service,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let flusher = service.spawn_flusher();
    let app = router(service).layer(tower_http::timeout::TimeoutLayer::with_status_code(
        StatusCode::REQUEST_TIMEOUT,
        std::time::Duration::from_secs(30),
    ));
    let result = axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await;
    flusher.stop().await;
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::Uri;

    fn host(h: &str) -> Option<String> {
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, HeaderValue::from_str(h).unwrap());
        key_from_host(&headers, &Uri::from_static("/1.1/comment-check"))
    }

    #[test]
    fn keys_come_from_the_first_label_of_a_named_host() {
        assert_eq!(host("abc123.rest.akismet.com").as_deref(), Some("abc123"));
        assert_eq!(host("abc123.localhost:8181").as_deref(), Some("abc123"));
        assert_eq!(host("127.0.0.1:8181"), None);
        assert_eq!(host("[::1]:8181"), None);
        assert_eq!(host("localhost:8181"), None);
        assert_eq!(host("bad_key!.example"), None);
        let absolute = Uri::from_static("http://k9.rest.akismet.com/1.1/comment-check");
        assert_eq!(
            key_from_host(&HeaderMap::new(), &absolute).as_deref(),
            Some("k9")
        );
    }

    #[test]
    fn debug_help_never_breaks_a_header() {
        assert_eq!(
            header_text("line\nbreak é").to_str().unwrap(),
            "line?break ?"
        );
    }
}
