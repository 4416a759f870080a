//! Nothing typed at the desk is lost: two writers on one post are warned instead of overwriting
//! each other, what is typed and not saved is kept and offered back, and a draft can be shown
//! to someone through a private link.

use crate::support::{Browser, PostBuilder, TestApp, between, csrf_of, location};
use encore_app::testing::Publish;
use encore_core::{ids::PostId, roles::Role};
use encore_store::testing::TestBackend;
use reqwest::StatusCode;

encore_store::backend_tests!(
    two_writers_on_one_post_are_warned_not_overwritten,
    what_is_typed_and_not_saved_is_offered_back,
    a_preview_link_shows_a_draft_until_its_writer_stops_sharing,
    the_preview_shows_the_text_as_readers_will_see_it,
);

/// The editor of post `id` as `browser` opens it: its token and the save it starts from.
async fn open(browser: &mut Browser<'_>, path: &str) -> (String, String) {
    let form = browser.get(path).await.text().await.unwrap();
    let base = between(&form, "name=\"based_on\" value=\"", "\"")
        .expect("the save the form starts from")
        .to_owned();
    (csrf_of(&form), base)
}

/// Sends the editor's form for post `id` with `title`, from `based_on`.
async fn save(
    browser: &mut Browser<'_>,
    path: &str,
    (csrf, based_on): (&str, &str),
    title: &str,
) -> reqwest::Response {
    browser
        .post(
            path,
            &[
                ("csrf", csrf),
                ("based_on", based_on),
                ("title", title),
                ("body", "The training montage, bar by bar."),
                ("kind", "post"),
                ("status", "draft"),
                ("action", "save"),
            ],
        )
        .await
}

async fn draft(t: &TestApp, title: &str) -> PostId {
    PostBuilder::new(&t.site, &t.author, title)
        .draft()
        .publish(&t.app)
        .await
}

async fn two_writers_on_one_post_are_warned_not_overwritten(backend: TestBackend) {
    let t = TestApp::spawn(backend).await;
    let id = draft(&t, "Rocky IV").await;
    let path = format!("/admin/posts/{}", id.0);
    let mut first = t.signed_in_as("ann", Role::Editor).await;
    let mut second = t.signed_in_as("bob", Role::Editor).await;
    let (first_token, first_base) = open(&mut first, &path).await;
    let (second_token, second_base) = open(&mut second, &path).await;
    assert_eq!(first_base, second_base);

    let answer = save(
        &mut first,
        &path,
        (&first_token, &first_base),
        "Rocky IV, by Ann",
    )
    .await;
    assert_eq!(answer.status(), StatusCode::SEE_OTHER);
    // The second writer's save started before the first's: refused, their words kept.
    let answer = save(
        &mut second,
        &path,
        (&second_token, &second_base),
        "Rocky IV, by Bob",
    )
    .await;
    assert_eq!(answer.status(), StatusCode::CONFLICT);
    let page = answer.text().await.unwrap();
    assert!(page.contains("ann the reader saved this post at"), "{page}");
    assert!(
        page.contains("value=\"Rocky IV, by Bob\""),
        "their words are kept"
    );
    let compare = between(
        &page,
        "<a href=\"/admin/posts/",
        "\">Compare with their save",
    )
    .expect("a link to the save that came between");
    assert!(compare.contains("/revisions/"));
    let stored = t.store.posts().by_id(t.site.id, id).await.unwrap().unwrap();
    assert_eq!(
        stored.summary.title, "Rocky IV, by Ann",
        "nothing was overwritten"
    );
    // The form now starts from the first writer's save: saving again is a choice, and it works.
    let new_base = between(&page, "name=\"based_on\" value=\"", "\"")
        .unwrap()
        .to_owned();
    assert_ne!(new_base, second_base);
    let answer = save(
        &mut second,
        &path,
        (&second_token, &new_base),
        "Rocky IV, by Bob",
    )
    .await;
    assert_eq!(answer.status(), StatusCode::SEE_OTHER);
    let stored = t.store.posts().by_id(t.site.id, id).await.unwrap().unwrap();
    assert_eq!(stored.summary.title, "Rocky IV, by Bob");
    let revisions = t.store.posts().revisions(t.site.id, id).await.unwrap();
    assert_eq!(revisions.len(), 3, "both saves are kept as revisions");
}

