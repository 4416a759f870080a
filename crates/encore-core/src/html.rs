//! Escaping text for HTML: the one escaper that templates, embeds and error pages share.

/// Escapes text for HTML element content and for quoted attribute values: the five characters
/// that can end either (`& < > " '`). Slashes and everything else stay as they are, so links stay
/// readable.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
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
