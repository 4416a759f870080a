//! The front door: the first thing every request meets, written as a plain tower service so
//! that a page answered from memory costs no boxed future and no trip through the router.
//!
//! It refuses requests HTTP/1.1 does not allow, answers cache hits at once, sends everything
//! else through the page cache's slow path to the router, and counts every request by route and
//! status.

use crate::{
    cache::{self, RoutePattern},
    metrics,
    state::AppState,
};
use axum::{
    Router,
    extract::Request,
    http::{HeaderValue, StatusCode, Version, header},
    response::{IntoResponse, Response},
};
use futures_util::future::{BoxFuture, Either, Ready, ready};
use std::{
    convert::Infallible,
    task::{Context, Poll},
    time::Instant,
};
use tower::{Service, ServiceExt};

/// The service in front of the router.
#[derive(Clone)]
pub struct FrontDoor {
    /// Shared state.
    pub state: AppState,
    /// The routes.
    pub inner: Router,
}

impl Service<Request> for FrontDoor {
    type Response = Response;
    type Error = Infallible;
    type Future = Either<
        Ready<Result<Response, Infallible>>,
        BoxFuture<'static, Result<Response, Infallible>>,
    >;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let started = Instant::now();
        let method = metrics::method_label(request.method());
        if let Some(why) = refused(&request) {
            let response = (
                StatusCode::BAD_REQUEST,
                [(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("text/plain; charset=utf-8"),
                )],
                why,
            )
                .into_response();
            metrics::count("unmatched", method, response.status(), started);
            return Either::Left(ready(Ok(response)));
        }
        if let Some((response, route)) = cache::from_memory(&self.state, &request) {
            metrics::count(route, method, response.status(), started);
            return Either::Left(ready(Ok(response)));
        }
        let state = self.state.clone();
        let inner = self.inner.clone();
        Either::Right(Box::pin(async move {
            let head = cache::Head::of(&request);
            let response = cache::through(state, head, async move {
                match inner.oneshot(request).await {
                    Ok(response) => response,
                    Err(never) => match never {},
                }
            })
            .await;
            let route = response
                .extensions()
                .get::<RoutePattern>()
                .map_or("unmatched", |r| r.0);
            metrics::count(route, method, response.status(), started);
            Ok(response)
        }))
    }
}

/// Why a request HTTP/1.1 does not allow, or that could only be a trick, is refused: a missing
/// or repeated `Host` (RFC 9112 §3.2), or a backslash in the path, which some clients read as a
/// slash (so `/\evil.example` could become a redirect to another host).
fn refused(request: &Request) -> Option<&'static str> {
    let hosts = request.headers().get_all(header::HOST).iter().count();
    let needs_host = request.version() == Version::HTTP_11 && request.uri().authority().is_none();
    if hosts > 1 || (needs_host && hosts == 0) {
        return Some("A request needs exactly one Host header.");
    }
    let path = request.uri().path().as_bytes();
    let sneaky = path.contains(&b'\\')
        || path
            .windows(3)
            .any(|w| w[0] == b'%' && w[1] == b'5' && w[2].eq_ignore_ascii_case(&b'c'));
    sneaky.then_some("Backslashes are not allowed in addresses.")
}
