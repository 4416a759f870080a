//! Likes over HTTP: a guest's like without JavaScript (a form and a redirect) and with it
//! (JSON), a signed-in reader's face under the post, comment likes, the site's guest setting,
//! the per-client limit — and the discussion settings that shape the conversation (closing,
//! order, threads per page).

use crate::support::{PostBuilder, TestApp, between, csrf_of, location};
use encore_app::{Actor, testing::Publish};
use encore_core::{ids::PostId, roles::Role, site::Discussion};
use encore_store::testing::TestBackend;
use encore_web::Settings;
use reqwest::StatusCode;

encore_store::backend_tests!(
    guests_and_members_like_posts_and_comments,
    a_site_can_keep_likes_to_members_and_limits_each_client,
    discussion_settings_shape_the_conversation,
);

/// A server with one published post (comments checked locally); the post's id and address.
async fn with_post(t: &TestApp) -> (PostId, String) {
    encore_app::testing::check_comments_locally(&t.app, &t.site.base_url).await;
    let id = PostBuilder::new(&t.site, &t.author, "Rocky IV")
        .publish(&t.app)
        .await;
    let home = t.page("/").await;
    let path = between(&home, "<h2 class=\"card-title\"><a href=\"", "\"")
        .unwrap()
        .to_owned();
    (id, path)
}

/// A guest comment, approved at once by the operator; its id.
async fn approved_comment(t: &TestApp, post: PostId, name: &str, body: &str) -> i64 {
    let comment = encore_app::comments::ImportedComment {
        form: encore_core::comment::CommentForm {
            post,
            parent: None,
            name: name.into(),
            email: format!("{}@example.org", name.to_lowercase()),
            website: String::new(),
            body: body.into(),
        },
        status: encore_core::comment::CommentStatus::Approved,
        at: encore_store::testing::fixtures::now(),
    };
    encore_app::comments::import_comment(&t.app, Actor::Operator, t.site.id, comment)
        .await
        .unwrap()
        .0
}

