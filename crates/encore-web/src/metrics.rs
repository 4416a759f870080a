//! `/metrics` in the Prometheus text format: requests by route and status with latency
//! histograms, the page cache's hits, misses, evictions and bytes, and the database pool.

use crate::state::AppState;
use axum::{
    extract::{ConnectInfo, MatchedPath, Request, State},
    http::{HeaderMap, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::{net::SocketAddr, sync::OnceLock, time::Instant};

/// Latency buckets, in seconds: from a cached page (well under a millisecond) to a slow one.
const BUCKETS: [f64; 12] = [
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 2.5,
];

/// The process's metrics recorder (installed once; every server of the process reports to it).
pub fn handle() -> Option<PrometheusHandle> {
    static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new()
                .set_buckets_for_metric(
                    Matcher::Full("encore_http_request_duration_seconds".into()),
                    &BUCKETS,
                )
                .ok()?
                .build_recorder();
            let handle = recorder.handle();
            metrics::set_global_recorder(recorder).ok()?;
            Some(handle)
        })
        .clone()
}

/// Counts every request by route and status, and times it.
pub async fn record(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let method = request.method().to_string();
    let started = Instant::now();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    metrics::counter!("encore_http_requests_total", "route" => route.clone(), "method" => method.clone(), "status" => status)
        .increment(1);
    metrics::histogram!("encore_http_request_duration_seconds", "route" => route, "method" => method)
        .record(started.elapsed().as_secs_f64());
    response
}

/// `GET /metrics`: for Prometheus on this machine, or anywhere with the configured bearer token.
pub async fn show(State(app): State<AppState>, request: Request) -> Response {
    let headers: &HeaderMap = request.headers();
    let connect = request.extensions().get::<ConnectInfo<SocketAddr>>();
    let token_ok = app.settings.metrics_token.as_deref().is_some_and(|token| {
        headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .is_some_and(|given| constant_time_eq(given.as_bytes(), token.as_bytes()))
    });
    let local = connect.is_some_and(|ConnectInfo(peer)| peer.ip().is_loopback());
    let open_locally = local && app.settings.metrics_token.is_none();
    if !(token_ok || open_locally) {
        return (StatusCode::NOT_FOUND, "").into_response();
    }
    let Some(handle) = handle() else {
        return (StatusCode::SERVICE_UNAVAILABLE, "metrics are unavailable\n").into_response();
    };
    metrics::gauge!("encore_page_cache_bytes").set(app.cache.weighted_size() as f64);
    let (size, idle) = app.store.pool_use();
    metrics::gauge!("encore_db_pool_connections").set(f64::from(size));
    metrics::gauge!("encore_db_pool_idle_connections").set(idle as f64);
    (
        [
            (
                header::CONTENT_TYPE,
                "text/plain; version=0.0.4; charset=utf-8",
            ),
            (header::CACHE_CONTROL, "no-store"),
        ],
        handle.render(),
    )
        .into_response()
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
