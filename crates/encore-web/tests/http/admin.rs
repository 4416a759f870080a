//! The writer's desk: who may use it, and writing, editing and deleting posts through its forms.

use crate::support::{Browser, PostBuilder, TestApp, csrf_of, location};
use encore_app::testing::Publish;
use encore_core::roles::Role;
use encore_store::testing::TestBackend;
use reqwest::StatusCode;

encore_store::backend_tests!(
    only_members_who_write_reach_the_desk,
    a_post_written_at_the_desk_is_public_at_once_and_edits_show_on_cached_pages,
    a_refused_form_keeps_what_was_typed_and_saves_nothing,
    roles_decide_what_the_desk_may_do,
    the_list_filters_by_status_author_category_series_and_title,
    every_save_is_a_revision_that_can_be_compared_and_restored,
);

/// A member `username` with `role`, signed in; their browser.
async fn writer<'a>(t: &'a TestApp, username: &str, role: Role) -> Browser<'a> {
    t.signed_in_as(username, role).await
}

/// The editor's form for a new post, with `fields` over the defaults; the answer.
async fn write(
    browser: &mut Browser<'_>,
    path: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let form = browser.get(path).await.text().await.unwrap();
    let csrf = csrf_of(&form);
    let mut all = vec![
        ("csrf", csrf.as_str()),
        ("kind", "post"),
        ("status", "draft"),
        ("action", "save"),
    ];
    all.extend_from_slice(fields);
    browser.post(path, &all).await
}

async fn only_members_who_write_reach_the_desk(backend: TestBackend) {
    let t = TestApp::spawn(backend).await;
    let mut anonymous = t.browser("anonymous");
    let answer = anonymous.get("/admin").await;
    assert_eq!(answer.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&answer), "/account/login?next=/admin");
    let mut reader = writer(&t, "reader", Role::Subscriber).await;
    assert_eq!(reader.get("/admin").await.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        reader.get("/admin/posts/new").await.status(),
        StatusCode::FORBIDDEN
    );
    let account_page = reader.get("/account").await.text().await.unwrap();
    assert!(
        !account_page.contains("writer's desk"),
        "no link for readers"
    );
    let mut contributor = writer(&t, "newbie", Role::Contributor).await;
    let account_page = contributor.get("/account").await.text().await.unwrap();
    assert!(
        account_page.contains("href=\"/admin\""),
        "a link for writers"
    );
    let page = contributor.get("/admin").await;
    assert_eq!(page.status(), StatusCode::OK);
    assert_eq!(page.headers()["cache-control"], "no-store");
    assert!(page.text().await.unwrap().contains("Dashboard"));
}

