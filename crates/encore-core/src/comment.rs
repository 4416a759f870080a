//! Comments: what a reader may write under a post, the states a comment goes through, and the
//! Markdown subset it is written in.
//!
//! A comment's body is a small Markdown subset, rendered when the comment is saved: paragraphs,
//! line breaks, emphasis, strong, strikethrough, inline code and code blocks, quotes, lists and
//! links. Raw HTML is shown as the text it is, headings are not made (a heading becomes a
//! paragraph), and every link carries `rel="nofollow ugc"`. Images are shown only where the
//! site's owner allows them, and only from `https` addresses; elsewhere an image is a link to it.

use crate::{
    Problems, ValidationError,
    account::validate_email,
    error::required_text,
    ids::{AccountId, CommentId, PostId},
};
use ammonia::Builder;
use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd, html};
use std::{str::FromStr, sync::LazyLock};

/// The longest comment body, in characters.
pub const MAX_BODY_CHARS: usize = 10_000;
/// The longest author name, in characters.
pub const MAX_NAME_CHARS: usize = 100;
/// The longest website address, in characters.
pub const MAX_URL_CHARS: usize = 300;
/// How deep replies nest unless the site says otherwise.
pub const DEFAULT_DEPTH: u32 = 5;
/// The deepest a site may let replies nest.
pub const MAX_DEPTH: u32 = 10;
/// Minutes during which a comment's writer may still change or delete it (while it has no
/// answers).
pub const EDIT_MINUTES: i64 = 15;

/// Where a comment stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CommentStatus {
    /// Waiting for a moderator; only its writer sees it.
    Pending,
    /// Shown under the post.
    Approved,
    /// Filed as spam.
    Spam,
    /// Thrown away by a moderator (or its writer), restorable for a while.
    Trash,
}

impl CommentStatus {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            CommentStatus::Pending => "pending",
            CommentStatus::Approved => "approved",
            CommentStatus::Spam => "spam",
            CommentStatus::Trash => "trash",
        }
    }
}

impl FromStr for CommentStatus {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "pending" => CommentStatus::Pending,
            "approved" => CommentStatus::Approved,
            "spam" => CommentStatus::Spam,
            "trash" => CommentStatus::Trash,
            other => return Err(format!("unknown comment status {other:?}")),
        })
    }
}

/// Who writes a comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Commenter {
    /// A signed-in account: its name and address come from the account.
    Account(AccountId),
    /// A guest, by the name, address and website typed in the form.
    Guest {
        /// The name shown above the comment.
        name: String,
        /// Never shown; for the avatar and for replies by mail.
        email: String,
        /// Linked from the name when given.
        website: String,
    },
}

/// A comment as typed, not yet checked.
#[derive(Debug, Clone)]
pub struct CommentForm {
    /// The post it is written under.
    pub post: PostId,
    /// The comment it answers, if any.
    pub parent: Option<CommentId>,
    /// The guest's name (ignored for accounts).
    pub name: String,
    /// The guest's email address (ignored for accounts).
    pub email: String,
    /// The guest's website (ignored for accounts); optional.
    pub website: String,
    /// The text, in the comment Markdown subset.
    pub body: String,
}

/// A checked comment, ready to store.
#[derive(Debug, Clone)]
pub struct NewComment {
    /// The post it is written under.
    pub post: PostId,
    /// The comment it answers, if any.
    pub parent: Option<CommentId>,
    /// Its writer.
    pub author: Commenter,
    /// The text as typed (NFC, trimmed).
    pub body: String,
    /// The text rendered and sanitised.
    pub body_html: String,
}

impl CommentForm {
    /// Checks every field, for a guest or for a signed-in account, and reports every problem at
    /// once (fields `name`, `email`, `website`, `body`).
    pub fn validate(
        self,
        account: Option<AccountId>,
        images: Images,
    ) -> Result<NewComment, Vec<ValidationError>> {
        let mut problems = Problems::new();
        let body = problems.check(required_text("body", &self.body, MAX_BODY_CHARS));
        let author = match account {
            Some(id) => Some(Commenter::Account(id)),
            None => {
                let name = problems.check(required_text("name", &self.name, MAX_NAME_CHARS));
                let email = self.email.trim().to_lowercase();
                let email = problems.check(validate_email(&email).map(|()| email));
                let website = problems.check(validate_website(&self.website));
                match (name, email, website) {
                    (Some(name), Some(email), Some(website)) => Some(Commenter::Guest {
                        name,
                        email,
                        website,
                    }),
                    _ => None,
                }
            }
        };
        problems.finish()?;
        match (body, author) {
            (Some(body), Some(author)) => Ok(NewComment {
                post: self.post,
                parent: self.parent,
                author,
                body_html: render(&body, images),
                body,
            }),
            // Every None above noted a problem, so finish() has returned already.
            _ => Err(vec![ValidationError::new("body", "must not be empty")]),
        }
    }
}

