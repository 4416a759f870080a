//! Markdown to safe HTML: CommonMark plus tables and strikethrough, embeds for provider URLs
//! alone on a line, and an allowlist sanitizer over the result.
//!
//! Everything an author writes passes the sanitizer, whoever the author is: raw HTML in a post is
//! welcome, scripts and event handlers are not.

use crate::embed::{self, Embed};
use ammonia::Builder;
use pulldown_cmark::{CowStr, Event, Options, Parser, Tag, TagEnd, html};
use std::{borrow::Cow, sync::LazyLock};

/// The version of the renderer (Markdown options, embeds, sanitizer allowlist).
///
/// Posts keep the HTML rendered when they were saved with the version that rendered it; raise this when a
/// change to the renderer should reach old posts, and they are rendered again once.
pub const RENDERER_VERSION: i64 = 1;

/// How long a teaser derived from a body may be, in characters.
pub const TEASER_CHARS: usize = 280;

fn options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_SMART_PUNCTUATION
}

/// Renders a post body to HTML that is safe to insert into a page unescaped.
pub fn render(markdown: &str) -> String {
    let events = with_embeds(Parser::new_ext(markdown, options()).collect());
    let mut unsafe_html = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut unsafe_html, events.into_iter());
    SANITIZER.clean(&unsafe_html).to_string()
}

/// Sanitizes HTML that came from outside (imports, the API) with the same allowlist as posts.
pub fn sanitize(html: &str) -> String {
    SANITIZER.clean(html).to_string()
}

/// The teaser of a body: the text of its opening paragraphs, without markup, embeds or bare
/// links, cut at a word boundary near `max_chars` with an ellipsis.
pub fn excerpt(markdown: &str, max_chars: usize) -> String {
    let mut text = String::new();
    let mut in_paragraph = false;
    let mut paragraph = String::new();
    for event in Parser::new_ext(markdown, options()) {
        match event {
            Event::Start(Tag::Paragraph) => {
                in_paragraph = true;
                paragraph.clear();
            }
            Event::End(TagEnd::Paragraph) => {
                in_paragraph = false;
                let p = paragraph.trim();
                let is_bare_link = !p.contains(char::is_whitespace) && p.contains("://");
                if !p.is_empty() && !is_bare_link {
                    if !text.is_empty() {
                        text.push(' ');
                    }
                    text.push_str(p);
                }
                if text.chars().count() >= max_chars {
                    break;
                }
            }
            Event::Text(t) | Event::Code(t) if in_paragraph => paragraph.push_str(&t),
            Event::SoftBreak | Event::HardBreak if in_paragraph => paragraph.push(' '),
            _ => {}
        }
    }
    truncate_words(&text, max_chars)
}

fn truncate_words(text: &str, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        return text.to_owned();
    }
    let cut: String = text.chars().take(max_chars).collect();
    let cut = match cut.rfind(char::is_whitespace) {
        Some(i) if i > max_chars / 2 => &cut[..i],
        _ => &cut,
    };
    format!(
        "{}…",
        cut.trim_end_matches(|c: char| c.is_whitespace() || c.is_ascii_punctuation())
    )
}

/// Replaces every line of a paragraph that is nothing but an embeddable URL with the embed's
/// markup, splitting the paragraph around it.
fn with_embeds(events: Vec<Event<'_>>) -> Vec<Event<'_>> {
    let mut out = Vec::with_capacity(events.len());
    let mut iter = events.into_iter();
    while let Some(event) = iter.next() {
        if !matches!(event, Event::Start(Tag::Paragraph)) {
            out.push(event);
            continue;
        }
        let mut lines: Vec<Vec<Event<'_>>> = vec![Vec::new()];
        let mut breaks: Vec<Event<'_>> = Vec::new();
        for inner in iter.by_ref() {
            match inner {
                Event::End(TagEnd::Paragraph) => break,
                Event::SoftBreak | Event::HardBreak => {
                    breaks.push(inner);
                    lines.push(Vec::new());
                }
                other => lines.last_mut().map_or((), |l| l.push(other)),
            }
        }
        let mut open: Vec<Event<'_>> = Vec::new();
        for (i, line) in lines.into_iter().enumerate() {
            match lone_url(&line).and_then(|u| Embed::from_url(&u)) {
                Some(found) => {
                    flush_paragraph(&mut out, &mut open);
                    out.push(Event::Html(CowStr::from(found.to_html())));
                }
                None => {
                    if let Some(b) = breaks.get(i.wrapping_sub(1)).filter(|_| !open.is_empty()) {
                        open.push(b.clone());
                    }
                    open.extend(line);
                }
            }
        }
        flush_paragraph(&mut out, &mut open);
    }
    out
}

fn flush_paragraph<'a>(out: &mut Vec<Event<'a>>, open: &mut Vec<Event<'a>>) {
    if open.is_empty() {
        return;
    }
    out.push(Event::Start(Tag::Paragraph));
    out.append(open);
    out.push(Event::End(TagEnd::Paragraph));
}