async fn a_post_written_at_the_desk_is_public_at_once_and_edits_show_on_cached_pages(
    backend: TestBackend,
) {
    let t = TestApp::spawn(backend).await;
    let mut editor = writer(&t, "ed", Role::Editor).await;
    // Warm the cached home page.
    assert!(!t.page("/").await.contains("Top Gun"));
    let when = (t.clock.now() - chrono::Duration::hours(1))
        .format("%Y-%m-%dT%H:%M")
        .to_string();
    let saved = write(
        &mut editor,
        "/admin/posts/new",
        &[
            ("title", "Top Gun"),
            ("body", "Danger zone, all summer long."),
            ("status", "published"),
            ("published_at", &when),
            ("categories", "1986, Soundtracks"),
            ("tags", "kenny loggins"),
            ("series", "Great Soundtracks of 1986"),
            ("part", "1"),
            ("subject_year", "1986"),
            ("track_0_artist", "Kenny Loggins"),
            ("track_0_title", "Danger Zone"),
            ("track_0_duration", "3:36"),
            ("track_0_link", "https://music.example.org/danger-zone"),
            ("track_1_artist", "Berlin"),
            ("track_1_title", "Take My Breath Away"),
            ("track_2_artist", ""),
            ("track_2_title", ""),
        ],
    )
    .await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    let edit_path = location(&saved);
    assert!(
        edit_path.starts_with("/admin/posts/") && edit_path.ends_with("?saved=1"),
        "{edit_path}"
    );
    let form = editor.get(&edit_path).await.text().await.unwrap();
    assert!(form.contains("Saved."), "{form}");
    assert!(form.contains("value=\"Danger Zone\"") && form.contains("value=\"3:36\""));
    assert!(form.contains("value=\"1986, Soundtracks\""), "{form}");
    let home = t.page("/").await;
    assert!(
        home.contains("Top Gun"),
        "the cached home page shows the new post at once"
    );
    let public = crate::support::between(&form, "Saved. <a href=\"", "\">View the post")
        .expect("a link to the published post")
        .to_owned();
    let post = t.page(&public).await;
    assert!(
        post.contains("Take My Breath Away") && post.contains("Great Soundtracks of 1986"),
        "{post}"
    );
    // A track with a link links its title, for readers and for machines.
    assert!(
        post.contains(
            "<a href=\"https://music.example.org/danger-zone\" rel=\"noopener\">Danger Zone</a>"
        ),
        "{post}"
    );
    let json_ld = crate::support::json_ld(&post);
    assert_eq!(
        json_ld["about"]["track"][0]["url"],
        "https://music.example.org/danger-zone"
    );
    // The year it is about links to the posts about that year, and machines read it too.
    assert!(post.contains("href=\"/subject/1986\""), "{post}");
    assert_eq!(json_ld["temporalCoverage"], "1986");
    assert!(t.page("/subject/1986").await.contains("Top Gun"));
    assert_eq!(
        t.get("/subject/1987").await.status(),
        StatusCode::NOT_FOUND,
        "a year no post is about has no page"
    );

    // An edit shows on the post page and the home page at once.
    let id_path = edit_path.trim_end_matches("?saved=1").to_owned();
    let changed = write(
        &mut editor,
        &id_path,
        &[
            ("title", "Top Gun (1986)"),
            ("slug", "top-gun"),
            ("body", "Danger zone, all summer long."),
            ("status", "published"),
            ("published_at", &when),
            ("track_0_artist", "Kenny Loggins"),
            ("track_0_title", "Danger Zone"),
        ],
    )
    .await;
    assert_eq!(changed.status(), StatusCode::SEE_OTHER);
    assert!(t.page("/").await.contains("Top Gun (1986)"));
    let post = t.page(&public).await;
    assert!(post.contains("Top Gun (1986)") && !post.contains("Take My Breath Away"));

    // Rows are reordered by the numbers beside them.
    let reordered = write(
        &mut editor,
        &id_path,
        &[
            ("title", "Top Gun (1986)"),
            ("slug", "top-gun"),
            ("body", "Danger zone, all summer long."),
            ("status", "published"),
            ("published_at", &when),
            ("track_0_position", "2"),
            ("track_0_artist", "Kenny Loggins"),
            ("track_0_title", "Danger Zone"),
            ("track_1_position", "1"),
            ("track_1_artist", "Berlin"),
            ("track_1_title", "Take My Breath Away"),
        ],
    )
    .await;
    assert_eq!(reordered.status(), StatusCode::SEE_OTHER);
    let post = t.page(&public).await;
    let (first, second) = (
        post.find("Take My Breath Away").unwrap(),
        post.find("Danger Zone").unwrap(),
    );
    assert!(first < second, "Berlin's track is first now");

    // Deleted: gone from the public pages at once.
    let form = editor.get(&id_path).await.text().await.unwrap();
    let csrf = csrf_of(&form);
    let gone = editor
        .post(&format!("{id_path}/delete"), &[("csrf", &csrf)])
        .await;
    assert_eq!(location(&gone), "/admin/posts");
    assert!(!t.page("/").await.contains("Top Gun"));
    assert_eq!(t.get(&public).await.status(), StatusCode::NOT_FOUND);
}

