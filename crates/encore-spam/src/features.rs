//! From a comment to hashed, named features.
//!
//! Text becomes word unigrams, word bigrams and character 3- to 5-grams; the comment form adds signals a plain text
//! does not have (links and their domains, the author's address, the time taken to write). Every feature is hashed
//! into a fixed space of [`DIMENSION`] weights, and keeps a pointer to the text it came from, so a verdict can say
//! *which* words and signals made it.

use std::fmt::Write as _;
use std::hash::Hasher as _;

/// Bits of the hashed feature space.
pub const DIMENSION_BITS: u32 = 20;
/// Size of the hashed feature space.
pub const DIMENSION: usize = 1 << DIMENSION_BITS;

/// Text beyond this many bytes is not read: comments are far shorter, and a huge body must not cost more.
pub const MAX_TEXT_BYTES: usize = 16 * 1024;
/// Character n-grams are taken from this many leading characters of the text.
const MAX_CHAR_GRAM_CHARS: usize = 4 * 1024;

/// What a comment form tells about a comment, beyond its text. Every field may be empty.
#[derive(Debug, Clone, Copy, Default)]
pub struct Comment<'a> {
    /// The comment's text.
    pub content: &'a str,
    /// The name the author gave.
    pub author: &'a str,
    /// The author's email address.
    pub email: &'a str,
    /// The author's web address.
    pub url: &'a str,
    /// `comment`, `reply`, `trackback`, `pingback`, `contact-form`, …
    pub comment_type: &'a str,
    /// The submitting browser's User-Agent.
    pub user_agent: &'a str,
    /// Seconds between showing the form and submitting it, when the form knows.
    pub seconds_to_submit: Option<u64>,
    /// Whether the values came from a comment form (and not a plain text of a corpus): only then is a missing
    /// user agent a signal.
    pub from_form: bool,
}

/// Where a feature came from; used to explain verdicts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A word of the text.
    Word,
    /// Two consecutive words.
    Bigram,
    /// A run of characters.
    Chars,
    /// A signal of the comment form, named by its label.
    Signal,
}

/// One feature: its slot in the weight vector, its value, and a label span in [`Features::labels`].
#[derive(Debug, Clone, Copy)]
pub struct Feature {
    /// Index into the weight vector.
    pub index: u32,
    /// Strength of the feature in this comment (after normalisation).
    pub value: f32,
    /// Where it came from.
    pub kind: Kind,
    label: (u32, u32),
}

/// The features of one comment.
#[derive(Debug, Default, Clone)]
pub struct Features {
    /// The features, one per distinct index.
    pub list: Vec<Feature>,
    labels: String,
}

impl Features {
    /// A readable name for a feature, e.g. `word "prize"` or `3 or more links`.
    pub fn describe(&self, feature: &Feature) -> String {
        let text = self.label(feature);
        match feature.kind {
            Kind::Word => format!("word \u{201c}{text}\u{201d}"),
            Kind::Bigram => format!("words \u{201c}{text}\u{201d}"),
            Kind::Chars => format!(
                "characters \u{201c}{}\u{201d}",
                text.replace(' ', "\u{2423}")
            ),
            Kind::Signal => text.to_owned(),
        }
    }

    /// The raw label text of a feature.
    pub fn label(&self, feature: &Feature) -> &str {
        self.labels
            .get(feature.label.0 as usize..feature.label.1 as usize)
            .unwrap_or("")
    }
}

/// The features of a plain text, as in a labelled corpus.
pub fn of_text(text: &str) -> Features {
    extract(&Comment {
        content: text,
        ..Comment::default()
    })
}

/// The features of a comment.
pub fn extract(comment: &Comment<'_>) -> Features {
    let mut builder = Builder::default();
    let content = clip(comment.content, MAX_TEXT_BYTES);
    builder.text(content);
    builder.signals(comment, content);
    builder.finish()
}

