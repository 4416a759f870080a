//! The Akismet protocol as any client sees it: bodies, headers and statuses over loopback.

use crate::support::{
    SpamServer, fields_with_key, form, options, post, reader_comment, spam_comment,
};
use encore_spam::service::{Service, ServiceOptions};
use encore_store::testing::TestBackend;
use std::time::Duration;

encore_store::backend_tests!(
    verify_key_answers_valid_or_invalid,
    test_identities_and_real_text_get_verdicts_with_guids,
    the_key_may_come_as_a_subdomain,
    bad_input_is_invalid_with_help_and_never_an_error,
    reports_train_the_key_and_survive_a_restart,
    test_calls_never_train,
    usage_is_counted_per_key_and_month,
    keys_are_rate_limited_and_revocable,
    edits_made_elsewhere_are_read_after_the_refresh_time,
    a_database_outage_answers_503_never_a_guess,
    verdicts_keep_their_reasons,
    the_same_text_again_is_a_reason_but_a_recheck_is_not,
    verdicts_past_their_keeping_time_are_pruned,
);

async fn verify_key_answers_valid_or_invalid(backend: TestBackend) {
    let server = SpamServer::start(backend, options()).await;
    let url = format!("{}/1.1/verify-key", server.url);
    let ok = post(
        &url,
        form(&[("api_key", &server.key), ("blog", "https://blog.example")]),
        None,
    )
    .await;
    assert_eq!((ok.status, ok.body.as_str()), (200, "valid"));
    assert!(ok.content_type.starts_with("text/plain"), "{ok:?}");
    // Older clients call the field `key`.
    let old = post(
        &url,
        form(&[("key", &server.key), ("blog", "https://blog.example")]),
        None,
    )
    .await;
    assert_eq!(old.body, "valid");
    let bad = post(
        &url,
        form(&[("api_key", "0000nope"), ("blog", "https://blog.example")]),
        None,
    )
    .await;
    assert_eq!((bad.status, bad.body.as_str()), (200, "invalid"));
    assert_eq!(bad.debug_help.as_deref(), Some("Invalid API key."));
    let no_blog = post(&url, form(&[("api_key", &server.key)]), None).await;
    assert_eq!(no_blog.body, "invalid");
    assert!(no_blog.debug_help.unwrap().contains("blog"));
}

async fn test_identities_and_real_text_get_verdicts_with_guids(backend: TestBackend) {
    let server = SpamServer::start(backend, options()).await;
    let url = format!("{}/1.1/comment-check", server.url);
    let check = |values: encore_spam::params::CommentValues| {
        let url = url.clone();
        let body = fields_with_key(&values, &server.key);
        async move { post(&url, body, None).await }
    };
    let mut test_author = reader_comment();
    test_author.comment_author = "viagra-test-123".into();
    let mut test_email = reader_comment();
    test_email.comment_author_email = "akismet-guaranteed-spam@example.com".into();
    let mut admin = spam_comment();
    admin.user_role = "administrator".into();
    for (values, expected) in [
        (test_author, "true"),
        (test_email, "true"),
        (admin, "false"),
        (reader_comment(), "false"),
        (spam_comment(), "true"),
    ] {
        let answer = check(values.clone()).await;
        assert_eq!(
            (answer.status, answer.body.as_str()),
            (200, expected),
            "{values:?} → {answer:?}"
        );
        let guid = answer.guid.expect("every check answers a guid");
        assert_eq!(guid.len(), 36);
        assert!(answer.debug_help.is_none());
    }
    // Blatant spam: a filled honeypot is safe to discard.
    let mut trapped = reader_comment();
    trapped.honeypot_field_name = "hp_url".into();
    trapped.honeypot_value = "http://bot.example".into();
    let answer = check(trapped).await;
    assert_eq!(
        (answer.body.as_str(), answer.pro_tip.as_deref()),
        ("true", Some("discard"))
    );
    assert_eq!(check(reader_comment()).await.pro_tip, None);
    // Unknown fields are read past.
    let mut body = fields_with_key(&reader_comment(), &server.key);
    body.push_str("&POST_foo=bar&HTTP_ACCEPT_LANGUAGE=en&whatever%5B%5D=1");
    assert_eq!(post(&url, body, None).await.body, "false");
}

