//! The moderation queue at the desk over HTTP: who may see it, one comment's buttons and the
//! bulk action, search, a comment's page with its history, editing and answering — with the
//! post page (cached) following each decision.

use crate::support::{Browser, PostBuilder, TestApp, between, csrf_of, location};
use encore_app::testing::Publish;
use encore_core::roles::Role;
use encore_store::testing::TestBackend;
use reqwest::StatusCode;

encore_store::backend_tests!(moderators_work_the_queue_and_the_post_follows,);

/// A guest's comment under the post at `path`; the answer's address.
async fn comment(app: &TestApp, path: &str, name: &str, body: &str) -> String {
    let page = app.page(path).await;
    let post = between(&page, "name=\"post\" value=\"", "\"")
        .unwrap()
        .to_owned();
    let email = format!("{}@example.org", name.to_lowercase());
    let mut guest = app.browser("Mozilla/5.0 (X11; Linux x86_64) Firefox/130.0");
    let answer = guest
        .post(
            "/comments",
            &[
                ("post", &post),
                ("name", name),
                ("email", &email),
                ("comment", body),
            ],
        )
        .await;
    assert_eq!(answer.status(), StatusCode::SEE_OTHER);
    location(&answer)
}

/// The id of the queue row whose text has `words`.
fn row_id(queue: &str, words: &str) -> String {
    let at = queue
        .find(words)
        .unwrap_or_else(|| panic!("{words} not in {queue}"));
    let before = &queue[..at];
    let from = before.rfind("name=\"ids\" value=\"").unwrap() + "name=\"ids\" value=\"".len();
    before[from..].split('"').next().unwrap().to_owned()
}

async fn queue(editor: &mut Browser<'_>, query: &str) -> String {
    let answer = editor.get(&format!("/admin/comments{query}")).await;
    assert_eq!(answer.status(), StatusCode::OK);
    answer.text().await.unwrap()
}

