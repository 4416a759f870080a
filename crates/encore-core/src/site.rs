//! Sites: the blogs one Encore instance serves, each answering on its own host name.

use crate::{ValidationError, error::required_text, ids::SiteId};
use serde::Serialize;

/// One blog served by this instance.
#[derive(Debug, Clone, Serialize)]
pub struct Site {
    /// The site's id.
    pub id: SiteId,
    /// The host name this site answers on, lower case, without port.
    pub host: String,
    /// The blog's title, shown in the header and in the browser tab.
    pub title: String,
    /// A one-line description shown under the title.
    pub tagline: String,
    /// The public address of the site, used for canonical links, feeds and shared links.
    /// Never derived from a request's Host header, so a forged header cannot poison links.
    pub base_url: String,
    /// Whether this site answers requests for host names no other site claims.
    pub is_default: bool,
    /// Posts on a page of the home page and the archives; `None` for the configured default.
    pub posts_per_page: Option<u32>,
    /// How its conversations go.
    pub discussion: Discussion,
}

/// How a site's conversations go: the desk's discussion settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Discussion {
    /// How deep replies nest (1: no replies under replies), at most [`crate::comment::MAX_DEPTH`].
    pub depth: u32,
    /// Threads (top-level comments with their replies) on a page of a post's conversation.
    pub per_page: u32,
    /// Whether the newest threads come first.
    pub newest_first: bool,
    /// Days after publication when a post stops taking comments; 0 for never.
    pub close_after_days: u32,
    /// Whether readers who have not signed in may like posts and comments.
    pub guest_likes: bool,
    /// Whether a guest's comment shows their Gravatar (readers' browsers then ask gravatar.com
    /// for it) rather than a picture drawn from their name.
    pub gravatars: bool,
    /// Whether comments may show images, from `https` addresses only (else an image written in a
    /// comment is a link to it). Applies to comments saved after the change.
    pub images: bool,
}

/// The most threads a page of a conversation may show.
pub const MAX_THREADS_PER_PAGE: u32 = 200;
/// The longest a post may stay open to comments, when it closes at all (about ten years).
pub const MAX_CLOSE_AFTER_DAYS: u32 = 3650;

impl Default for Discussion {
    fn default() -> Self {
        Discussion {
            depth: crate::comment::DEFAULT_DEPTH,
            per_page: 50,
            newest_first: false,
            close_after_days: 0,
            guest_likes: true,
            gravatars: false,
            images: false,
        }
    }
}

impl Discussion {
    /// Every setting out of range, by the settings form's field (`comment_depth`,
    /// `comments_per_page`, `close_after_days`).
    pub fn problems(&self) -> Vec<ValidationError> {
        let mut problems = Vec::new();
        if !(1..=crate::comment::MAX_DEPTH).contains(&self.depth) {
            problems.push(ValidationError::new(
                "comment_depth",
                format!("must be a number from 1 to {}", crate::comment::MAX_DEPTH),
            ));
        }
        if !(1..=MAX_THREADS_PER_PAGE).contains(&self.per_page) {
            problems.push(ValidationError::new(
                "comments_per_page",
                format!("must be a number from 1 to {MAX_THREADS_PER_PAGE}"),
            ));
        }
        if self.close_after_days > MAX_CLOSE_AFTER_DAYS {
            problems.push(ValidationError::new(
                "close_after_days",
                format!("must be 0 (never) or a number of days up to {MAX_CLOSE_AFTER_DAYS}"),
            ));
        }
        problems
    }

    /// Whether a post published at `published_at` takes comments at `now`: open on its own
    /// (`post_open`) and not closed by its age.
    pub fn open_for(
        &self,
        post_open: bool,
        published_at: Option<chrono::DateTime<chrono::Utc>>,
        now: chrono::DateTime<chrono::Utc>,
    ) -> bool {
        post_open
            && match (self.close_after_days, published_at) {
                (0, _) | (_, None) => true,
                (days, Some(at)) => now < at + chrono::Duration::days(i64::from(days)),
            }
    }
}

/// The most posts a page of a list may show.
pub const MAX_POSTS_PER_PAGE: u32 = 100;

impl Site {
    /// The absolute URL of `path` (which starts with `/`) on this site.
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base_url, path)
    }
}

/// A site to create, not yet validated.
#[derive(Debug, Clone)]
pub struct NewSite {
    /// Host name, e.g. `music.example.org` (a port is ignored; case is folded).
    pub host: String,
    /// Blog title.
    pub title: String,
    /// One-line description; may be empty.
    pub tagline: String,
    /// Public base URL; defaults to `https://{host}`.
    pub base_url: Option<String>,
    /// Whether it becomes the default site.
    pub is_default: bool,
}

impl NewSite {
    /// Validates and normalises the fields.
    pub fn validate(mut self) -> Result<Self, ValidationError> {
        self.host = normalize_host(&self.host).ok_or_else(|| {
            ValidationError::new("host", "must be a host name such as blog.example.org")
        })?;
        self.title = required_text("title", &self.title, 200)?;
        self.tagline = self.tagline.trim().to_owned();
        let base = match self.base_url.take() {
            Some(url) if !url.trim().is_empty() => normalize_base_url(&url)?,
            _ => format!("https://{}", self.host),
        };
        self.base_url = Some(base);
        Ok(self)
    }
}

