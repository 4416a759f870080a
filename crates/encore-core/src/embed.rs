//! Embeds: a YouTube, Vimeo, SoundCloud, Bandcamp or Spotify address alone on a line becomes a
//! player that loads nothing from the provider until the reader asks for it.
//!
//! Everything here is decided from the URL's text; the server never calls the provider. The
//! rendered markup is a link that works without JavaScript; the theme's script swaps it for the
//! player's iframe on click. The player address travels in `data-embed-src`, which the sanitizer
//! keeps only when [`is_player_url`] approves it, so hand-written markup cannot frame other sites.

use url::Url;

/// Who serves the player.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provider {
    /// youtube.com, youtu.be (played from youtube-nocookie.com).
    YouTube,
    /// vimeo.com.
    Vimeo,
    /// soundcloud.com.
    SoundCloud,
    /// bandcamp.com.
    Bandcamp,
    /// open.spotify.com.
    Spotify,
}

impl Provider {
    /// The provider's name as readers know it.
    pub fn name(self) -> &'static str {
        match self {
            Provider::YouTube => "YouTube",
            Provider::Vimeo => "Vimeo",
            Provider::SoundCloud => "SoundCloud",
            Provider::Bandcamp => "Bandcamp",
            Provider::Spotify => "Spotify",
        }
    }

    fn class(self) -> &'static str {
        match self {
            Provider::YouTube => "embed-youtube",
            Provider::Vimeo => "embed-vimeo",
            Provider::SoundCloud => "embed-soundcloud",
            Provider::Bandcamp => "embed-bandcamp",
            Provider::Spotify => "embed-spotify",
        }
    }
}

/// The player address prefixes an embed may load, one per provider.
pub const PLAYER_PREFIXES: &[&str] = &[
    "https://www.youtube-nocookie.com/embed/",
    "https://player.vimeo.com/video/",
    "https://w.soundcloud.com/player/",
    "https://bandcamp.com/EmbeddedPlayer/",
    "https://open.spotify.com/embed/",
];

/// The CSS class tokens embed markup may carry.
pub const CLASSES: &[&str] = &[
    "embed",
    "embed-youtube",
    "embed-vimeo",
    "embed-soundcloud",
    "embed-bandcamp",
    "embed-spotify",
];

/// Whether `src` is a player address an embed may load: one of the [`PLAYER_PREFIXES`], with no
/// characters that could break out of an attribute or a URL.
pub fn is_player_url(src: &str) -> bool {
    PLAYER_PREFIXES.iter().any(|p| src.starts_with(p))
        && src.len() <= 2048
        && !src.chars().any(|c| {
            c.is_whitespace() || c.is_control() || matches!(c, '"' | '\'' | '<' | '>' | '\\')
        })
}

/// A recognised embed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Embed {
    /// Who serves it.
    pub provider: Provider,
    /// The iframe address; `None` when only a link card can be made (a Bandcamp album page, whose
    /// player needs a numeric id that only Bandcamp knows).
    pub player_url: Option<String>,
    /// The provider's own page for the item, linked for readers without JavaScript.
    pub link_url: String,
    /// A video (16:9 frame) or audio (fixed-height strip).
    pub is_video: bool,
    /// Player height in CSS pixels for audio players.
    pub height: u32,
}