async fn moderators_work_the_queue_and_the_post_follows(backend: TestBackend) {
    let app = TestApp::spawn(backend).await;
    encore_app::testing::check_comments_locally(&app.app, &app.site.base_url).await;
    PostBuilder::new(&app.site, &app.author, "Rocky IV")
        .publish(&app.app)
        .await;
    let home = app.page("/").await;
    let path = between(&home, "<h2 class=\"card-title\"><a href=\"", "\"")
        .unwrap()
        .to_owned();
    comment(&app, &path, "Mara", "The montage still gives me chills.").await;
    comment(&app, &path, "Theo", "Hearts on Fire on repeat.").await;
    comment(&app, &path, "Ines", "Who played the guitar solo?").await;
    assert!(app.page(&path).await.contains("No responses yet"));

    // Authors write posts; the queue is for editors and administrators.
    let mut author = app.signed_in_as("writer", Role::Author).await;
    assert_eq!(
        author.get("/admin/comments").await.status(),
        StatusCode::FORBIDDEN
    );
    assert!(
        !author
            .get("/admin")
            .await
            .text()
            .await
            .unwrap()
            .contains("/admin/comments"),
        "the menu does not offer it"
    );

    let mut editor = app.signed_in_as("ed", Role::Editor).await;
    let pending = queue(&mut editor, "?status=pending").await;
    assert!(
        pending.contains("Pending <span class=\"count\">(3)</span>"),
        "{pending}"
    );
    assert!(
        pending.contains("mara@example.org"),
        "moderators see the address"
    );
    let csrf = csrf_of(&pending);
    let mara = row_id(&pending, "The montage still");
    let theo = row_id(&pending, "Hearts on Fire");
    let ines = row_id(&pending, "guitar solo");

    // One row's button: Mara is published, and the cached post page shows her at once.
    let only = format!("{mara}:approve");
    let answer = editor
        .post(
            "/admin/comments",
            &[("csrf", &csrf), ("status", "pending"), ("only", &only)],
        )
        .await;
    assert_eq!(answer.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&answer), "/admin/comments?status=pending&done=1");
    let page = app.page(&path).await;
    assert!(page.contains("1 Response to “Rocky IV”"), "{page}");
    assert!(page.contains("The montage still gives me chills."));

    // The bulk action: Theo and Ines to the trash; without an action nothing happens.
    let answer = editor
        .post(
            "/admin/comments",
            &[
                ("csrf", &csrf),
                ("ids", &theo),
                ("ids", &ines),
                ("action", ""),
            ],
        )
        .await;
    assert_eq!(answer.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(answer.text().await.unwrap().contains("Choose an action"));
    let answer = editor
        .post(
            "/admin/comments",
            &[
                ("csrf", &csrf),
                ("ids", &theo),
                ("ids", &ines),
                ("action", "trash"),
            ],
        )
        .await;
    assert_eq!(location(&answer), "/admin/comments?done=2");
    let notice = queue(&mut editor, "?done=2").await;
    assert!(notice.contains("2 comments changed."), "{notice}");
    let trash = queue(&mut editor, "?status=trash").await;
    assert!(trash.contains("Hearts on Fire") && trash.contains("guitar solo"));
    assert!(!trash.contains("The montage still"));

    // Search by name, address or words, within a status or across all.
    let found = queue(&mut editor, "?q=INES").await;
    assert!(
        found.contains("guitar solo") && !found.contains("Hearts on Fire"),
        "{found}"
    );
    let nothing = queue(&mut editor, "?q=100%25").await;
    assert!(
        nothing.contains("No comments here."),
        "a % is a plain character"
    );

    // Theo comes back as spam; its page tells the story, names the moderator, and offers
    // "not spam".
    editor
        .post(
            "/admin/comments",
            &[("csrf", &csrf), ("only", &format!("{theo}:restore"))],
        )
        .await;
    editor
        .post(
            "/admin/comments",
            &[
                ("csrf", &csrf),
                ("only", &format!("{theo}:spam")),
                ("back", "comment"),
            ],
        )
        .await;
    let one = editor.get(&format!("/admin/comments/{theo}")).await;
    assert_eq!(one.status(), StatusCode::OK);
    let one = one.text().await.unwrap();
    for line in [
        "checked: not spam",
        "trash",
        "restore",
        "spam",
        "ed the reader",
    ] {
        assert!(one.contains(line), "{line} missing from {one}");
    }
    assert!(one.contains(&format!("value=\"{theo}:not-spam\"")), "{one}");

    // Editing Mara's words and answering her from the desk both show on the post.
    let answer = editor
        .post(
            &format!("/admin/comments/{mara}/edit"),
            &[
                ("csrf", &csrf),
                ("body", "The *montage* still gives me chills."),
            ],
        )
        .await;
    assert_eq!(
        location(&answer),
        format!("/admin/comments/{mara}?done=edited")
    );
    let answer = editor
        .post(
            &format!("/admin/comments/{mara}/edit"),
            &[("csrf", &csrf), ("body", "  ")],
        )
        .await;
    assert_eq!(answer.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        answer
            .text()
            .await
            .unwrap()
            .contains("Text must not be empty")
    );
    let answer = editor
        .post(
            &format!("/admin/comments/{mara}/reply"),
            &[
                ("csrf", &csrf),
                ("body", "Glad it still works on you, Mara."),
            ],
        )
        .await;
    assert_eq!(answer.status(), StatusCode::SEE_OTHER);
    let page = app.page(&path).await;
    assert!(page.contains("2 Responses to “Rocky IV”"), "{page}");
    assert!(page.contains("The <em>montage</em> still"));
    let children = crate::support::all_between(&page, "<ol class=\"children\">", "</ol>");
    assert!(
        children
            .first()
            .is_some_and(|c| c.contains("Glad it still works")),
        "{page}"
    );

    // A comment of no one, or an action nobody knows, is refused plainly.
    assert_eq!(
        editor.get("/admin/comments/999999").await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        editor
            .get("/admin/comments?status=everything")
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
}