async fn the_key_may_come_as_a_subdomain(backend: TestBackend) {
    let server = SpamServer::start(backend, options()).await;
    let url = format!("{}/1.1/comment-check", server.url);
    let body = fields_with_key(&spam_comment(), "").replace("api_key=&", "");
    let host = format!("{}.rest.akismet.com", server.key);
    let answer = post(&url, body.clone(), Some(&host)).await;
    assert_eq!(answer.body, "true", "{answer:?}");
    let wrong = post(&url, body.clone(), Some("deadbeef.rest.akismet.com")).await;
    assert_eq!(wrong.body, "invalid");
    let none = post(&url, body, None).await;
    assert_eq!(none.body, "invalid");
    assert!(none.debug_help.unwrap().contains("api_key"));
}

async fn bad_input_is_invalid_with_help_and_never_an_error(backend: TestBackend) {
    let server = SpamServer::start(backend, options()).await;
    let url = format!("{}/1.1/comment-check", server.url);
    let key = server.key.clone();
    let oversized = format!(
        "api_key={key}&blog=b&user_ip=1.2.3.4&comment_content={}",
        "a".repeat(70 * 1024)
    );
    let not_utf8 =
        format!("api_key={key}&blog=b&user_ip=1.2.3.4&comment_content=%C3%28%FF").into_bytes();
    let mut raw_bytes =
        format!("api_key={key}&blog=b&user_ip=1.2.3.4&comment_content=").into_bytes();
    raw_bytes.extend_from_slice(&[0xff, 0xfe, 0x00]);
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("oversized", oversized.into_bytes(), "larger than"),
        ("percent-encoded invalid UTF-8", not_utf8, "UTF-8"),
        ("raw invalid UTF-8", raw_bytes, "UTF-8"),
        (
            "missing blog",
            format!("api_key={key}&user_ip=1.2.3.4").into_bytes(),
            "blog",
        ),
        (
            "missing user_ip",
            format!("api_key={key}&blog=b").into_bytes(),
            "user_ip",
        ),
        ("missing key", b"blog=b&user_ip=1.2.3.4".to_vec(), "api_key"),
        ("empty body", Vec::new(), "api_key"),
        ("garbage", b"%%%&&&===\x01\x02".to_vec(), "api_key"),
    ];
    for (name, body, help) in cases {
        let answer = post(&url, body, None).await;
        assert_eq!(
            (answer.status, answer.body.as_str()),
            (200, "invalid"),
            "{name}: {answer:?}"
        );
        let debug = answer.debug_help.unwrap_or_default();
        assert!(
            debug.contains(help),
            "{name}: debug help {debug:?} should mention {help}"
        );
    }
    for path in ["/1.1/submit-spam", "/1.1/submit-ham", "/1.1/verify-key"] {
        let answer = post(
            &format!("{}{path}", server.url),
            b"\xff\xff=\xff".to_vec(),
            None,
        )
        .await;
        assert_eq!(
            (answer.status, answer.body.as_str()),
            (200, "invalid"),
            "{path}"
        );
        assert!(answer.debug_help.is_some());
    }
    // A scheme followed by a multi-byte character once panicked the link finder (found by fuzzing).
    let odd = format!(
        "api_key={key}&blog=b&user_ip=1.2.3.4&comment_content=see+http%3A%2F%2F%C3%A9t%C3%A9+and+www."
    );
    let answer = post(&url, odd, None).await;
    assert_eq!(answer.status, 200, "{answer:?}");
    assert!(
        ["true", "false"].contains(&answer.body.as_str()),
        "{answer:?}"
    );
    let unknown = post(&format!("{}/1.1/nope", server.url), "x=1", None).await;
    assert_eq!(unknown.status, 404);
    assert!(unknown.debug_help.is_some());
}

