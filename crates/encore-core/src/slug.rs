//! Slugs: the readable, URL-safe names of posts, categories, tags, series and authors.

use crate::ValidationError;

/// The longest slug Encore accepts, in characters.
pub const MAX_LEN: usize = 200;

/// Turns a title into a slug: lower case, Latin accents folded, every run of other characters a
/// single hyphen. `"The Cult – Love"` becomes `"the-cult-love"`; letters of other scripts are kept.
pub fn slugify(title: &str) -> String {
    let mut slug = String::with_capacity(title.len());
    let mut pending_hyphen = false;
    for c in title.chars().flat_map(char::to_lowercase) {
        let folded = fold_latin(c);
        let piece: &str;
        let mut buf = [0u8; 4];
        if let Some(f) = folded {
            piece = f;
        } else if c.is_alphanumeric() {
            piece = c.encode_utf8(&mut buf);
        } else {
            pending_hyphen = !slug.is_empty();
            continue;
        }
        if pending_hyphen {
            slug.push('-');
            pending_hyphen = false;
        }
        slug.push_str(piece);
        if slug.chars().count() >= MAX_LEN {
            break;
        }
    }
    slug.chars()
        .take(MAX_LEN)
        .collect::<String>()
        .trim_end_matches('-')
        .to_owned()
}

/// Checks a slug that came from outside (a URL path, a form): non-empty, at most [`MAX_LEN`]
/// characters, only lower-case letters, digits and single inner hyphens.
pub fn validate(field: &'static str, slug: &str) -> Result<(), ValidationError> {
    if slug.is_empty() {
        return Err(ValidationError::new(field, "must not be empty"));
    }
    if slug.chars().count() > MAX_LEN {
        return Err(ValidationError::new(
            field,
            format!("must be at most {MAX_LEN} characters"),
        ));
    }
    let well_formed = slug
        .chars()
        .all(|c| c == '-' || (c.is_alphanumeric() && !c.is_uppercase()))
        && !slug.starts_with('-')
        && !slug.ends_with('-')
        && !slug.contains("--");
    if !well_formed {
        return Err(ValidationError::new(
            field,
            "may contain only lower-case letters, digits and single hyphens between them",
        ));
    }
    Ok(())
}

/// Whether `slug` is well formed; path extractors use it to answer 404 without a database query.
pub fn is_valid(slug: &str) -> bool {
    validate("slug", slug).is_ok()
}

/// Whether a slug is four digits, the shape of a year archive address (`/1985`).
pub fn is_year(slug: &str) -> bool {
    slug.len() == 4 && slug.bytes().all(|b| b.is_ascii_digit())
}

/// First path segments the site itself uses, which a page may therefore not take as its slug.
pub const RESERVED: &[&str] = &[
    "api",
    "author",
    "category",
    "download",
    "feed",
    "login",
    "logout",
    "page",
    "search",
    "series",
    "static",
    "tag",
    "theme",
    "admin",
    "healthz",
    "sitemap.xml",
    "robots.txt",
];

/// Whether `slug` is one of the [`RESERVED`] first path segments.
pub fn is_reserved(slug: &str) -> bool {
    RESERVED.contains(&slug)
}

/// Folds the common accented Latin letters to ASCII so that slugs stay readable when typed.
fn fold_latin(c: char) -> Option<&'static str> {
    Some(match c {
        'à' | 'á' | 'â' | 'ã' | 'å' | 'ā' | 'ą' => "a",
        'ä' | 'æ' => "ae",
        'ç' | 'ć' | 'č' => "c",
        'ď' | 'đ' | 'ð' => "d",
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ę' | 'ě' => "e",
        'ì' | 'í' | 'î' | 'ï' | 'ī' => "i",
        'ł' | 'ľ' => "l",
        'ñ' | 'ń' | 'ň' => "n",
        'ò' | 'ó' | 'ô' | 'õ' | 'ō' | 'ő' | 'ø' => "o",
        'ö' | 'œ' => "oe",
        'ř' => "r",
        'ś' | 'š' | 'ş' => "s",
        'ß' => "ss",
        'ť' | 'ţ' => "t",
        'ù' | 'ú' | 'û' | 'ū' | 'ů' | 'ű' => "u",
        'ü' => "ue",
        'ý' | 'ÿ' => "y",
        'ź' | 'ż' | 'ž' => "z",
        'þ' => "th",
        '&' => "and",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_become_readable_slugs() {
        assert_eq!(slugify("Rocky IV"), "rocky-iv");
        assert_eq!(slugify("The Cult – Love"), "the-cult-love");
        assert_eq!(
            slugify("  Great Soundtracks of 1985!  "),
            "great-soundtracks-of-1985"
        );
        assert_eq!(
            slugify("Motörhead: Ace of Spades"),
            "motoerhead-ace-of-spades"
        );
        assert_eq!(slugify("Simon & Garfunkel"), "simon-and-garfunkel");
        assert_eq!(slugify("Кино — Группа крови"), "кино-группа-крови");
        assert_eq!(slugify("!!!"), "");
    }

    #[test]
    fn long_titles_are_cut_without_a_trailing_hyphen() {
        let slug = slugify(&"ab ".repeat(300));
        assert!(slug.chars().count() <= MAX_LEN);
        assert!(!slug.ends_with('-'));
    }

    #[test]
    fn only_well_formed_slugs_validate() {
        assert!(is_valid("rocky-iv"));
        assert!(is_valid("1985"));
        assert!(is_valid("кино"));
        for bad in [
            "", "-a", "a-", "a--b", "Rocky", "a b", "a/b", "a.b", "../etc",
        ] {
            assert!(!is_valid(bad), "{bad:?} should be rejected");
        }
        assert!(!is_valid(&"a".repeat(MAX_LEN + 1)));
    }

    #[test]
    fn slugify_output_always_validates() {
        for title in ["Rocky IV", "Hearts on Fire", "Ünïcödé – tëst", "x"] {
            assert!(is_valid(&slugify(title)), "{title}");
        }
    }
}
