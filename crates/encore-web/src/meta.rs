//! Machine-readable page metadata: schema.org JSON-LD and OpenGraph tags.

use crate::views::{Head, PostView};
use encore_core::{series::SeriesNav, site::Site};
use serde_json::{Value, json};

/// Serializes JSON-LD for a `<script type="application/ld+json">` element: `<`, `>` and `&` are
/// escaped as `\u003c` and so on, so no string in it can close the element.
pub fn script_json(value: &Value) -> String {
    value
        .to_string()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

/// schema.org `BlogPosting` for a post, with its track listing as a `MusicPlaylist` of
/// `MusicRecording`s and its downloads as `MediaObject`s.
pub fn blog_posting(site: &Site, post: &PostView, series: Option<&SeriesNav>) -> Value {
    let mut doc = json!({
        "@context": "https://schema.org",
        "@type": "BlogPosting",
        "headline": post.summary.title,
        "description": post.summary.excerpt,
        "url": post.url,
        "mainEntityOfPage": post.url,
        "dateModified": post.updated.iso,
        "author": {
            "@type": "Person",
            "name": post.summary.author.name,
            "url": site.url(&post.summary.author.path),
        },
        "publisher": { "@type": "Organization", "name": site.title, "url": site.base_url },
    });
    if let Some(date) = &post.summary.date {
        doc["datePublished"] = json!(date.iso);
    }
    if let Some(category) = post.summary.categories.first() {
        doc["articleSection"] = json!(category.name);
    }
    if !post.tags.is_empty() {
        doc["keywords"] = json!(
            post.tags
                .iter()
                .map(|t| t.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    if let Some(nav) = series {
        doc["isPartOf"] = json!({
            "@type": "CreativeWorkSeries",
            "name": nav.series.title,
            "url": site.url(&nav.series.path()),
        });
        doc["position"] = json!(nav.number);
    }
    if !post.tracks.is_empty() {
        let tracks: Vec<Value> = post
            .tracks
            .iter()
            .map(|t| {
                let mut recording = json!({
                    "@type": "MusicRecording",
                    "position": t.position,
                    "name": t.title,
                    "byArtist": { "@type": "MusicGroup", "name": t.artist },
                });
                if let Some(d) = &t.duration_iso {
                    recording["duration"] = json!(d);
                }
                recording
            })
            .collect();
        doc["about"] = json!({
            "@type": "MusicPlaylist",
            "name": format!("{} — track listing", post.summary.title),
            "numTracks": tracks.len(),
            "track": tracks,
        });
    }
    if !post.downloads.is_empty() {
        doc["associatedMedia"] = post
            .downloads
            .iter()
            .map(|d| {
                json!({
                    "@type": "MediaObject",
                    "name": d.file_name,
                    "contentUrl": site.url(&d.path),
                    "encodingFormat": d.kind,
                    "contentSize": format!("{} bytes", d.bytes),
                    "sha256": d.sha256,
                })
            })
            .collect();
    }
    doc
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
        jsonld: Some(script_json(&blog_posting(site, post, series))),
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
        let v = json!({"headline": "</script><script>alert(1)</script> & more"});
        let s = script_json(&v);
        assert!(!s.contains("</script>"), "{s}");
        let back: Value = serde_json::from_str(&s).unwrap();
        assert_eq!(
            back["headline"],
            "</script><script>alert(1)</script> & more"
        );
    }
}