async fn reports_train_the_key_and_survive_a_restart(backend: TestBackend) {
    let server = SpamServer::start(backend, options()).await;
    let mut pitch = reader_comment();
    pitch.comment_content =
        "Our studio offers mixing and mastering packages for your next album at low rates".into();
    pitch.comment_author = "Studio Deals".into();
    let check_url = format!("{}/1.1/comment-check", server.url);
    let first = post(&check_url, fields_with_key(&pitch, &server.key), None).await;
    assert_eq!(
        first.body, "false",
        "the base model lets a polite pitch through: {first:?}"
    );
    let mut report = pitch.clone();
    report.guid = first.guid.clone().unwrap();
    let thanks = post(
        &format!("{}/1.1/submit-spam", server.url),
        fields_with_key(&report, &server.key),
        None,
    )
    .await;
    assert_eq!(
        (thanks.status, thanks.body.as_str()),
        (200, "Thanks for making the web a better place.")
    );
    let mut variant = pitch.clone();
    variant.comment_content =
        "Our studio offers mastering packages for your album at low rates".into();
    assert_eq!(
        post(&check_url, fields_with_key(&variant, &server.key), None)
            .await
            .body,
        "true"
    );

    // A second key learned nothing from the first one's report.
    let other = server
        .service
        .add_key("https://other.example", None)
        .await
        .unwrap()
        .api_key;
    assert_eq!(
        post(&check_url, fields_with_key(&variant, &other), None)
            .await
            .body,
        "false"
    );

    // Restart: a new service over the same database has the report, replayed.
    let key = server.key.clone();
    let test = server.stop().await;
    let service = Service::new(test.store.clone(), options());
    let server = SpamServer::serve(test, service, key).await;
    let url = format!("{}/1.1/comment-check", server.url);
    assert_eq!(
        post(&url, fields_with_key(&variant, &server.key), None)
            .await
            .body,
        "true"
    );

    // And ham reports pull the other way: sent with only the guid, the service uses the values it checked.
    let check = post(&url, fields_with_key(&variant, &server.key), None).await;
    let only_guid = form(&[
        ("api_key", &server.key),
        ("blog", "https://blog.example"),
        ("guid", check.guid.as_deref().unwrap()),
    ]);
    for _ in 0..3 {
        let ham = post(
            &format!("{}/1.1/submit-ham", server.url),
            only_guid.clone(),
            None,
        )
        .await;
        assert_eq!(ham.body, "Thanks for making the web a better place.");
    }
    // (A fresh wording: the same text sent again and again is a signal of its own.)
    variant.comment_content = "Our studio offers mastering for your album at low rates".into();
    assert_eq!(
        post(&url, fields_with_key(&variant, &server.key), None)
            .await
            .body,
        "false"
    );
}

async fn test_calls_never_train(backend: TestBackend) {
    let server = SpamServer::start(backend, options()).await;
    let mut pitch = reader_comment();
    pitch.comment_content =
        "Our studio offers mixing and mastering packages for your next album at low rates".into();
    pitch.is_test = true;
    for _ in 0..3 {
        let answer = post(
            &format!("{}/1.1/submit-spam", server.url),
            fields_with_key(&pitch, &server.key),
            None,
        )
        .await;
        assert_eq!(answer.body, "Thanks for making the web a better place.");
    }
    let answer = post(
        &format!("{}/1.1/comment-check", server.url),
        fields_with_key(&pitch, &server.key),
        None,
    )
    .await;
    assert_eq!(answer.body, "false");
    let key = server
        .service
        .store()
        .spam()
        .key(&server.key)
        .await
        .unwrap()
        .unwrap();
    assert!(
        server
            .service
            .store()
            .spam()
            .reports(key.id)
            .await
            .unwrap()
            .is_empty()
    );
}

