//! Downloads: bytes, checksum, headers, ranges and the durable counter.

use crate::support::{PostBuilder, TestApp, between, location};
use bytes::Bytes;
use encore_app::testing::Publish;
use encore_store::testing::{
    TestBackend,
    fixtures::{self, now},
};
use reqwest::{Method, StatusCode, header};
use sha2::{Digest, Sha256};

encore_store::backend_tests!(
    a_download_arrives_whole_with_its_checksum_and_is_counted,
    ranges_resume_a_download_without_counting_it_again,
    conditional_and_head_requests_are_not_downloads,
    files_of_hidden_posts_are_not_served,
    a_download_is_counted_before_its_first_byte,
);

const CONTENT: &[u8] =
    b"ROCKY IV sleeve notes\n 1. Survivor - Burning Heart\n 2. John Cafferty - Hearts on Fire\n";

/// A post offering one file; returns (post path, download path, sha256).
async fn post_with_file(app: &TestApp, draft: bool) -> (String, String, String) {
    let file = fixtures::download(
        &app.store,
        &app.site,
        "rocky iv notes.txt",
        Bytes::from_static(CONTENT),
    )
    .await;
    let mut post = PostBuilder::new(
        &app.site,
        &app.author,
        if draft { "Draft" } else { "Rocky IV" },
    )
    .download(file.id);
    if draft {
        post = post.draft();
    }
    post.publish(&app.app).await;
    let day = (now() - chrono::Duration::days(1)).format("%Y/%m/%d");
    (
        format!("/{day}/rocky-iv"),
        format!("/download/{}/rocky%20iv%20notes.txt", file.id),
        file.sha256,
    )
}

async fn a_download_arrives_whole_with_its_checksum_and_is_counted(backend: TestBackend) {
    let app = TestApp::spawn(backend).await;
    let (post, download, sha) = post_with_file(&app, false).await;
    let page = app.page(&post).await;
    let card = between(&page, "<li class=\"download\">", "</li>").unwrap();
    assert!(card.contains(&format!("href=\"{download}\"")), "{card}");
    let meta = format!("text/plain · {} bytes · downloaded 0 times", CONTENT.len());
    assert!(card.contains(&meta), "{card}");
    assert!(card.contains(&format!("<code>{sha}</code>")));

    let response = app.get(&download).await;
    assert_eq!(response.status(), StatusCode::OK);
    let h = response.headers().clone();
    assert_eq!(h[header::CONTENT_TYPE], "text/plain; charset=utf-8");
    assert_eq!(
        h[header::CONTENT_LENGTH],
        CONTENT.len().to_string().as_str()
    );
    assert_eq!(
        h[header::CONTENT_DISPOSITION],
        "attachment; filename=\"rocky iv notes.txt\"; filename*=UTF-8''rocky%20iv%20notes.txt"
    );
    assert_eq!(h[header::ETAG], format!("\"{sha}\"").as_str());
    assert_eq!(h[header::ACCEPT_RANGES], "bytes");
    let body = response.bytes().await.unwrap();
    assert_eq!(body.as_ref(), CONTENT);
    assert_eq!(
        hex::encode(Sha256::digest(&body)),
        sha,
        "the bytes match the published checksum"
    );

    // The same reader again within the hour is the same download; another reader is another.
    app.get(&download).await.bytes().await.unwrap();
    assert!(app.page(&post).await.contains("downloaded 1 time"));
    app.request(Method::GET, &download)
        .header(header::USER_AGENT, "another reader's browser")
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert!(
        app.page(&post).await.contains("downloaded 2 times"),
        "each reader's download is counted"
    );
}