/// The URL a line consists of, if it is nothing else: plain text (pulldown-cmark may split it
/// into several text events) or an autolink `<https://…>` whose text is its address.
fn lone_url(line: &[Event<'_>]) -> Option<String> {
    let mut text = String::new();
    let mut link_dest: Option<&str> = None;
    for event in line {
        match event {
            Event::Text(t) => text.push_str(t),
            Event::Start(Tag::Link { dest_url, .. })
                if link_dest.is_none() && text.trim().is_empty() =>
            {
                link_dest = Some(dest_url);
            }
            Event::End(TagEnd::Link) => {}
            _ => return None,
        }
    }
    let text = text.trim();
    if let Some(dest) = link_dest {
        return (text == dest).then(|| dest.to_owned());
    }
    (text.starts_with("http") && !text.contains(char::is_whitespace)).then(|| text.to_owned())
}

static SANITIZER: LazyLock<Builder<'static>> = LazyLock::new(|| {
    let mut b = Builder::default();
    b.add_tag_attributes(
        "figure",
        &[
            "class",
            "data-embed-src",
            "data-embed-kind",
            "data-embed-provider",
            "data-embed-height",
        ],
    )
    .add_tag_attributes("code", &["class"])
    .add_tag_attributes("img", &["loading"])
    .add_tag_attributes("th", &["style"])
    .add_tag_attributes("td", &["style"])
    .attribute_filter(filter_attribute);
    b
});

/// Keeps the attributes Encore's own markup needs, but only with values it would produce itself.
fn filter_attribute<'u>(element: &str, attribute: &str, value: &'u str) -> Option<Cow<'u, str>> {
    let keep = match (element, attribute) {
        ("figure", "data-embed-src") => embed::is_player_url(value),
        ("figure", "data-embed-kind") => matches!(value, "video" | "audio"),
        ("figure", "data-embed-provider") => {
            value.len() <= 20 && value.chars().all(|c| c.is_ascii_alphabetic())
        }
        ("figure", "data-embed-height") => {
            value.len() <= 4 && value.chars().all(|c| c.is_ascii_digit())
        }
        ("figure", "class") => value
            .split_ascii_whitespace()
            .all(|c| embed::CLASSES.contains(&c)),
        ("code", "class") => value.split_ascii_whitespace().all(|c| {
            c.strip_prefix("language-").is_some_and(|l| {
                l.chars()
                    .all(|x| x.is_ascii_alphanumeric() || "+#-_".contains(x))
            })
        }),
        ("img", "loading") => value == "lazy",
        // pulldown-cmark aligns table cells with `style="text-align: …"`; nothing else gets style.
        ("th" | "td", "style") => matches!(
            value,
            "text-align: left" | "text-align: center" | "text-align: right"
        ),
        _ => true,
    };
    keep.then_some(Cow::Borrowed(value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_renders_to_html() {
        let html = render(
            "# Side A\n\nThe *best* track is **War**.\n\n| # | Song |\n|---|---|\n| 5 | War |",
        );
        assert!(html.contains("<h1>Side A</h1>"), "{html}");
        assert!(html.contains("<em>best</em>"));
        assert!(html.contains("<table>"));
        assert!(html.contains("<td>War</td>"));
    }

    #[test]
    fn scripts_and_handlers_are_removed() {
        let html = render(
            "<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n\n[x](javascript:alert(1))\n\n<iframe src=\"https://evil.example\"></iframe>",
        );
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("onerror"), "{html}");
        assert!(!html.contains("javascript:"), "{html}");
        assert!(!html.contains("<iframe"), "{html}");
    }

    #[test]
    fn a_provider_url_alone_on_a_line_becomes_an_embed() {
        let html = render(
            "Here is the video:\nhttps://www.youtube.com/watch?v=btPJPFnesV4\nAnd more text.",
        );
        assert!(
            html.contains(r#"data-embed-src="https://www.youtube-nocookie.com/embed/btPJPFnesV4""#),
            "{html}"
        );
        assert!(html.contains("<p>Here is the video:</p>"), "{html}");
        assert!(html.contains("<p>And more text.</p>"), "{html}");
        assert!(!html.contains("<iframe"));
    }

    #[test]
    fn autolinks_and_urls_with_underscores_embed_too() {
        let html = render("<https://youtu.be/a_b-c_d_e_f>");
        assert!(html.contains("embed/a_b-c_d_e_f"), "{html}");
    }

    #[test]
    fn urls_inside_sentences_and_unknown_sites_stay_links() {
        let inline = render("Watch https://youtu.be/btPJPFnesV4 now");
        assert!(!inline.contains("data-embed-src"), "{inline}");
        let other = render("<https://example.org/video>");
        assert!(
            other.contains(r#"<a href="https://example.org/video""#),
            "{other}"
        );
        assert!(!other.contains("data-embed-src"));
    }

    #[test]
    fn hand_written_embed_markup_cannot_frame_other_sites() {
        let html = render(
            r#"<figure class="embed evil" data-embed-src="https://evil.example/x" data-embed-kind="video">x</figure>"#,
        );
        assert!(!html.contains("evil.example"), "{html}");
        assert!(!html.contains("evil\""), "{html}");
        let ok = render(
            r#"<figure class="embed embed-vimeo" data-embed-src="https://player.vimeo.com/video/1">x</figure>"#,
        );
        assert!(
            ok.contains(r#"data-embed-src="https://player.vimeo.com/video/1""#),
            "{ok}"
        );
    }

    #[test]
    fn excerpts_skip_markup_and_bare_links_and_cut_at_words() {
        let md = "# Title\n\nhttps://youtu.be/btPJPFnesV4\n\nThe *score* that made a nation train in the snow.\n\nSecond paragraph here.";
        assert_eq!(
            excerpt(md, 200),
            "The score that made a nation train in the snow. Second paragraph here."
        );
        assert_eq!(excerpt(md, 20), "The score that made…");
    }
}
