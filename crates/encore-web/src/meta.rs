//! Machine-readable page metadata: schema.org JSON-LD and OpenGraph tags.

use crate::views::{Head, PostView};
use encore_core::{series::SeriesNav, site::Site};
use serde::Serialize;

/// Serializes JSON-LD for a `<script type="application/ld+json">` element: `<`, `>` and `&` are
/// escaped as `\u003c` and so on, so no string in it can close the element.
pub fn script_json<T: Serialize + ?Sized>(value: &T) -> String {
    let json = serde_json::to_string(value).unwrap_or_else(|_| "{}".to_owned());
    if !json.contains(['<', '>', '&']) {
        return json;
    }
    json.replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

/// schema.org `BlogPosting`, as a typed document (serialized once, without building a tree).
#[derive(Serialize)]
struct BlogPosting<'a> {
    #[serde(rename = "@context")]
    context: &'static str,
    #[serde(rename = "@type")]
    kind: &'static str,
    headline: &'a str,
    description: &'a str,
    url: &'a str,
    #[serde(rename = "mainEntityOfPage")]
    main_entity_of_page: &'a str,
    #[serde(rename = "dateModified")]
    date_modified: &'a str,
    #[serde(rename = "datePublished", skip_serializing_if = "Option::is_none")]
    date_published: Option<&'a str>,
    author: Thing<'a>,
    publisher: Thing<'a>,
    #[serde(rename = "articleSection", skip_serializing_if = "Option::is_none")]
    article_section: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    keywords: Option<String>,
    #[serde(rename = "isPartOf", skip_serializing_if = "Option::is_none")]
    is_part_of: Option<Thing<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    position: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    about: Option<Playlist<'a>>,
    /// The year the post is about.
    #[serde(rename = "temporalCoverage", skip_serializing_if = "Option::is_none")]
    temporal_coverage: Option<&'a str>,
    /// Its featured picture.
    #[serde(skip_serializing_if = "Option::is_none")]
    image: Option<&'a str>,
    #[serde(rename = "associatedMedia", skip_serializing_if = "Vec::is_empty")]
    associated_media: Vec<Media<'a>>,
}

/// A named thing with an address: a person, an organization, a series.
#[derive(Serialize)]
struct Thing<'a> {
    #[serde(rename = "@type")]
    kind: &'static str,
    name: &'a str,
    url: String,
}

#[derive(Serialize)]
struct Playlist<'a> {
    #[serde(rename = "@type")]
    kind: &'static str,
    name: String,
    #[serde(rename = "numTracks")]
    num_tracks: usize,
    track: Vec<Recording<'a>>,
}

#[derive(Serialize)]
struct Recording<'a> {
    #[serde(rename = "@type")]
    kind: &'static str,
    position: u32,
    name: &'a str,
    #[serde(rename = "byArtist")]
    by_artist: Group<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    duration: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<&'a str>,
}

#[derive(Serialize)]
struct Group<'a> {
    #[serde(rename = "@type")]
    kind: &'static str,
    name: &'a str,
}

#[derive(Serialize)]
struct Media<'a> {
    #[serde(rename = "@type")]
    kind: &'static str,
    name: &'a str,
    #[serde(rename = "contentUrl")]
    content_url: String,
    #[serde(rename = "encodingFormat")]
    encoding_format: &'a str,
    #[serde(rename = "contentSize")]
    content_size: String,
    sha256: &'a str,
}

