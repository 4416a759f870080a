//! The Akismet request parameters: a strict form parser and the values of one comment.
//!
//! Parsing never panics and never guesses: a body that is too large, has too many fields, or is not UTF-8 after
//! percent-decoding is refused with a message the server sends back in `X-akismet-debug-help`.

use percent_encoding::percent_decode;
use serde::{Deserialize, Serialize};

/// Largest request body read; larger ones are answered `invalid`.
pub const MAX_BODY_BYTES: usize = 64 * 1024;
/// Most fields read from one body.
pub const MAX_FIELDS: usize = 256;

/// Why a request body was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormError {
    /// More than [`MAX_BODY_BYTES`].
    #[error("the request body is larger than {MAX_BODY_BYTES} bytes")]
    TooLarge,
    /// More than [`MAX_FIELDS`] fields.
    #[error("the request has more than {MAX_FIELDS} fields")]
    TooManyFields,
    /// A name or value is not UTF-8 after percent-decoding.
    #[error("the field {0:?} is not valid UTF-8 (send blog_charset=UTF-8 data)")]
    NotUtf8(String),
}

/// A parsed `application/x-www-form-urlencoded` body (or query string), in order, repeated names kept.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Form(Vec<(String, String)>);

impl Form {
    /// The first value of a field.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of a field.
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.0
            .iter()
            .filter(move |(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Parses a form body strictly (see the module docs). Malformed `%` escapes are kept literally, as browsers do.
pub fn parse_form(body: &[u8]) -> Result<Form, FormError> {
    if body.len() > MAX_BODY_BYTES {
        return Err(FormError::TooLarge);
    }
    let mut fields = Vec::new();
    for pair in body.split(|&b| b == b'&') {
        if pair.is_empty() {
            continue;
        }
        if fields.len() == MAX_FIELDS {
            return Err(FormError::TooManyFields);
        }
        let (name, value) = match pair.iter().position(|&b| b == b'=') {
            Some(at) => (&pair[..at], &pair[at + 1..]),
            None => (pair, &[][..]),
        };
        let name = decode(name).map_err(FormError::NotUtf8)?;
        let value = decode(value).map_err(|_| FormError::NotUtf8(name.clone()))?;
        fields.push((name, value));
    }
    Ok(Form(fields))
}

/// Encodes fields as an `application/x-www-form-urlencoded` body (every byte but ASCII letters and digits escaped).
pub fn encode_form<K: AsRef<str>, V: AsRef<str>>(fields: &[(K, V)]) -> String {
    use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
    let mut out = String::new();
    for (i, (name, value)) in fields.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.extend(utf8_percent_encode(name.as_ref(), NON_ALPHANUMERIC));
        out.push('=');
        out.extend(utf8_percent_encode(value.as_ref(), NON_ALPHANUMERIC));
    }
    out
}

fn decode(raw: &[u8]) -> Result<String, String> {
    let plus: Vec<u8> = raw
        .iter()
        .map(|&b| if b == b'+' { b' ' } else { b })
        .collect();
    let bytes: Vec<u8> = percent_decode(&plus).collect();
    String::from_utf8(bytes).map_err(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// The values of one comment as Akismet defines them. Every documented parameter has a field; anything else a
/// client sends (`POST_*`, `HTTP_*`, …) is read past.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CommentValues {
    /// The front page of the blog (required).
    pub blog: String,
    /// The commenter's IP address (required for checks).
    pub user_ip: String,
    /// The commenter's browser.
    pub user_agent: String,
    /// The page that linked to the comment form.
    pub referrer: String,
    /// The post commented on.
    pub permalink: String,
    /// `comment`, `forum-post`, `reply`, `blog-post`, `contact-form`, `signup`, `message`, `trackback`, …
    pub comment_type: String,
    /// The name given.
    pub comment_author: String,
    /// The email address given.
    pub comment_author_email: String,
    /// The web address given.
    pub comment_author_url: String,
    /// The text.
    pub comment_content: String,
    /// When the comment was written (ISO 8601).
    pub comment_date_gmt: String,
    /// When the post was last changed (ISO 8601).
    pub comment_post_modified_gmt: String,
    /// Languages of the blog, e.g. `en, fr_ca`.
    pub blog_lang: String,
    /// Character set of the values, e.g. `UTF-8`.
    pub blog_charset: String,
    /// The commenter's role; `administrator` is never spam.
    pub user_role: String,
    /// A test call: answered normally, never learned from.
    pub is_test: bool,
    /// The name of the form's honeypot field; its value is read from the field of that name.
    pub honeypot_field_name: String,
    /// What the honeypot field held (a person leaves it empty).
    pub honeypot_value: String,
    /// Words describing the context of the comment (`comment_context[]`).
    pub comment_context: Vec<String>,
    /// The id of the comment replied to.
    pub comment_parent: String,
    /// Why a comment is checked again (`edit`, …); empty for a first check.
    pub recheck_reason: String,
    /// The `X-akismet-guid` of the original check, sent back with submit-spam/ham.
    pub guid: String,
    /// Encore's extension: seconds between showing the form and submitting it (`encore_seconds_to_submit`).
    pub seconds_to_submit: Option<u64>,
}

/// The key a request carries in its fields: `api_key`, or `key` as older clients send it.
pub fn key_field(form: &Form) -> Option<&str> {
    form.get("api_key")
        .or_else(|| form.get("key"))
        .map(str::trim)
        .filter(|k| !k.is_empty())
}

impl CommentValues {
    /// Reads the documented parameters from a form; unknown fields are ignored.
    pub fn from_form(form: &Form) -> Self {
        let text = |name: &str| form.get(name).unwrap_or("").to_owned();
        let honeypot_field_name = text("honeypot_field_name");
        let honeypot_value = if honeypot_field_name.is_empty() {
            String::new()
        } else {
            form.get(&honeypot_field_name).unwrap_or("").to_owned()
        };
        let comment_context = form
            .all("comment_context[]")
            .chain(form.all("comment_context"))
            .filter(|word| !word.is_empty())
            .map(str::to_owned)
            .collect();
        Self {
            blog: text("blog"),
            user_ip: text("user_ip"),
            user_agent: text("user_agent"),
            referrer: form
                .get("referrer")
                .or_else(|| form.get("referer"))
                .unwrap_or("")
                .to_owned(),
            permalink: text("permalink"),
            comment_type: text("comment_type"),
            comment_author: text("comment_author"),
            comment_author_email: text("comment_author_email"),
            comment_author_url: text("comment_author_url"),
            comment_content: text("comment_content"),
            comment_date_gmt: text("comment_date_gmt"),
            comment_post_modified_gmt: text("comment_post_modified_gmt"),
            blog_lang: text("blog_lang"),
            blog_charset: text("blog_charset"),
            user_role: text("user_role"),
            is_test: matches!(
                form.get("is_test").map(str::trim),
                Some("1" | "true" | "yes")
            ),
            honeypot_field_name,
            honeypot_value,
            comment_context,
            comment_parent: text("comment_parent"),
            recheck_reason: text("recheck_reason"),
            guid: text("guid"),
            seconds_to_submit: form
                .get("encore_seconds_to_submit")
                .and_then(|s| s.trim().parse().ok()),
        }
    }

    /// The fields to send for these values (empty ones left out), without the key.
    pub fn to_fields(&self) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = Vec::new();
        let mut push = |name: &str, value: &str| {
            if !value.is_empty() {
                out.push((name.to_owned(), value.to_owned()));
            }
        };
        push("blog", &self.blog);
        push("user_ip", &self.user_ip);
        push("user_agent", &self.user_agent);
        push("referrer", &self.referrer);
        push("permalink", &self.permalink);
        push("comment_type", &self.comment_type);
        push("comment_author", &self.comment_author);
        push("comment_author_email", &self.comment_author_email);
        push("comment_author_url", &self.comment_author_url);
        push("comment_content", &self.comment_content);
        push("comment_date_gmt", &self.comment_date_gmt);
        push("comment_post_modified_gmt", &self.comment_post_modified_gmt);
        push("blog_lang", &self.blog_lang);
        push("blog_charset", &self.blog_charset);
        push("user_role", &self.user_role);
        push("honeypot_field_name", &self.honeypot_field_name);
        if !self.honeypot_field_name.is_empty() {
            push(&self.honeypot_field_name.clone(), &self.honeypot_value);
        }
        push("comment_parent", &self.comment_parent);
        push("recheck_reason", &self.recheck_reason);
        push("guid", &self.guid);
        for context in &self.comment_context {
            push("comment_context[]", context);
        }
        if self.is_test {
            push("is_test", "1");
        }
        if let Some(seconds) = self.seconds_to_submit {
            push("encore_seconds_to_submit", &seconds.to_string());
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_decode_plus_percent_and_repeats() {
        let form = parse_form(b"a=1+2&b=%C3%A9t%C3%A9&a=3&flag&empty=&&c=%zz").unwrap();
        assert_eq!(form.get("a"), Some("1 2"));
        assert_eq!(form.all("a").collect::<Vec<_>>(), vec!["1 2", "3"]);
        assert_eq!(form.get("b"), Some("été"));
        assert_eq!(form.get("flag"), Some(""));
        assert_eq!(form.get("c"), Some("%zz"));
        assert_eq!(form.get("missing"), None);
    }

    #[test]
    fn bad_bodies_are_refused_with_a_reason() {
        assert_eq!(
            parse_form(&vec![b'a'; MAX_BODY_BYTES + 1]),
            Err(FormError::TooLarge)
        );
        let many: String = (0..=MAX_FIELDS).map(|i| format!("f{i}=1&")).collect();
        assert_eq!(parse_form(many.as_bytes()), Err(FormError::TooManyFields));
        assert_eq!(
            parse_form(b"comment_content=%FF%FE"),
            Err(FormError::NotUtf8("comment_content".into()))
        );
        assert!(matches!(parse_form(b"%FF=1"), Err(FormError::NotUtf8(_))));
        assert!(matches!(parse_form(b"ok=\xff"), Err(FormError::NotUtf8(_))));
    }

    #[test]
    fn documented_values_are_read_and_unknown_ones_ignored() {
        let body = "api_key=k1&blog=https%3A%2F%2Fb.example&user_ip=203.0.113.5&comment_author=Ann&is_test=1\
                    &honeypot_field_name=hp&hp=gotcha&comment_context%5B%5D=music&comment_context%5B%5D=1985&comment_context%5B%5D=\
                    &POST_extra=1&HTTP_ACCEPT=x&encore_seconds_to_submit=12";
        let form = parse_form(body.as_bytes()).unwrap();
        assert_eq!(key_field(&form), Some("k1"));
        let values = CommentValues::from_form(&form);
        assert_eq!(values.blog, "https://b.example");
        assert_eq!(values.comment_author, "Ann");
        assert!(values.is_test);
        assert_eq!(values.honeypot_value, "gotcha");
        assert_eq!(values.comment_context, vec!["music", "1985"]);
        assert_eq!(values.seconds_to_submit, Some(12));
        // What a client sends comes back the same.
        let fields = values.to_fields();
        let encoded = encode_form(&fields);
        assert_eq!(
            CommentValues::from_form(&parse_form(encoded.as_bytes()).unwrap()),
            values
        );
        assert_eq!(key_field(&parse_form(b"key=%20k2%20").unwrap()), Some("k2"));
    }
}