/// A comment's text as edited: not empty, at most [`MAX_BODY_CHARS`]; trimmed, and rendered.
pub fn validate_body(raw: &str, images: Images) -> Result<(String, String), ValidationError> {
    let body = required_text("body", raw, MAX_BODY_CHARS)?;
    let html = render(&body, images);
    Ok((body, html))
}

/// A website typed by a guest: empty, or an `http(s)` address (`https://` is added to a bare
/// host name).
pub fn validate_website(raw: &str) -> Result<String, ValidationError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(String::new());
    }
    let bad = || ValidationError::new("website", "must be a web address like https://example.com");
    if raw.chars().count() > MAX_URL_CHARS {
        return Err(ValidationError::new(
            "website",
            format!("must be at most {MAX_URL_CHARS} characters"),
        ));
    }
    let with_scheme = if raw.contains("://") {
        raw.to_owned()
    } else {
        format!("https://{raw}")
    };
    let url = url::Url::parse(&with_scheme).map_err(|_| bad())?;
    if !matches!(url.scheme(), "http" | "https")
        || url.host_str().is_none_or(|h| !h.contains('.'))
        || !url.username().is_empty()
        || url.password().is_some()
    {
        return Err(bad());
    }
    Ok(url.to_string())
}

/// What an image written in a comment becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Images {
    /// A link to it (the default).
    Linked,
    /// The image, when its address is `https` (loaded lazily, sending no referrer).
    Shown,
}

impl Images {
    /// `Shown` where the site's owner allows images in comments.
    pub fn allowed(allowed: bool) -> Images {
        if allowed {
            Images::Shown
        } else {
            Images::Linked
        }
    }
}

/// Renders a comment body (the subset above) to HTML safe to insert unescaped.
pub fn render(markdown: &str, images: Images) -> String {
    let shown = images == Images::Shown;
    // For each image open, whether it is shown (else it was made a link, closed as one).
    let mut open_images: Vec<bool> = Vec::new();
    let events =
        Parser::new_ext(markdown, Options::ENABLE_STRIKETHROUGH).map(|event| match event {
            // Markup typed into a comment is shown as typed; a block of it reads as a paragraph.
            Event::Html(text) | Event::InlineHtml(text) => Event::Text(text),
            Event::Start(Tag::HtmlBlock) => Event::Start(Tag::Paragraph),
            Event::End(TagEnd::HtmlBlock) => Event::End(TagEnd::Paragraph),
            Event::Start(Tag::Heading { .. }) => Event::Start(Tag::Paragraph),
            Event::End(TagEnd::Heading(_)) => Event::End(TagEnd::Paragraph),
            Event::Start(Tag::Image {
                link_type,
                dest_url,
                title,
                id,
            }) if shown && dest_url.starts_with("https://") => {
                open_images.push(true);
                Event::Start(Tag::Image {
                    link_type,
                    dest_url,
                    title,
                    id,
                })
            }
            Event::Start(Tag::Image {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                open_images.push(false);
                Event::Start(Tag::Link {
                    link_type,
                    dest_url,
                    title,
                    id,
                })
            }
            Event::End(TagEnd::Image) => {
                if open_images.pop().unwrap_or(false) {
                    Event::End(TagEnd::Image)
                } else {
                    Event::End(TagEnd::Link)
                }
            }
            other => other,
        });
    let mut unsafe_html = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut unsafe_html, events);
    if shown {
        WITH_IMAGES.clean(&unsafe_html).to_string()
    } else {
        COMMENT_SANITIZER.clean(&unsafe_html).to_string()
    }
}

static COMMENT_SANITIZER: LazyLock<Builder<'static>> = LazyLock::new(sanitizer);

