//! Category, tag, author, series and date archives.

use crate::support::{PostBuilder, TestApp, all_between, between};
use chrono::{TimeZone, Utc};
use encore_app::testing::Publish;
use encore_store::testing::{TestBackend, fixtures};
use reqwest::StatusCode;

encore_store::backend_tests!(
    category_tag_and_author_pages_list_their_posts,
    the_series_page_lists_parts_in_reading_order,
    the_sidebar_counts_only_public_posts,
);

fn card_titles(html: &str) -> Vec<String> {
    all_between(html, "<h2 class=\"card-title\">", "</h2>")
        .into_iter()
        .map(|t| between(t, "\">", "<").unwrap().to_owned())
        .collect()
}

async fn category_tag_and_author_pages_list_their_posts(backend: TestBackend) {
    let app = TestApp::spawn(backend).await;
    let y85 =
        fixtures::category_described(&app.store, &app.site, "1985", "The year of the Walkman.")
            .await;
    let synth = fixtures::tag(&app.store, &app.site, "Synthesizers").await;
    let eva = fixtures::author(&app.store, &app.site, "eva").await;
    PostBuilder::new(&app.site, &app.author, "Rocky IV")
        .days_ago(2)
        .category(y85.id)
        .tag(synth.id)
        .publish(&app.app)
        .await;
    PostBuilder::new(&app.site, &eva, "Top Gun")
        .days_ago(1)
        .tag(synth.id)
        .publish(&app.app)
        .await;

    let category = app.page("/category/1985").await;
    assert_eq!(card_titles(&category), ["Rocky IV"]);
    assert!(
        category.contains("<p class=\"kicker\">Category</p>")
            && category.contains("The year of the Walkman.")
    );
    assert_eq!(
        card_titles(&app.page("/tag/synthesizers").await),
        ["Top Gun", "Rocky IV"]
    );
    let author = app.page("/author/eva").await;
    assert_eq!(card_titles(&author), ["Top Gun"]);
    assert!(author.contains("<h1>EVA</h1>"));
    assert_eq!(
        app.get("/category/1985/page/2").await.status(),
        StatusCode::NOT_FOUND
    );
}

async fn the_series_page_lists_parts_in_reading_order(backend: TestBackend) {
    let app = TestApp::spawn(backend).await;
    let series = fixtures::series_described(
        &app.store,
        &app.site,
        "Great Soundtracks of 1985",
        "Ten records.",
    )
    .await;
    PostBuilder::new(&app.site, &app.author, "Part Three")
        .days_ago(1)
        .in_series(series.id, 3)
        .publish(&app.app)
        .await;
    PostBuilder::new(&app.site, &app.author, "Part One")
        .days_ago(5)
        .in_series(series.id, 1)
        .publish(&app.app)
        .await;
    PostBuilder::new(&app.site, &app.author, "Part Two")
        .days_ago(9)
        .in_series(series.id, 2)
        .publish(&app.app)
        .await;
    PostBuilder::new(&app.site, &app.author, "Part Four")
        .draft()
        .in_series(series.id, 4)
        .publish(&app.app)
        .await;
    let html = app.page("/series/great-soundtracks-of-1985").await;
    let parts: Vec<_> = all_between(&html, "<span class=\"series-part-number\">", "</a>")
        .into_iter()
        .map(|p| {
            p.replace("</span> ", " ")
                .split('>')
                .collect::<Vec<_>>()
                .join(">")
        })
        .map(|p| {
            let number = p.split('<').next().unwrap().to_owned();
            let title = p.rsplit('>').next().unwrap().to_owned();
            format!("{number}: {title}")
        })
        .collect();
    assert_eq!(
        parts,
        [
            "Part 1 : Part One",
            "Part 2 : Part Two",
            "Part 3 : Part Three"
        ]
    );
    assert!(html.contains("Ten records."));
}

async fn the_sidebar_counts_only_public_posts(backend: TestBackend) {
    let app = TestApp::spawn(backend).await;
    let cat = fixtures::category(&app.store, &app.site, "1985").await;
    let at = |y| Utc.with_ymd_and_hms(y, 6, 1, 12, 0, 0).unwrap();
    PostBuilder::new(&app.site, &app.author, "A")
        .at(at(1985))
        .category(cat.id)
        .publish(&app.app)
        .await;
    PostBuilder::new(&app.site, &app.author, "B")
        .at(at(1986))
        .category(cat.id)
        .publish(&app.app)
        .await;
    PostBuilder::new(&app.site, &app.author, "C")
        .draft()
        .category(cat.id)
        .publish(&app.app)
        .await;
    let html = app.page("/").await;
    let sidebar = between(&html, "<aside", "</aside>").unwrap();
    assert!(
        sidebar.contains("<a href=\"/category/1985\">1985</a> <span class=\"count\">2</span>"),
        "{sidebar}"
    );
    assert!(
        sidebar.contains("<a href=\"/1986\">1986</a> <span class=\"count\">1</span>"),
        "{sidebar}"
    );
}
