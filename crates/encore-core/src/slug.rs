//! Slugs: the readable, URL-safe names of posts, categories, tags, series and authors.

use crate::ValidationError;
use unicode_normalization::{UnicodeNormalization, char::is_combining_mark};

/// The longest slug Encore accepts, in characters.
pub const MAX_LEN: usize = 200;

/// Turns a title into a slug: Unicode NFC, lower case, Latin accents folded.
///
/// Every run of other characters becomes a single hyphen. `"The Cult – Love"` becomes `"the-cult-love"`; letters of other
/// scripts are kept with the marks that belong to them (Arabic vowel signs, Devanagari matras).
/// A title typed with combining accents gets the same slug as one typed precomposed.
pub fn slugify(title: &str) -> String {
    let mut slug = String::with_capacity(title.len());
    let mut pending_hyphen = false;
    for c in title.nfc().flat_map(char::to_lowercase) {
        let folded = fold_latin(c);
        let piece: &str;
        let mut buf = [0u8; 4];
        if let Some(f) = folded {
            piece = f;
        } else if c.is_alphanumeric() {
            piece = c.encode_utf8(&mut buf);
        } else if is_combining_mark(c) {
            // A mark belongs to the letter before it; with no letter before it, it is dropped.
            if slug.is_empty() || pending_hyphen {
                continue;
            }
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

/// Checks a slug that came from outside (a URL path, a form).
///
/// A slug is non-empty, at most [`MAX_LEN`] characters, in Unicode NFC, only lower-case letters (with their combining marks), digits and
/// single inner hyphens.
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
    let mut previous = '-';
    let well_formed = slug.chars().all(|c| {
        let ok = c == '-'
            || (c.is_alphanumeric() && !c.is_uppercase())
            || (is_combining_mark(c) && previous != '-');
        previous = c;
        ok
    }) && !slug.starts_with('-')
        && !slug.ends_with('-')
        && !slug.contains("--");
    if !well_formed {
        return Err(ValidationError::new(
            field,
            "may contain only lower-case letters, digits and single hyphens between them",
        ));
    }
    if !unicode_normalization::is_nfc(slug) {
        return Err(ValidationError::new(
            field,
            "must be in Unicode normal form C (composed accents)",
        ));
    }
    Ok(())
}

/// A slug as typed or sent in an address, brought to the one form slugs are stored in (NFC), so
/// that `café` typed with a combining accent finds the same post as `café` typed precomposed.
pub fn normalize(slug: &str) -> String {
    slug.nfc().collect()
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
    "account",
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
    "subject",
    "media",
    "preview",
    "static",
    "tag",
    "theme",
    "admin",
    "avatar",
    "healthz",
    "metrics",
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
    fn every_script_keeps_its_letters_and_marks() {
        assert_eq!(slugify("Рок-музыка"), "рок-музыка");
        assert_eq!(slugify("Μουσική της Ελλάδας"), "μουσική-της-ελλάδας");
        assert_eq!(slugify("日本のシティポップ"), "日本のシティポップ");
        assert_eq!(slugify("مُوسِيقَى عربية"), "مُوسِيقَى-عربية");
        assert_eq!(slugify("संगीत की दुनिया"), "संगीत-की-दुनिया");
        assert_eq!(slugify("Riffs 🎸 & Solos"), "riffs-and-solos");
        for title in ["Рок-музыка", "مُوسِيقَى", "संगीत की दुनिया", "Μουσική"]
        {
            assert!(is_valid(&slugify(title)), "{title}");
        }
    }

    #[test]
    fn composed_and_decomposed_accents_give_one_slug() {
        let composed = "Caf\u{e9} del Mar";
        let decomposed = "Cafe\u{301} del Mar";
        assert_ne!(composed, decomposed);
        assert_eq!(slugify(composed), "cafe-del-mar");
        assert_eq!(slugify(decomposed), slugify(composed));
        // Scripts whose accented letters are not folded keep the composed form.
        let greek_decomposed = "\u{3b1}\u{301}\u{3bb}\u{3bc}\u{3c0}\u{3bf}\u{3c5}\u{3bc}";
        assert_eq!(
            slugify(greek_decomposed),
            "\u{3ac}\u{3bb}\u{3bc}\u{3c0}\u{3bf}\u{3c5}\u{3bc}"
        );
        assert!(
            !is_valid("\u{3b1}\u{301}\u{3bb}"),
            "a decomposed slug is not stored"
        );
        assert_eq!(normalize("\u{3b1}\u{301}\u{3bb}"), "\u{3ac}\u{3bb}");
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