impl Embed {
    /// Recognises a provider address; `None` for anything else, which stays a plain link.
    pub fn from_url(text: &str) -> Option<Embed> {
        let url = Url::parse(text.trim()).ok()?;
        if !matches!(url.scheme(), "http" | "https")
            || url.username() != ""
            || url.password().is_some()
        {
            return None;
        }
        let host = url.host_str()?.to_ascii_lowercase();
        let host = host.strip_prefix("www.").unwrap_or(&host);
        let segments: Vec<&str> = url
            .path_segments()
            .map(|s| s.filter(|x| !x.is_empty()).collect())
            .unwrap_or_default();
        match host {
            "youtube.com" | "m.youtube.com" | "music.youtube.com" | "youtube-nocookie.com" => {
                let id = match segments.as_slice() {
                    ["watch"] => query(&url, "v")?,
                    ["embed" | "shorts" | "live" | "v", id] => (*id).to_owned(),
                    _ => return None,
                };
                youtube(&id, &url)
            }
            "youtu.be" => match segments.as_slice() {
                [id] => youtube(id, &url),
                _ => None,
            },
            "vimeo.com" | "player.vimeo.com" => vimeo(&segments),
            "soundcloud.com" | "m.soundcloud.com" => soundcloud(&segments),
            "open.spotify.com" => spotify(&segments),
            "bandcamp.com" => bandcamp_player(&url),
            h if h.ends_with(".bandcamp.com") => bandcamp_page(h, &segments),
            _ => None,
        }
    }

    /// The markup that stands in for the player until a reader loads it.
    pub fn to_html(&self) -> String {
        let name = self.provider.name();
        let (verb, kind) = if self.is_video {
            ("Watch", "video")
        } else {
            ("Listen", "audio")
        };
        let mut html = format!("<figure class=\"embed {}\"", self.provider.class());
        if let Some(src) = &self.player_url {
            html.push_str(&format!(
                " data-embed-src=\"{}\" data-embed-kind=\"{kind}\" data-embed-provider=\"{name}\"",
                crate::html::escape(src)
            ));
            // Videos take their height from the 16:9 frame; audio players have a fixed one.
            if !self.is_video {
                html.push_str(&format!(" data-embed-height=\"{}\"", self.height));
            }
        }
        html.push_str(&format!(
            "><a href=\"{}\">{verb} on {name}</a></figure>\n",
            crate::html::escape(&self.link_url)
        ));
        html
    }
}

fn query(url: &Url, key: &str) -> Option<String> {
    url.query_pairs()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
}

fn youtube(id: &str, url: &Url) -> Option<Embed> {
    let valid = id.len() == 11
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !valid {
        return None;
    }
    let start = query(url, "t")
        .or_else(|| query(url, "start"))
        .and_then(|t| parse_start(&t));
    let (player_q, link_q) = match start {
        Some(s) if s > 0 => (format!("?start={s}"), format!("&t={s}s")),
        _ => (String::new(), String::new()),
    };
    Some(Embed {
        provider: Provider::YouTube,
        player_url: Some(format!(
            "https://www.youtube-nocookie.com/embed/{id}{player_q}"
        )),
        link_url: format!("https://www.youtube.com/watch?v={id}{link_q}"),
        is_video: true,
        height: 0,
    })
}

/// Reads a start time written as `90`, `90s` or `1m30s`.
fn parse_start(t: &str) -> Option<u32> {
    if let Ok(s) = t.parse() {
        return Some(s);
    }
    let (mut total, mut number) = (0u32, 0u32);
    for c in t.chars() {
        match c {
            '0'..='9' => number = number.checked_mul(10)?.checked_add(c.to_digit(10)?)?,
            'h' => (total, number) = (total.checked_add(number.checked_mul(3600)?)?, 0),
            'm' => (total, number) = (total.checked_add(number.checked_mul(60)?)?, 0),
            's' => (total, number) = (total.checked_add(number)?, 0),
            _ => return None,
        }
    }
    total.checked_add(number)
}

fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.len() <= 20 && s.bytes().all(|b| b.is_ascii_digit())
}

