//! The page cache: anonymous `GET`/`HEAD` of public pages served from memory, with exact
//! invalidation.
//!
//! A page is stored as the bytes ready to send, with gzip and brotli variants made once, a strong
//! `ETag` and the topics it shows ([`PageTopics`]: the posts on it, the downloads whose counters
//! it shows; every page also shows the site's sidebar and menu). A change announced by the
//! application layer — here, or from another process through the change feed — marks its topics
//! changed; a page rendered before that is stale and is rendered again on its next request. A
//! page is also stale once the site's next scheduled post is due: what lists and counts show
//! changes then by itself.
//!
//! Requests with a query string or a session cookie bypass the cache: personal or unusual pages
//! never enter it.

use crate::state::AppState;
use axum::{
    body::Body,
    extract::{Request, State},
    http::{HeaderMap, HeaderValue, Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use bytes::Bytes;
use chrono::{DateTime, Utc};
use encore_core::{
    change::{Change, Topic},
    ids::SiteId,
};
use std::{
    collections::HashMap,
    hash::Hasher,
    io::Write,
    sync::{
        Arc, Mutex, PoisonError, RwLock,
        atomic::{AtomicU64, Ordering},
    },
};

/// The cookie that marks a signed-in reader; such requests are never served from the cache.
pub const SESSION_COOKIE: &str = "encore_session";

/// Entries in the "changed" table beyond which it is emptied (and everything older is stale).
const MAX_TRACKED_TOPICS: usize = 100_000;

/// What a page shows, besides the site's frame: attached by handlers to a response that may be
/// cached.
#[derive(Debug, Clone, Default)]
pub struct PageTopics(pub Vec<Topic>);

/// When things last changed, on a counter that only goes up: a page or memo made when the counter
/// read `born` is fresh while none of what it shows changed after that.
#[derive(Debug, Default)]
pub struct Freshness {
    counter: AtomicU64,
    floor: AtomicU64,
    sites_changed: AtomicU64,
    changed: RwLock<HashMap<(SiteId, Topic), u64>>,
}

impl Freshness {
    /// The counter now: take it before reading what a page shows.
    pub fn born(&self) -> u64 {
        self.counter.load(Ordering::Acquire)
    }

    /// Marks `change`'s topics changed.
    pub fn note(&self, change: &Change) {
        let version = self.counter.fetch_add(1, Ordering::AcqRel) + 1;
        let mut changed = self.changed.write().unwrap_or_else(PoisonError::into_inner);
        for topic in &change.topics {
            match (topic, change.site) {
                (Topic::Sites, _) => {
                    self.sites_changed.store(version, Ordering::Release);
                }
                (topic, Some(site)) => {
                    changed.insert((site, *topic), version);
                }
                (_, None) => {}
            }
        }
        if changed.len() > MAX_TRACKED_TOPICS {
            changed.clear();
            self.floor.store(version, Ordering::Release);
        }
    }

    /// Whether something made at `born` that shows `topics` of `site` (and its frame) is fresh.
    pub fn fresh(&self, site: SiteId, topics: &[Topic], born: u64) -> bool {
        if self.floor.load(Ordering::Acquire) > born {
            return false;
        }
        let changed = self.changed.read().unwrap_or_else(PoisonError::into_inner);
        let after = |topic: Topic| changed.get(&(site, topic)).is_some_and(|v| *v > born);
        !after(Topic::Site) && !topics.iter().any(|t| after(*t))
    }

    /// Whether the list of sites changed after `born`.
    pub fn sites_fresh(&self, born: u64) -> bool {
        self.sites_changed.load(Ordering::Acquire) <= born
            && self.floor.load(Ordering::Acquire) <= born
    }
}

/// One cached page.
#[derive(Debug)]
pub struct Entry {
    born: u64,
    topics: Vec<Topic>,
    etag: String,
    last_modified: DateTime<Utc>,
    content_type: HeaderValue,
    identity: Bytes,
    gzip: Bytes,
    brotli: Bytes,
}

impl Entry {
    fn weight(&self) -> u32 {
        let bytes = self.identity.len() + self.gzip.len() + self.brotli.len() + 256;
        u32::try_from(bytes).unwrap_or(u32::MAX)
    }
}

/// The cache of one process.
#[derive(Debug)]
pub struct PageCache {
    entries: Option<moka::sync::Cache<(SiteId, String), Arc<Entry>>>,
    freshness: Freshness,
    /// The next scheduled release per site, once looked up (`None` inside: none is scheduled).
    releases: Mutex<HashMap<SiteId, Option<DateTime<Utc>>>>,
}

impl PageCache {
    /// A cache holding at most `max_bytes` of pages (all their variants counted); 0 turns page
    /// caching off (freshness is still tracked for the in-memory sidebar and sites).
    pub fn new(max_bytes: u64) -> PageCache {
        let entries = (max_bytes > 0).then(|| {
            moka::sync::Cache::builder()
                .max_capacity(max_bytes)
                .weigher(|_, entry: &Arc<Entry>| entry.weight())
                .eviction_listener(|_, _, cause| {
                    if cause.was_evicted() {
                        metrics::counter!("encore_page_cache_evictions_total").increment(1);
                    }
                })
                .build()
        });
        PageCache {
            entries,
            freshness: Freshness::default(),
            releases: Mutex::new(HashMap::new()),
        }
    }

    /// Whether pages are cached.
    pub fn enabled(&self) -> bool {
        self.entries.is_some()
    }

    /// What changed when.
    pub fn freshness(&self) -> &Freshness {
        &self.freshness
    }

    /// Takes note of a change (the application layer's listener).
    pub fn note(&self, change: &Change) {
        self.freshness.note(change);
        if change.topics.contains(&Topic::Site)
            && let Some(site) = change.site
        {
            self.lock_releases().remove(&site);
        }
    }

    /// Bytes held.
    pub fn weighted_size(&self) -> u64 {
        self.entries.as_ref().map_or(0, |e| e.weighted_size())
    }

    fn lock_releases(&self) -> std::sync::MutexGuard<'_, HashMap<SiteId, Option<DateTime<Utc>>>> {
        self.releases.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Makes everything of `site` stale when its next scheduled post is due. Returns whether the
    /// release time must be looked up again.
    fn check_release(&self, site: SiteId, now: DateTime<Utc>) -> bool {
        let known = self.lock_releases().get(&site).copied();
        match known {
            None => true,
            Some(Some(at)) if now >= at => {
                self.note(&Change::whole_site(site));
                true
            }
            Some(_) => false,
        }
    }

    fn set_release(&self, site: SiteId, at: Option<DateTime<Utc>>) {
        self.lock_releases().insert(site, at);
    }

    fn get(&self, site: SiteId, path: &str) -> Option<Arc<Entry>> {
        let entries = self.entries.as_ref()?;
        let key = (site, path.to_owned());
        let entry = entries.get(&key)?;
        if self.freshness.fresh(site, &entry.topics, entry.born) {
            Some(entry)
        } else {
            entries.invalidate(&key);
            None
        }
    }

    fn insert(&self, site: SiteId, path: &str, entry: Arc<Entry>) {
        // A change that arrived while the page was being made has already made it stale.
        if let Some(entries) = &self.entries
            && self.freshness.fresh(site, &entry.topics, entry.born)
        {
            entries.insert((site, path.to_owned()), entry);
        }
    }
}

/// Whether a request may be answered from (and stored in) the cache.
fn cacheable_request(request: &Request) -> bool {
    let method = request.method();
    if method != Method::GET && method != Method::HEAD {
        return false;
    }
    let uri = request.uri();
    if uri.query().is_some() {
        return false;
    }
    let path = uri.path();
    if [
        "/download/",
        "/theme/",
        "/healthz",
        "/metrics",
        "/robots.txt",
    ]
    .iter()
    .any(|p| path.starts_with(p))
    {
        return false;
    }
    !request
        .headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .any(|c| c.trim().starts_with(&format!("{SESSION_COOKIE}=")))
}

/// The middleware: serves pages from the cache, stores the ones handlers mark as cacheable, and
/// gives every page an `ETag` with `If-None-Match` → 304 whether or not it is cached.
pub async fn layer(State(app): State<AppState>, request: Request, next: Next) -> Response {
    if !cacheable_request(&request) {
        metrics::counter!("encore_page_cache_total", "result" => "bypass").increment(1);
        return next.run(request).await;
    }
    let site = match request.extensions().get::<crate::extract::CurrentSite>() {
        Some(current) => Ok(Some(current.0.clone())),
        None => {
            app.sites
                .for_request(
                    &app.store,
                    app.cache.freshness(),
                    request.headers(),
                    request.uri(),
                )
                .await
        }
    };
    let Ok(Some(site)) = site else {
        return next.run(request).await;
    };
    let cache = &app.cache;
    let now = app.clock.now();
    if cache.check_release(site.id, now) {
        match app.store.posts().next_release(site.id, now).await {
            Ok(at) => cache.set_release(site.id, at),
            // Without it the page can still be made; it is just not stored.
            Err(err) => tracing::warn!(error = %err, "cannot read the next scheduled release"),
        }
    }
    let path = request.uri().path().to_owned();
    let is_head = request.method() == Method::HEAD;
    let headers = request.headers().clone();
    if let Some(entry) = cache.get(site.id, &path) {
        metrics::counter!("encore_page_cache_total", "result" => "hit").increment(1);
        return answer(&entry, &headers, is_head, "hit");
    }
    let born = cache.freshness.born();
    let response = next.run(request).await;
    let Some(PageTopics(topics)) = response.extensions().get::<PageTopics>().cloned() else {
        return response;
    };
    if response.status() != StatusCode::OK {
        return response;
    }
    let (parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let content_type = parts
        .headers
        .get(header::CONTENT_TYPE)
        .cloned()
        .unwrap_or_else(|| HeaderValue::from_static("text/html; charset=utf-8"));
    let entry = Arc::new(make_entry(
        born,
        topics,
        now,
        content_type,
        bytes,
        cache.enabled(),
    ));
    let mut response = if cache.enabled() {
        metrics::counter!("encore_page_cache_total", "result" => "miss").increment(1);
        cache.insert(site.id, &path, entry.clone());
        answer(&entry, &headers, is_head, "miss")
    } else {
        answer(&entry, &headers, is_head, "off")
    };
    // Headers the handler set (security headers are added outside this layer).
    for (name, value) in &parts.headers {
        if !response.headers().contains_key(name) {
            response.headers_mut().insert(name.clone(), value.clone());
        }
    }
    response
}

fn make_entry(
    born: u64,
    topics: Vec<Topic>,
    now: DateTime<Utc>,
    content_type: HeaderValue,
    identity: Bytes,
    compress: bool,
) -> Entry {
    let mut hasher = fnv::FnvHasher::default();
    hasher.write(&identity);
    let etag = format!("\"{:016x}{:x}\"", hasher.finish(), identity.len());
    let (gzip, brotli) = if compress {
        (gzip(&identity), brotli(&identity))
    } else {
        (Bytes::new(), Bytes::new())
    };
    Entry {
        born,
        topics,
        etag,
        last_modified: now,
        content_type,
        identity,
        gzip,
        brotli,
    }
}

fn gzip(bytes: &[u8]) -> Bytes {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(6));
    let _ = encoder.write_all(bytes);
    encoder.finish().map(Bytes::from).unwrap_or_default()
}

fn brotli(bytes: &[u8]) -> Bytes {
    let mut out = Vec::new();
    let params = brotli::enc::BrotliEncoderParams {
        quality: 6,
        ..Default::default()
    };
    match brotli::BrotliCompress(&mut &bytes[..], &mut out, &params) {
        Ok(_) => Bytes::from(out),
        Err(_) => Bytes::new(),
    }
}

/// Which stored variant a request accepts best.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Encoding {
    Brotli,
    Gzip,
    Identity,
}

/// Picks an encoding from `Accept-Encoding` (RFC 9110 §12.5.3): brotli, then gzip, by the
/// client's weights; identity when neither is welcome.
fn negotiate(headers: &HeaderMap) -> Encoding {
    let mut weight = HashMap::new();
    for value in headers.get_all(header::ACCEPT_ENCODING) {
        let Ok(value) = value.to_str() else { continue };
        for item in value.split(',') {
            let mut parts = item.split(';');
            let name = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
            let q = parts
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            weight.insert(name, q);
        }
    }
    let of = |name: &str| {
        weight
            .get(name)
            .or_else(|| weight.get("*"))
            .copied()
            .unwrap_or(0.0)
    };
    let (br, gz) = (of("br"), of("gzip"));
    if br > 0.0 && br >= gz {
        Encoding::Brotli
    } else if gz > 0.0 {
        Encoding::Gzip
    } else {
        Encoding::Identity
    }
}

/// The response for an entry: a 304 when the client has it, else its bytes in the best accepted
/// encoding (headers only for HEAD).
fn answer(entry: &Entry, headers: &HeaderMap, is_head: bool, result: &'static str) -> Response {
    let mut encoding = negotiate(headers);
    if (encoding == Encoding::Brotli && entry.brotli.is_empty())
        || (encoding == Encoding::Gzip && entry.gzip.is_empty())
    {
        encoding = if entry.gzip.is_empty() {
            Encoding::Identity
        } else {
            Encoding::Gzip
        };
    }
    let (bytes, etag, content_encoding) = match encoding {
        Encoding::Brotli => (
            &entry.brotli,
            entry.etag.replacen('"', "\"br-", 1),
            Some("br"),
        ),
        Encoding::Gzip => (
            &entry.gzip,
            entry.etag.replacen('"', "\"gz-", 1),
            Some("gzip"),
        ),
        Encoding::Identity => (&entry.identity, entry.etag.clone(), None),
    };
    let last_modified = entry
        .last_modified
        .format("%a, %d %b %Y %H:%M:%S GMT")
        .to_string();
    let not_modified = match headers.get(header::IF_NONE_MATCH) {
        Some(tags) => tags.to_str().is_ok_and(|tags| {
            tags.split(',')
                .map(str::trim)
                .any(|t| t == "*" || t.trim_start_matches("W/") == etag)
        }),
        None => headers
            .get(header::IF_MODIFIED_SINCE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| DateTime::parse_from_rfc2822(&v.replace("GMT", "+0000")).ok())
            .is_some_and(|since| since.with_timezone(&Utc) >= entry.last_modified),
    };
    let mut builder = Response::builder()
        .header(header::ETAG, &etag)
        .header(header::LAST_MODIFIED, &last_modified)
        .header(header::CACHE_CONTROL, "no-cache")
        .header(header::VARY, "accept-encoding")
        .header("x-encore-cache", result);
    if not_modified {
        return builder
            .status(StatusCode::NOT_MODIFIED)
            .body(Body::empty())
            .unwrap_or_default();
    }
    builder = builder
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, entry.content_type.clone())
        .header(header::CONTENT_LENGTH, bytes.len());
    if let Some(encoding) = content_encoding {
        builder = builder.header(header::CONTENT_ENCODING, encoding);
    }
    let body = if is_head {
        Body::empty()
    } else {
        Body::from(bytes.clone())
    };
    builder.body(body).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use encore_core::ids::PostId;

    fn accept(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_str(value).unwrap(),
        );
        headers
    }

    #[test]
    fn encodings_follow_the_clients_weights() {
        assert_eq!(negotiate(&HeaderMap::new()), Encoding::Identity);
        assert_eq!(negotiate(&accept("gzip, deflate, br")), Encoding::Brotli);
        assert_eq!(negotiate(&accept("gzip")), Encoding::Gzip);
        assert_eq!(negotiate(&accept("br;q=0.5, gzip;q=0.8")), Encoding::Gzip);
        assert_eq!(negotiate(&accept("br;q=0, gzip;q=0")), Encoding::Identity);
        assert_eq!(negotiate(&accept("*")), Encoding::Brotli);
        assert_eq!(negotiate(&accept("identity")), Encoding::Identity);
    }

    #[test]
    fn a_change_makes_stale_exactly_what_shows_it() {
        let f = Freshness::default();
        let (site, other) = (SiteId(1), SiteId(2));
        let born = f.born();
        let post = Topic::Post(PostId(7));
        let unrelated = Topic::Post(PostId(8));
        f.note(&Change::on(site, [post]));
        assert!(!f.fresh(site, &[post, unrelated], born));
        assert!(f.fresh(site, &[unrelated], born));
        assert!(
            f.fresh(other, &[post], born),
            "another site's post 7 is another post"
        );
        let later = f.born();
        assert!(f.fresh(site, &[post], later), "made after the change");
        f.note(&Change::whole_site(site));
        assert!(!f.fresh(site, &[], later), "the frame changed");
        assert!(f.fresh(other, &[], later));
        assert!(f.sites_fresh(later));
        f.note(&Change::sites());
        assert!(!f.sites_fresh(later));
    }

    #[test]
    fn compressed_variants_decompress_to_the_page() {
        let page = "<p>Side A</p>".repeat(200);
        let entry = make_entry(
            0,
            vec![],
            Utc::now(),
            HeaderValue::from_static("text/html"),
            Bytes::from(page.clone()),
            true,
        );
        assert!(entry.gzip.len() < page.len() / 5 && entry.brotli.len() < page.len() / 5);
        let mut unzipped = String::new();
        std::io::Read::read_to_string(
            &mut flate2::read::GzDecoder::new(&entry.gzip[..]),
            &mut unzipped,
        )
        .unwrap();
        assert_eq!(unzipped, page);
        let mut unbrotli = Vec::new();
        brotli::BrotliDecompress(&mut &entry.brotli[..], &mut unbrotli).unwrap();
        assert_eq!(unbrotli, page.as_bytes());
    }
}
