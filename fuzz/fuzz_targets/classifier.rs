//! Any comment: the engine answers a verdict with a probability in [0, 1], at most a handful of reasons, and
//! learning from it keeps the model finite.
#![no_main]

use encore_spam::engine::{Context, Engine};
use encore_spam::model::Overlay;
use encore_spam::params::CommentValues;
use libfuzzer_sys::fuzz_target;
use std::sync::LazyLock;

static ENGINE: LazyLock<Engine> = LazyLock::new(Engine::seeded);

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    // Split the input over the fields the features read, so every one of them sees arbitrary text.
    let mut parts = text.split('\u{1}');
    let mut next = || parts.next().unwrap_or("").to_owned();
    let values = CommentValues {
        blog: "https://blog.example".into(),
        user_ip: "192.0.2.1".into(),
        comment_content: next(),
        comment_author: next(),
        comment_author_email: next(),
        comment_author_url: next(),
        comment_type: next(),
        user_agent: next(),
        seconds_to_submit: data.first().map(|&b| u64::from(b) * 7),
        ..CommentValues::default()
    };
    let mut overlay = Overlay::default();
    let judged = ENGINE.judge(&values, Context { overlay: Some(&overlay), ..Context::default() });
    assert!((0.0..=1.0).contains(&judged.score), "{judged:?}");
    assert!(judged.reasons.len() <= 6);
    assert!(judged.reasons.iter().all(|r| r.weight.is_finite()));
    ENGINE.learn(&mut overlay, &values, !judged.verdict.is_spam());
    let again = ENGINE.judge(&values, Context { overlay: Some(&overlay), ..Context::default() });
    assert!(again.score.is_finite());
    assert_eq!(Overlay::from_bytes(&overlay.to_bytes()).as_ref(), Some(&overlay));
});