fn plain_segment(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 200
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn vimeo(segments: &[&str]) -> Option<Embed> {
    let (id, hash) = match segments {
        [id] | ["video", id] => (*id, None),
        [id, hash] if all_digits(id) => (*id, Some(*hash)),
        ["channels", _, id] => (*id, None),
        _ => return None,
    };
    if !all_digits(id) || hash.is_some_and(|h| !h.bytes().all(|b| b.is_ascii_alphanumeric())) {
        return None;
    }
    let player = match hash {
        Some(h) => format!("https://player.vimeo.com/video/{id}?h={h}"),
        None => format!("https://player.vimeo.com/video/{id}"),
    };
    let link = match hash {
        Some(h) => format!("https://vimeo.com/{id}/{h}"),
        None => format!("https://vimeo.com/{id}"),
    };
    Some(Embed {
        provider: Provider::Vimeo,
        player_url: Some(player),
        link_url: link,
        is_video: true,
        height: 0,
    })
}

fn soundcloud(segments: &[&str]) -> Option<Embed> {
    const NOT_CONTENT: &[&str] = &[
        "discover", "search", "stream", "upload", "you", "charts", "pages", "settings", "messages",
    ];
    if !(2..=4).contains(&segments.len())
        || NOT_CONTENT.contains(&segments[0])
        || !segments.iter().all(|s| plain_segment(s))
    {
        return None;
    }
    let link = format!("https://soundcloud.com/{}", segments.join("/"));
    let is_set = segments.get(1) == Some(&"sets");
    Some(Embed {
        provider: Provider::SoundCloud,
        player_url: Some(format!(
            "https://w.soundcloud.com/player/?url={}",
            encode_query_value(&link)
        )),
        link_url: link,
        is_video: false,
        height: if is_set { 450 } else { 166 },
    })
}

fn spotify(segments: &[&str]) -> Option<Embed> {
    let segments = match segments.first() {
        Some(s) if s.starts_with("intl-") => &segments[1..],
        _ => segments,
    };
    let (kind, id) = match segments {
        ["embed", kind, id] | [kind, id] => (*kind, *id),
        _ => return None,
    };
    let known = matches!(
        kind,
        "track" | "album" | "playlist" | "episode" | "show" | "artist"
    );
    if !known || id.len() != 22 || !id.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return None;
    }
    Some(Embed {
        provider: Provider::Spotify,
        player_url: Some(format!("https://open.spotify.com/embed/{kind}/{id}")),
        link_url: format!("https://open.spotify.com/{kind}/{id}"),
        is_video: false,
        height: if matches!(kind, "track" | "episode") {
            152
        } else {
            352
        },
    })
}

fn bandcamp_player(url: &Url) -> Option<Embed> {
    let path = url.path();
    let rest = path.strip_prefix("/EmbeddedPlayer/")?;
    let ok = !rest.is_empty()
        && (rest.contains("album=") || rest.contains("track="))
        && rest
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'=' | b'/' | b'_' | b'-' | b'.'));
    if !ok || url.query().is_some() {
        return None;
    }
    let player = format!("https://bandcamp.com{path}");
    Some(Embed {
        provider: Provider::Bandcamp,
        player_url: Some(player.clone()),
        link_url: player,
        is_video: false,
        height: if rest.contains("size=small") { 42 } else { 470 },
    })
}

fn bandcamp_page(host: &str, segments: &[&str]) -> Option<Embed> {
    let artist = host.strip_suffix(".bandcamp.com")?;
    match segments {
        [kind @ ("album" | "track"), slug] if plain_segment(artist) && plain_segment(slug) => {
            Some(Embed {
                provider: Provider::Bandcamp,
                player_url: None,
                link_url: format!("https://{artist}.bandcamp.com/{kind}/{slug}"),
                is_video: false,
                height: 0,
            })
        }
        _ => None,
    }
}

