//! Managed downloads: files a post offers, served with their size and checksum and counted.

use crate::{ValidationError, ids::DownloadId};
use serde::Serialize;

/// The largest file the media store accepts for a download.
pub const MAX_BYTES: u64 = 2 * 1024 * 1024 * 1024;

/// A file offered for download, as shown under a post.
#[derive(Debug, Clone, Serialize)]
pub struct Download {
    /// The download's id.
    pub id: DownloadId,
    /// The name the reader's browser saves it under.
    pub file_name: String,
    /// Its media type, e.g. `text/plain; charset=utf-8`.
    pub content_type: String,
    /// Its length in bytes.
    pub byte_size: u64,
    /// Lower-case hex SHA-256 of the content, shown so readers can verify what they got.
    pub sha256: String,
    /// How many times it has been downloaded.
    pub download_count: u64,
}

impl Download {
    /// The site-relative URL that serves the file.
    pub fn path(&self) -> String {
        crate::address::download(self.id, &self.file_name)
    }

    /// The size for people: `812 bytes`, `1.4 KB`, `23.0 MB`.
    pub fn size_display(&self) -> String {
        human_size(self.byte_size)
    }
}

/// How much of the start of a file a request must ask for to be a download: less is a probe (a
/// player or download manager checking the file, `Range: bytes=0-0`).
pub const PROBE_BYTES: u64 = 1024;

/// Whether sending `length` bytes from `start` of a file of `size` bytes is a new download.
///
/// It is when it starts at the first byte and is more than a probe; resumed parts (starting
/// later) and probes are not new downloads.
pub fn is_download(start: u64, length: u64, size: u64) -> bool {
    start == 0 && length >= PROBE_BYTES.min(size)
}

/// Formats a byte count with binary multiples, the way file managers show it.
pub fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KB", "MB", "GB", "TB"];
    if bytes < 1024 {
        return if bytes == 1 {
            "1 byte".into()
        } else {
            format!("{bytes} bytes")
        };
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

/// Checks a file name for a download: no path, no control characters, not hidden, at most 200
/// characters. The name is what the reader's browser saves, so it must be harmless there too.
pub fn validate_file_name(name: &str) -> Result<String, ValidationError> {
    let name = name.trim();
    let bad = |why: &str| Err(ValidationError::new("file_name", why.to_owned()));
    if name.is_empty() {
        return bad("must not be empty");
    }
    if name.chars().count() > 200 {
        return bad("must be at most 200 characters");
    }
    if name.contains(['/', '\\']) || name.chars().any(char::is_control) {
        return bad("must be a plain file name without slashes or control characters");
    }
    if name.starts_with('.') {
        return bad("must not start with a dot");
    }
    if name.contains('"') {
        return bad("must not contain double quotes");
    }
    Ok(name.to_owned())
}

/// The largest file the desk's media library takes in one upload (the command line takes files
/// up to [`MAX_BYTES`]).
pub const MAX_UPLOAD_BYTES: usize = 64 * 1024 * 1024;

/// What the media library takes from a browser, by file name ending.
///
/// That is pictures, sound, video, documents and archives. Kinds a browser would run as a page
/// (HTML, SVG, scripts) are refused, and so is anything else nobody reads.
pub const UPLOAD_KINDS: &[&str] = &[
    "jpg", "jpeg", "png", "webp", "gif", "mp3", "ogg", "oga", "opus", "flac", "wav", "m4a", "mp4",
    "webm", "pdf", "txt", "epub", "zip",
];

/// Checks that the media library takes a file of this name.
pub fn check_upload_kind(name: &str) -> Result<(), ValidationError> {
    let kind = name
        .rsplit_once('.')
        .map(|(_, ext)| ext.to_ascii_lowercase())
        .unwrap_or_default();
    if UPLOAD_KINDS.contains(&kind.as_str()) {
        Ok(())
    } else {
        Err(ValidationError::new(
            "file",
            format!("must be one of these kinds: {}", UPLOAD_KINDS.join(", ")),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_library_takes_media_and_refuses_what_a_browser_would_run() {
        for ok in ["Rocky IV.JPG", "notes.pdf", "side-a.flac", "mix.zip"] {
            assert!(check_upload_kind(ok).is_ok(), "{ok}");
        }
        for refused in [
            "page.html",
            "logo.svg",
            "run.js",
            "noext",
            "archive.tar.gz",
            "x.exe",
        ] {
            assert!(check_upload_kind(refused).is_err(), "{refused}");
        }
    }

    #[test]
    fn downloads_start_at_the_first_byte_and_are_more_than_a_probe() {
        let mb = 1024 * 1024;
        assert!(is_download(0, mb, mb), "the whole file");
        assert!(is_download(0, 64 * 1024, mb), "a first segment");
        assert!(!is_download(0, 1, mb), "bytes=0-0");
        assert!(!is_download(0, 2, mb), "bytes=0-1");
        assert!(!is_download(512, mb - 512, mb), "a resumed download");
        assert!(is_download(0, 300, 300), "a small file whole");
    }

    #[test]
    fn sizes_read_like_a_file_manager() {
        assert_eq!(human_size(1), "1 byte");
        assert_eq!(human_size(812), "812 bytes");
        assert_eq!(human_size(1434), "1.4 KB");
        assert_eq!(human_size(24_117_248), "23.0 MB");
    }

    #[test]
    fn file_names_with_paths_or_controls_are_refused() {
        assert_eq!(validate_file_name(" notes.txt ").unwrap(), "notes.txt");
        for bad in [
            "",
            "../etc/passwd",
            "a\\b",
            ".htaccess",
            "a\nb",
            "say \"hi\".txt",
        ] {
            assert!(validate_file_name(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn download_paths_are_url_safe() {
        let d = Download {
            id: DownloadId(7),
            file_name: "rocky iv – notes.txt".into(),
            content_type: "text/plain".into(),
            byte_size: 3,
            sha256: String::new(),
            download_count: 0,
        };
        assert_eq!(d.path(), "/download/7/rocky%20iv%20%E2%80%93%20notes.txt");
    }
}
