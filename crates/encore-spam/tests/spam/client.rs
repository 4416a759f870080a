//! The client gives the same answers through the in-process engine and over HTTP, and says when it got none.

use crate::support::{SpamServer, options, reader_comment, spam_comment};
use encore_core::clock::Clock;
use encore_spam::client::{Ack, Client, ClientOptions, Endpoint, Outcome};
use encore_spam::service::ServiceOptions;
use encore_store::testing::TestBackend;
use std::time::Duration;

encore_store::backend_tests!(
    both_endpoints_tell_the_same_story,
    rate_limits_are_retried_after_the_wait,
);

/// Retries quickly, waiting on `clock`: a test clock moves forward instead of sleeping.
fn fast(clock: &Clock) -> ClientOptions {
    ClientOptions {
        timeout: Duration::from_secs(5),
        retries: 2,
        backoff: Duration::from_millis(20),
        clock: clock.clone(),
    }
}

async fn story(client: &Client, other_key_client: &Client) {
    assert_eq!(client.verify_key("https://blog.example").await, Ack::Done);
    assert!(matches!(
        other_key_client.verify_key("https://blog.example").await,
        Ack::Invalid(_)
    ));

    let ham = client.check(&reader_comment()).await;
    assert_eq!(ham.outcome, Outcome::Ham);
    assert!(ham.guid.is_some());
    let spam = client.check(&spam_comment()).await.outcome;
    assert!(matches!(spam, Outcome::Spam | Outcome::Discard), "{spam:?}");
    let mut trapped = reader_comment();
    trapped.honeypot_field_name = "hp".into();
    trapped.honeypot_value = "x".into();
    assert_eq!(client.check(&trapped).await.outcome, Outcome::Discard);
    let mut missing = reader_comment();
    missing.user_ip.clear();
    assert!(
        matches!(client.check(&missing).await.outcome, Outcome::Invalid(help) if help.contains("user_ip"))
    );

    let mut pitch = reader_comment();
    pitch.comment_content =
        "Our studio offers mixing and mastering packages for your next album at low rates".into();
    let first = client.check(&pitch).await;
    assert_eq!(first.outcome, Outcome::Ham);
    assert_eq!(
        client.submit_spam(&pitch, first.guid.as_deref()).await,
        Ack::Done
    );
    assert_eq!(client.check(&pitch).await.outcome, Outcome::Spam);
    assert_eq!(client.submit_ham(&pitch, None).await, Ack::Done);
}

async fn both_endpoints_tell_the_same_story(backend: TestBackend) {
    let server = SpamServer::start(backend, options()).await;
    let local_key = server
        .service
        .add_key("https://blog.example", None)
        .await
        .unwrap()
        .api_key;
    let local = Client::new(
        Endpoint::Local {
            service: server.service.clone(),
            key: local_key,
        },
        fast(server.service.clock()),
    );
    let local_bad = Client::new(
        Endpoint::Local {
            service: server.service.clone(),
            key: "nope".into(),
        },
        fast(server.service.clock()),
    );
    story(&local, &local_bad).await;

    let http = Client::new(
        Endpoint::Http {
            base_url: server.url.clone(),
            key: server.key.clone(),
        },
        fast(server.service.clock()),
    );
    let http_bad = Client::new(
        Endpoint::Http {
            base_url: server.url.clone(),
            key: "nope".into(),
        },
        fast(server.service.clock()),
    );
    story(&http, &http_bad).await;

    // Nothing listening: no verdict, and the caller is told so after its retries.
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let dead_url = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let dead = Client::new(
        Endpoint::Http {
            base_url: dead_url,
            key: server.key.clone(),
        },
        fast(server.service.clock()),
    );
    let clock = server.service.clock();
    let started = clock.elapsed();
    let answer = dead.check(&reader_comment()).await;
    assert!(
        matches!(answer.outcome, Outcome::Unreachable(_)),
        "{answer:?}"
    );
    assert_eq!(
        clock.elapsed() - started,
        Duration::from_millis(60),
        "two retries with backoff 20 ms then 40 ms"
    );
    assert!(matches!(
        dead.submit_spam(&reader_comment(), None).await,
        Ack::Unreachable(_)
    ));
}

async fn rate_limits_are_retried_after_the_wait(backend: TestBackend) {
    let server = SpamServer::start(
        backend,
        ServiceOptions {
            rate_per_second: 1.0,
            ..options()
        },
    )
    .await;
    let client = Client::new(
        Endpoint::Http {
            base_url: server.url.clone(),
            key: server.key.clone(),
        },
        fast(server.service.clock()),
    );
    // The service's clock stands still unless a client waits on it, so no refill happens by accident.
    let clock = server.service.clock();
    let mut outcomes = Vec::new();
    for _ in 0..3 {
        outcomes.push(client.check(&reader_comment()).await.outcome);
    }
    assert_eq!(
        outcomes,
        vec![Outcome::Ham; 3],
        "the third check waits for Retry-After and succeeds"
    );
    assert_eq!(
        clock.elapsed(),
        Duration::from_secs(1),
        "the wait was the server's Retry-After (1 s), not the 20 ms backoff"
    );
    let impatient = Client::new(
        Endpoint::Http {
            base_url: server.url.clone(),
            key: server.key.clone(),
        },
        ClientOptions {
            retries: 0,
            ..fast(clock)
        },
    );
    assert!(
        matches!(impatient.check(&reader_comment()).await.outcome, Outcome::Unreachable(e) if e.contains("429"))
    );
}