/// Lower-cases a Host header value and strips its port; `None` when it is not a plausible host.
pub fn normalize_host(raw: &str) -> Option<String> {
    let raw = raw.trim();
    let host = if let Some(rest) = raw.strip_prefix('[') {
        // An IPv6 literal: keep the brackets, drop the port.
        let end = rest.find(']')?;
        &raw[..end + 2]
    } else {
        raw.rsplit_once(':').map_or(raw, |(h, port)| {
            if port.chars().all(|c| c.is_ascii_digit()) {
                h
            } else {
                raw
            }
        })
    };
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    let ok = !host.is_empty()
        && host.len() <= 253
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '[' | ']' | ':'));
    ok.then_some(host)
}

/// The normalised host of an absolute URL (`https://Blog.Example:8443/x` → `blog.example`).
pub fn host_of_url(url: &str) -> Option<String> {
    normalize_host(url::Url::parse(url).ok()?.host_str()?)
}

/// Checks a public base URL (`http` or `https`, no query or fragment) and drops a trailing slash.
pub fn normalize_base_url(raw: &str) -> Result<String, ValidationError> {
    let bad = |why: &str| ValidationError::new("base_url", why.to_owned());
    let url = url::Url::parse(raw.trim())
        .map_err(|_| bad("must be an absolute URL such as https://blog.example.org"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(bad("must start with http:// or https://"));
    }
    if url.host_str().is_none() {
        return Err(bad("must name a host"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(bad("must not have a query or fragment"));
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_lose_port_and_case() {
        assert_eq!(
            normalize_host("Music.Example.org:8080").as_deref(),
            Some("music.example.org")
        );
        assert_eq!(
            normalize_host("127.0.0.1:8080").as_deref(),
            Some("127.0.0.1")
        );
        assert_eq!(normalize_host("[::1]:8080").as_deref(), Some("[::1]"));
        assert_eq!(
            normalize_host("example.org.").as_deref(),
            Some("example.org")
        );
        assert_eq!(normalize_host(""), None);
        assert_eq!(normalize_host("evil.org/path"), None);
        assert_eq!(normalize_host("a b"), None);
        assert_eq!(
            host_of_url("https://Blog.Example:8443/x").as_deref(),
            Some("blog.example")
        );
        assert_eq!(host_of_url("http://[::1]:8080").as_deref(), Some("[::1]"));
        assert_eq!(host_of_url("not a url"), None);
    }

    #[test]
    fn base_urls_are_checked_and_trimmed() {
        assert_eq!(
            normalize_base_url("https://blog.example.org/").unwrap(),
            "https://blog.example.org"
        );
        assert_eq!(
            normalize_base_url("http://127.0.0.1:8080").unwrap(),
            "http://127.0.0.1:8080"
        );
        assert_eq!(
            normalize_base_url("https://example.org/blog/").unwrap(),
            "https://example.org/blog"
        );
        assert!(normalize_base_url("ftp://example.org").is_err());
        assert!(normalize_base_url("example.org").is_err());
        assert!(normalize_base_url("https://example.org/?x=1").is_err());
    }

    #[test]
    fn new_sites_default_their_base_url_to_https() {
        let site = NewSite {
            host: "Second.Example".into(),
            title: " Second ".into(),
            tagline: String::new(),
            base_url: None,
            is_default: false,
        }
        .validate()
        .unwrap();
        assert_eq!(site.host, "second.example");
        assert_eq!(site.title, "Second");
        assert_eq!(site.base_url.as_deref(), Some("https://second.example"));
    }
}

#[cfg(test)]
mod discussion_tests {
    use super::Discussion;
    use chrono::{Duration, TimeZone, Utc};

    #[test]
    fn posts_close_by_their_own_setting_or_by_age() {
        let published = Utc.with_ymd_and_hms(2026, 1, 1, 12, 0, 0).unwrap();
        let never = Discussion::default();
        let later = published + Duration::days(4000);
        assert!(never.open_for(true, Some(published), later));
        assert!(!never.open_for(false, Some(published), published));
        let month = Discussion {
            close_after_days: 30,
            ..Discussion::default()
        };
        assert!(month.open_for(true, Some(published), published + Duration::days(29)));
        assert!(!month.open_for(true, Some(published), published + Duration::days(30)));
    }

    #[test]
    fn out_of_range_settings_are_named_by_their_form_field() {
        let bad = Discussion {
            depth: 0,
            per_page: 201,
            close_after_days: 4000,
            ..Discussion::default()
        };
        let fields: Vec<_> = bad.problems().iter().map(|p| p.field).collect();
        assert_eq!(
            fields,
            ["comment_depth", "comments_per_page", "close_after_days"]
        );
        assert!(Discussion::default().problems().is_empty());
    }
}
