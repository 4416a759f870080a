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
//! Requests with a query string (but `?comments_from=ID`, a later page of a conversation) or a
//! session cookie bypass the cache: personal or unusual pages never enter it.

use crate::state::AppState;
use axum::{
    body::Body,
    extract::Request,
    http::{HeaderMap, HeaderValue, Method, StatusCode, header},
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
/// The cookie of a guest who asked to have their name, email and website kept for their next
/// comment: their page shows the form filled in, so it is theirs alone, like a signed-in
/// reader's.
pub const COMMENTER_COOKIE: &str = "encore_commenter";

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
    site: SiteId,
    path: String,
    route: &'static str,
    born: u64,
    topics: Vec<Topic>,
    last_modified: DateTime<Utc>,
    last_modified_header: HeaderValue,
    content_type: HeaderValue,
    identity: Variant,
    gzip: Option<Variant>,
    brotli: Option<Variant>,
}

/// The page in one encoding, with its headers made once.
#[derive(Debug)]
struct Variant {
    bytes: Bytes,
    etag: HeaderValue,
    length: HeaderValue,
}

impl Variant {
    fn new(bytes: Bytes, etag: &str) -> Variant {
        Variant {
            etag: HeaderValue::from_str(etag).unwrap_or_else(|_| HeaderValue::from_static("\"\"")),
            length: HeaderValue::from(bytes.len()),
            bytes,
        }
    }
}

impl Entry {
    fn weight(&self) -> u32 {
        let variants = [
            Some(&self.identity),
            self.gzip.as_ref(),
            self.brotli.as_ref(),
        ];
        let bytes: usize = variants.iter().flatten().map(|v| v.bytes.len()).sum();
        u32::try_from(bytes + 512).unwrap_or(u32::MAX)
    }
}

/// The cache of one process.
#[derive(Debug)]
pub struct PageCache {
    /// By a hash of site and path; the entry keeps both, to tell a collision from a hit.
    entries: Option<moka::sync::Cache<u64, Arc<Entry>>>,
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
        let key = key(site, path);
        let entry = entries.get(&key)?;
        if entry.site != site || entry.path != path {
            return None;
        }
        if self.freshness.fresh(site, &entry.topics, entry.born) {
            Some(entry)
        } else {
            entries.invalidate(&key);
            None
        }
    }

    fn insert(&self, entry: Arc<Entry>) {
        // A change that arrived while the page was being made has already made it stale.
        if let Some(entries) = &self.entries
            && self.freshness.fresh(entry.site, &entry.topics, entry.born)
        {
            entries.insert(key(entry.site, &entry.path), entry);
        }
    }
}

/// The cache key of a page: a hash of its site and path.
fn key(site: SiteId, path: &str) -> u64 {
    let mut hasher = fnv::FnvHasher::default();
    hasher.write_i64(site.0);
    hasher.write(path.as_bytes());
    hasher.finish()
}

/// What the cache needs of a request.
#[derive(Debug, Clone)]
pub(crate) struct Head {
    pub method: Method,
    pub uri: axum::http::Uri,
    pub headers: HeaderMap,
}

impl Head {
    /// A copy of a request's method, address and headers.
    pub(crate) fn of(request: &Request) -> Head {
        Head {
            method: request.method().clone(),
            uri: request.uri().clone(),
            headers: request.headers().clone(),
        }
    }
}

/// What a page is cached under: its path, or its path and query when the query only names a
/// later page of a post's conversation (`?comments_from=ID`: public, shared by every reader).
/// `None` for any other query: personal or unusual pages never enter the cache.
fn cache_path(uri: &axum::http::Uri) -> Option<std::borrow::Cow<'_, str>> {
    match uri.query() {
        None => Some(std::borrow::Cow::Borrowed(uri.path())),
        Some(query) => {
            let id = query.strip_prefix("comments_from=")?;
            (!id.is_empty() && id.len() <= 19 && id.bytes().all(|b| b.is_ascii_digit()))
                .then(|| std::borrow::Cow::Owned(format!("{}?{query}", uri.path())))
        }
    }
}

