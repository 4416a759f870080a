//! Media types from file names, for downloads and theme assets alike.

/// The media type to serve a file as, from its extension.
///
/// The table is `mime_guess`'s (IANA and Apache types). Text types carry `charset=utf-8`, because Encore's text files are UTF-8; an
/// unknown extension is served as bytes (`application/octet-stream`).
pub fn for_file(file_name: &str) -> String {
    let guess = mime_guess::from_path(file_name).first_or_octet_stream();
    let textual = guess.type_() == mime_guess::mime::TEXT
        || matches!(
            guess.essence_str(),
            "application/javascript" | "application/json" | "image/svg+xml"
        );
    // JavaScript is `text/javascript` (RFC 9239), which is what browsers expect of modules.
    let essence = match guess.essence_str() {
        "application/javascript" => "text/javascript",
        other => other,
    };
    if textual {
        format!("{essence}; charset=utf-8")
    } else {
        essence.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::for_file;

    #[test]
    fn types_follow_extensions_in_any_case() {
        for (name, expected) in [
            ("Liner Notes.TXT", "text/plain; charset=utf-8"),
            ("style.css", "text/css; charset=utf-8"),
            ("app.js", "text/javascript; charset=utf-8"),
            ("module.mjs", "text/javascript; charset=utf-8"),
            ("tracks.json", "application/json; charset=utf-8"),
            ("logo.svg", "image/svg+xml; charset=utf-8"),
            ("cover.webp", "image/webp"),
            ("font.woff2", "font/woff2"),
            ("mix.mp3", "audio/mpeg"),
            ("side-a.flac", "audio/flac"),
            ("playlist.m3u", "audio/x-mpegurl"),
            ("mystery", "application/octet-stream"),
        ] {
            assert_eq!(for_file(name), expected, "{name}");
        }
    }
}
