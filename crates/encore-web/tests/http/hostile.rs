//! Slow and hostile clients, and requests HTTP/1.1 does not allow: what an attack probe tries.

use crate::support::{PostBuilder, TestApp};
use encore_app::testing::Publish;
use encore_store::testing::{TestBackend, fixtures};
use encore_web::{Settings, server::Limits};
use reqwest::{StatusCode, header};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

encore_store::backend_tests!(
    slow_and_idle_clients_are_closed_while_others_are_served,
    connections_over_the_cap_are_closed_at_once,
    requests_http_does_not_allow_are_refused,
    error_pages_repeat_nothing_from_the_request,
    numbers_have_one_spelling_in_addresses,
);

fn tight(max_per_ip: usize) -> Settings {
    let mut settings = Settings::new(10);
    settings.limits = Limits {
        header_timeout: Duration::from_secs(1),
        max_connections_per_ip: max_per_ip,
        ..Limits::default()
    };
    settings
}

/// Reads until the server closes the connection; `true` if it did within `within`.
async fn closed_by_server(stream: &mut TcpStream, within: Duration) -> bool {
    let mut buf = [0u8; 4096];
    let deadline = tokio::time::Instant::now() + within;
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return true,
            Ok(Ok(_)) => continue,
            Err(_) => return false,
        }
    }
}

async fn slow_and_idle_clients_are_closed_while_others_are_served(backend: TestBackend) {
    let app = TestApp::spawn_with_settings(backend, tight(0)).await;
    PostBuilder::new(&app.site, &app.author, "Rocky IV")
        .publish(&app.app)
        .await;
    let addr = app.base.trim_start_matches("http://").to_owned();
    // Twenty clients trickle a header one byte at a time, another keeps an idle connection.
    let mut tricklers = Vec::new();
    for _ in 0..20 {
        let mut stream = TcpStream::connect(&addr).await.unwrap();
        stream.write_all(b"GET / HTTP/1.1\r\nHo").await.unwrap();
        tricklers.push(stream);
    }
    let mut idle = TcpStream::connect(&addr).await.unwrap();
    idle.write_all(b"GET /robots.txt HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .await
        .unwrap();
    let mut answer = [0u8; 512];
    let n = idle.read(&mut answer).await.unwrap();
    assert!(answer[..n].starts_with(b"HTTP/1.1 200"));
    // Meanwhile a reader is served as usual.
    assert!(app.page("/").await.contains("Rocky IV"));
    for (i, stream) in tricklers.iter_mut().enumerate() {
        let _ = stream.write_all(b"s").await;
        assert!(
            closed_by_server(stream, Duration::from_secs(5)).await,
            "trickling client {i} is still open"
        );
    }
    assert!(
        closed_by_server(&mut idle, Duration::from_secs(5)).await,
        "an idle kept-alive connection is closed"
    );
    assert!(
        app.page("/").await.contains("Rocky IV"),
        "and the server is fine"
    );
}

async fn connections_over_the_cap_are_closed_at_once(backend: TestBackend) {
    let app = TestApp::spawn_with_settings(backend, tight(4)).await;
    let addr = app.base.trim_start_matches("http://").to_owned();
    let mut held = Vec::new();
    for _ in 0..4 {
        let mut stream = TcpStream::connect(&addr).await.unwrap();
        stream
            .write_all(b"GET /robots.txt HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            .await
            .unwrap();
        let mut buf = [0u8; 256];
        assert!(stream.read(&mut buf).await.unwrap() > 0);
        held.push(stream);
    }
    let mut fifth = TcpStream::connect(&addr).await.unwrap();
    let _ = fifth
        .write_all(b"GET /robots.txt HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .await;
    let mut buf = [0u8; 256];
    let read = tokio::time::timeout(Duration::from_secs(2), fifth.read(&mut buf)).await;
    assert!(
        matches!(read, Ok(Ok(0)) | Ok(Err(_))),
        "the fifth connection from one address is closed without an answer"
    );
    drop(held);
    // Places are given back when connections end.
    let mut again = None;
    for _ in 0..50 {
        let response = app.get("/robots.txt").await;
        if response.status() == StatusCode::OK {
            again = Some(response);
            break;
        }
    }
    assert!(again.is_some());
}

async fn requests_http_does_not_allow_are_refused(backend: TestBackend) {
    let app = TestApp::spawn(backend).await;
    for (what, request) in [
        (
            "no Host",
            "GET / HTTP/1.1\r\nConnection: close\r\n\r\n".to_owned(),
        ),
        (
            "two Hosts",
            "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n"
                .to_owned(),
        ),
        (
            "a backslash",
            "GET /\\evil.example/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
                .to_owned(),
        ),
        (
            "an encoded backslash",
            "GET /%5Cevil.example/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
                .to_owned(),
        ),
    ] {
        let answer = app.raw(&request).await;
        assert!(answer.starts_with("HTTP/1.1 400"), "{what}: {answer}");
        assert!(!answer.to_ascii_lowercase().contains("location:"), "{what}");
    }
    // HTTP/1.0 has no Host requirement: the default site answers.
    let old = app.raw("GET /robots.txt HTTP/1.0\r\n\r\n").await;
    assert!(
        old.starts_with("HTTP/1.0 200") || old.starts_with("HTTP/1.1 200"),
        "{old}"
    );
    // Headers larger than the cap are refused, not buffered.
    let huge = format!(
        "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: {}\r\nConnection: close\r\n\r\n",
        "a".repeat(64 * 1024)
    );
    let answer = app.raw(&huge).await;
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 431"),
        "{}",
        answer.lines().next().unwrap_or_default()
    );
}

async fn error_pages_repeat_nothing_from_the_request(backend: TestBackend) {
    let app = TestApp::spawn(backend).await;
    let path = "/no-such-page-qzx7";
    let get = app.get(path).await;
    assert_eq!(get.status(), StatusCode::NOT_FOUND);
    let html = get.text().await.unwrap();
    assert!(!html.contains("qzx7"), "the path is not echoed");
    assert!(
        !html.contains("rel=\"canonical\""),
        "an error page has no canonical address"
    );
    assert!(!html.contains("og:url"));
    let head = app
        .request(reqwest::Method::HEAD, path)
        .send()
        .await
        .unwrap();
    assert_eq!(head.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        head.headers()[header::CONTENT_LENGTH],
        html.len().to_string().as_str(),
        "HEAD tells the length GET sends"
    );
}

async fn numbers_have_one_spelling_in_addresses(backend: TestBackend) {
    let app = TestApp::spawn(backend).await;
    let file = fixtures::download(
        &app.store,
        &app.site,
        "notes.txt",
        bytes::Bytes::from_static(b"Side A"),
    )
    .await;
    PostBuilder::new(&app.site, &app.author, "Rocky IV")
        .download(file.id)
        .publish(&app.app)
        .await;
    let canonical = format!("/download/{}/notes.txt", file.id);
    let padded = app.get(&format!("/download/0{}/notes.txt", file.id)).await;
    assert_eq!(padded.status(), StatusCode::PERMANENT_REDIRECT);
    assert_eq!(crate::support::location(&padded), canonical);
    for form in [
        format!("+{}", file.id),
        format!("{}x", file.id),
        "-1".to_owned(),
    ] {
        assert_eq!(
            app.get(&format!("/download/{form}/notes.txt"))
                .await
                .status(),
            StatusCode::NOT_FOUND,
            "{form}"
        );
    }
    assert_eq!(app.get(&canonical).await.status(), StatusCode::OK);
}