/// Whether a request may be answered from (and stored in) the cache.
fn cacheable_request(method: &Method, uri: &axum::http::Uri, headers: &HeaderMap) -> bool {
    if method != Method::GET && method != Method::HEAD {
        return false;
    }
    if cache_path(uri).is_none() {
        return false;
    }
    let path = uri.path();
    if [
        "/download/",
        "/account",
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
    !headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .any(|c| {
            [SESSION_COOKIE, COMMENTER_COOKIE].iter().any(|name| {
                c.trim()
                    .strip_prefix(name)
                    .is_some_and(|rest| rest.starts_with('='))
            })
        })
}

/// The route pattern that answered a request, left in the response for metrics and the cache.
#[derive(Debug, Clone, Copy)]
pub struct RoutePattern(pub &'static str);

/// Answers a request from memory alone, if it can: a cacheable request for a page the cache holds
/// fresh, with the site and its next release already known. Everything else goes to [`through`].
pub(crate) fn from_memory(app: &AppState, request: &Request) -> Option<(Response, &'static str)> {
    if !cacheable_request(request.method(), request.uri(), request.headers()) {
        return None;
    }
    let site = app
        .sites
        .from_memory(app.cache.freshness(), request.headers(), request.uri())??;
    let cache = &app.cache;
    if cache.check_release(site.id, app.clock.now()) {
        return None;
    }
    let entry = cache.get(site.id, &cache_path(request.uri())?)?;
    metrics::counter!("encore_page_cache_total", "result" => "hit").increment(1);
    let is_head = request.method() == Method::HEAD;
    Some((
        answer(&entry, request.headers(), is_head, "hit"),
        entry.route,
    ))
}

/// The way in for everything [`from_memory`] did not answer: looks the site and its next
/// release up, serves a hit, or asks `inner` (the router) and keeps what handlers mark as
/// cacheable. Every page gets an `ETag` with `If-None-Match` → 304, cached or not.
pub(crate) async fn through(
    app: AppState,
    request: Head,
    inner: impl std::future::Future<Output = Response>,
) -> Response {
    if !cacheable_request(&request.method, &request.uri, &request.headers) {
        metrics::counter!("encore_page_cache_total", "result" => "bypass").increment(1);
        return inner.await;
    }
    let site = app
        .sites
        .for_request(
            &app.store,
            app.cache.freshness(),
            &request.headers,
            &request.uri,
        )
        .await;
    let Ok(Some(site)) = site else {
        return inner.await;
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
    let is_head = request.method == Method::HEAD;
    let Some(path) = cache_path(&request.uri).map(std::borrow::Cow::into_owned) else {
        return inner.await;
    };
    if let Some(entry) = cache.get(site.id, &path) {
        metrics::counter!("encore_page_cache_total", "result" => "hit").increment(1);
        let mut response = answer(&entry, &request.headers, is_head, "hit");
        response.extensions_mut().insert(RoutePattern(entry.route));
        return response;
    }
    let headers = request.headers;
    let born = cache.freshness.born();
    let response = inner.await;
    let Some(PageTopics(topics)) = response.extensions().get::<PageTopics>().cloned() else {
        return response;
    };
    if response.status() != StatusCode::OK {
        return response;
    }
    let route = response
        .extensions()
        .get::<RoutePattern>()
        .map_or("unmatched", |r| r.0);
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
        (site.id, path),
        route,
        born,
        topics,
        now,
        content_type,
        bytes,
        cache.enabled(),
    ));
    let mut response = if cache.enabled() {
        metrics::counter!("encore_page_cache_total", "result" => "miss").increment(1);
        cache.insert(entry.clone());
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
    response.extensions_mut().insert(RoutePattern(route));
    response
}

#[allow(clippy::too_many_arguments)]
fn make_entry(
    (site, path): (SiteId, String),
    route: &'static str,
    born: u64,
    topics: Vec<Topic>,
    now: DateTime<Utc>,
    content_type: HeaderValue,
    identity: Bytes,
    compress: bool,
) -> Entry {
    // xxh3: a page is hashed on every uncached request, and FNV's byte at a time was a visible
    // share of it.
    let tag = format!(
        "{:016x}{:x}",
        xxhash_rust::xxh3::xxh3_64(&identity),
        identity.len()
    );
    let (gzip, brotli) = if compress {
        (
            Some(Variant::new(gzip(&identity), &format!("\"gz-{tag}\""))),
            Some(Variant::new(brotli(&identity), &format!("\"br-{tag}\""))),
        )
    } else {
        (None, None)
    };
    let last_modified = now.format("%a, %d %b %Y %H:%M:%S GMT").to_string();
    Entry {
        site,
        path,
        route,
        born,
        topics,
        last_modified: now,
        last_modified_header: HeaderValue::from_str(&last_modified)
            .unwrap_or_else(|_| HeaderValue::from_static("Thu, 01 Jan 1970 00:00:00 GMT")),
        content_type,
        identity: Variant::new(identity, &format!("\"{tag}\"")),
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
    // Quality 4 and a window as large as the page. Measured on the demo's 11 KB post page:
    // quality 4 takes 0.45 ms and about 1.7 MB of working memory; qualities 5 to 9 take 13 ms
    // and 14 MB (their hashers' tables) for 5% smaller output — a cache refill would pay that
    // time, and the peak memory of the process would be theirs.
    let window = (usize::BITS - bytes.len().leading_zeros()).clamp(10, 22);
    let params = brotli::enc::BrotliEncoderParams {
        quality: 4,
        lgwin: window as i32,
        size_hint: bytes.len(),
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
    let (variant, content_encoding) = match negotiate(headers) {
        Encoding::Brotli if entry.brotli.is_some() => (entry.brotli.as_ref(), Some("br")),
        Encoding::Brotli | Encoding::Gzip if entry.gzip.is_some() => {
            (entry.gzip.as_ref(), Some("gzip"))
        }
        _ => (None, None),
    };
    let variant = variant.unwrap_or(&entry.identity);
    let not_modified = match headers.get(header::IF_NONE_MATCH) {
        Some(tags) => tags.to_str().is_ok_and(|tags| {
            let etag = variant.etag.as_bytes();
            tags.split(',')
                .map(str::trim)
                .any(|t| t == "*" || t.trim_start_matches("W/").as_bytes() == etag)
        }),
        None => headers
            .get(header::IF_MODIFIED_SINCE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| DateTime::parse_from_rfc2822(&v.replace("GMT", "+0000")).ok())
            .is_some_and(|since| since.with_timezone(&Utc) >= entry.last_modified),
    };
    let mut response = Response::new(Body::empty());
    let out = response.headers_mut();
    out.insert(header::ETAG, variant.etag.clone());
    out.insert(header::LAST_MODIFIED, entry.last_modified_header.clone());
    out.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    out.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    out.insert("x-encore-cache", HeaderValue::from_static(result));
    if not_modified {
        *response.status_mut() = StatusCode::NOT_MODIFIED;
        return response;
    }
    out.insert(header::CONTENT_TYPE, entry.content_type.clone());
    out.insert(header::CONTENT_LENGTH, variant.length.clone());
    if let Some(encoding) = content_encoding {
        out.insert(header::CONTENT_ENCODING, HeaderValue::from_static(encoding));
    }
    if !is_head {
        *response.body_mut() = Body::from(variant.bytes.clone());
    }
    response
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
            (SiteId(1), "/".into()),
            "/",
            0,
            vec![],
            Utc::now(),
            HeaderValue::from_static("text/html"),
            Bytes::from(page.clone()),
            true,
        );
        let (gz, br) = (
            &entry.gzip.as_ref().unwrap().bytes,
            &entry.brotli.as_ref().unwrap().bytes,
        );
        assert!(gz.len() < page.len() / 5 && br.len() < page.len() / 5);
        let mut unzipped = String::new();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&gz[..]), &mut unzipped)
            .unwrap();
        assert_eq!(unzipped, page);
        let mut unbrotli = Vec::new();
        brotli::BrotliDecompress(&mut &br[..], &mut unbrotli).unwrap();
        assert_eq!(unbrotli, page.as_bytes());
    }
}