async fn a_refused_form_keeps_what_was_typed_and_saves_nothing(backend: TestBackend) {
    let t = TestApp::spawn(backend).await;
    let mut author = writer(&t, "lou", Role::Author).await;
    type Case<'a> = (&'a [(&'a str, &'a str)], &'a str, &'a str);
    let cases: [Case<'_>; 5] = [
        (
            &[
                ("title", "Bad link"),
                ("body", "Typed with care."),
                ("track_0_artist", "Survivor"),
                ("track_0_title", "Burning Heart"),
                ("track_0_link", "javascript:alert(1)"),
            ],
            "the link must be an http:// or https:// address",
            "value=\"javascript:alert(1)\"",
        ),
        (
            &[
                ("title", "Half a track"),
                ("body", "Typed with care."),
                ("track_0_artist", "Survivor"),
            ],
            "track 1 needs both an artist and a title",
            "value=\"Survivor\"",
        ),
        (
            &[
                ("title", "Bad time"),
                ("body", "Typed with care."),
                ("published_at", "next tuesday"),
            ],
            "published_at-error",
            "value=\"next tuesday\"",
        ),
        (
            &[
                ("title", "No part"),
                ("body", "Typed with care."),
                ("series", "Mixtapes"),
            ],
            "part-error",
            "value=\"Mixtapes\"",
        ),
        (
            &[
                ("title", "Long track"),
                ("body", "Typed with care."),
                ("track_0_artist", "A"),
                ("track_0_title", "B"),
                ("track_0_duration", "forever"),
            ],
            "write the length as m:ss",
            "value=\"forever\"",
        ),
    ];
    for (fields, problem, kept) in cases {
        let answer = write(&mut author, "/admin/posts/new", fields).await;
        assert_eq!(
            answer.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{problem}"
        );
        let page = answer.text().await.unwrap();
        assert!(page.contains(problem), "{problem}: {page}");
        assert!(page.contains(kept), "{kept} kept: {page}");
        assert!(page.contains("Typed with care."), "the text is kept");
    }
    // Several bad fields are all named at once, each next to its field.
    let answer = write(
        &mut author,
        "/admin/posts/new",
        &[
            ("title", " "),
            ("body", "Typed with care."),
            ("published_at", "soon"),
            ("subject_year", "the eighties"),
            ("series", "Mixtapes"),
        ],
    )
    .await;
    assert_eq!(answer.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = answer.text().await.unwrap();
    for id in [
        "title-error",
        "published_at-error",
        "subject_year-error",
        "part-error",
    ] {
        assert!(page.contains(&format!("id=\"{id}\"")), "{id}: {page}");
    }
    assert!(page.contains("value=\"the eighties\""));
    // A slug that is taken is named next to its field.
    PostBuilder::new(&t.site, &t.author, "Taken")
        .publish(&t.app)
        .await;
    let answer = write(
        &mut author,
        "/admin/posts/new",
        &[("title", "Another"), ("slug", "taken"), ("body", "x")],
    )
    .await;
    assert_eq!(answer.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(answer.text().await.unwrap().contains("slug-error"));
    // Without the session's token: refused, nothing saved.
    let forged = author
        .post(
            "/admin/posts/new",
            &[
                ("csrf", "forged"),
                ("title", "Forged"),
                ("status", "draft"),
                ("kind", "post"),
            ],
        )
        .await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let list = author.get("/admin/posts").await.text().await.unwrap();
    for title in [
        "Bad link",
        "Half a track",
        "Bad time",
        "No part",
        "Long track",
        "Another",
        "Forged",
    ] {
        assert!(!list.contains(title), "{title} was not saved");
    }
}

async fn roles_decide_what_the_desk_may_do(backend: TestBackend) {
    let t = TestApp::spawn(backend).await;
    let others = PostBuilder::new(&t.site, &t.author, "Side B Notes")
        .publish(&t.app)
        .await;
    // A contributor writes drafts and sends them for review, but cannot publish.
    let mut contributor = writer(&t, "newbie", Role::Contributor).await;
    let form = contributor
        .get("/admin/posts/new")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        !form.contains("value=\"published\""),
        "publishing is not offered"
    );
    let refused = write(
        &mut contributor,
        "/admin/posts/new",
        &[("title", "Sneaky"), ("body", "x"), ("status", "published")],
    )
    .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert!(refused.text().await.unwrap().contains("publish posts"));
    let pending = write(
        &mut contributor,
        "/admin/posts/new",
        &[
            ("title", "For review"),
            ("body", "x"),
            ("status", "pending"),
        ],
    )
    .await;
    assert_eq!(pending.status(), StatusCode::SEE_OTHER);
    // An author cannot open or change another author's post; an editor can.
    let mut author = writer(&t, "lou", Role::Author).await;
    let path = format!("/admin/posts/{}", others.0);
    assert_eq!(author.get(&path).await.status(), StatusCode::FORBIDDEN);
    let csrf = csrf_of(&author.get("/admin/posts/new").await.text().await.unwrap());
    let changed = author
        .post(
            &path,
            &[
                ("csrf", &csrf),
                ("title", "Hijacked"),
                ("kind", "post"),
                ("status", "draft"),
                ("action", "save"),
            ],
        )
        .await;
    assert_eq!(changed.status(), StatusCode::FORBIDDEN);
    let deleted = author
        .post(&format!("{path}/delete"), &[("csrf", &csrf)])
        .await;
    assert_eq!(deleted.status(), StatusCode::FORBIDDEN);
    let home = t.page("/").await;
    assert!(home.contains("Side B Notes"), "still there, unchanged");
    let mut editor = writer(&t, "ed", Role::Editor).await;
    assert_eq!(editor.get(&path).await.status(), StatusCode::OK);
}