async fn what_is_typed_and_not_saved_is_offered_back(backend: TestBackend) {
    let t = TestApp::spawn(backend).await;
    let mut writer = t.signed_in_as("ann", Role::Author).await;
    // A new post's editor keeps what is typed, then the tab closes.
    let (token, _) = open(&mut writer, "/admin/posts/new").await;
    let kept = writer
        .post(
            "/admin/posts/new/autosave",
            &[
                ("csrf", token.as_str()),
                ("title", "Half-written: Top Gun"),
                ("body", "Danger zone, draft two."),
                ("kind", "post"),
                ("status", "draft"),
            ],
        )
        .await;
    assert_eq!(kept.status(), StatusCode::OK);
    let kept: serde_json::Value = kept.json().await.unwrap();
    assert!(kept["saved_at"].as_str().is_some_and(|s| !s.is_empty()));
    let page = writer.get("/admin/posts/new").await.text().await.unwrap();
    assert!(page.contains("that were not saved"), "{page}");
    let restored = writer
        .get("/admin/posts/new?restore=1")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        restored.contains("value=\"Half-written: Top Gun\""),
        "{restored}"
    );
    assert!(restored.contains("Danger zone, draft two."));
    // Saved, the post no longer offers the autosave back.
    let answer = save(&mut writer, "/admin/posts/new", (&token, ""), "Top Gun").await;
    assert_eq!(answer.status(), StatusCode::SEE_OTHER);
    let page = writer.get("/admin/posts/new").await.text().await.unwrap();
    assert!(!page.contains("that were not saved"));

    // An autosave of a saved post changes nothing readers or the post see, and can be discarded.
    let edit = location(&answer).trim_end_matches("?saved=1").to_owned();
    let (token, _) = open(&mut writer, &edit).await;
    let autosave = format!("{edit}/autosave");
    let kept = writer
        .post(
            &autosave,
            &[
                ("csrf", token.as_str()),
                ("title", "Top Gun (unsaved)"),
                ("body", "x"),
            ],
        )
        .await;
    assert_eq!(kept.status(), StatusCode::OK);
    let id = PostId(edit.rsplit('/').next().unwrap().parse().unwrap());
    let stored = t.store.posts().by_id(t.site.id, id).await.unwrap().unwrap();
    assert_eq!(stored.summary.title, "Top Gun");
    let page = writer.get(&edit).await.text().await.unwrap();
    assert!(page.contains("that were not saved"));
    let answer = writer
        .post(&format!("{autosave}/discard"), &[("csrf", token.as_str())])
        .await;
    assert_eq!(location(&answer), edit);
    let page = writer.get(&edit).await.text().await.unwrap();
    assert!(!page.contains("that were not saved"));

    // Nobody keeps text in a post they may not edit.
    let others = draft(&t, "Someone else's draft").await;
    let answer = writer
        .post(
            &format!("/admin/posts/{}/autosave", others.0),
            &[("csrf", token.as_str()), ("title", "Mine now")],
        )
        .await;
    assert_eq!(answer.status(), StatusCode::FORBIDDEN);
    // A body beyond what the editor takes is refused before it is read.
    let huge = "x".repeat(1_200_000);
    let answer = writer
        .post(
            &autosave,
            &[("csrf", token.as_str()), ("body", huge.as_str())],
        )
        .await;
    assert_eq!(answer.status(), StatusCode::PAYLOAD_TOO_LARGE);
}