/// Cuts `text` to at most `max` bytes on a character boundary.
pub fn clip(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// Namespaces keep a word and a signal with the same text apart.
#[derive(Clone, Copy)]
#[repr(u8)]
enum Space {
    Word = 1,
    Bigram = 2,
    Chars = 3,
    Signal = 4,
}

#[derive(Default)]
struct Builder {
    raw: Vec<(Space, Kind, u32, (u32, u32))>,
    labels: String,
}

impl Builder {
    fn push(&mut self, space: Space, kind: Kind, label: &str) {
        let start = self.labels.len();
        self.labels.push_str(label);
        let end = self.labels.len();
        let index = hash(space as u8, label.as_bytes()) & (DIMENSION as u32 - 1);
        debug_assert!(!matches!(space, Space::Signal) || index == signal_index(label));
        self.raw
            .push((space, kind, index, (to_u32(start), to_u32(end))));
    }

    fn signal(&mut self, label: &str) {
        self.push(Space::Signal, Kind::Signal, label);
    }

    fn text(&mut self, content: &str) {
        let mut normal = String::with_capacity(content.len() + 2);
        let mut previous: Option<(usize, usize)> = None;
        let mut words = Vec::new();
        for token in tokens(content, &mut normal) {
            words.push(token);
        }
        for &(start, end) in &words {
            let word = &normal[start..end];
            self.push(Space::Word, Kind::Word, word);
            if let Some((pstart, _)) = previous {
                let pair = &normal[pstart..end];
                self.push(Space::Bigram, Kind::Bigram, pair);
            }
            previous = Some((start, end));
        }
        let grams: String = char_stream(content);
        let chars: Vec<(usize, char)> = grams.char_indices().collect();
        for n in 3..=5 {
            for window in chars.windows(n) {
                let start = window[0].0;
                let last = window[n - 1];
                let end = last.0 + last.1.len_utf8();
                let gram = &grams[start..end];
                if gram.trim().is_empty() {
                    continue;
                }
                self.push(Space::Chars, Kind::Chars, gram);
            }
        }
        if words.is_empty() {
            self.signal("no words");
        }
        let letters = content.chars().filter(|c| c.is_alphabetic()).count();
        let upper = content.chars().filter(|c| c.is_uppercase()).count();
        if letters >= 12 && upper * 2 > letters {
            self.signal("mostly capital letters");
        }
    }

    fn signals(&mut self, comment: &Comment<'_>, content: &str) {
        let links = links(content);
        let bucket = match links.len() {
            0 => "no links",
            1 => "1 link",
            2 => "2 links",
            3..=5 => "3 to 5 links",
            _ => "more than 5 links",
        };
        self.signal(bucket);
        let mut label = String::new();
        for domain in links.iter().take(16) {
            label.clear();
            let _ = write!(label, "link to {domain}");
            self.signal(&label);
        }
        let author_domain = domain_of(comment.url);
        if let Some(domain) = &author_domain {
            label.clear();
            let _ = write!(label, "author site {domain}");
            self.signal(&label);
            if links.iter().any(|link| link == domain) {
                self.signal("text links to the author's own site");
            }
        }
        if let Some((_, domain)) = comment.email.rsplit_once('@') {
            label.clear();
            let _ = write!(label, "email at {}", domain.trim().to_lowercase());
            self.signal(&label);
        }
        if links_in(comment.author) > 0 {
            self.signal("link in the author's name");
        }
        if !comment.comment_type.is_empty() {
            label.clear();
            let _ = write!(label, "type {}", comment.comment_type.to_lowercase());
            self.signal(&label);
        }
        if let Some(seconds) = comment.seconds_to_submit {
            self.signal(match seconds {
                0..=2 => "written in under 3 seconds",
                3..=9 => "written in under 10 seconds",
                10..=59 => "written in under a minute",
                60..=86_399 => "written in over a minute",
                _ => "form older than a day",
            });
        }
        if comment.from_form && comment.user_agent.trim().is_empty() {
            self.signal("no browser user agent");
        }
    }

    fn finish(mut self) -> Features {
        // One feature per distinct index: repeated words count once plus the log of the rest.
        self.raw
            .sort_unstable_by_key(|&(space, _, index, _)| (space as u8, index));
        let mut list: Vec<Feature> = Vec::with_capacity(self.raw.len());
        let mut space_of = Vec::with_capacity(self.raw.len());
        let mut run = 0u32;
        for (i, &(space, kind, index, label)) in self.raw.iter().enumerate() {
            run += 1;
            let next_same = self
                .raw
                .get(i + 1)
                .is_some_and(|&(s, _, n, _)| s as u8 == space as u8 && n == index);
            if !next_same {
                list.push(Feature {
                    index,
                    value: 1.0 + (run as f32).ln(),
                    kind,
                    label,
                });
                space_of.push(space as u8);
                run = 0;
            }
        }
        // Each namespace has unit length, so a long text does not outvote its signals.
        let mut norms = [0f32; 5];
        for (feature, &space) in list.iter().zip(&space_of) {
            norms[space as usize] += feature.value * feature.value;
        }
        for (feature, &space) in list.iter_mut().zip(&space_of) {
            let norm = norms[space as usize];
            if space != Space::Signal as u8 && norm > 0.0 {
                feature.value /= norm.sqrt();
            }
        }
        Features {
            list,
            labels: self.labels,
        }
    }
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Word tokens: runs of letters and digits (with inner apostrophes), and currency signs on their own. Letters are
/// lowercased; numbers of five digits or more become their shape (`#####`), so phone numbers generalise.
fn tokens(text: &str, normal: &mut String) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    let mut digits = 0usize;
    let mut letters = 0usize;
    let close = |normal: &mut String,
                 out: &mut Vec<(usize, usize)>,
                 start: usize,
                 digits: usize,
                 letters: usize| {
        if letters == 0 && digits >= 5 {
            normal.truncate(start);
            normal.push_str(if digits >= 10 {
                "#long-number"
            } else {
                "#number"
            });
        }
        out.push((start, normal.len()));
        normal.push(' ');
    };
    for c in text.chars() {
        if c.is_alphanumeric() || (c == '\'' && start.is_some()) {
            if start.is_none() {
                start = Some(normal.len());
                digits = 0;
                letters = 0;
            }
            if c.is_numeric() {
                digits += 1;
            } else if c != '\'' {
                letters += 1;
            }
            normal.extend(c.to_lowercase());
            continue;
        }
        if let Some(s) = start.take() {
            close(normal, &mut out, s, digits, letters);
        }
        if matches!(c, '£' | '$' | '€' | '¥' | '%' | '!' | '@') {
            let s = normal.len();
            normal.push(c);
            out.push((s, normal.len()));
            normal.push(' ');
        }
    }
    if let Some(s) = start.take() {
        close(normal, &mut out, s, digits, letters);
    }
    out
}

/// The text the character n-grams are read from: lowercased, digits as `0`, whitespace collapsed, padded.
fn char_stream(text: &str) -> String {
    let mut out = String::with_capacity(text.len().min(MAX_CHAR_GRAM_CHARS * 2) + 2);
    out.push(' ');
    for c in text.chars().take(MAX_CHAR_GRAM_CHARS) {
        if c.is_whitespace() {
            if !out.ends_with(' ') {
                out.push(' ');
            }
        } else if c.is_numeric() {
            out.push('0');
        } else {
            out.extend(c.to_lowercase());
        }
    }
    if !out.ends_with(' ') {
        out.push(' ');
    }
    out
}

/// Domains of the links in a text (`http://`, `https://` and bare `www.` addresses), lowercased.
pub fn links(text: &str) -> Vec<String> {
    let lower = text.to_ascii_lowercase();
    let mut out = Vec::new();
    let mut rest = lower.as_str();
    while let Some(position) = ["http://", "https://", "www."]
        .iter()
        .filter_map(|prefix| rest.find(prefix).map(|at| (at, *prefix)))
        .min_by_key(|&(at, _)| at)
    {
        let (at, prefix) = position;
        let after = &rest[at + if prefix == "www." { 0 } else { prefix.len() }..];
        let end = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '-'))
            .unwrap_or(after.len());
        let host = after[..end].trim_end_matches('.');
        let host = host.strip_prefix("www.").unwrap_or(host);
        if host.contains('.') {
            out.push(host.to_owned());
        }
        // Move past the host; when there is none (`http://` then a non-host character), past that one character,
        // which may be several bytes long.
        let skip = if end > 0 {
            end
        } else {
            after.chars().next().map_or(0, char::len_utf8)
        };
        if skip == 0 {
            break;
        }
        rest = &after[skip..];
    }
    out
}