async fn the_list_filters_by_status_author_category_series_and_title(backend: TestBackend) {
    let t = TestApp::spawn(backend).await;
    let soundtracks =
        encore_store::testing::fixtures::category(&t.store, &t.site, "Soundtracks").await;
    let series =
        encore_store::testing::fixtures::series(&t.store, &t.site, "Great Soundtracks of 1985")
            .await;
    PostBuilder::new(&t.site, &t.author, "Rocky IV")
        .category(soundtracks.id)
        .in_series(series.id, 1)
        .publish(&t.app)
        .await;
    PostBuilder::new(&t.site, &t.author, "Back to the Future")
        .draft()
        .publish(&t.app)
        .await;
    PostBuilder::new(&t.site, &t.author, "100% Pure_Synth")
        .publish(&t.app)
        .await;
    let mut editor = writer(&t, "ed", Role::Editor).await;
    let all = editor.get("/admin/posts").await.text().await.unwrap();
    assert!(all.contains("Rocky IV") && all.contains("Back to the Future"));
    let drafts = editor
        .get("/admin/posts?status=draft")
        .await
        .text()
        .await
        .unwrap();
    assert!(drafts.contains("Back to the Future") && !drafts.contains("Rocky IV"));
    let found = editor
        .get("/admin/posts?q=rocky")
        .await
        .text()
        .await
        .unwrap();
    assert!(found.contains("Rocky IV") && !found.contains("Back to the Future"));
    // Wildcards are searched for, not obeyed.
    let percent = editor.get("/admin/posts?q=%25").await.text().await.unwrap();
    assert!(
        percent.contains("Pure_Synth") && !percent.contains("Rocky IV"),
        "{percent}"
    );
    let nobody = editor
        .get("/admin/posts?author=ed")
        .await
        .text()
        .await
        .unwrap();
    assert!(nobody.contains("No posts match."));
    let marty = editor
        .get("/admin/posts?author=marty")
        .await
        .text()
        .await
        .unwrap();
    assert!(marty.contains("Rocky IV"));
    // The dashboard lists what is scheduled apart from what is out.
    PostBuilder::new(&t.site, &t.author, "Coming Next Week")
        .at(t.clock.now() + chrono::Duration::days(7))
        .publish(&t.app)
        .await;
    let dashboard = editor.get("/admin").await.text().await.unwrap();
    let scheduled =
        crate::support::between(&dashboard, "<h2>Scheduled</h2>", "<h2>Latest posts</h2>")
            .expect("a list of scheduled posts");
    assert!(scheduled.contains("Coming Next Week") && !scheduled.contains("Rocky IV"));
    // By category and by series, named by their address names.
    for filter in ["category=soundtracks", "series=great-soundtracks-of-1985"] {
        let page = editor
            .get(&format!("/admin/posts?{filter}"))
            .await
            .text()
            .await
            .unwrap();
        assert!(
            page.contains("Rocky IV") && !page.contains("Back to the Future"),
            "{filter}: {page}"
        );
    }
    assert_eq!(
        editor.get("/admin/posts?page=0").await.status(),
        StatusCode::NOT_FOUND
    );
}