async fn a_preview_link_shows_a_draft_until_its_writer_stops_sharing(backend: TestBackend) {
    let t = TestApp::spawn(backend).await;
    let id = draft(&t, "Back to the Future").await;
    let edit = format!("/admin/posts/{}", id.0);
    let mut editor = t.signed_in_as("ed", Role::Editor).await;
    let (token, _) = open(&mut editor, &edit).await;
    let share_path = format!("{edit}/preview");
    let answer = editor.post(&share_path, &[("csrf", token.as_str())]).await;
    assert_eq!(location(&answer), format!("{edit}#sharing"));
    let page = editor.get(&edit).await.text().await.unwrap();
    let link = between(&page, "id=\"preview-link\" type=\"url\" value=\"", "\"")
        .expect("the link, to copy")
        .to_owned();
    let link_path = link.trim_start_matches(&t.base).to_owned();
    assert!(link_path.starts_with("/preview/"), "{link}");

    // Anyone with the link reads the draft, which is still nowhere else.
    let answer = t.get(&link_path).await;
    assert_eq!(answer.status(), StatusCode::OK);
    assert_eq!(answer.headers()["cache-control"], "no-store");
    assert_eq!(answer.headers()["x-robots-tag"], "noindex, nofollow");
    assert_eq!(answer.headers()["referrer-policy"], "no-referrer");
    let page = answer.text().await.unwrap();
    assert!(page.contains("Back to the Future") && page.contains("A preview"));
    assert!(!t.page("/").await.contains("Back to the Future"));

    // A new link replaces the old one; stopping ends both.
    editor.post(&share_path, &[("csrf", token.as_str())]).await;
    assert_eq!(t.get(&link_path).await.status(), StatusCode::NOT_FOUND);
    let page = editor.get(&edit).await.text().await.unwrap();
    let second = between(&page, "id=\"preview-link\" type=\"url\" value=\"", "\"")
        .unwrap()
        .trim_start_matches(&t.base)
        .to_owned();
    assert_eq!(t.get(&second).await.status(), StatusCode::OK);
    let answer = editor
        .post(&format!("{edit}/preview/stop"), &[("csrf", token.as_str())])
        .await;
    assert_eq!(answer.status(), StatusCode::SEE_OTHER);
    assert_eq!(t.get(&second).await.status(), StatusCode::NOT_FOUND);
    for guess in ["/preview/0", &format!("/preview/{}", "a".repeat(64))] {
        assert_eq!(t.get(guess).await.status(), StatusCode::NOT_FOUND);
    }
    // Only someone who may edit the post shares it.
    let mut author = t.signed_in_as("amy", Role::Author).await;
    let (amy, _) = open(&mut author, "/admin/posts/new").await;
    let answer = author
        .post(&format!("{edit}/preview"), &[("csrf", amy.as_str())])
        .await;
    assert_eq!(answer.status(), StatusCode::FORBIDDEN);
}

async fn the_preview_shows_the_text_as_readers_will_see_it(backend: TestBackend) {
    let t = TestApp::spawn(backend).await;
    let mut writer = t.signed_in_as("ann", Role::Contributor).await;
    let (token, _) = open(&mut writer, "/admin/posts/new").await;
    let body = "A **loud** chorus.\n\nhttps://www.youtube.com/watch?v=btPJPFnesV4\n\n<script>alert(1)</script>";
    // Without JavaScript: the Preview button renders the text below the form and saves nothing.
    let answer = writer
        .post(
            "/admin/posts/new",
            &[
                ("csrf", token.as_str()),
                ("title", "Preview me"),
                ("body", body),
                ("kind", "post"),
                ("status", "draft"),
                ("action", "preview"),
            ],
        )
        .await;
    assert_eq!(answer.status(), StatusCode::OK);
    let page = answer.text().await.unwrap();
    let shown = between(&page, "id=\"live-preview-body\">", "</div>\n  </section>").unwrap();
    assert!(shown.contains("<strong>loud</strong>"), "{shown}");
    assert!(
        shown.contains("youtube-nocookie.com/embed/btPJPFnesV4"),
        "the player, previewed"
    );
    assert!(
        !shown.contains("<script>"),
        "sanitised as on the public page"
    );
    assert!(
        page.contains("value=\"Preview me\""),
        "the form keeps what was typed"
    );
    let list = writer.get("/admin/posts").await.text().await.unwrap();
    assert!(!list.contains("Preview me"), "nothing was saved");
    // With JavaScript: the same rendering, as JSON.
    let answer = writer
        .post(
            "/admin/preview",
            &[("csrf", token.as_str()), ("body", body)],
        )
        .await;
    assert_eq!(answer.status(), StatusCode::OK);
    let preview: serde_json::Value = answer.json().await.unwrap();
    let html = preview["html"].as_str().unwrap();
    assert!(html.contains("<strong>loud</strong>") && !html.contains("<script>"));
    let answer = writer
        .post("/admin/preview", &[("csrf", "forged"), ("body", body)])
        .await;
    assert_eq!(answer.status(), StatusCode::FORBIDDEN);
}