/// The sanitiser where images are shown: `https` sources only, loaded lazily, no referrer sent
/// (an image host learns nothing of which page shows it).
static WITH_IMAGES: LazyLock<Builder<'static>> = LazyLock::new(|| {
    let mut builder = sanitizer();
    builder
        .add_tags(["img"])
        .add_tag_attributes("img", ["src", "alt", "title"])
        .set_tag_attribute_value("img", "loading", "lazy")
        .set_tag_attribute_value("img", "decoding", "async")
        .set_tag_attribute_value("img", "referrerpolicy", "no-referrer")
        .attribute_filter(|element, attribute, value| {
            if element == "img" && attribute == "src" && !value.starts_with("https://") {
                None
            } else {
                Some(value.into())
            }
        });
    builder
});

fn sanitizer() -> Builder<'static> {
    let mut builder = Builder::empty();
    builder
        .add_tags([
            "p",
            "br",
            "em",
            "strong",
            "del",
            "code",
            "pre",
            "blockquote",
            "ul",
            "ol",
            "li",
            "a",
        ])
        .add_tag_attributes("a", ["href"])
        .add_tag_attributes("ol", ["start"])
        .url_schemes(["http", "https", "mailto"].into())
        .link_rel(Some("nofollow ugc noopener"));
    builder
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(name: &str, email: &str, website: &str, body: &str) -> CommentForm {
        CommentForm {
            post: PostId(1),
            parent: None,
            name: name.into(),
            email: email.into(),
            website: website.into(),
            body: body.into(),
        }
    }

    #[test]
    fn a_guest_needs_a_name_an_address_and_words() {
        let problems = form(" ", "nobody", "javascript:alert(1)", "")
            .validate(None, Images::Linked)
            .unwrap_err();
        let fields: Vec<_> = problems.iter().map(|p| p.field).collect();
        assert_eq!(fields, ["body", "name", "email", "website"]);
        let ok = form(
            "Mara",
            "Mara@Example.org",
            "mara.example.org",
            "Great pick!",
        )
        .validate(None, Images::Linked)
        .unwrap();
        assert_eq!(
            ok.author,
            Commenter::Guest {
                name: "Mara".into(),
                email: "mara@example.org".into(),
                website: "https://mara.example.org/".into(),
            }
        );
    }

    #[test]
    fn an_account_needs_only_words() {
        let ok = form("", "", "", "Yes.")
            .validate(Some(AccountId(7)), Images::Linked)
            .unwrap();
        assert_eq!(ok.author, Commenter::Account(AccountId(7)));
        assert_eq!(ok.body_html.trim(), "<p>Yes.</p>");
    }

    #[test]
    fn markup_is_shown_as_typed_and_links_are_marked() {
        let html = render(
            "<script>alert(1)</script>\n\n# Big\n\n![x](https://img.example/a.png) *so* [good](https://example.com) [bad](javascript:alert(1))",
            Images::Linked,
        );
        assert!(
            html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{html}"
        );
        assert!(!html.contains("<h1") && !html.contains("<img"), "{html}");
        assert!(html.contains("<em>so</em>"), "{html}");
        assert!(
            html.contains(r#"<a href="https://example.com" rel="nofollow ugc noopener">good</a>"#),
            "{html}"
        );
        assert!(!html.contains("javascript:"), "{html}");
    }

    #[test]
    fn images_show_only_where_allowed_and_only_from_https() {
        let typed = "![the poster](https://img.example/rocky.png \"Rocky IV\") ![old](http://img.example/b.png) ![x](javascript:alert(1)) <img src=https://img.example/c.png onerror=alert(1)>";
        let linked = render(typed, Images::Linked);
        assert!(!linked.contains("<img"), "{linked}");
        assert!(
            linked.contains(r#"<a href="https://img.example/rocky.png""#),
            "{linked}"
        );
        let shown = render(typed, Images::Shown);
        assert!(
            shown.contains(
                r#"<img src="https://img.example/rocky.png" alt="the poster" title="Rocky IV""#
            ),
            "{shown}"
        );
        assert!(shown.contains(r#"referrerpolicy="no-referrer""#), "{shown}");
        assert!(shown.contains(r#"loading="lazy""#), "{shown}");
        // A plain-http image stays a link (no mixed content, no tracking over http).
        assert_eq!(shown.matches("<img").count(), 1, "{shown}");
        assert!(
            shown.contains(r#"<a href="http://img.example/b.png""#),
            "{shown}"
        );
        assert!(!shown.contains("javascript:"), "{shown}");
        // Typed markup stays text, whatever it says.
        assert!(
            shown.contains("&lt;img src=https://img.example/c.png onerror"),
            "{shown}"
        );
    }
}
