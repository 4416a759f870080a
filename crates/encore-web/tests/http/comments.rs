//! The conversation under a post over HTTP: the reply form for guests, what is held and what is
//! shown, threads, per-field errors that keep what was typed, and hostile input.

use crate::support::{PostBuilder, TestApp, all_between, location};
use encore_app::testing::Publish;
use encore_core::{comment::CommentStatus, ids::CommentId};
use encore_store::testing::{TestBackend, fixtures};
use reqwest::StatusCode;

encore_store::backend_tests!(
    a_guest_comments_waits_once_then_converses,
    a_form_with_problems_comes_back_as_typed,
    hostile_comments_stay_text_and_foreign_forms_are_refused,
    a_guest_changes_or_takes_back_their_comment_for_a_while,
);

/// A server whose comments are checked by the in-process engine, with one post; its address.
async fn with_post(backend: TestBackend) -> (TestApp, String) {
    let app = TestApp::spawn(backend).await;
    encore_app::testing::check_comments_locally(&app.app, &app.site.base_url).await;
    PostBuilder::new(&app.site, &app.author, "Rocky IV")
        .publish(&app.app)
        .await;
    let home = app.page("/").await;
    let path = crate::support::between(&home, "<h2 class=\"card-title\"><a href=\"", "\"")
        .unwrap()
        .to_owned();
    (app, path)
}

fn post_id(page: &str) -> String {
    crate::support::between(page, "name=\"post\" value=\"", "\"")
        .unwrap()
        .to_owned()
}

async fn approve(app: &TestApp, id: i64) {
    let mut tx = app.store.begin().await.unwrap();
    tx.comments()
        .set_status(
            app.site.id,
            CommentId(id),
            CommentStatus::Approved,
            fixtures::now(),
        )
        .await
        .unwrap();
    tx.commit().await.unwrap();
    // What a moderator's approval will announce (the moderation queue is to come).
    app.app.announce(&encore_core::change::Change::on(
        app.site.id,
        [encore_core::change::Topic::Site],
    ));
}

async fn a_guest_comments_waits_once_then_converses(backend: TestBackend) {
    let (app, path) = with_post(backend).await;
    let page = app.page(&path).await;
    assert!(page.contains("No responses yet to “Rocky IV”"), "{page}");
    assert!(page.contains("<h3 id=\"reply-title\">Leave a Reply</h3>"));
    let post = post_id(&page);
    let mut mara = app.browser("Mozilla/5.0 (X11; Linux x86_64) Firefox/130.0");
    let fields = |body: &'static str| {
        vec![
            ("post", post.clone()),
            ("name", "Mara".to_owned()),
            ("email", "mara@example.org".to_owned()),
            ("url", "mara.example.org".to_owned()),
            ("comment", body.to_owned()),
        ]
    };
    let send = |fields: &Vec<(&'static str, String)>| {
        fields
            .iter()
            .map(|(k, v)| (*k, v.clone()))
            .collect::<Vec<_>>()
    };
    let first = send(&fields(
        "The training montage still gives me chills. *Hearts on Fire* is the best track.",
    ));
    let first: Vec<(&str, &str)> = first.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let response = mara.post("/comments", &first).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), format!("{path}?held=1#respond"));
    let held = app.page(&format!("{path}?held=1")).await;
    assert!(
        held.contains("Your comment is awaiting moderation."),
        "{held}"
    );
    assert!(
        !held.contains("training montage still"),
        "a held comment is not shown"
    );

    // Approved by a moderator, it is the post's one response; Mara's next comment publishes.
    let id: i64 = 1;
    approve(&app, id).await;
    let page = app.page(&path).await;
    assert!(page.contains("1 Response to “Rocky IV”"), "{page}");
    assert!(page.contains("<em>Hearts on Fire</em>"));
    assert!(
        page.contains(
            r#"<a href="https://mara.example.org/" rel="nofollow ugc noopener">Mara</a>"#
        ),
        "{page}"
    );
    let second = send(&fields("And the drum machine on the montage, wow."));
    let second: Vec<(&str, &str)> = second.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let response = mara.post("/comments", &second).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let to = location(&response);
    assert!(to.starts_with(&format!("{path}?mine=")), "{to}");
    let page = app.page(&path).await;
    assert!(page.contains("2 Responses to “Rocky IV”"), "{page}");

    // A reply: the form names whom it answers, and the reply sits under its comment.
    let reply_form = app.page(&format!("{path}?replytocom={id}")).await;
    assert!(reply_form.contains("Reply to Mara"), "{reply_form}");
    assert!(reply_form.contains(&format!("name=\"parent\" value=\"{id}\"")));
    let mut reply = send(&fields("Vince DiCola wrote it on a Fairlight."));
    reply.push(("parent", id.to_string()));
    let reply: Vec<(&str, &str)> = reply.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let response = mara.post("/comments", &reply).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let page = app.page(&path).await;
    assert!(page.contains("3 Responses to “Rocky IV”"), "{page}");
    let children = all_between(&page, "<ol class=\"children\">", "</ol>");
    assert_eq!(children.len(), 1, "{page}");
    assert!(children[0].contains("Fairlight"), "{page}");
}