async fn guests_and_members_like_posts_and_comments(backend: TestBackend) {
    let t = TestApp::spawn(backend).await;
    let (post, path) = with_post(&t).await;
    let page = t.page(&path).await;
    assert!(page.contains("Be the first to like this."), "{page}");
    let id = post.0.to_string();

    // Without JavaScript: the form, a redirect to the same place, and a page that says so.
    let mut guest = t.browser("Mozilla/5.0 (X11; Linux x86_64) Firefox/130.0");
    let answer = guest
        .post("/likes", &[("post", id.as_str()), ("do", "like")])
        .await;
    assert_eq!(answer.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&answer), format!("{path}?liked=1#likes"));
    let cookie = guest
        .cookie("encore_liker")
        .expect("a like cookie")
        .to_owned();
    assert!(cookie.len() >= 32);
    let mine = guest
        .get(&format!("{path}?liked=1"))
        .await
        .text()
        .await
        .unwrap();
    assert!(mine.contains("One blogger likes this."), "{mine}");
    assert!(
        mine.contains(r#"value="unlike" aria-pressed="true""#),
        "{mine}"
    );
    // The shared page follows at once; liking twice counts once.
    assert!(t.page(&path).await.contains("One blogger likes this."));
    guest
        .post("/likes", &[("post", id.as_str()), ("do", "like")])
        .await;
    assert!(t.page(&path).await.contains("One blogger likes this."));
    // The cookie is kept only as a hash.
    let stored = encore_store::testing::execute(
        &t.store,
        &format!("UPDATE post_likes SET liker = liker WHERE liker LIKE '%{cookie}%'"),
    )
    .await;
    let likes =
        encore_store::testing::execute(&t.store, "UPDATE post_likes SET liker = liker").await;
    assert_eq!(likes, 1);
    assert_eq!(stored, 0, "the cookie itself is never stored");

    // A member likes it with JavaScript: JSON back, and their face under the post.
    let mut member = t.signed_in_as("mara", Role::Subscriber).await;
    let csrf = csrf_of(&member.get(&path).await.text().await.unwrap());
    let answer = t
        .request(reqwest::Method::POST, "/likes")
        .header(
            "Cookie",
            format!(
                "encore_session={}",
                member.cookie("encore_session").unwrap()
            ),
        )
        .header("Origin", t.base.clone())
        .header("Accept", "application/json")
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(format!("post={id}&do=like&csrf={csrf}"))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::OK);
    let json: serde_json::Value = answer.json().await.unwrap();
    assert_eq!(json["liked"], true);
    assert_eq!(json["count"], 2);
    assert_eq!(json["text"], "2 bloggers like this.");
    let page = t.page(&path).await;
    assert!(page.contains(r#"alt="mara the reader""#), "{page}");
    let theirs = member.get(&path).await.text().await.unwrap();
    assert!(theirs.contains(r#"value="unlike" aria-pressed="true""#));

    // Comment likes: "Liked by N people"; unlike takes it back.
    let comment = approved_comment(&t, post, "Theo", "Hearts on Fire!")
        .await
        .to_string();
    let answer = guest
        .post(
            "/likes",
            &[("post", id.as_str()), ("comment", comment.as_str())],
        )
        .await;
    assert_eq!(
        location(&answer),
        format!("{path}?liked=1#comment-{comment}")
    );
    assert!(t.page(&path).await.contains("Liked by 1 person"));
    guest
        .post(
            "/likes",
            &[
                ("post", id.as_str()),
                ("comment", comment.as_str()),
                ("do", "unlike"),
            ],
        )
        .await;
    assert!(!t.page(&path).await.contains("Liked by 1 person"));
    guest
        .post("/likes", &[("post", id.as_str()), ("do", "unlike")])
        .await;
    assert!(t.page(&path).await.contains("One blogger likes this."));

    // Nonsense is refused plainly; a script gets problem details.
    let answer = guest.post("/likes", &[("post", "999999")]).await;
    assert_eq!(answer.status(), StatusCode::NOT_FOUND);
    let answer = t
        .request(reqwest::Method::POST, "/likes")
        .header("Origin", t.base.clone())
        .header("Accept", "application/json")
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("post=nope")
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::BAD_REQUEST);
    assert_eq!(answer.headers()["content-type"], "application/problem+json");
    let problem: serde_json::Value = answer.json().await.unwrap();
    assert_eq!(problem["status"], 400);
}

async fn a_site_can_keep_likes_to_members_and_limits_each_client(backend: TestBackend) {
    let mut settings = Settings::new(10);
    settings.rates.likes = 3;
    let t = TestApp::spawn_with_settings(backend, settings).await;
    let (post, path) = with_post(&t).await;
    let id = post.0.to_string();
    let mut guest = t.browser("Mozilla/5.0");
    for _ in 0..3 {
        let answer = guest.post("/likes", &[("post", id.as_str())]).await;
        assert_eq!(answer.status(), StatusCode::SEE_OTHER);
    }
    let answer = guest.post("/likes", &[("post", id.as_str())]).await;
    assert_eq!(answer.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(answer.headers()["retry-after"], "60");

    let members_only = Discussion {
        guest_likes: false,
        ..Discussion::default()
    };
    let settings = encore_app::sites::SiteSettings {
        discussion: Some(members_only),
        ..Default::default()
    };
    encore_app::sites::update_site(&t.app, Actor::Operator, t.site.id, settings)
        .await
        .unwrap();
    let page = t.page(&path).await;
    assert!(page.contains("Sign in to like"), "{page}");
    assert!(!page.contains("action=\"/likes\""), "no button for guests");
}

async fn discussion_settings_shape_the_conversation(backend: TestBackend) {
    let t = TestApp::spawn(backend).await;
    let (post, path) = with_post(&t).await;
    let first = approved_comment(&t, post, "Ada", "First thread.").await;
    let second = approved_comment(&t, post, "Ben", "Second thread.").await;

    // The administrator sets one thread a page, newest first; bad numbers come back by name.
    let mut admin = t.signed_in_as("boss", Role::Administrator).await;
    let form = admin.get("/admin/settings").await.text().await.unwrap();
    assert!(
        form.contains(r#"name="comment_depth" type="number" value="5""#),
        "{form}"
    );
    let csrf = csrf_of(&form);
    let mut fields = vec![
        ("csrf", csrf.as_str()),
        ("title", "Music"),
        ("tagline", ""),
        ("base_url", t.site.base_url.as_str()),
        ("posts_per_page", ""),
        ("signup", "closed"),
        ("comment_depth", "11"),
        ("comments_per_page", "1"),
        ("comment_order", "newest"),
        ("close_after_days", "0"),
        ("guest_likes", "1"),
        ("discussion", "1"),
    ];
    let answer = admin.post("/admin/settings", &fields).await;
    assert_eq!(answer.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let refused = answer.text().await.unwrap();
    assert!(
        refused.contains("must be a number from 1 to 10"),
        "{refused}"
    );
    assert!(refused.contains(r#"value="11""#), "what was typed is kept");
    fields[6] = ("comment_depth", "3");
    let answer = admin.post("/admin/settings", &fields).await;
    assert_eq!(answer.status(), StatusCode::SEE_OTHER);
    let page = t.page(&path).await;
    assert!(page.contains("Second thread."), "newest first");
    assert!(!page.contains("First thread."), "one thread a page");
    let older = between(&page, "<p class=\"comments-more\"><a href=\"", "\"").unwrap();
    assert_eq!(older, format!("{path}?comments_from={first}#comments"));
    // A comment's lasting address finds the page it is on.
    let found = t.get(&format!("/comments/{first}")).await;
    assert_eq!(found.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        location(&found),
        format!("{path}?comments_from={first}#comment-{first}")
    );
    let found = t.get(&format!("/comments/{second}")).await;
    assert_eq!(location(&found), format!("{path}#comment-{second}"));
    assert_eq!(
        t.get("/comments/999999").await.status(),
        StatusCode::NOT_FOUND
    );
    let later = older.split('#').next().unwrap();
    let rest = t.page(later).await;
    assert!(rest.contains("First thread.") && !rest.contains("Second thread."));
    // A later page of threads is shared from the cache too, and follows a change at once.
    let again = t.get(later).await;
    assert_eq!(again.headers()["x-encore-cache"], "hit");
    let odd = t.get(&format!("{later}&x=1")).await;
    assert!(
        odd.headers()
            .get("x-encore-cache")
            .is_none_or(|v| v != "hit")
    );
    let mut ben = t.browser("Mozilla/5.0");
    let id = post.0.to_string();
    ben.post(
        "/likes",
        &[
            ("post", id.as_str()),
            ("comment", first.to_string().as_str()),
        ],
    )
    .await;
    let liked = t.get(later).await;
    assert_eq!(liked.headers()["x-encore-cache"], "miss");
    assert!(liked.text().await.unwrap().contains("Liked by 1 person"));
    assert!(t.page(&path).await.contains("Second thread."));

    // A post closed on its own says so and takes no comment.
    let stored = t
        .store
        .posts()
        .by_id(t.site.id, post)
        .await
        .unwrap()
        .unwrap();
    let mut draft = encore_app::posts::draft_of(&stored);
    draft.comments_open = false;
    encore_app::posts::update_post(&t.app, Actor::Operator, t.site.id, post, draft)
        .await
        .unwrap();
    let page = t.page(&path).await;
    assert!(page.contains("Comments are closed."), "{page}");
    assert!(!page.contains("Leave a Reply"));
    assert!(!page.contains("replytocom="), "no Reply links");
    let mut guest = t.browser("Mozilla/5.0");
    let id = post.0.to_string();
    let answer = guest
        .post(
            "/comments",
            &[
                ("post", id.as_str()),
                ("name", "Cy"),
                ("email", "cy@example.org"),
                ("comment", "Late to the party."),
            ],
        )
        .await;
    assert_eq!(answer.status(), StatusCode::FORBIDDEN);
    assert!(answer.text().await.unwrap().contains("comments are closed"));
}
