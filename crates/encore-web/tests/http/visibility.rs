//! The visibility rule on every public surface: only a published post whose time has come is
//! shown. Drafts, posts waiting for review and private posts carry a date here, so the status
//! half of the rule is what hides them; a scheduled post is published, so the date half is.

use crate::support::{PostBuilder, TestApp};
use bytes::Bytes;
use chrono::Duration;
use encore_app::testing::Publish;
use encore_core::post::PostStatus;
use encore_store::testing::{
    TestBackend,
    fixtures::{self, now},
};
use reqwest::StatusCode;

encore_store::backend_tests!(hidden_posts_are_on_no_public_surface);

const HIDDEN: [(&str, PostStatus, i64); 4] = [
    ("Dated Draft", PostStatus::Draft, -2),
    ("Awaiting Review", PostStatus::Pending, -2),
    ("Private Notes", PostStatus::Private, -2),
    // Published, an hour ahead of the server's clock.
    ("Scheduled Release", PostStatus::Published, 1),
];

async fn hidden_posts_are_on_no_public_surface(backend: TestBackend) {
    // One post per page: a count that let a hidden post in would add a second page.
    let app = TestApp::spawn_with(backend, 1).await;
    let (site, store) = (&app.site, &app.store);
    let year = fixtures::category(store, site, "1985").await;
    let bootlegs = fixtures::category(store, site, "Bootlegs").await;
    let soundtracks = fixtures::tag(store, site, "Soundtracks").await;
    let unreleased = fixtures::tag(store, site, "Unreleased").await;
    let series = fixtures::series(store, site, "Great Soundtracks").await;
    let eva = fixtures::author(store, site, "eva").await;
    let file = |name: &'static str| async move {
        fixtures::download(store, site, name, Bytes::from_static(b"liner notes")).await
    };

    let shown = file("shown.txt").await;
    PostBuilder::new(site, &app.author, "Visible Post")
        .days_ago(1)
        .category(year.id)
        .tag(soundtracks.id)
        .in_series(series.id, 1)
        .download(shown.id)
        .publish(&app.app)
        .await;
    PostBuilder::new(site, &app.author, "About")
        .page()
        .publish(&app.app)
        .await;

    let mut hidden_paths = Vec::new();
    let mut hidden_files = Vec::new();
    for (position, (title, status, hours)) in (2..).zip(HIDDEN) {
        let at = now() + Duration::hours(hours * if hours < 0 { 24 } else { 1 });
        let download = file("hidden.txt").await;
        // Eva's only post is hidden, so her author page must not exist.
        let author = if status == PostStatus::Private {
            &eva
        } else {
            &app.author
        };
        PostBuilder::new(site, author, title)
            .at(at)
            .status(status)
            .category(year.id)
            .category(bootlegs.id)
            .tag(soundtracks.id)
            .tag(unreleased.id)
            .in_series(series.id, position)
            .download(download.id)
            .publish(&app.app)
            .await;
        let slug = title.to_lowercase().replace(' ', "-");
        hidden_paths.push(format!("/{}/{slug}", at.format("%Y/%m/%d")));
        hidden_files.push(format!("/download/{}/hidden.txt", download.id));
    }
    for (title, status, at) in [
        ("Secret Page", PostStatus::Draft, now() - Duration::days(1)),
        ("Staff Page", PostStatus::Private, now() - Duration::days(1)),
        (
            "Coming Soon",
            PostStatus::Published,
            now() + Duration::hours(1),
        ),
    ] {
        PostBuilder::new(site, &app.author, title)
            .page()
            .status(status)
            .at(at)
            .publish(&app.app)
            .await;
        hidden_paths.push(format!("/{}", title.to_lowercase().replace(' ', "-")));
    }

    let visible_path = format!(
        "/{}/visible-post",
        (now() - Duration::days(1)).format("%Y/%m/%d")
    );
    let month = now().format("/%Y/%m").to_string();
    let year_path = now().format("/%Y").to_string();
    let lists = [
        "/",
        "/category/1985",
        "/tag/soundtracks",
        "/author/marty",
        year_path.as_str(),
        month.as_str(),
    ];
    for path in
        lists
            .iter()
            .copied()
            .chain(["/series/great-soundtracks", visible_path.as_str(), "/about"])
    {
        let html = app.page(path).await;
        for (title, _, _) in HIDDEN {
            assert!(!html.contains(title), "{path} shows {title:?}");
        }
        for page in ["Secret Page", "Staff Page", "Coming Soon"] {
            assert!(!html.contains(page), "{path} lists {page:?} in the menu");
        }
        assert!(
            !html.contains("Bootlegs"),
            "{path}: a category of hidden posts only is not in the sidebar"
        );
        // Sidebar counts: one public post in the category, the series and the year.
        for count in [
            "<a href=\"/category/1985\">1985</a> <span class=\"count\">1</span>",
            "<a href=\"/series/great-soundtracks\">Great Soundtracks</a> <span class=\"count\">1</span>",
            &format!(
                "<a href=\"{year_path}\">{}</a> <span class=\"count\">1</span>",
                &year_path[1..]
            ),
        ] {
            assert!(html.contains(count), "{path}: expected {count}");
        }
    }
    for path in lists {
        let html = app.page(path).await;
        assert!(html.contains("Visible Post"), "{path}");
        assert!(
            !html.contains("rel=\"next\""),
            "{path} counts a hidden post into a second page"
        );
        let second = if path == "/" {
            "/page/2".to_owned()
        } else {
            format!("{path}/page/2")
        };
        assert_eq!(
            app.get(&second).await.status(),
            StatusCode::NOT_FOUND,
            "{second}"
        );
    }

    let post = app.page(&visible_path).await;
    assert!(
        post.contains("Part 1 of 1 in"),
        "the series counts public parts only"
    );
    assert!(
        !post.contains("class=\"post-nav\""),
        "no previous or next post: its neighbours in time are all hidden"
    );
    let series_page = app.page("/series/great-soundtracks").await;
    assert_eq!(
        series_page.matches("class=\"series-part-number\"").count(),
        1
    );

    for path in hidden_paths
        .iter()
        .chain(&hidden_files)
        .map(String::as_str)
        .chain(["/tag/unreleased", "/category/bootlegs", "/author/eva"])
    {
        assert_eq!(
            app.get(path).await.status(),
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    assert_eq!(
        app.get(&format!("/download/{}/shown.txt", shown.id))
            .await
            .status(),
        StatusCode::OK
    );
}
