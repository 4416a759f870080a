//! The HTTP/1.1 server loop, with the limits nginx applies to slow and hostile clients.
//!
//! `axum::serve` gives hyper no timer, so a client that sends its headers one byte at a time, or
//! keeps an idle connection open, is never closed. Here every connection gets a header timeout
//! (which also closes idle kept-alive connections: waiting for the next request is waiting for
//! its headers), a cap on header bytes, and a place under a cap on connections in all and per
//! client address; connections over a cap are closed at once.

use axum::{Router, extract::ConnectInfo, extract::Request};
use hyper_util::{
    rt::{TokioIo, TokioTimer},
    server::graceful::GracefulShutdown,
    service::TowerToHyperService,
};
use std::{
    collections::HashMap,
    future::Future,
    net::IpAddr,
    sync::{Arc, Mutex, PoisonError},
    time::Duration,
};
use tokio::net::TcpListener;
use tower::ServiceExt;

/// Limits on connections.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Time a client has to send a request's headers, counted from when the server waits for
    /// them (so also the longest a kept-alive connection may sit idle).
    pub header_timeout: Duration,
    /// The most bytes of request line and headers read for one request.
    pub max_header_bytes: usize,
    /// Open connections in all; more are closed as they arrive.
    pub max_connections: usize,
    /// Open connections per client address; 0 for no limit (behind a proxy all clients share
    /// its address).
    pub max_connections_per_ip: usize,
    /// How long a shutdown waits for requests in flight.
    pub shutdown_grace: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            header_timeout: Duration::from_secs(10),
            max_header_bytes: 16 * 1024,
            max_connections: 1024,
            max_connections_per_ip: 128,
            shutdown_grace: Duration::from_secs(30),
        }
    }
}

/// Who holds a place under the caps; the place is given back when the connection ends.
struct Place {
    counts: Arc<Mutex<Counts>>,
    ip: IpAddr,
}

#[derive(Default)]
struct Counts {
    total: usize,
    by_ip: HashMap<IpAddr, usize>,
}

impl Place {
    fn take(counts: &Arc<Mutex<Counts>>, ip: IpAddr, limits: &Limits) -> Option<Place> {
        let mut c = counts.lock().unwrap_or_else(PoisonError::into_inner);
        let mine = c.by_ip.get(&ip).copied().unwrap_or(0);
        if c.total >= limits.max_connections
            || (limits.max_connections_per_ip > 0 && mine >= limits.max_connections_per_ip)
        {
            return None;
        }
        c.total += 1;
        *c.by_ip.entry(ip).or_default() += 1;
        Some(Place {
            counts: counts.clone(),
            ip,
        })
    }
}

impl Drop for Place {
    fn drop(&mut self) {
        let mut c = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        c.total = c.total.saturating_sub(1);
        if let Some(n) = c.by_ip.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                c.by_ip.remove(&self.ip);
            }
        }
    }
}

/// Serves `app` on `listener` until `shutdown` resolves, then lets requests in flight finish
/// (up to [`Limits::shutdown_grace`]). Handlers see the client's address as
/// [`ConnectInfo<SocketAddr>`].
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let graceful = GracefulShutdown::new();
    let counts = Arc::new(Mutex::new(Counts::default()));
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(err) => {
                    // Out of file descriptors and the like: wait a moment rather than spin.
                    tracing::warn!(error = %err, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Some(place) = Place::take(&counts, peer.ip(), &limits) else {
            metrics::counter!("encore_connections_refused_total").increment(1);
            drop(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let service = TowerToHyperService::new(tower::service_fn(
            move |mut request: Request<hyper::body::Incoming>| {
                request.extensions_mut().insert(ConnectInfo(peer));
                app.clone().oneshot(request.map(axum::body::Body::new))
            },
        ));
        let mut builder = hyper::server::conn::http1::Builder::new();
        builder
            .timer(TokioTimer::new())
            .header_read_timeout(limits.header_timeout)
            .max_buf_size(limits.max_header_bytes.max(8192))
            .keep_alive(true);
        let connection = graceful.watch(builder.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            let _ = connection.await;
            drop(place);
        });
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(limits.shutdown_grace) => {
            tracing::warn!("requests still in flight at the end of the shutdown grace period");
        }
    }
    Ok(())
}