fn links_in(text: &str) -> usize {
    links(text).len()
}

/// The host of a web address without `www.`, lowercased.
pub fn domain_of(url: &str) -> Option<String> {
    let url = url.trim();
    if url.is_empty() {
        return None;
    }
    let with_scheme = if url.contains("://") {
        url.to_owned()
    } else {
        format!("http://{url}")
    };
    let host = links(&with_scheme).into_iter().next()?;
    Some(host)
}

/// The weight slot of a form signal, by its label (e.g. `written in under 3 seconds`).
pub fn signal_index(label: &str) -> u32 {
    hash(Space::Signal as u8, label.as_bytes()) & (DIMENSION as u32 - 1)
}

/// FNV-1a (64-bit) over a namespace byte and the label, folded to 32 bits: stable across releases
/// and platforms (unlike std's hasher), so a feature always lands in the same slot.
fn hash(space: u8, bytes: &[u8]) -> u32 {
    let mut hasher = fnv::FnvHasher::default();
    hasher.write_u8(space);
    hasher.write(bytes);
    let h = hasher.finish();
    // Fold and mix, so that the low bits used as the index depend on every byte.
    let mut x = (h ^ (h >> 32)) as u32;
    x ^= x >> 15;
    x = x.wrapping_mul(0x2c1b_3c6d);
    x ^= x >> 12;
    x
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(features: &Features, kind: Kind) -> Vec<String> {
        features
            .list
            .iter()
            .filter(|f| f.kind == kind)
            .map(|f| features.label(f).to_owned())
            .collect()
    }

    #[test]
    fn words_are_lowercased_and_long_numbers_become_shapes() {
        let f = of_text("WIN a Prize! Call 09061701461 now");
        let words = labels(&f, Kind::Word);
        for expected in ["win", "prize", "!", "call", "#long-number", "now"] {
            assert!(
                words.iter().any(|w| w == expected),
                "{expected} missing from {words:?}"
            );
        }
        assert!(
            labels(&f, Kind::Bigram)
                .iter()
                .any(|b| b == "call #long-number")
        );
    }

    #[test]
    fn repeated_words_are_one_feature_and_namespaces_have_unit_length() {
        let f = of_text("buy buy buy buy now");
        let words: Vec<_> = f.list.iter().filter(|x| x.kind == Kind::Word).collect();
        assert_eq!(words.len(), 2);
        let norm: f32 = words.iter().map(|x| x.value * x.value).sum();
        assert!((norm - 1.0).abs() < 1e-4);
        let buy = words.iter().find(|x| f.label(x) == "buy").unwrap();
        let now = words.iter().find(|x| f.label(x) == "now").unwrap();
        assert!(buy.value > now.value);
    }

    #[test]
    fn links_and_form_signals_are_named() {
        let comment = Comment {
            content: "Great post! See https://www.cheap-pills.example/buy and http://cheap-pills.example/",
            url: "http://cheap-pills.example",
            email: "bot@Mailinator.com",
            seconds_to_submit: Some(1),
            ..Comment::default()
        };
        let f = extract(&comment);
        let signals = labels(&f, Kind::Signal);
        for expected in [
            "2 links",
            "link to cheap-pills.example",
            "author site cheap-pills.example",
            "text links to the author's own site",
            "email at mailinator.com",
            "written in under 3 seconds",
        ] {
            assert!(
                signals.iter().any(|s| s == expected),
                "{expected} missing from {signals:?}"
            );
        }
    }

    #[test]
    fn a_scheme_followed_by_a_wide_character_is_no_link_and_no_panic() {
        // Found by the classifier fuzz target: "http://" then a multi-byte character.
        assert!(links("see http://\u{fffd}2.3.4 and https://é.example").is_empty());
        assert_eq!(
            links("http://www.a.example/x http://"),
            vec!["a.example".to_owned()]
        );
        assert_eq!(links("www."), Vec::<String>::new());
    }

    #[test]
    fn huge_and_odd_input_is_bounded() {
        let text = "é".repeat(100_000);
        let f = of_text(&text);
        assert!(f.list.len() < 100);
        let empty = of_text("");
        assert!(empty.list.iter().any(|x| empty.describe(x) == "no words"));
        assert_eq!(clip("aé", 2), "a");
    }
}
