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
    the_form_stamp_tells_the_spam_check_how_long_the_writer_took,
    a_guest_is_remembered_only_when_they_ask,
    pictures_and_images_follow_the_owners_settings,
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

/// The values the spam check saw for comment `id`.
async fn checked_values(app: &TestApp, id: i64) -> serde_json::Value {
    let kept = app
        .store
        .comments()
        .ownership(app.site.id, CommentId(id))
        .await
        .unwrap()
        .unwrap()
        .check_values;
    serde_json::from_str(&kept).unwrap()
}

async fn the_form_stamp_tells_the_spam_check_how_long_the_writer_took(backend: TestBackend) {
    let (app, path) = with_post(backend).await;
    let page = app.page(&path).await;
    let post = post_id(&page);
    let drawn = crate::support::between(&page, "name=\"stamp\" value=\"", "\"")
        .unwrap()
        .to_owned();
    let mut guest = app.browser("Mozilla/5.0 (X11; Linux x86_64) Firefox/130.0");
    let send = |stamp: String, body: &'static str| {
        vec![
            ("post", post.clone()),
            ("name", "Mara".to_owned()),
            ("email", "mara@example.org".to_owned()),
            ("comment", body.to_owned()),
            ("stamp", stamp),
        ]
    };
    let as_pairs = |v: &Vec<(&'static str, String)>| {
        v.iter()
            .map(|(k, v)| (*k, v.clone()))
            .collect::<Vec<(&str, String)>>()
    };

    // The page was drawn a while ago (it is shared); the reader starts writing 40 s later and
    // their script asks for a fresh stamp, never kept by any cache.
    app.clock.advance(std::time::Duration::from_secs(40));
    let fresh = guest.get(&format!("/comments/stamp?post={post}")).await;
    assert_eq!(fresh.status(), StatusCode::OK);
    assert_eq!(fresh.headers()["cache-control"], "no-store");
    let fresh = fresh.text().await.unwrap();
    assert_ne!(fresh, drawn);
    app.clock.advance(std::time::Duration::from_secs(25));
    let sent = as_pairs(&send(fresh.clone(), "Took my time over this one."));
    let sent: Vec<(&str, &str)> = sent.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(
        guest.post("/comments", &sent).await.status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(checked_values(&app, 1).await["seconds_to_submit"], 25);

    // Without the script, the stamp the page was drawn with counts from the drawing.
    let sent = as_pairs(&send(drawn.clone(), "Sent from a browser without scripts."));
    let sent: Vec<(&str, &str)> = sent.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(
        guest.post("/comments", &sent).await.status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(checked_values(&app, 2).await["seconds_to_submit"], 65);

    // A stamp made up, moved back in time, or taken from another post is no stamp at all; the
    // comment is still taken and checked.
    let (seconds, tag) = fresh.split_once('.').unwrap();
    let earlier: i64 = seconds.parse::<i64>().unwrap() - 3600;
    let mut flipped = tag.to_owned();
    flipped.replace_range(0..1, if tag.starts_with('0') { "1" } else { "0" });
    let other_post = encore_app::stamps::stamp(
        &app.app,
        app.site.id,
        encore_core::ids::PostId(9999),
        app.clock.now(),
    )
    .await
    .unwrap();
    for (n, bad) in [
        format!("{earlier}.{tag}"),
        format!("{seconds}.{flipped}"),
        other_post,
        "1.2".to_owned(),
        String::new(),
    ]
    .into_iter()
    .enumerate()
    {
        let sent = as_pairs(&send(bad.clone(), "A comment with a doubtful stamp."));
        let sent: Vec<(&str, &str)> = sent.iter().map(|(k, v)| (*k, v.as_str())).collect();
        assert_eq!(
            guest.post("/comments", &sent).await.status(),
            StatusCode::SEE_OTHER
        );
        let values = checked_values(&app, 3 + n as i64).await;
        assert!(values["seconds_to_submit"].is_null(), "{bad}: {values}");
    }
    let response = guest.get("/comments/stamp?post=nonsense").await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

async fn a_guest_is_remembered_only_when_they_ask(backend: TestBackend) {
    let (app, path) = with_post(backend).await;
    let page = app.page(&path).await;
    let post = post_id(&page);
    assert!(
        page.contains(r#"<input id="field-remember" name="remember" type="checkbox" value="1">"#),
        "the box starts unticked: {page}"
    );
    let mut mara = app.browser("Mozilla/5.0");
    let mut fields = vec![
        ("post", post.as_str()),
        ("name", "Mara Quint"),
        ("email", "mara@example.org"),
        ("url", "https://mara.example.org/"),
        ("comment", "First time here."),
    ];
    // Not asked: nothing is kept.
    assert_eq!(
        mara.post("/comments", &fields).await.status(),
        StatusCode::SEE_OTHER
    );
    assert!(mara.cookie("encore_commenter").is_none());
    assert!(!mara.page(&path).await.contains("Mara Quint"));

    // Asked: the next page this browser opens has the form filled in and the box ticked, drawn
    // for it alone (never from or into the shared cache).
    fields.push(("remember", "1"));
    fields[4] = ("comment", "Second time, remember me.");
    let response = mara.post("/comments", &fields).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let set = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        set.contains("encore_commenter=") && set.contains("HttpOnly"),
        "{set}"
    );
    assert!(set.contains("Max-Age=31536000"), "{set}");
    let mine = mara.get(&path).await;
    assert_ne!(
        mine.headers()
            .get("x-encore-cache")
            .map(|v| v.to_str().unwrap()),
        Some("hit")
    );
    let mine = mine.text().await.unwrap();
    assert!(mine.contains(r#"value="Mara Quint""#), "{mine}");
    assert!(mine.contains(r#"value="mara@example.org""#), "{mine}");
    assert!(
        mine.contains(r#"value="https://mara.example.org/""#),
        "{mine}"
    );
    assert!(
        mine.contains(r#"name="remember" type="checkbox" value="1" checked>"#),
        "{mine}"
    );
    // Another reader's copy of the page knows nothing of her, even after hers was drawn.
    for _ in 0..2 {
        let shared = app.page(&path).await;
        assert!(!shared.contains("Mara Quint") && !shared.contains("mara@example.org"));
    }

    // Sending a comment with the box unticked forgets her.
    fields.pop();
    fields[4] = ("comment", "Forget me now.");
    let response = mara.post("/comments", &fields).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert!(mara.cookie("encore_commenter").is_none());
    assert!(!mara.page(&path).await.contains("mara@example.org"));

    // A cookie that is not one of ours is ignored.
    mara.set_cookie("encore_commenter", "%%%not-base64");
    let page = mara.get(&path).await;
    assert_eq!(page.status(), StatusCode::OK);
}

async fn pictures_and_images_follow_the_owners_settings(backend: TestBackend) {
    let (app, path) = with_post(backend).await;
    let post = post_id(&app.page(&path).await);
    let mut guest = app.browser("Mozilla/5.0");
    let image = "Poster: ![Rocky IV poster](https://img.example/rocky.png)";
    let send = |body: &'static str| {
        vec![
            ("post", post.clone()),
            ("name", "Mara".to_owned()),
            ("email", "Mara@Example.org".to_owned()),
            ("comment", body.to_owned()),
        ]
    };
    let sent = send(image);
    let sent: Vec<(&str, &str)> = sent.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(
        guest.post("/comments", &sent).await.status(),
        StatusCode::SEE_OTHER
    );
    approve(&app, 1).await;

    // By default a guest's picture is drawn here, and an image is a link to it.
    let page = app.page(&path).await;
    assert!(page.contains(r#"src="/comments/1/avatar""#), "{page}");
    assert!(!page.contains("<img src=\"https://img.example"), "{page}");
    assert!(
        page.contains(r#"<a href="https://img.example/rocky.png""#),
        "{page}"
    );
    let picture = app.get("/comments/1/avatar").await;
    assert_eq!(picture.status(), StatusCode::OK);
    assert_eq!(picture.headers()["content-type"], "image/svg+xml");
    assert!(picture.text().await.unwrap().contains(">M<"));

    // The owner turns on Gravatars and images.
    let settings = encore_app::sites::SiteSettings {
        discussion: Some(encore_core::site::Discussion {
            gravatars: true,
            images: true,
            ..encore_core::site::Discussion::default()
        }),
        ..Default::default()
    };
    encore_app::sites::update_site(&app.app, encore_app::Actor::Operator, app.site.id, settings)
        .await
        .unwrap();
    let picture = app.get("/comments/1/avatar").await;
    assert_eq!(picture.status(), StatusCode::FOUND);
    let to = location(&picture);
    let hash = {
        use sha2::Digest as _;
        hex::encode(sha2::Sha256::digest(b"mara@example.org"))
    };
    assert!(
        to.starts_with(&format!("https://www.gravatar.com/avatar/{hash}?")),
        "{to}"
    );
    let sent = send(
        "I still love the scene where Drago trains in the snow while Rocky runs up the \
         mountain. Here is the cover of my old cassette of the soundtrack, which I scanned \
         last week: ![Rocky IV poster](https://img.example/rocky.png)",
    );
    let sent: Vec<(&str, &str)> = sent.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let response = guest.post("/comments", &sent).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert!(location(&response).contains("#comment-2"), "published");
    let page = app.page(&path).await;
    assert!(
        page.contains(r#"<img src="https://img.example/rocky.png" alt="Rocky IV poster""#),
        "{page}"
    );
    assert!(page.contains(r#"referrerpolicy="no-referrer""#), "{page}");

    // A member's comment shows the picture they chose, whatever the guests' setting.
    let mut member = app
        .signed_in_as("rocco", encore_core::roles::Role::Subscriber)
        .await;
    let csrf = crate::support::csrf_of(&member.get(&path).await.text().await.unwrap());
    let response = member
        .post(
            "/comments",
            &[
                ("post", post.as_str()),
                ("comment", "From a member."),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let account = app
        .store
        .accounts()
        .by_username("rocco")
        .await
        .unwrap()
        .unwrap();
    encore_app::accounts::set_avatar(
        &app.app,
        account.id,
        encore_app::accounts::AvatarChoice::Gravatar,
    )
    .await
    .unwrap();
    approve(&app, 3).await;
    assert_eq!(checked_values(&app, 3).await["user_role"], "subscriber");
    let picture = app.get("/comments/3/avatar").await;
    assert!(picture.status().is_redirection(), "the member's own choice");
    assert!(location(&picture).starts_with("https://www.gravatar.com/avatar/"));
}