async fn usage_is_counted_per_key_and_month(backend: TestBackend) {
    let server = SpamServer::start(backend, options()).await;
    for _ in 0..3 {
        post(
            &format!("{}/1.1/comment-check", server.url),
            fields_with_key(&reader_comment(), &server.key),
            None,
        )
        .await;
    }
    let url = format!("{}/1.2/usage-limit?api_key={}", server.url, server.key);
    let response = reqwest::get(&url).await.unwrap();
    assert_eq!(response.status(), 200);
    let usage: serde_json::Value = response.json().await.unwrap();
    assert_eq!(
        usage,
        serde_json::json!({"limit": 1000, "usage": 3, "percentage": "0.30", "throttled": false})
    );
    // Flushed to the database, the count is the same.
    server.service.flush().await.unwrap();
    let usage: serde_json::Value = reqwest::get(&url).await.unwrap().json().await.unwrap();
    assert_eq!(usage["usage"], 3);
    // The fixtures' date is 24 November: seven days later a new month counts from zero.
    server
        .service
        .clock()
        .advance(Duration::from_secs(7 * 86_400));
    let usage: serde_json::Value = reqwest::get(&url).await.unwrap().json().await.unwrap();
    assert_eq!(usage["usage"], 0, "December starts a new count");
    let unlimited = server
        .service
        .add_key("https://free.example", None)
        .await
        .unwrap()
        .api_key;
    let usage: serde_json::Value = reqwest::get(format!(
        "{}/1.2/usage-limit?api_key={unlimited}",
        server.url
    ))
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(
        usage,
        serde_json::json!({"limit": "none", "usage": 0, "percentage": "0.00", "throttled": false})
    );
    let bad = crate::support::answer(
        reqwest::get(format!("{}/1.2/usage-limit?api_key=nope", server.url))
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((bad.status, bad.body.as_str()), (200, "invalid"));
}

async fn keys_are_rate_limited_and_revocable(backend: TestBackend) {
    let limited = ServiceOptions {
        rate_per_second: 2.0,
        ..options()
    };
    let server = SpamServer::start(backend, limited).await;
    let url = format!("{}/1.1/comment-check", server.url);
    let mut statuses = Vec::new();
    for _ in 0..6 {
        let answer = post(&url, fields_with_key(&reader_comment(), &server.key), None).await;
        statuses.push(answer.status);
        if answer.status == 429 {
            assert!(answer.debug_help.unwrap().contains("Rate limit"));
        }
    }
    assert_eq!(
        &statuses[..4],
        &[200, 200, 200, 200],
        "a burst of twice the rate is allowed: {statuses:?}"
    );
    assert_eq!(
        &statuses[4..],
        &[429, 429],
        "then the bucket is empty while the clock stands still"
    );
    server.service.clock().advance(Duration::from_millis(500));
    assert_eq!(
        post(&url, fields_with_key(&reader_comment(), &server.key), None)
            .await
            .status,
        200,
        "half a second at 2 calls a second refills one call"
    );
    assert_eq!(
        post(&url, fields_with_key(&reader_comment(), &server.key), None)
            .await
            .status,
        429
    );
    // Another key has its own bucket.
    let other = server
        .service
        .add_key("https://other.example", None)
        .await
        .unwrap()
        .api_key;
    assert_eq!(
        post(&url, fields_with_key(&reader_comment(), &other), None)
            .await
            .status,
        200
    );

    server
        .service
        .store()
        .spam()
        .revoke_key(&other, server.service.clock().now())
        .await
        .unwrap();
    server.service.forget_keys();
    let revoked = post(&url, fields_with_key(&reader_comment(), &other), None).await;
    assert_eq!(revoked.body, "invalid");
    assert!(revoked.debug_help.unwrap().contains("revoked"));
}

async fn verdicts_keep_their_reasons(backend: TestBackend) {
    let server = SpamServer::start(backend, options()).await;
    let answer = post(
        &format!("{}/1.1/comment-check", server.url),
        fields_with_key(&spam_comment(), &server.key),
        None,
    )
    .await;
    let guid = answer.guid.unwrap();
    server.service.flush().await.unwrap();
    let spam = server.service.store().spam();
    let key = spam.key(&server.key).await.unwrap().unwrap();
    let record = spam
        .check(key.id, &guid)
        .await
        .unwrap()
        .expect("the check is recorded");
    assert!(
        ["spam", "discard"].contains(&record.verdict.as_str()),
        "{record:?}"
    );
    let reasons: Vec<encore_spam::engine::Reason> = serde_json::from_str(&record.reasons).unwrap();
    assert!(!reasons.is_empty());
    // Reasons for the verdict come first, strongest first; at most two speak against it.
    assert!(
        reasons.len() >= 4 && reasons[..4].iter().all(|r| r.weight > 0.0),
        "{reasons:?}"
    );
    assert!(
        reasons
            .windows(2)
            .filter(|w| w[0].weight > 0.0 && w[1].weight > 0.0)
            .all(|w| w[0].weight >= w[1].weight)
    );
    assert!(reasons.iter().filter(|r| r.weight < 0.0).count() <= 2);
    let values: encore_spam::params::CommentValues = serde_json::from_str(&record.comment).unwrap();
    assert_eq!(values, spam_comment());
}

async fn the_same_text_again_is_a_reason_but_a_recheck_is_not(backend: TestBackend) {
    let server = SpamServer::start(backend, options()).await;
    let url = format!("{}/1.1/comment-check", server.url);
    let mut recheck = reader_comment();
    recheck.recheck_reason = "edit".into();
    let mut guids = Vec::new();
    for values in [reader_comment(), recheck.clone(), recheck, reader_comment()] {
        guids.push(
            post(&url, fields_with_key(&values, &server.key), None)
                .await
                .guid
                .unwrap(),
        );
    }
    server.service.flush().await.unwrap();
    let spam = server.service.store().spam();
    let key = spam.key(&server.key).await.unwrap().unwrap();
    let mut repeat_reasons = Vec::new();
    for guid in &guids {
        let record = spam.check(key.id, guid).await.unwrap().unwrap();
        let reasons: Vec<encore_spam::engine::Reason> =
            serde_json::from_str(&record.reasons).unwrap();
        repeat_reasons.push(
            reasons
                .into_iter()
                .find(|r| r.label.starts_with("the same text"))
                .map(|r| r.label),
        );
    }
    assert_eq!(
        repeat_reasons,
        vec![
            None,
            None,
            None,
            Some("the same text was sent 1 time(s) before".to_owned())
        ],
        "rechecks neither count nor are counted"
    );
}

async fn verdicts_past_their_keeping_time_are_pruned(backend: TestBackend) {
    let keep_none = ServiceOptions {
        keep_checks: Some(std::time::Duration::ZERO),
        ..options()
    };
    let server = SpamServer::start(backend, keep_none).await;
    let url = format!("{}/1.1/comment-check", server.url);
    let answer = post(&url, fields_with_key(&reader_comment(), &server.key), None).await;
    server.service.flush().await.unwrap();
    let spam = server.service.store().spam();
    let key = spam.key(&server.key).await.unwrap().unwrap();
    let guid = answer.guid.unwrap();
    assert!(spam.check(key.id, &guid).await.unwrap().is_some());
    assert_eq!(
        server.service.prune().await.unwrap(),
        0,
        "a verdict of this very second is not older than now"
    );
    // Timestamps are whole seconds: a second later, the check is older than "now".
    server.service.clock().advance(Duration::from_secs(1));
    assert_eq!(server.service.prune().await.unwrap(), 1);
    assert!(spam.check(key.id, &guid).await.unwrap().is_none());
    let usage: serde_json::Value = reqwest::get(format!(
        "{}/1.2/usage-limit?api_key={}",
        server.url, server.key
    ))
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(usage["usage"], 1, "usage outlives the verdicts");
}

async fn edits_made_elsewhere_are_read_after_the_refresh_time(backend: TestBackend) {
    let server = SpamServer::start(backend, options()).await;
    let url = format!("{}/1.1/comment-check", server.url);
    let mut linked = reader_comment();
    linked.comment_content =
        "I wrote about the same album on my blog: http://shop.replica.example/ and I agree about side two.".into();
    let check = || post(&url, fields_with_key(&linked, &server.key), None);
    assert_eq!(check().await.body, "false");
    // Another process (`encore spam block add`, another node) writes to the database directly.
    let spam = server.service.store().spam();
    let key = spam.key(&server.key).await.unwrap().unwrap();
    let clock = server.service.clock();
    spam.block(
        key.id,
        encore_store::spam::BlockKind::Domain,
        "replica.example",
        clock.now(),
    )
    .await
    .unwrap();
    clock.advance(Duration::from_secs(9));
    assert_eq!(
        check().await.body,
        "false",
        "within the refresh time (10 s) the cached list still holds"
    );
    clock.advance(Duration::from_secs(1));
    assert_eq!(check().await.body, "true", "then the list is read again");
    spam.revoke_key(&server.key, clock.now()).await.unwrap();
    clock.advance(Duration::from_secs(10));
    let revoked = check().await;
    assert_eq!(revoked.body, "invalid");
    assert!(revoked.debug_help.unwrap().contains("revoked"));
}

async fn a_database_outage_answers_503_never_a_guess(backend: TestBackend) {
    let test = encore_store::testing::TestStore::for_outage(backend).await;
    let service = Service::new(test.store.clone(), options());
    let key = service
        .add_key("https://blog.example", None)
        .await
        .unwrap()
        .api_key;
    let other = service
        .add_key("https://other.example", None)
        .await
        .unwrap()
        .api_key;
    let server = SpamServer::serve(test, service, key.clone()).await;
    let url = |path: &str| format!("{}{path}", server.url);
    assert_eq!(
        post(
            &url("/1.1/comment-check"),
            fields_with_key(&reader_comment(), &key),
            None
        )
        .await
        .body,
        "false"
    );
    server.test.outage().await;
    let unavailable = |answer: crate::support::Answer, what: &str| {
        assert_eq!(answer.status, 503, "{what}: {answer:?}");
        assert_eq!(answer.retry_after.as_deref(), Some("5"), "{what}");
        assert!(
            answer.body != "true" && answer.body != "false",
            "{what}: no verdict"
        );
    };
    // A report must be stored before it is acknowledged, so it cannot be taken now.
    unavailable(
        post(
            &url("/1.1/submit-spam"),
            fields_with_key(&spam_comment(), &key),
            None,
        )
        .await,
        "submit-spam",
    );
    // A key not yet read cannot be checked, so no verdict is guessed for it.
    unavailable(
        post(
            &url("/1.1/comment-check"),
            fields_with_key(&reader_comment(), &other),
            None,
        )
        .await,
        "comment-check with an unread key",
    );
    unavailable(
        crate::support::answer(
            reqwest::get(url(&format!("/1.2/usage-limit?api_key={key}")))
                .await
                .unwrap(),
        )
        .await,
        "usage-limit",
    );
}
