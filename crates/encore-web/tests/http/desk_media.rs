//! The media library at the desk: files uploaded with limits on kind and size, offered under
//! posts from the editor, and deleted only while no public post offers them.

use crate::support::{Browser, TestApp, between, csrf_of, location};
use encore_core::roles::Role;
use encore_store::testing::TestBackend;
use reqwest::StatusCode;

encore_store::backend_tests!(
    files_are_uploaded_offered_and_deleted_only_when_no_public_post_offers_them,
    uploads_of_the_wrong_kind_or_size_are_refused_by_name,
    pictures_get_smaller_copies_and_can_be_featured,
);

/// A PNG picture, `width` by `height`, of one colour.
fn png(width: u32, height: u32) -> Vec<u8> {
    let picture = image::RgbImage::from_pixel(width, height, image::Rgb([180, 20, 60]));
    let mut bytes = Vec::new();
    image::DynamicImage::ImageRgb8(picture)
        .write_to(
            &mut std::io::Cursor::new(&mut bytes),
            image::ImageFormat::Png,
        )
        .unwrap();
    bytes
}

/// The id of the newest file in the library.
async fn newest(t: &TestApp) -> encore_core::ids::DownloadId {
    t.store
        .downloads()
        .library(t.site.id, t.clock.now())
        .await
        .unwrap()[0]
        .download
        .id
}

/// Uploads `bytes` as `name`; the answer.
async fn upload(browser: &mut Browser<'_>, name: &str, bytes: &[u8]) -> reqwest::Response {
    let page = browser.get("/admin/media").await.text().await.unwrap();
    let csrf = csrf_of(&page);
    browser
        .post_multipart(
            "/admin/media",
            &[("csrf", csrf.as_str())],
            ("file", name, "application/octet-stream", bytes),
        )
        .await
}

/// The editor's form for `path`, saved with `fields` over a published post's.
async fn save(
    browser: &mut Browser<'_>,
    path: &str,
    when: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let form = browser.get(path).await.text().await.unwrap();
    let csrf = csrf_of(&form);
    let mut all = vec![
        ("csrf", csrf.as_str()),
        ("title", "Rocky IV"),
        ("body", "The notes are below."),
        ("kind", "post"),
        ("status", "published"),
        ("published_at", when),
        ("action", "save"),
    ];
    all.extend_from_slice(fields);
    browser.post(path, &all).await
}

