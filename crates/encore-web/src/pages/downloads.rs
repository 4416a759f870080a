//! Downloads: `GET /download/{id}/{name}`.
//!
//! Streams a file with its type, length, disposition and `ETag`, answers byte ranges, and counts
//! each download durably before sending a byte.

use crate::{
    error::{Error, Result},
    extract::{ClientIp, CurrentSite, Params},
    state::AppState,
};
use axum::{
    body::Body,
    extract::State,
    http::{HeaderMap, HeaderValue, Method, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
};
use encore_core::{address, ids::DownloadId};

/// Which bytes of a file to send.
#[derive(Debug, PartialEq, Eq)]
enum Bytes {
    /// All of it (no Range, or one we may ignore: another unit, several ranges, bad syntax).
    Full,
    /// `start..=end`.
    Part(u64, u64),
    /// A range that starts beyond the end.
    Unsatisfiable,
}

/// Interprets a `Range` header for a file of `len` bytes (RFC 9110 §14.2). Only single ranges
/// are served; a server may ignore the rest, and readers' download managers use single ranges.
fn parse_range(header: Option<&str>, len: u64) -> Bytes {
    // The unit is case-insensitive (RFC 9110 §14.1).
    let Some(spec) = header.and_then(|h| {
        let h = h.trim();
        h.get(..6)
            .filter(|unit| unit.eq_ignore_ascii_case("bytes="))
            .map(|_| &h[6..])
    }) else {
        return Bytes::Full;
    };
    if spec.contains(',') {
        return Bytes::Full;
    }
    let Some((start, end)) = spec.trim().split_once('-') else {
        return Bytes::Full;
    };
    let number = |s: &str| -> Option<u64> {
        (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    };
    match (number(start), number(end), end.is_empty()) {
        (Some(a), Some(b), _) if a <= b => {
            if a >= len {
                Bytes::Unsatisfiable
            } else {
                Bytes::Part(a, b.min(len - 1))
            }
        }
        (Some(a), None, true) => {
            if a >= len {
                Bytes::Unsatisfiable
            } else {
                Bytes::Part(a, len - 1)
            }
        }
        (None, Some(n), _) if start.is_empty() => {
            if n == 0 || len == 0 {
                Bytes::Unsatisfiable
            } else {
                Bytes::Part(len.saturating_sub(n), len - 1)
            }
        }
        _ => Bytes::Full,
    }
}

/// Whether an `If-None-Match` list names `etag` (weak comparison, as RFC 9110 asks for GET).
fn none_match(header: Option<&str>, etag: &str) -> bool {
    header.is_some_and(|h| {
        h.split(',')
            .map(str::trim)
            .any(|t| t == "*" || t.trim_start_matches("W/") == etag)
    })
}

/// `Content-Disposition` that makes browsers save the file under its name, with an ASCII
/// fallback and the exact UTF-8 name (RFC 6266).
fn disposition(file_name: &str) -> String {
    let ascii: String = file_name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() || c == ' ' {
                if c == '\\' { '_' } else { c }
            } else {
                '_'
            }
        })
        .collect();
    format!(
        "attachment; filename=\"{ascii}\"; filename*=UTF-8''{}",
        address::segment(file_name)
    )
}