async fn a_form_with_problems_comes_back_as_typed(backend: TestBackend) {
    let (app, path) = with_post(backend).await;
    let post = post_id(&app.page(&path).await);
    let mut guest = app.browser("Mozilla/5.0");
    let response = guest
        .post(
            "/comments",
            &[
                ("post", post.as_str()),
                ("name", ""),
                ("email", "mara-at-example"),
                ("url", "javascript:alert(1)"),
                ("comment", "Kept \"as typed\" <b>here</b>"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = response.text().await.unwrap();
    assert!(page.contains("Your comment was not sent"), "{page}");
    for field in ["name", "email", "url"] {
        assert!(
            page.contains(&format!("aria-describedby=\"error-{field}\"")),
            "{field}: {page}"
        );
    }
    assert!(page.contains("value=\"mara-at-example\""), "{page}");
    assert!(
        page.contains("Kept &quot;as typed&quot; &lt;b&gt;here&lt;/b&gt;</textarea>"),
        "{page}"
    );
    // Nothing was stored.
    let rows = encore_store::testing::execute(&app.store, "DELETE FROM comments").await;
    assert_eq!(rows, 0);
    // A post that is not there.
    let response = guest
        .post(
            "/comments",
            &[
                ("post", "424242"),
                ("name", "Mara"),
                ("email", "mara@example.org"),
                ("comment", "Hello"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

async fn hostile_comments_stay_text_and_foreign_forms_are_refused(backend: TestBackend) {
    let (app, path) = with_post(backend).await;
    let post = post_id(&app.page(&path).await);
    let mut guest = app.browser("Mozilla/5.0");
    let payload = [
        ("post", post.as_str()),
        ("name", "<img src=x onerror=alert(1)>"),
        ("email", "evil@example.org"),
        ("url", "https://example.org/\"><script>alert(2)</script>"),
        (
            "comment",
            "<script>alert(3)</script> [x](javascript:alert(4)) <a href=x onclick=alert(5)>y</a>",
        ),
    ];
    // From another site: refused before anything is read.
    let response = guest
        .post_from("https://evil.example", "/comments", &payload)
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let response = guest.post("/comments", &payload).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    // A first comment is held; a moderator lets it through, to see how it reads.
    approve(&app, 1).await;
    let page = app.page(&path).await;
    let thread = crate::support::between(
        &page,
        "<ol class=\"comment-list\">",
        "<div class=\"respond\"",
    )
    .unwrap();
    assert!(!thread.contains("<script"), "{thread}");
    assert!(!thread.contains("<img src=x"), "{thread}");
    assert!(!thread.contains("<a href=x"), "{thread}");
    assert!(!thread.contains("href=\"javascript:"), "{thread}");
    assert!(
        thread.contains("href=\"https://example.org/%22%3E%3Cscript%3Ealert(2)%3C/script%3E\""),
        "the website stays one attribute: {thread}"
    );
    assert!(
        thread.contains("&lt;img src=x onerror=alert(1)&gt;"),
        "{thread}"
    );
    assert!(
        thread.contains("&lt;script&gt;alert(3)&lt;/script&gt;"),
        "{thread}"
    );

    // The honeypot filled in: not shown, whatever else the comment says.
    let mut bot = app.browser("curl/8");
    let response = bot
        .post(
            "/comments",
            &[
                ("post", post.as_str()),
                ("name", "Best Deals"),
                ("email", "deals@example.org"),
                ("comment", "Great article, thanks for sharing"),
                ("homepage", "https://deals.example.com"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert!(location(&response).contains("held=1"));
    assert!(!app.page(&path).await.contains("Great article, thanks"));
}

async fn a_guest_changes_or_takes_back_their_comment_for_a_while(backend: TestBackend) {
    let (app, path) = with_post(backend).await;
    let post = post_id(&app.page(&path).await);
    let mut mara = app.browser("Mozilla/5.0 (X11; Linux x86_64) Firefox/130.0");
    let send = |body: &str| {
        vec![
            ("post", post.clone()),
            ("name", "Mara".to_owned()),
            ("email", "mara@example.org".to_owned()),
            ("comment", body.to_owned()),
        ]
    };

    // A first comment waits, and its writer sees it waiting (nobody else does).
    let first = send("Is the montage on the vinyl too?");
    let first: Vec<(&str, &str)> = first.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let answer = mara.post("/comments", &first).await;
    assert_eq!(location(&answer), format!("{path}?held=1#respond"));
    assert!(mara.cookie("encore_writer").is_some(), "a writer cookie");
    let held = mara
        .get(&format!("{path}?held=1"))
        .await
        .text()
        .await
        .unwrap();
    assert!(held.contains("class=\"comment-waiting\""), "{held}");
    assert!(held.contains("Is the montage on the vinyl too?"));
    assert!(
        !app.page(&format!("{path}?held=1"))
            .await
            .contains("on the vinyl")
    );
    approve(&app, 1).await;

    // Known now, Mara publishes at once and is offered to change her words.
    let second = send("And the drum machine: a LinnDrum, I think.");
    let second: Vec<(&str, &str)> = second.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let answer = mara.post("/comments", &second).await;
    let to = location(&answer);
    let id: i64 = crate::support::between(&to, "?mine=", "#")
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(to, format!("{path}?mine={id}#comment-{id}"));
    let mine = mara
        .get(&format!("{path}?mine={id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        mine.contains(&format!("href=\"/comments/{id}/edit\"")),
        "{mine}"
    );
    assert!(
        !app.page(&path).await.contains("/edit\""),
        "the shared page offers no Edit"
    );

    // Another browser may not; the writer may.
    let mut other = app.browser("Mozilla/5.0");
    assert_eq!(
        other.get(&format!("/comments/{id}/edit")).await.status(),
        StatusCode::FORBIDDEN
    );
    let form = mara.get(&format!("/comments/{id}/edit")).await;
    assert_eq!(form.status(), StatusCode::OK);
    assert!(form.text().await.unwrap().contains("a LinnDrum, I think."));
    let empty = mara
        .post(
            &format!("/comments/{id}/edit"),
            &[("comment", " "), ("do", "save")],
        )
        .await;
    assert_eq!(empty.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        empty
            .text()
            .await
            .unwrap()
            .contains("Comment must not be empty")
    );
    let saved = mara
        .post(
            &format!("/comments/{id}/edit"),
            &[
                ("comment", "And the drum machine: a *LinnDrum*."),
                ("do", "save"),
            ],
        )
        .await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    assert!(app.page(&path).await.contains("a <em>LinnDrum</em>."));
    let refused = other
        .post(
            &format!("/comments/{id}/edit"),
            &[("comment", "mine now"), ("do", "save")],
        )
        .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);

    // Fifteen minutes on, the words are the owner's to change.
    app.clock.advance(std::time::Duration::from_secs(16 * 60));
    let late = mara
        .post(
            &format!("/comments/{id}/edit"),
            &[("comment", "Too late"), ("do", "save")],
        )
        .await;
    assert_eq!(late.status(), StatusCode::FORBIDDEN);

    // A fresh one is taken back; it leaves the page, and moderators find it in the trash.
    let third = send("Oops, wrong post.");
    let third: Vec<(&str, &str)> = third.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let answer = mara.post("/comments", &third).await;
    let to = location(&answer);
    let id: i64 = crate::support::between(&to, "?mine=", "#")
        .unwrap()
        .parse()
        .unwrap();
    assert!(app.page(&path).await.contains("Oops, wrong post."));
    let gone = mara
        .post(&format!("/comments/{id}/edit"), &[("do", "delete")])
        .await;
    assert_eq!(gone.status(), StatusCode::SEE_OTHER);
    assert!(!app.page(&path).await.contains("Oops, wrong post."));
    let stored = app
        .store
        .comments()
        .get(app.site.id, CommentId(id))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.status, CommentStatus::Trash);
}
