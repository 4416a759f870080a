//! Every public address of a site, built in one place.
//!
//! Addresses are written in one form everywhere they leave Encore — links, `Location` headers,
//! canonical, OpenGraph and JSON-LD addresses, and (later) sitemaps and feeds: each path segment
//! percent-encoded as UTF-8, so a post titled "Рок-музыка" lives at
//! `/2026/10/10/%D1%80%D0%BE%D0%BA-%D0%BC%D1%83%D0%B7%D1%8B%D0%BA%D0%B0`, which every client sends
//! back byte for byte. Requests are compared with these addresses after decoding both
//! ([`same_path`]), so a client that encodes differently (lower-case hex, say) is not redirected
//! in circles.

use crate::ids::DownloadId;
use chrono::{DateTime, Datelike, Utc};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use std::borrow::Cow;

/// What stays readable in a path segment: RFC 3986's unreserved characters. Everything else,
/// including every non-ASCII byte and `/`, `?`, `#`, `%`, is encoded.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// One path segment, percent-encoded.
pub fn segment(text: &str) -> Cow<'_, str> {
    utf8_percent_encode(text, SEGMENT).into()
}

/// The home page.
pub fn home() -> String {
    "/".to_owned()
}

/// A dated post: `/{yyyy}/{mm}/{dd}/{slug}` (WordPress's default, so imported links keep
/// working). A post without a date (a draft) has no public address; it gets `/{slug}` for
/// previews.
pub fn post(slug: &str, published_at: Option<DateTime<Utc>>) -> String {
    match published_at {
        Some(at) => format!(
            "/{:04}/{:02}/{:02}/{}",
            at.year(),
            at.month(),
            at.day(),
            segment(slug)
        ),
        None => page(slug),
    }
}

/// A standalone page (About): `/{slug}`.
pub fn page(slug: &str) -> String {
    format!("/{}", segment(slug))
}

/// A category's posts.
pub fn category(slug: &str) -> String {
    format!("/category/{}", segment(slug))
}

/// A tag's posts.
pub fn tag(slug: &str) -> String {
    format!("/tag/{}", segment(slug))
}

/// A series and its parts.
pub fn series(slug: &str) -> String {
    format!("/series/{}", segment(slug))
}

/// A picture of the media library, whole (`None`) or its copy `width` pixels wide.
pub fn picture(id: crate::ids::DownloadId, width: Option<u32>, file_name: &str) -> String {
    let size = width.map_or_else(|| "full".to_owned(), |w| w.to_string());
    format!("/media/{}/{size}/{}", id.0, segment(file_name))
}

/// The posts about a year (whenever they were published).
pub fn subject_year(year: i32) -> String {
    format!("/subject/{year}")
}

/// An author's posts.
pub fn author(username: &str) -> String {
    format!("/author/{}", segment(username))
}

/// A year's archive.
pub fn year(year: i32) -> String {
    format!("/{year:04}")
}

/// A month's archive.
pub fn month(year: i32, month: u32) -> String {
    format!("/{year:04}/{month:02}")
}

/// A download, by id and file name.
pub fn download(id: DownloadId, file_name: &str) -> String {
    format!("/download/{}/{}", id.0, segment(file_name))
}

/// Page `n` of a list whose first page is `base`: the base itself for page 1.
pub fn page_n(base: &str, n: u32) -> String {
    match (n, base) {
        (1, _) => base.to_owned(),
        (n, "/") => format!("/page/{n}"),
        (n, base) => format!("{base}/page/{n}"),
    }
}

/// Whether two paths name the same address once percent-decoding is undone (`%D1%80` and
/// `%d1%80` are the same letter). A path that does not decode to UTF-8 matches nothing.
pub fn same_path(a: &str, b: &str) -> bool {
    match (decode(a), decode(b)) {
        (Some(a), Some(b)) => a == b,
        _ => false,
    }
}

/// A path with its percent-encoding undone; `None` when the bytes are not UTF-8.
pub fn decode(path: &str) -> Option<Cow<'_, str>> {
    percent_decode_str(path).decode_utf8().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn segments_in_any_script_are_encoded_and_ascii_slugs_stay_readable() {
        let at = Utc.with_ymd_and_hms(2026, 10, 10, 12, 0, 0).unwrap();
        assert_eq!(post("rocky-iv", Some(at)), "/2026/10/10/rocky-iv");
        assert_eq!(
            post("рок-музыка", Some(at)),
            "/2026/10/10/%D1%80%D0%BE%D0%BA-%D0%BC%D1%83%D0%B7%D1%8B%D0%BA%D0%B0"
        );
        assert_eq!(page("about"), "/about");
        assert_eq!(tag("ジャズ"), "/tag/%E3%82%B8%E3%83%A3%E3%82%BA");
        assert_eq!(
            download(DownloadId(7), "rocky iv – notes.txt"),
            "/download/7/rocky%20iv%20%E2%80%93%20notes.txt"
        );
        assert_eq!(segment("a/b?c#d%e"), "a%2Fb%3Fc%23d%25e");
    }

    #[test]
    fn dates_and_pages_have_one_spelling() {
        assert_eq!(year(1985), "/1985");
        assert_eq!(month(1985, 7), "/1985/07");
        assert_eq!(page_n("/", 1), "/");
        assert_eq!(page_n("/", 2), "/page/2");
        assert_eq!(page_n("/category/1985", 3), "/category/1985/page/3");
    }

    #[test]
    fn paths_compare_decoded() {
        assert!(same_path(
            "/tag/%D1%80%D0%BE%D0%BA",
            "/tag/%d1%80%d0%be%d0%ba"
        ));
        assert!(same_path("/tag/%D1%80%D0%BE%D0%BA", "/tag/рок"));
        assert!(!same_path("/tag/%D1%80", "/tag/%D1%81"));
        assert!(
            !same_path("/tag/%FF", "/tag/%FF"),
            "not UTF-8: matches nothing"
        );
    }
}
