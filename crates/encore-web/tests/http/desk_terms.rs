//! Categories, tags and series at the desk: nested, renamed, merged and deleted through forms,
//! with the public pages (cached ones too) following at once.

use crate::support::{Browser, PostBuilder, TestApp, csrf_of, location};
use encore_app::testing::Publish;
use encore_core::{ids::CategoryId, roles::Role, taxonomy::TermKind};
use encore_store::testing::{TestBackend, fixtures};
use reqwest::StatusCode;

encore_store::backend_tests!(
    categories_nest_and_rename_and_the_public_pages_follow,
    merging_and_deleting_keep_every_post,
);

/// The form at `page` sent with its token and `fields`; the answer.
async fn send(
    browser: &mut Browser<'_>,
    page: &str,
    action: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let form = browser.get(page).await.text().await.unwrap();
    let csrf = csrf_of(&form);
    let mut all = vec![("csrf", csrf.as_str())];
    all.extend_from_slice(fields);
    browser.post(action, &all).await
}

/// The id of the category with `slug`.
async fn category(t: &TestApp, slug: &str) -> CategoryId {
    t.store
        .taxonomy()
        .category_by_slug(t.site.id, slug)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("no category {slug}"))
        .id
}

async fn categories_nest_and_rename_and_the_public_pages_follow(backend: TestBackend) {
    let t = TestApp::spawn(backend).await;
    let mut author = t.signed_in_as("writer", Role::Author).await;
    assert_eq!(
        author.get("/admin/categories").await.status(),
        StatusCode::FORBIDDEN,
        "authors file posts but do not manage categories"
    );
    let mut editor = t.signed_in_as("ed", Role::Editor).await;
    let fields = [
        ("name", "Soundtracks"),
        ("slug", ""),
        ("description", ""),
        ("parent", ""),
    ];
    let answer = send(
        &mut editor,
        "/admin/categories",
        "/admin/categories/new",
        &fields,
    )
    .await;
    assert_eq!(location(&answer), "/admin/categories?done=added");
    let soundtracks = category(&t, "soundtracks").await;
    let parent = soundtracks.0.to_string();
    let fields = [
        ("name", "Films of 1985"),
        ("slug", ""),
        ("description", ""),
        ("parent", parent.as_str()),
    ];
    let answer = send(
        &mut editor,
        "/admin/categories",
        "/admin/categories/new",
        &fields,
    )
    .await;
    assert_eq!(answer.status(), StatusCode::SEE_OTHER);
    let films = category(&t, "films-of-1985").await;

    // A post filed under the inner category is on the outer one's page too.
    let post = PostBuilder::new(&t.site, &t.author, "Rocky IV")
        .days_ago(1)
        .category(films)
        .publish(&t.app)
        .await;
    assert!(t.page("/category/soundtracks").await.contains("Rocky IV"));
    let list = editor.get("/admin/categories").await.text().await.unwrap();
    assert!(
        list.contains("class=\"indent-1\"><a href=\"/admin/categories/"),
        "{list}"
    );

    // Renamed with a new address: the post's (cached) page and the new address show it.
    let post_page = t
        .store
        .posts()
        .by_id(t.site.id, post)
        .await
        .unwrap()
        .unwrap();
    let post_path = post_page.summary.path();
    assert!(t.page(&post_path).await.contains("Films of 1985"));
    let edit = format!("/admin/categories/{}", films.0);
    let fields = [
        ("name", "Scores of 1985"),
        ("slug", "scores-1985"),
        ("description", "Everything we heard in cinemas that year."),
        ("parent", parent.as_str()),
    ];
    let answer = send(&mut editor, &edit, &edit, &fields).await;
    assert_eq!(location(&answer), format!("{edit}?saved=1"));
    assert!(t.page(&post_path).await.contains("Scores of 1985"));
    let page = t.page("/category/scores-1985").await;
    assert!(page.contains("Rocky IV") && page.contains("Everything we heard in cinemas"));
    assert_eq!(
        t.get("/category/films-of-1985").await.status(),
        StatusCode::NOT_FOUND
    );

    // A loop, a taken address and an empty name are each named, and nothing changes.
    let outer = format!("/admin/categories/{}", soundtracks.0);
    let child = films.0.to_string();
    let fields = [
        ("name", ""),
        ("slug", "scores-1985"),
        ("description", ""),
        ("parent", child.as_str()),
    ];
    let answer = send(&mut editor, &outer, &outer, &fields).await;
    assert_eq!(answer.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = answer.text().await.unwrap();
    assert!(
        page.contains("id=\"name-error\"") && page.contains("id=\"parent-error\""),
        "{page}"
    );
    let fields = [
        ("name", "Soundtracks"),
        ("slug", "scores-1985"),
        ("description", ""),
        ("parent", ""),
    ];
    let answer = send(&mut editor, &outer, &outer, &fields).await;
    assert_eq!(answer.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = answer.text().await.unwrap();
    assert!(page.contains("id=\"slug-error\"") && page.contains("value=\"scores-1985\""));
    let kept = t
        .store
        .terms()
        .get(t.site.id, TermKind::Category, soundtracks.0)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((kept.slug.as_str(), kept.parent_id), ("soundtracks", None));

    // An author's form is refused even with their own good token.
    let answer = send(&mut author, "/account", &outer, &fields).await;
    assert_eq!(answer.status(), StatusCode::FORBIDDEN);
}

async fn merging_and_deleting_keep_every_post(backend: TestBackend) {
    let t = TestApp::spawn(backend).await;
    let mut editor = t.signed_in_as("ed", Role::Editor).await;
    // Two tags that mean one thing; a post under each, and one under both.
    let synth = fixtures::tag(&t.store, &t.site, "synth").await;
    let synths = fixtures::tag(&t.store, &t.site, "synths").await;
    for (title, tags, days) in [
        ("Rocky IV", vec![synth.id], 3),
        ("Top Gun", vec![synths.id], 2),
        ("Miami Vice", vec![synth.id, synths.id], 1),
    ] {
        let mut post = PostBuilder::new(&t.site, &t.author, title).days_ago(days);
        for tag in tags {
            post = post.tag(tag);
        }
        post.publish(&t.app).await;
    }
    assert!(t.page("/tag/synth").await.contains("Rocky IV"));
    let edit = format!("/admin/tags/{}", synths.id.0);
    let into = synth.id.0.to_string();
    let merge = format!("{edit}/merge");
    let answer = send(&mut editor, &edit, &merge, &[("into", into.as_str())]).await;
    assert_eq!(location(&answer), "/admin/tags?done=merged");
    let page = t.page("/tag/synth").await;
    for title in ["Rocky IV", "Top Gun", "Miami Vice"] {
        assert!(page.contains(title), "{title} under synth");
    }
    assert_eq!(t.get("/tag/synths").await.status(), StatusCode::NOT_FOUND);
    let merged = t
        .store
        .terms()
        .get(t.site.id, TermKind::Tag, synth.id.0)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(merged.posts, 3, "Miami Vice is filed once");

    // Two series become one: the second's parts follow the first's, in their order.
    let first = fixtures::series(&t.store, &t.site, "Great Soundtracks of 1985").await;
    let second = fixtures::series(&t.store, &t.site, "More 1985 Soundtracks").await;
    for (title, series, part, days) in [
        ("Part one", first.id, 1, 6),
        ("Part two", first.id, 2, 5),
        ("Later one", second.id, 1, 4),
        ("Later two", second.id, 2, 3),
    ] {
        PostBuilder::new(&t.site, &t.author, title)
            .days_ago(days)
            .in_series(series, part)
            .publish(&t.app)
            .await;
    }
    let edit = format!("/admin/series/{}", second.id.0);
    let into = first.id.0.to_string();
    let answer = send(
        &mut editor,
        &edit,
        &format!("{edit}/merge"),
        &[("into", into.as_str())],
    )
    .await;
    assert_eq!(location(&answer), "/admin/series?done=merged");
    let page = t.page(&format!("/series/{}", first.slug)).await;
    let order: Vec<usize> = ["Part one", "Part two", "Later one", "Later two"]
        .iter()
        .map(|title| {
            page.find(title)
                .unwrap_or_else(|| panic!("{title} in {page}"))
        })
        .collect();
    assert!(
        order.windows(2).all(|w| w[0] < w[1]),
        "reading order kept: {order:?}"
    );

    // A merge into itself, or into nothing, is refused by name.
    let edit = format!("/admin/series/{}", first.id.0);
    let answer = send(
        &mut editor,
        &edit,
        &format!("{edit}/merge"),
        &[("into", into.as_str())],
    )
    .await;
    assert_eq!(answer.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(answer.text().await.unwrap().contains("id=\"into-error\""));

    // A deleted category's posts stay; the categories inside it move up.
    let outer = fixtures::category(&t.store, &t.site, "Soundtracks").await;
    let inner = fixtures::category(&t.store, &t.site, "Scores").await;
    let edit_inner = format!("/admin/categories/{}", inner.id.0);
    let parent = outer.id.0.to_string();
    let fields = [
        ("name", "Scores"),
        ("slug", ""),
        ("description", ""),
        ("parent", parent.as_str()),
    ];
    send(&mut editor, &edit_inner, &edit_inner, &fields).await;
    PostBuilder::new(&t.site, &t.author, "Filed deep")
        .days_ago(1)
        .category(inner.id)
        .publish(&t.app)
        .await;
    assert!(t.page("/category/soundtracks").await.contains("Filed deep"));
    let edit_outer = format!("/admin/categories/{}", outer.id.0);
    let answer = send(
        &mut editor,
        &edit_outer,
        &format!("{edit_outer}/delete"),
        &[],
    )
    .await;
    assert_eq!(location(&answer), "/admin/categories?done=deleted");
    assert_eq!(
        t.get("/category/soundtracks").await.status(),
        StatusCode::NOT_FOUND
    );
    assert!(t.page("/category/scores").await.contains("Filed deep"));
    let lifted = t
        .store
        .terms()
        .get(t.site.id, TermKind::Category, inner.id.0)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(lifted.parent_id, None);
    assert!(t.page("/").await.contains("Filed deep"));
}
