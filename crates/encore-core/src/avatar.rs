//! A member's picture: one they uploaded, their Gravatar, or one drawn from their name.
//!
//! Uploaded pictures are made into one square PNG when they arrive (by the application layer);
//! here are the choice as stored, the Gravatar address, and the drawn fallback.

use crate::html::escape;
use sha2::{Digest, Sha256};

/// The side, in pixels, of an uploaded picture as stored.
pub const SIDE: u32 = 256;

/// Which picture a member shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Avatar {
    /// Drawn from their name (the default).
    Generated,
    /// Their Gravatar, found by the SHA-256 of their address.
    Gravatar,
    /// A picture they uploaded, under this media key.
    Uploaded(String),
}

impl Avatar {
    /// The choice as the database stores it (`''`, `gravatar`, `upload:KEY`).
    pub fn parse(stored: &str) -> Avatar {
        match stored {
            "gravatar" => Avatar::Gravatar,
            _ => match stored.strip_prefix("upload:") {
                Some(key) if !key.is_empty() => Avatar::Uploaded(key.to_owned()),
                _ => Avatar::Generated,
            },
        }
    }

    /// The stored form of the choice.
    pub fn stored(&self) -> String {
        match self {
            Avatar::Generated => String::new(),
            Avatar::Gravatar => "gravatar".into(),
            Avatar::Uploaded(key) => format!("upload:{key}"),
        }
    }

    /// A short version string for the picture's address, which changes with the choice, so that
    /// browsers may keep a picture for long.
    pub fn version(&self) -> String {
        let stored = self.stored();
        let digest = Sha256::digest(stored.as_bytes());
        hex::encode(&digest[..4])
    }
}

/// The Gravatar address for `email` at `size` pixels; Gravatar draws a pattern when the address
/// has no picture there.
pub fn gravatar_url(email: &str, size: u32) -> String {
    let hash = hex::encode(Sha256::digest(email.trim().to_lowercase().as_bytes()));
    format!("https://www.gravatar.com/avatar/{hash}?s={size}&d=identicon")
}

/// A picture drawn from a name: its initials on a colour chosen from `seed` (the username, which
/// does not change when the shown name does). An SVG document, with the text escaped.
pub fn generated_svg(name: &str, seed: &str) -> String {
    let initials: String = name
        .split_whitespace()
        .filter_map(|word| word.chars().find(|c| c.is_alphanumeric()))
        .take(2)
        .flat_map(char::to_uppercase)
        .collect();
    let initials = if initials.is_empty() {
        "?".to_owned()
    } else {
        initials
    };
    let digest = Sha256::digest(seed.as_bytes());
    let hue = u16::from_be_bytes([digest[0], digest[1]]) % 360;
    // Lightness 30% keeps white text above 4.5:1 contrast on every hue.
    let initials = escape(&initials);
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 64 64\" width=\"64\" height=\"64\" role=\"img\" aria-label=\"{initials}\">\
         <title>{initials}</title><rect width=\"64\" height=\"64\" fill=\"hsl({hue},45%,30%)\"/>\
         <text x=\"32\" y=\"41\" font-family=\"sans-serif\" font-size=\"26\" font-weight=\"600\" fill=\"#fff\" text-anchor=\"middle\">{initials}</text></svg>"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_choice_round_trips_and_unknown_values_fall_back() {
        for avatar in [
            Avatar::Generated,
            Avatar::Gravatar,
            Avatar::Uploaded("avatars/3-ab.png".into()),
        ] {
            assert_eq!(Avatar::parse(&avatar.stored()), avatar);
        }
        assert_eq!(Avatar::parse("upload:"), Avatar::Generated);
        assert_eq!(Avatar::parse("something"), Avatar::Generated);
        assert_ne!(Avatar::Gravatar.version(), Avatar::Generated.version());
    }

    #[test]
    fn gravatar_hashes_the_address_as_gravatar_asks() {
        // SHA-256 of "reader@example.org", trimmed and lower-cased first.
        let url = gravatar_url("  Reader@Example.org ", 96);
        let hash = hex::encode(Sha256::digest(b"reader@example.org"));
        assert_eq!(
            url,
            format!("https://www.gravatar.com/avatar/{hash}?s=96&d=identicon")
        );
    }

    #[test]
    fn drawn_pictures_show_initials_escaped() {
        let svg = generated_svg("Ana María", "ana");
        assert!(svg.contains(">AM</text>"), "{svg}");
        assert!(generated_svg("<b> &", "x").contains(">B</text>"));
        assert!(generated_svg("", "x").contains(">?</text>"));
        assert!(!generated_svg("<script>", "x").contains("<script>"));
        assert_ne!(
            generated_svg("A", "one"),
            generated_svg("A", "two"),
            "colour from the seed"
        );
    }
}
