//! Any request body: the parser refuses or reads it without panicking, and what it reads survives a round trip
//! through the fields a client would send.
#![no_main]

use encore_spam::params::{CommentValues, MAX_BODY_BYTES, MAX_FIELDS, encode_form, key_field, parse_form};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|body: &[u8]| {
    let Ok(form) = parse_form(body) else {
        return;
    };
    assert!(body.len() <= MAX_BODY_BYTES);
    let values = CommentValues::from_form(&form);
    let _ = key_field(&form);
    // A honeypot whose name collides with a documented field cannot round-trip; skip those.
    if !values.honeypot_field_name.is_empty() {
        return;
    }
    let fields = values.to_fields();
    assert!(fields.len() <= MAX_FIELDS + 4);
    let encoded = encode_form(&fields);
    if encoded.len() > MAX_BODY_BYTES {
        return;
    }
    let again = CommentValues::from_form(&parse_form(encoded.as_bytes()).expect("our own encoding parses"));
    // Values that are only whitespace or unparsable numbers are normalised away; compare the rest.
    assert_eq!(again.comment_content, values.comment_content);
    assert_eq!(again.comment_author, values.comment_author);
    assert_eq!(again.blog, values.blog);
    assert_eq!(again.is_test, values.is_test);
    assert_eq!(again.comment_context, values.comment_context);
});

