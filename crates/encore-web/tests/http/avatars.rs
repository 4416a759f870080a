//! Members' pictures: drawn initials by default, an uploaded picture made square, or Gravatar.

use crate::support::{PASSWORD, PostBuilder, TestApp, csrf_of, location};
use encore_app::testing::Publish;
use encore_store::testing::TestBackend;
use reqwest::{StatusCode, header};
use sha2::{Digest, Sha256};

encore_store::backend_tests!(
    a_member_uploads_a_picture_that_is_made_square,
    files_that_are_not_pictures_are_refused_by_field,
    gravatar_and_initials_are_one_click_away,
);

/// A PNG of `w` × `h` pixels, red on the left half and blue on the right.
fn png(w: u32, h: u32) -> Vec<u8> {
    let picture = image::RgbImage::from_fn(w, h, |x, _| {
        if x < w / 2 {
            image::Rgb([200, 0, 0])
        } else {
            image::Rgb([0, 0, 200])
        }
    });
    let mut out = Vec::new();
    picture
        .write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
        .unwrap();
    out
}

async fn a_member_uploads_a_picture_that_is_made_square(backend: TestBackend) {
    let t = TestApp::spawn(backend).await;
    let mut browser = t.browser("lou's browser");
    t.member("lou").await;
    assert_eq!(
        browser.sign_in("lou", PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );
    let page = browser.get("/account").await.text().await.unwrap();
    let csrf = csrf_of(&page);
    let lou = t
        .store
        .accounts()
        .by_username("lou")
        .await
        .unwrap()
        .unwrap();
    let before = format!("/avatar/{}", lou.id.0);
    assert!(
        page.contains(&format!("src=\"{before}?v=")),
        "the page shows the picture"
    );

    let sent = browser
        .post_multipart(
            "/account/avatar",
            &[("csrf", &csrf), ("choice", "upload")],
            ("avatar", "me.png", "image/png", &png(600, 300)),
        )
        .await;
    assert_eq!(sent.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&sent), "/account");
    let page = browser.get("/account").await.text().await.unwrap();
    assert!(page.contains("The picture you uploaded"), "{page}");
    let served = t.get(&before).await;
    assert_eq!(served.status(), StatusCode::OK);
    assert_eq!(served.headers()[header::CONTENT_TYPE], "image/png");
    let picture = image::load_from_memory(&served.bytes().await.unwrap())
        .unwrap()
        .to_rgb8();
    assert_eq!(
        (picture.width(), picture.height()),
        (256, 256),
        "made square"
    );
    // The middle square of a red|blue picture is still red on the left and blue on the right.
    assert!(picture.get_pixel(10, 128)[0] > 150 && picture.get_pixel(245, 128)[2] > 150);

    // Without the session's token nothing changes.
    let forged = browser
        .post_multipart(
            "/account/avatar",
            &[("csrf", "forged"), ("choice", "generated")],
            ("avatar", "", "application/octet-stream", b""),
        )
        .await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        t.get(&before).await.headers()[header::CONTENT_TYPE],
        "image/png"
    );

    // An author's page shows their picture.
    PostBuilder::new(&t.site, &t.author, "Side A")
        .publish(&t.app)
        .await;
    let author_page = t.page(&format!("/author/{}", t.author.username)).await;
    assert!(
        author_page.contains(&format!("src=\"/avatar/{}?v=", t.author.id.0)),
        "{author_page}"
    );

    // Only members of the site have a picture here; nobody else's id leads anywhere.
    assert_eq!(
        t.get("/avatar/999999").await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(t.get("/avatar/abc").await.status(), StatusCode::NOT_FOUND);
}

async fn files_that_are_not_pictures_are_refused_by_field(backend: TestBackend) {
    let t = TestApp::spawn(backend).await;
    t.member("lou").await;
    let mut browser = t.browser("lou's browser");
    browser.sign_in("lou", PASSWORD).await;
    let csrf = csrf_of(&browser.get("/account").await.text().await.unwrap());
    let fields = [("csrf", csrf.as_str()), ("choice", "upload")];
    for (name, kind, bytes) in [
        (
            "notes.png",
            "image/png",
            b"just some text, not a picture".to_vec(),
        ),
        (
            "icon.gif",
            "image/gif",
            b"GIF89a\x01\x00\x01\x00\x00\x00\x00;".to_vec(),
        ),
        ("empty.png", "image/png", Vec::new()),
    ] {
        let answer = browser
            .post_multipart("/account/avatar", &fields, ("avatar", name, kind, &bytes))
            .await;
        assert_eq!(answer.status(), StatusCode::UNPROCESSABLE_ENTITY, "{name}");
        let page = answer.text().await.unwrap();
        assert!(page.contains("id=\"avatar-error\""), "{name}: {page}");
        assert!(
            page.contains("not a PNG, JPEG or WebP picture")
                || page.contains("choose a picture file"),
            "{name}: {page}"
        );
    }
    // Over 2 MB: refused before it is read whole.
    let big = vec![0u8; 3 * 1024 * 1024];
    let answer = browser
        .post_multipart(
            "/account/avatar",
            &fields,
            ("avatar", "big.png", "image/png", &big),
        )
        .await;
    assert_eq!(answer.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let lou = t
        .store
        .accounts()
        .by_username("lou")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        t.store
            .accounts()
            .avatar(lou.id)
            .await
            .unwrap()
            .unwrap()
            .avatar,
        "",
        "still the drawing"
    );
}

async fn gravatar_and_initials_are_one_click_away(backend: TestBackend) {
    let t = TestApp::spawn(backend).await;
    t.member("lou").await;
    let lou = t
        .store
        .accounts()
        .by_username("lou")
        .await
        .unwrap()
        .unwrap();
    let path = format!("/avatar/{}", lou.id.0);
    // The default: initials of the shown name ("lou the reader") drawn as SVG.
    let drawn = t.get(&path).await;
    assert_eq!(drawn.headers()[header::CONTENT_TYPE], "image/svg+xml");
    assert!(drawn.text().await.unwrap().contains(">LT</text>"));

    let mut browser = t.browser("lou's browser");
    browser.sign_in("lou", PASSWORD).await;
    let csrf = csrf_of(&browser.get("/account").await.text().await.unwrap());
    let no_file = ("avatar", "", "application/octet-stream", &b""[..]);
    let sent = browser
        .post_multipart(
            "/account/avatar",
            &[("csrf", &csrf), ("choice", "gravatar")],
            no_file,
        )
        .await;
    assert_eq!(sent.status(), StatusCode::SEE_OTHER);
    let to_gravatar = t.get(&path).await;
    assert_eq!(to_gravatar.status(), StatusCode::SEE_OTHER);
    let hash = hex::encode(Sha256::digest(b"lou@example.org"));
    assert_eq!(
        location(&to_gravatar),
        format!("https://www.gravatar.com/avatar/{hash}?s=256&d=identicon")
    );
    let page = browser.get("/account").await.text().await.unwrap();
    assert!(page.contains("Your Gravatar"), "{page}");

    browser
        .post_multipart(
            "/account/avatar",
            &[("csrf", &csrf), ("choice", "generated")],
            no_file,
        )
        .await;
    assert_eq!(
        t.get(&path).await.headers()[header::CONTENT_TYPE],
        "image/svg+xml"
    );
}