async fn ranges_resume_a_download_without_counting_it_again(backend: TestBackend) {
    let app = TestApp::spawn(backend).await;
    let (post, download, sha) = post_with_file(&app, false).await;
    // A probe (a player or download manager checking the file) is not a download.
    let probe = app
        .request(Method::GET, &download)
        .header(header::RANGE, "bytes=0-0")
        .send()
        .await
        .unwrap();
    assert_eq!(probe.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(probe.bytes().await.unwrap().len(), 1);
    assert!(app.page(&post).await.contains("downloaded 0 times"));
    let first = app
        .request(Method::GET, &download)
        .header(header::RANGE, "BYTES=0-9")
        .send()
        .await
        .unwrap();
    assert_eq!(
        first.status(),
        StatusCode::PARTIAL_CONTENT,
        "the unit's case does not matter"
    );
    assert_eq!(
        first.headers()[header::CONTENT_RANGE],
        format!("bytes 0-9/{}", CONTENT.len()).as_str()
    );
    let mut joined = first.bytes().await.unwrap().to_vec();
    assert!(
        app.page(&post).await.contains("downloaded 0 times"),
        "ten bytes of the file's start is still a probe"
    );
    let whole = app
        .request(Method::GET, &download)
        .header(header::RANGE, "bytes=0-")
        .send()
        .await
        .unwrap();
    assert_eq!(whole.bytes().await.unwrap().as_ref(), CONTENT);
    let rest = app
        .request(Method::GET, &download)
        .header(header::RANGE, "bytes=10-")
        .header(header::IF_RANGE, format!("\"{sha}\""))
        // Another browser, so only the rule for resumed parts keeps this from counting.
        .header(header::USER_AGENT, "a download manager")
        .send()
        .await
        .unwrap();
    assert_eq!(rest.status(), StatusCode::PARTIAL_CONTENT);
    joined.extend_from_slice(&rest.bytes().await.unwrap());
    assert_eq!(joined, CONTENT);
    assert!(
        app.page(&post).await.contains("downloaded 1 time"),
        "resuming is the same download"
    );

    let beyond = app
        .request(Method::GET, &download)
        .header(header::RANGE, "bytes=5000-")
        .send()
        .await
        .unwrap();
    assert_eq!(beyond.status(), StatusCode::RANGE_NOT_SATISFIABLE);
    assert_eq!(
        beyond.headers()[header::CONTENT_RANGE],
        format!("bytes */{}", CONTENT.len()).as_str()
    );
    // A stale If-Range gets the whole, current file.
    let stale = app
        .request(Method::GET, &download)
        .header(header::RANGE, "bytes=10-")
        .header(header::IF_RANGE, "\"old\"")
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status(), StatusCode::OK);
    assert_eq!(stale.bytes().await.unwrap().as_ref(), CONTENT);
}

async fn conditional_and_head_requests_are_not_downloads(backend: TestBackend) {
    let app = TestApp::spawn(backend).await;
    let (post, download, sha) = post_with_file(&app, false).await;
    let head = app.request(Method::HEAD, &download).send().await.unwrap();
    assert_eq!(head.status(), StatusCode::OK);
    assert_eq!(
        head.headers()[header::CONTENT_LENGTH],
        CONTENT.len().to_string().as_str()
    );
    let cached = app
        .request(Method::GET, &download)
        .header(header::IF_NONE_MATCH, format!("\"{sha}\""))
        .send()
        .await
        .unwrap();
    assert_eq!(cached.status(), StatusCode::NOT_MODIFIED);
    assert!(app.page(&post).await.contains("downloaded 0 times"));
    // A wrong file name in the address redirects to the right one.
    let renamed = app
        .get(&download.replace("rocky%20iv%20notes", "old-name"))
        .await;
    assert_eq!(
        (renamed.status(), location(&renamed)),
        (StatusCode::PERMANENT_REDIRECT, download.clone())
    );
}

async fn files_of_hidden_posts_are_not_served(backend: TestBackend) {
    let app = TestApp::spawn(backend).await;
    let (_, download, _) = post_with_file(&app, true).await;
    assert_eq!(app.get(&download).await.status(), StatusCode::NOT_FOUND);
}

async fn a_download_is_counted_before_its_first_byte(backend: TestBackend) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = TestApp::spawn(backend).await;
    // Large enough that the body is still on its way when the reader hangs up.
    let big = Bytes::from(vec![b'x'; 2 * 1024 * 1024]);
    let file = fixtures::download(&app.store, &app.site, "mixtape.wav", big).await;
    PostBuilder::new(&app.site, &app.author, "Mixtape")
        .download(file.id)
        .publish(&app.app)
        .await;
    let count = || async {
        app.store
            .downloads()
            .by_id(app.site.id, file.id)
            .await
            .unwrap()
            .unwrap()
            .download
            .download_count
    };
    let mut stream = tokio::net::TcpStream::connect(app.base.trim_start_matches("http://"))
        .await
        .unwrap();
    stream
        .write_all(
            format!(
                "GET /download/{}/mixtape.wav HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
                file.id
            )
            .as_bytes(),
        )
        .await
        .unwrap();
    // Read the status line and headers only, a byte at a time, so no body byte is taken.
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        let mut byte = [0u8; 1];
        assert_eq!(
            stream.read(&mut byte).await.unwrap(),
            1,
            "the answer ended early"
        );
        head.push(byte[0]);
    }
    assert!(
        head.starts_with(b"HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&head)
    );
    assert_eq!(
        count().await,
        1,
        "counted, and committed, before the first byte"
    );
    drop(stream);
    assert_eq!(
        count().await,
        1,
        "a reader who hangs up still downloaded once"
    );
}