/// schema.org `BlogPosting` for a post, with its track listing as a `MusicPlaylist` of
/// `MusicRecording`s and its downloads as `MediaObject`s, ready for a script element.
pub fn blog_posting(site: &Site, post: &PostView, series: Option<&SeriesNav>) -> String {
    let doc = BlogPosting {
        context: "https://schema.org",
        kind: "BlogPosting",
        headline: &post.summary.title,
        description: &post.summary.excerpt,
        url: &post.url,
        main_entity_of_page: &post.url,
        date_modified: &post.updated.iso,
        date_published: post.summary.date.as_ref().map(|d| d.iso.as_str()),
        author: Thing {
            kind: "Person",
            name: &post.summary.author.name,
            url: site.url(&post.summary.author.path),
        },
        publisher: Thing {
            kind: "Organization",
            name: &site.title,
            url: site.base_url.clone(),
        },
        article_section: post.summary.categories.first().map(|c| c.name.as_str()),
        keywords: (!post.tags.is_empty()).then(|| {
            post.tags
                .iter()
                .map(|t| t.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        }),
        is_part_of: series.map(|nav| Thing {
            kind: "CreativeWorkSeries",
            name: &nav.series.title,
            url: site.url(&nav.series.path()),
        }),
        position: series.map(|nav| nav.number),
        about: (!post.tracks.is_empty()).then(|| Playlist {
            kind: "MusicPlaylist",
            name: format!("{} — track listing", post.summary.title),
            num_tracks: post.tracks.len(),
            track: post
                .tracks
                .iter()
                .map(|t| Recording {
                    kind: "MusicRecording",
                    position: t.position,
                    name: &t.title,
                    by_artist: Group {
                        kind: "MusicGroup",
                        name: &t.artist,
                    },
                    duration: t.duration_iso.as_deref(),
                    url: t.link.as_deref(),
                })
                .collect(),
        }),
        temporal_coverage: post.subject_year.as_ref().map(|y| y.name.as_str()),
        image: post.featured.as_ref().map(|f| f.share_url.as_str()),
        associated_media: post
            .downloads
            .iter()
            .map(|d| Media {
                kind: "MediaObject",
                name: &d.file_name,
                content_url: site.url(&d.path),
                encoding_format: &d.kind,
                content_size: format!("{} bytes", d.bytes),
                sha256: &d.sha256,
            })
            .collect(),
    };
    script_json(&doc)
}

/// The `<head>` of a post page: title, description, canonical link, OpenGraph, JSON-LD.
pub fn post_head(site: &Site, post: &PostView, series: Option<&SeriesNav>) -> Head {
    let mut meta = vec![
        ("og:type".to_owned(), "article".to_owned()),
        ("og:title".to_owned(), post.summary.title.clone()),
        ("og:description".to_owned(), post.summary.excerpt.clone()),
        ("og:url".to_owned(), post.url.clone()),
        ("og:site_name".to_owned(), site.title.clone()),
        ("article:modified_time".to_owned(), post.updated.iso.clone()),
    ];
    if let Some(date) = &post.summary.date {
        meta.push(("article:published_time".to_owned(), date.iso.clone()));
    }
    if let Some(category) = post.summary.categories.first() {
        meta.push(("article:section".to_owned(), category.name.clone()));
    }
    if let Some(featured) = &post.featured {
        meta.push(("og:image".to_owned(), featured.share_url.clone()));
    }
    meta.extend(
        post.tags
            .iter()
            .map(|t| ("article:tag".to_owned(), t.name.clone())),
    );
    Head {
        title: format!("{} – {}", post.summary.title, site.title),
        description: post.summary.excerpt.clone(),
        canonical: post.url.clone(),
        meta,
        jsonld: Some(blog_posting(site, post, series)),
    }
}

/// The `<head>` of a standalone page (About): like [`page_head`], but an article to OpenGraph.
pub fn standalone_head(site: &Site, post: &PostView) -> Head {
    let mut head = page_head(
        site,
        Some(&post.summary.title),
        &post.summary.excerpt,
        &post.summary.path,
    );
    for (property, content) in &mut head.meta {
        if property == "og:type" {
            *content = "article".to_owned();
        }
    }
    head
}

/// The `<head>` of an error page: no canonical address and nothing from the request (an error
/// page is not a page of the site, and must not repeat what an attacker put in the address).
pub fn error_head(site: &Site, title: &str, message: &str) -> Head {
    Head {
        title: format!("{title} – {}", site.title),
        description: message.to_owned(),
        canonical: String::new(),
        meta: vec![("og:site_name".to_owned(), site.title.clone())],
        jsonld: None,
    }
}

/// The `<head>` of any other page.
pub fn page_head(site: &Site, title: Option<&str>, description: &str, path: &str) -> Head {
    let canonical = site.url(path);
    let full_title = match title {
        Some(t) => format!("{t} – {}", site.title),
        None if site.tagline.is_empty() => site.title.clone(),
        None => format!("{} – {}", site.title, site.tagline),
    };
    let description = if description.is_empty() {
        site.tagline.clone()
    } else {
        description.to_owned()
    };
    Head {
        meta: vec![
            ("og:type".to_owned(), "website".to_owned()),
            (
                "og:title".to_owned(),
                title.unwrap_or(&site.title).to_owned(),
            ),
            ("og:description".to_owned(), description.clone()),
            ("og:url".to_owned(), canonical.clone()),
            ("og:site_name".to_owned(), site.title.clone()),
        ],
        title: full_title,
        description,
        canonical,
        jsonld: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_json_cannot_close_its_element() {
        let v = serde_json::json!({"headline": "</script><script>alert(1)</script> & more"});
        let s = script_json(&v);
        assert!(!s.contains("</script>"), "{s}");
        let back: serde_json::Value = serde_json::from_str(&s).unwrap();
        assert_eq!(
            back["headline"],
            "</script><script>alert(1)</script> & more"
        );
    }
}