async fn every_save_is_a_revision_that_can_be_compared_and_restored(backend: TestBackend) {
    let t = TestApp::spawn(backend).await;
    let mut editor = writer(&t, "ed", Role::Editor).await;
    let when = (t.clock.now() - chrono::Duration::hours(1))
        .format("%Y-%m-%dT%H:%M")
        .to_string();
    let first = [
        ("title", "Footloose"),
        ("slug", "footloose"),
        (
            "body",
            "Side one starts strong.\nSide two is the title song.",
        ),
        ("status", "published"),
        ("published_at", when.as_str()),
        ("track_0_artist", "Kenny Loggins"),
        ("track_0_title", "Footloose"),
    ];
    let saved = write(&mut editor, "/admin/posts/new", &first).await;
    let edit = location(&saved).trim_end_matches("?saved=1").to_owned();
    let second = [
        ("title", "Footloose (1984)"),
        ("slug", "footloose"),
        ("body", "Side one starts strong.\nSide two drags a little."),
        ("status", "published"),
        ("published_at", when.as_str()),
        ("track_0_artist", "Deniece Williams"),
        ("track_0_title", "Let's Hear It for the Boy"),
    ];
    assert_eq!(
        write(&mut editor, &edit, &second).await.status(),
        StatusCode::SEE_OTHER
    );
    let page = editor.get(&edit).await.text().await.unwrap();
    let links = crate::support::all_between(&page, "href=\"/admin/posts/", "\"");
    let revisions: Vec<&str> = links
        .iter()
        .copied()
        .filter(|l| l.contains("/revisions/"))
        .collect();
    assert_eq!(revisions.len(), 2, "two saves, two revisions: {links:?}");
    let oldest = format!("/admin/posts/{}", revisions[1]);

    let compared = editor.get(&oldest).await.text().await.unwrap();
    assert!(
        compared.contains("diff-removed\">− Side two is the title song."),
        "{compared}"
    );
    assert!(compared.contains("diff-added\">+ Side two drags a little."));
    assert!(compared.contains("diff-same\">  Side one starts strong."));
    assert!(compared.contains("− 1. Kenny Loggins – Footloose"));
    assert!(compared.contains("Saved by ed the reader"));

    // Restoring needs the session's token.
    let forged = editor
        .post(&format!("{oldest}/restore"), &[("csrf", "forged")])
        .await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let csrf = csrf_of(&compared);
    let restored = editor
        .post(&format!("{oldest}/restore"), &[("csrf", &csrf)])
        .await;
    assert_eq!(location(&restored), format!("{edit}?saved=1"));
    let public = crate::support::between(
        &editor
            .get(&format!("{edit}?saved=1"))
            .await
            .text()
            .await
            .unwrap(),
        "Saved. <a href=\"",
        "\">View the post",
    )
    .expect("a link to the post")
    .to_owned();
    let post = t.page(&public).await;
    assert!(
        post.contains("Side two is the title song.") && post.contains("Kenny Loggins"),
        "{post}"
    );
    assert!(!post.contains("Deniece Williams"));
    let page = editor.get(&edit).await.text().await.unwrap();
    let count = crate::support::all_between(&page, "href=\"/admin/posts/", "\"")
        .iter()
        .filter(|l| l.contains("/revisions/"))
        .count();
    assert_eq!(count, 3, "the restore is a revision too");

    // An author cannot look into another author's post's history.
    let mut author = writer(&t, "lou", Role::Author).await;
    assert_eq!(author.get(&oldest).await.status(), StatusCode::FORBIDDEN);
}
