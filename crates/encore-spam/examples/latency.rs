//! In-process comment-check latency, as `bench/spam.sh` reports it:
//! `cargo run --release -p encore-spam --example latency -- [CHECKS]`.
//!
//! Checks go through [`Service::comment_check`] — key lookup, rate limit, repeated-text memory, the engine, guid and
//! the batched record — over a SQLite store in a temporary directory, with the texts of the built-in seed corpus.
//! The reference, measured in the same run, is the engine's verdict alone (features and score).
#![allow(clippy::unwrap_used, clippy::print_stdout)]

use encore_spam::engine::{Context, Engine};
use encore_spam::eval::percentile;
use encore_spam::params::CommentValues;
use encore_spam::service::{Service, ServiceOptions};
use std::time::{Duration, Instant};

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let checks: usize = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(20_000);
    let dir = tempfile::tempdir().unwrap();
    let options = encore_store::StoreOptions {
        database_url: format!("sqlite://{}", dir.path().join("spam.db").display()),
        media_dir: dir.path().join("media"),
        pool: encore_store::PoolOptions::default(),
    };
    let store = encore_store::Store::open(&options).await.unwrap();
    store.migrate().await.unwrap();
    let service = Service::new(
        store,
        ServiceOptions {
            rate_per_second: 0.0,
            ..ServiceOptions::default()
        },
    );
    let key = service
        .add_key("https://blog.example", None)
        .await
        .unwrap()
        .api_key;
    let flusher = service.spawn_flusher();

    let texts: Vec<String> =
        encore_spam::eval::read_corpus(include_str!("../seed/sms-spam-collection.tsv"))
            .unwrap()
            .into_iter()
            .map(|(text, _)| text)
            .collect();
    let comment = |i: usize| CommentValues {
        blog: "https://blog.example".into(),
        user_ip: "198.51.100.23".into(),
        user_agent: "Mozilla/5.0".into(),
        comment_type: "comment".into(),
        comment_author: "Jo".into(),
        comment_author_email: "jo@example.org".into(),
        comment_content: texts[i % texts.len()].clone(),
        ..CommentValues::default()
    };
    // Warm up: the base model trains on first use, and the key loads.
    service.comment_check(Some(&key), comment(0)).await.unwrap();

    let engine = Engine::seeded();
    let mut reference = Vec::with_capacity(checks);
    for i in 0..checks {
        let values = comment(i);
        let started = Instant::now();
        std::hint::black_box(engine.judge(&values, Context::default()));
        reference.push(started.elapsed());
    }
    let mut latencies = Vec::with_capacity(checks);
    let mut spam = 0usize;
    let started_all = Instant::now();
    for i in 0..checks {
        let values = comment(i);
        let started = Instant::now();
        let checked = service.comment_check(Some(&key), values).await.unwrap();
        latencies.push(started.elapsed());
        spam += usize::from(checked.judgement.verdict.is_spam());
    }
    let total = started_all.elapsed();
    flusher.stop().await;
    reference.sort_unstable();
    latencies.sort_unstable();
    let us = |d: Duration| d.as_secs_f64() * 1e6;
    println!("{:<34} {:>9} {:>9} {:>9}", "", "p50 µs", "p99 µs", "max µs");
    for (name, sorted) in [
        ("engine verdict alone (reference)", &reference),
        ("service comment-check", &latencies),
    ] {
        println!(
            "{name:<34} {:>9.1} {:>9.1} {:>9.1}",
            us(percentile(sorted, 0.5)),
            us(percentile(sorted, 0.99)),
            us(*sorted.last().unwrap())
        );
    }
    println!(
        "service p99 / reference p99: {:.2}; {checks} checks in {:.2} s on one thread ({:.0}/s), {spam} called spam",
        percentile(&latencies, 0.99).as_secs_f64() / percentile(&reference, 0.99).as_secs_f64(),
        total.as_secs_f64(),
        checks as f64 / total.as_secs_f64()
    );
}