async fn files_are_uploaded_offered_and_deleted_only_when_no_public_post_offers_them(
    backend: TestBackend,
) {
    let t = TestApp::spawn(backend).await;
    let mut contributor = t.signed_in_as("newbie", Role::Contributor).await;
    assert_eq!(
        contributor.get("/admin/media").await.status(),
        StatusCode::FORBIDDEN,
        "contributors do not upload"
    );
    let mut author = t.signed_in_as("amy", Role::Author).await;
    let answer = upload(&mut author, "rocky-iv-notes.pdf", b"%PDF-1.4 liner notes").await;
    assert_eq!(location(&answer), "/admin/media?done=uploaded");
    let library = author.get("/admin/media").await.text().await.unwrap();
    assert!(
        library.contains("rocky-iv-notes.pdf") && library.contains("none yet"),
        "{library}"
    );
    assert!(
        !library.contains("/delete\""),
        "authors upload but do not delete"
    );
    let id = t
        .store
        .downloads()
        .library(t.site.id, t.clock.now())
        .await
        .unwrap()[0]
        .download
        .id;
    // Not served while no public post offers it.
    let file_path = format!("/download/{}/rocky-iv-notes.pdf", id.0);
    assert_eq!(t.get(&file_path).await.status(), StatusCode::NOT_FOUND);

    // Offered from the editor, it is on the post's page and served.
    let mut editor = t.signed_in_as("ed", Role::Editor).await;
    let when = (t.clock.now() - chrono::Duration::hours(1))
        .format("%Y-%m-%dT%H:%M")
        .to_string();
    let offered = id.0.to_string();
    let answer = save(
        &mut editor,
        "/admin/posts/new",
        &when,
        &[("downloads", offered.as_str())],
    )
    .await;
    assert_eq!(answer.status(), StatusCode::SEE_OTHER);
    let edit = location(&answer).trim_end_matches("?saved=1").to_owned();
    let form = editor.get(&edit).await.text().await.unwrap();
    assert!(
        form.contains(&format!("value=\"{}\" checked", id.0)),
        "{form}"
    );
    let public = between(&form, "Saved. <a href=\"", "\"").map(str::to_owned);
    let post_path = match public {
        Some(path) => path,
        None => t
            .store
            .posts()
            .by_id(
                t.site.id,
                encore_core::ids::PostId(edit.rsplit('/').next().unwrap().parse().unwrap()),
            )
            .await
            .unwrap()
            .unwrap()
            .summary
            .path(),
    };
    assert!(t.page(&post_path).await.contains("rocky-iv-notes.pdf"));
    assert_eq!(t.get(&file_path).await.status(), StatusCode::OK);

    // While a public post offers it, it cannot be deleted.
    let page = editor.get("/admin/media").await.text().await.unwrap();
    assert!(
        page.contains("1 post (1 public)") && page.contains("in use"),
        "{page}"
    );
    let csrf = csrf_of(&page);
    let delete = format!("/admin/media/{}/delete", id.0);
    let answer = editor.post(&delete, &[("csrf", csrf.as_str())]).await;
    assert_eq!(answer.status(), StatusCode::CONFLICT);
    assert!(
        answer
            .text()
            .await
            .unwrap()
            .contains("a public post offers this file")
    );
    assert_eq!(t.get(&file_path).await.status(), StatusCode::OK);
    // An author may not delete it either way.
    let author_csrf = csrf_of(&author.get("/admin/media").await.text().await.unwrap());
    let answer = author
        .post(&delete, &[("csrf", author_csrf.as_str())])
        .await;
    assert_eq!(answer.status(), StatusCode::FORBIDDEN);

    // Taken off the post (no box checked), it can go, and is gone.
    let answer = save(&mut editor, &edit, &when, &[]).await;
    assert_eq!(answer.status(), StatusCode::SEE_OTHER);
    assert!(!t.page(&post_path).await.contains("rocky-iv-notes.pdf"));
    let answer = editor.post(&delete, &[("csrf", csrf.as_str())]).await;
    assert_eq!(location(&answer), "/admin/media?done=deleted");
    assert!(
        !editor
            .get("/admin/media")
            .await
            .text()
            .await
            .unwrap()
            .contains("rocky-iv-notes.pdf")
    );
    assert_eq!(t.get(&file_path).await.status(), StatusCode::NOT_FOUND);
}