/// `GET /download/{id}/{name}` (and `HEAD`).
pub async fn get(
    State(app): State<AppState>,
    CurrentSite(site): CurrentSite,
    Params((id_text, name)): Params<(String, String)>,
    ClientIp(client): ClientIp,
    method: Method,
    headers: HeaderMap,
) -> Result<Response> {
    // Only digits are an id; `01` is the same file as `1`, under another address.
    if id_text.is_empty() || !id_text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::NotFound);
    }
    let id: i64 = id_text.parse().map_err(|_| Error::NotFound)?;
    let stored = app
        .store
        .downloads()
        .public_by_id(site.id, DownloadId(id), app.clock.now())
        .await?
        .ok_or(Error::NotFound)?;
    let file = &stored.download;
    if name != file.file_name || id_text != id.to_string() {
        return Ok(Redirect::permanent(&file.path()).into_response());
    }
    let etag = format!("\"{}\"", file.sha256);
    let header_str = |name| {
        headers
            .get(name)
            .and_then(|v: &HeaderValue| v.to_str().ok())
    };
    let mut response = Response::builder()
        .header(header::ETAG, &etag)
        .header(header::ACCEPT_RANGES, "bytes")
        // Revalidate every time, so that each real download reaches us and is counted.
        .header(header::CACHE_CONTROL, "no-cache");
    if none_match(header_str(header::IF_NONE_MATCH), &etag) {
        return response
            .status(StatusCode::NOT_MODIFIED)
            .body(Body::empty())
            .map_err(|e| Error::Internal(e.to_string()));
    }
    // If-Range: a range only applies to the representation the client already has part of.
    let range_header = match header_str(header::IF_RANGE) {
        Some(tag) if tag != etag => None,
        _ => header_str(header::RANGE),
    };
    let part = parse_range(range_header, file.byte_size);
    let (status, range) = match part {
        Bytes::Unsatisfiable => return Err(Error::RangeNotSatisfiable(file.byte_size)),
        Bytes::Full => (StatusCode::OK, None),
        Bytes::Part(start, end) => {
            response = response.header(
                header::CONTENT_RANGE,
                format!("bytes {start}-{end}/{}", file.byte_size),
            );
            (StatusCode::PARTIAL_CONTENT, Some(start..end + 1))
        }
    };
    let length = range.as_ref().map_or(file.byte_size, |r| r.end - r.start);
    response = response
        .status(status)
        .header(header::CONTENT_TYPE, &file.content_type)
        .header(header::CONTENT_LENGTH, length)
        .header(header::CONTENT_DISPOSITION, disposition(&file.file_name));
    if method == Method::HEAD {
        return response
            .body(Body::empty())
            .map_err(|e| Error::Internal(e.to_string()));
    }
    // Counted (durably) before the first byte, the way a reader would count: not a probe, not
    // a resumed part, not the same reader again within the hour.
    let start = range.as_ref().map_or(0, |r| r.start);
    let reader = {
        let mut hasher = fnv::FnvHasher::default();
        std::hash::Hash::hash(&client, &mut hasher);
        if let Some(agent) = headers.get(header::USER_AGENT) {
            std::hash::Hasher::write(&mut hasher, agent.as_bytes());
        }
        std::hash::Hasher::finish(&hasher)
    };
    encore_app::downloads::count_download(&app.app, site.id, file, reader, start, length).await?;
    let stream = app.store.downloads().bytes(&stored, range).await?;
    response
        .body(Body::from_stream(stream))
        .map_err(|e| Error::Internal(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_follow_rfc_9110() {
        assert_eq!(parse_range(None, 100), Bytes::Full);
        assert_eq!(parse_range(Some("bytes=0-9"), 100), Bytes::Part(0, 9));
        assert_eq!(parse_range(Some("bytes=90-"), 100), Bytes::Part(90, 99));
        assert_eq!(parse_range(Some("bytes=90-500"), 100), Bytes::Part(90, 99));
        assert_eq!(parse_range(Some("bytes=-10"), 100), Bytes::Part(90, 99));
        assert_eq!(parse_range(Some("bytes=-500"), 100), Bytes::Part(0, 99));
        assert_eq!(parse_range(Some("bytes=100-"), 100), Bytes::Unsatisfiable);
        assert_eq!(parse_range(Some("bytes=-0"), 100), Bytes::Unsatisfiable);
        assert_eq!(parse_range(Some("BYTES=0-9"), 100), Bytes::Part(0, 9));
        assert_eq!(parse_range(Some("Bytes=90-"), 100), Bytes::Part(90, 99));
        assert_eq!(parse_range(Some("bytes=0-"), 0), Bytes::Unsatisfiable);
        // Ignored: other units, several ranges, nonsense.
        assert_eq!(parse_range(Some("items=0-1"), 100), Bytes::Full);
        assert_eq!(parse_range(Some("bytes=0-1,5-6"), 100), Bytes::Full);
        assert_eq!(parse_range(Some("bytes=9-1"), 100), Bytes::Full);
        assert_eq!(parse_range(Some("bytes=a-b"), 100), Bytes::Full);
        assert_eq!(parse_range(Some("bytes=+1-2"), 100), Bytes::Full);
    }

    #[test]
    fn etags_match_weakly_and_by_star() {
        assert!(none_match(Some("\"abc\""), "\"abc\""));
        assert!(none_match(Some("W/\"abc\", \"x\""), "\"abc\""));
        assert!(none_match(Some("*"), "\"abc\""));
        assert!(!none_match(Some("\"abd\""), "\"abc\""));
        assert!(!none_match(None, "\"abc\""));
    }

    #[test]
    fn dispositions_carry_an_ascii_fallback_and_the_utf8_name() {
        assert_eq!(
            disposition("rocky iv – notes.txt"),
            "attachment; filename=\"rocky iv _ notes.txt\"; filename*=UTF-8''rocky%20iv%20%E2%80%93%20notes.txt"
        );
    }
}
