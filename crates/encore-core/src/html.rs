//! Escaping text for HTML: the one escaper that templates, embeds and error pages share.

/// Escapes text for HTML element content and for quoted attribute values: the five characters
/// that can end either (`& < > " '`). Slashes and everything else stay as they are, so links stay
/// readable.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    // Writing to a String cannot fail.
    let _ = escape_into(&mut out, text);
    out
}

/// [`escape`], written straight to `out`: the runs between special characters go in whole.
pub fn escape_into(out: &mut impl std::fmt::Write, text: &str) -> std::fmt::Result {
    let mut rest = text;
    while let Some(at) = rest.find(['&', '<', '>', '"', '\'']) {
        out.write_str(&rest[..at])?;
        out.write_str(match rest.as_bytes()[at] {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            _ => "&#39;",
        })?;
        rest = &rest[at + 1..];
    }
    out.write_str(rest)
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn the_five_characters_that_matter_are_escaped_and_nothing_else() {
        assert_eq!(
            escape(r#"<a href="/x?a=1&b='2'">/2026/09</a>"#),
            "&lt;a href=&quot;/x?a=1&amp;b=&#39;2&#39;&quot;&gt;/2026/09&lt;/a&gt;"
        );
        assert_eq!(escape("Кино – Группа крови"), "Кино – Группа крови");
    }
}
