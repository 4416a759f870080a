//! `/metrics` in the Prometheus text format: requests by route and status with latency
//! histograms, the page cache's hits, misses, evictions and bytes, and the database pool.

use crate::state::AppState;
use axum::{
    extract::{ConnectInfo, MatchedPath, Request, State},
    http::{HeaderMap, Method, StatusCode, header},
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
            // Histograms keep their samples until they are folded into buckets: fold them every
            // few seconds, or an unscraped server would hold every request's latency.
            let upkeep = handle.clone();
            std::thread::Builder::new()
                .name("metrics-upkeep".into())
                .spawn(move || {
                    loop {
                        std::thread::sleep(std::time::Duration::from_secs(5));
                        upkeep.run_upkeep();
                    }
                })
                .ok()?;
            Some(handle)
        })
        .clone()
}

/// The method as a label.
pub fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        _ => "other",
    }
}

/// Counts a request by route, method and status, and records how long it took. Labels are the
/// router's own patterns and fixed strings, so counting allocates nothing.
pub fn count(route: &'static str, method: &'static str, status: StatusCode, started: Instant) {
    let status: &'static str = match status.as_u16() {
        200 => "200",
        206 => "206",
        304 => "304",
        308 => "308",
        400 => "400",
        404 => "404",
        500 => "500",
        503 => "503",
        _ if status.is_success() => "2xx",
        _ if status.is_redirection() => "3xx",
        _ if status.is_client_error() => "4xx",
        _ => "5xx",
    };
    metrics::counter!("encore_http_requests_total", "route" => route, "method" => method, "status" => status)
        .increment(1);
    metrics::histogram!("encore_http_request_duration_seconds", "route" => route, "method" => method)
        .record(started.elapsed().as_secs_f64());
}

/// The pattern of the route that matched a request, as a label.
pub fn route_label(request: &Request) -> &'static str {
    request
        .extensions()
        .get::<MatchedPath>()
        .and_then(|p| {
            crate::router::patterns()
                .iter()
                .copied()
                .find(|pattern| *pattern == p.as_str())
        })
        .unwrap_or("unmatched")
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