fn encode_query_value(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn player(url: &str) -> Option<String> {
        Embed::from_url(url).and_then(|e| e.player_url)
    }

    #[test]
    fn youtube_addresses_of_every_shape_play_from_nocookie() {
        let want = Some("https://www.youtube-nocookie.com/embed/btPJPFnesV4".to_owned());
        for url in [
            "https://www.youtube.com/watch?v=btPJPFnesV4",
            "https://youtube.com/watch?feature=share&v=btPJPFnesV4",
            "https://m.youtube.com/watch?v=btPJPFnesV4",
            "https://youtu.be/btPJPFnesV4",
            "https://www.youtube.com/shorts/btPJPFnesV4",
            "https://www.youtube.com/embed/btPJPFnesV4",
            "http://youtu.be/btPJPFnesV4",
        ] {
            assert_eq!(player(url), want, "{url}");
        }
        assert_eq!(
            player("https://youtu.be/btPJPFnesV4?t=1m30s").as_deref(),
            Some("https://www.youtube-nocookie.com/embed/btPJPFnesV4?start=90")
        );
        assert_eq!(player("https://www.youtube.com/watch?v=short"), None);
        assert_eq!(player("https://www.youtube.com/channel/UC123"), None);
    }

    #[test]
    fn vimeo_soundcloud_spotify_and_bandcamp_are_recognised() {
        assert_eq!(
            player("https://vimeo.com/76979871").as_deref(),
            Some("https://player.vimeo.com/video/76979871")
        );
        assert_eq!(
            player("https://vimeo.com/76979871/abc123").as_deref(),
            Some("https://player.vimeo.com/video/76979871?h=abc123")
        );
        assert_eq!(
            player("https://soundcloud.com/some-artist/some-track").as_deref(),
            Some(
                "https://w.soundcloud.com/player/?url=https%3A%2F%2Fsoundcloud.com%2Fsome-artist%2Fsome-track"
            )
        );
        assert_eq!(player("https://soundcloud.com/discover/sets"), None);
        assert_eq!(
            player("https://open.spotify.com/intl-de/album/4uLU6hMCjMI75M1A2tKUQC").as_deref(),
            Some("https://open.spotify.com/embed/album/4uLU6hMCjMI75M1A2tKUQC")
        );
        assert_eq!(player("https://open.spotify.com/user/abc"), None);
        assert_eq!(
            player("https://bandcamp.com/EmbeddedPlayer/album=1234567/size=large/").as_deref(),
            Some("https://bandcamp.com/EmbeddedPlayer/album=1234567/size=large/")
        );
        let card = Embed::from_url("https://someband.bandcamp.com/album/first-record").unwrap();
        assert_eq!(card.player_url, None);
        assert_eq!(
            card.link_url,
            "https://someband.bandcamp.com/album/first-record"
        );
    }

    #[test]
    fn other_addresses_are_not_embeds() {
        for url in [
            "https://example.org/watch?v=btPJPFnesV4",
            "https://youtube.com.evil.org/watch?v=btPJPFnesV4",
            "javascript:alert(1)",
            "ftp://youtu.be/btPJPFnesV4",
            "https://user:pw@youtu.be/btPJPFnesV4",
            "not a url",
        ] {
            assert!(Embed::from_url(url).is_none(), "{url}");
        }
    }

    #[test]
    fn markup_is_a_working_link_with_the_player_in_data() {
        let html = Embed::from_url("https://youtu.be/btPJPFnesV4?t=5")
            .unwrap()
            .to_html();
        assert!(
            html.contains(
                r#"data-embed-src="https://www.youtube-nocookie.com/embed/btPJPFnesV4?start=5""#
            ),
            "{html}"
        );
        assert!(html.contains(r#"<a href="https://www.youtube.com/watch?v=btPJPFnesV4&amp;t=5s">Watch on YouTube</a>"#), "{html}");
        assert!(
            !html.contains("<iframe"),
            "no third-party request before a click"
        );
    }

    #[test]
    fn only_known_players_pass() {
        assert!(is_player_url(
            "https://www.youtube-nocookie.com/embed/btPJPFnesV4"
        ));
        assert!(!is_player_url("https://evil.example/embed/x"));
        assert!(!is_player_url(
            "https://www.youtube-nocookie.com/embed/x\" onload=\"x"
        ));
        assert!(!is_player_url(
            "javascript:alert(1)//https://www.youtube-nocookie.com/embed/"
        ));
    }
}