async fn uploads_of_the_wrong_kind_or_size_are_refused_by_name(backend: TestBackend) {
    let t = TestApp::spawn(backend).await;
    let mut author = t.signed_in_as("amy", Role::Author).await;
    for (name, bytes, status) in [
        (
            "page.html",
            &b"<script>alert(1)</script>"[..],
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "logo.svg",
            &b"<svg onload=alert(1)>"[..],
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        ("empty.txt", &b""[..], StatusCode::UNPROCESSABLE_ENTITY),
    ] {
        let answer = upload(&mut author, name, bytes).await;
        assert_eq!(answer.status(), status, "{name}");
        let page = answer.text().await.unwrap();
        assert!(page.contains("id=\"file-error\""), "{name}: {page}");
    }
    // One byte over the limit: read, measured and refused, with the limit named.
    let big = vec![b'x'; encore_core::download::MAX_UPLOAD_BYTES + 1];
    let answer = upload(&mut author, "mixtape.zip", &big).await;
    assert_eq!(answer.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert!(answer.text().await.unwrap().contains("is larger than"));
    // Far over it: cut off before it is read.
    let huge = vec![b'x'; encore_core::download::MAX_UPLOAD_BYTES + 200 * 1024];
    let answer = upload(&mut author, "mixtape.zip", &huge).await;
    assert_eq!(answer.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let library = t
        .store
        .downloads()
        .library(t.site.id, t.clock.now())
        .await
        .unwrap();
    assert!(library.is_empty(), "nothing was stored");
}

async fn pictures_get_smaller_copies_and_can_be_featured(backend: TestBackend) {
    let t = TestApp::spawn(backend).await;
    let mut editor = t.signed_in_as("ed", Role::Editor).await;
    // A file that only claims to be a picture is refused.
    let answer = upload(&mut editor, "photo.jpg", b"just some text").await;
    assert_eq!(answer.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        answer
            .text()
            .await
            .unwrap()
            .contains("is not a PNG, JPEG or WebP picture")
    );
    let answer = upload(&mut editor, "cover.png", &png(1200, 800)).await;
    assert_eq!(location(&answer), "/admin/media?done=uploaded");
    let cover = newest(&t).await;
    upload(&mut editor, "notes.pdf", b"%PDF-1.4 notes").await;
    let notes = newest(&t).await;

    let when = (t.clock.now() - chrono::Duration::hours(1))
        .format("%Y-%m-%dT%H:%M")
        .to_string();
    // Only a picture can be featured.
    let not_a_picture = notes.0.to_string();
    let answer = save(
        &mut editor,
        "/admin/posts/new",
        &when,
        &[("featured_image", not_a_picture.as_str())],
    )
    .await;
    assert_eq!(answer.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        answer
            .text()
            .await
            .unwrap()
            .contains("id=\"featured_image-error\"")
    );
    let featured = cover.0.to_string();
    let answer = save(
        &mut editor,
        "/admin/posts/new",
        &when,
        &[("featured_image", featured.as_str())],
    )
    .await;
    assert_eq!(answer.status(), StatusCode::SEE_OTHER);
    let id = encore_core::ids::PostId(
        location(&answer)
            .trim_end_matches("?saved=1")
            .rsplit('/')
            .next()
            .unwrap()
            .parse()
            .unwrap(),
    );
    let post_path = t
        .store
        .posts()
        .by_id(t.site.id, id)
        .await
        .unwrap()
        .unwrap()
        .summary
        .path();
    let page = t.page(&post_path).await;
    let base = format!("/media/{}", cover.0);
    assert!(
        page.contains(&format!("src=\"{base}/960/cover.png\"")),
        "{page}"
    );
    for copy in [
        "480/cover.png 480w",
        "960/cover.png 960w",
        "full/cover.png 1200w",
    ] {
        assert!(
            page.contains(&format!("{base}/{copy}")),
            "{copy} in the srcset"
        );
    }
    assert!(page.contains("width=\"1200\" height=\"800\""));
    assert!(page.contains(&format!(
        "<meta property=\"og:image\" content=\"{}{base}/960/cover.png\"",
        t.base
    )));
    assert_eq!(
        crate::support::json_ld(&page)["image"],
        format!("{}{base}/960/cover.png", t.base)
    );
    // The copies are real pictures of their width.
    let copy = t.get(&format!("{base}/480/cover.png")).await;
    assert_eq!(copy.status(), StatusCode::OK);
    assert_eq!(copy.headers()["content-type"], "image/jpeg");
    let bytes = copy.bytes().await.unwrap();
    let small = image::load_from_memory(&bytes).unwrap();
    assert_eq!((small.width(), small.height()), (480, 320));
    let full = t.get(&format!("{base}/full/cover.png")).await;
    assert_eq!(full.headers()["content-type"], "image/png");
    for wrong in [
        format!("{base}/123/cover.png"),
        format!("{base}/480/other.png"),
    ] {
        assert_eq!(
            t.get(&wrong).await.status(),
            StatusCode::NOT_FOUND,
            "{wrong}"
        );
    }
    // While a public post features it, it stays.
    let page = editor.get("/admin/media").await.text().await.unwrap();
    let csrf = csrf_of(&page);
    let answer = editor
        .post(
            &format!("/admin/media/{}/delete", cover.0),
            &[("csrf", csrf.as_str())],
        )
        .await;
    assert_eq!(answer.status(), StatusCode::CONFLICT);
    assert!(
        answer
            .text()
            .await
            .unwrap()
            .contains("shows this picture at its top")
    );
    // A picture only a draft features is not for readers yet.
    upload(&mut editor, "draft-cover.png", &png(600, 400)).await;
    let draft_cover = newest(&t).await;
    let form = editor.get("/admin/posts/new").await.text().await.unwrap();
    let token = csrf_of(&form);
    let draft_featured = draft_cover.0.to_string();
    editor
        .post(
            "/admin/posts/new",
            &[
                ("csrf", token.as_str()),
                ("title", "Not yet"),
                ("kind", "post"),
                ("status", "draft"),
                ("featured_image", draft_featured.as_str()),
                ("action", "save"),
            ],
        )
        .await;
    let hidden = format!("/media/{}/480/draft-cover.png", draft_cover.0);
    assert_eq!(t.get(&hidden).await.status(), StatusCode::NOT_FOUND);
}
