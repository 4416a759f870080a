//! The home page, single posts and pages: what readers see and what stays hidden.

use crate::support::{PostBuilder, TestApp, all_between, between, json_ld, location};
use chrono::{Duration, TimeZone, Utc};
use encore_app::testing::Publish;
use encore_core::tracks::parse_listing;
use encore_store::testing::{
    TestBackend,
    fixtures::{self, now},
};
use reqwest::StatusCode;

encore_store::backend_tests!(
    the_home_page_lists_public_posts_newest_first_in_pages,
    a_post_shows_its_track_listing_in_order_and_its_series_place,
    the_post_page_describes_itself_to_machines,
    drafts_and_scheduled_posts_are_nowhere_until_their_time,
    unknown_addresses_get_a_real_404_page,
    old_and_trailing_slash_addresses_redirect_to_the_canonical_one,
    pages_live_at_the_root_beside_year_archives,
    embeds_make_no_third_party_request_until_clicked,
);

async fn the_home_page_lists_public_posts_newest_first_in_pages(backend: TestBackend) {
    let app = TestApp::spawn_with(backend, 2).await;
    for (title, days) in [("Oldest", 3), ("Middle", 2), ("Newest", 1)] {
        PostBuilder::new(&app.site, &app.author, title)
            .days_ago(days)
            .publish(&app.app)
            .await;
    }
    let home = app.page("/").await;
    let titles: Vec<_> = all_between(&home, "<h2 class=\"card-title\">", "</h2>")
        .into_iter()
        .map(|t| between(t, "\">", "<").unwrap())
        .collect();
    assert_eq!(titles, ["Newest", "Middle"]);
    assert!(home.contains("Page 1 of 2"), "{home}");
    assert!(home.contains("href=\"/page/2\" rel=\"next\""));
    let second = app.page("/page/2").await;
    assert!(second.contains(">Oldest<") && !second.contains(">Newest<"));
    assert!(second.contains("href=\"/\" rel=\"prev\""));
    assert_eq!(app.get("/page/3").await.status(), StatusCode::NOT_FOUND);
    let first = app.get("/page/1").await;
    assert_eq!(
        (first.status(), location(&first)),
        (StatusCode::PERMANENT_REDIRECT, "/".to_owned())
    );
}

async fn a_post_shows_its_track_listing_in_order_and_its_series_place(backend: TestBackend) {
    let app = TestApp::spawn(backend).await;
    let series = fixtures::series(&app.store, &app.site, "Great Soundtracks of 1985").await;
    let tracks = parse_listing("Survivor – Burning Heart\nJohn Cafferty & The Beaver Brown Band – Hearts on Fire\nVince DiCola – War (5:54)").unwrap();
    PostBuilder::new(&app.site, &app.author, "Back to the Future")
        .days_ago(30)
        .in_series(series.id, 1)
        .publish(&app.app)
        .await;
    PostBuilder::new(&app.site, &app.author, "Rocky IV")
        .days_ago(20)
        .in_series(series.id, 2)
        .tracks(tracks)
        .publish(&app.app)
        .await;
    PostBuilder::new(&app.site, &app.author, "The Cult – Love")
        .days_ago(10)
        .in_series(series.id, 3)
        .publish(&app.app)
        .await;
    PostBuilder::new(&app.site, &app.author, "Unrelated")
        .days_ago(15)
        .publish(&app.app)
        .await;

    let path = format!(
        "/{}/rocky-iv",
        (now() - Duration::days(20)).format("%Y/%m/%d")
    );
    let html = app.page(&path).await;
    assert!(html.contains("<h1 class=\"post-title\">Rocky IV</h1>"));
    let listing: Vec<String> = all_between(&html, "<li value=", "</li>")
        .into_iter()
        .map(|li| {
            let artist = between(li, "class=\"track-artist\">", "<").unwrap();
            let title = between(li, "class=\"track-title\">", "<").unwrap();
            format!("{}{artist} – {title}", li.split('"').nth(1).unwrap())
        })
        .collect();
    assert_eq!(
        listing,
        [
            "1Survivor – Burning Heart",
            "2John Cafferty &amp; The Beaver Brown Band – Hearts on Fire",
            "3Vince DiCola – War"
        ]
    );
    assert!(html.contains("datetime=\"PT5M54S\">5:54</time>"));
    // The series box: place, neighbours in the series (not in time), all parts.
    assert!(
        html.contains("Part 2 of 3 in <a href=\"/series/great-soundtracks-of-1985\">"),
        "{html}"
    );
    assert!(html.contains("rel=\"prev\">Previous in series: Back to the Future</a>"));
    assert!(html.contains("rel=\"next\">Next in series: The Cult – Love"));
    // Previous/next post go by date: "Unrelated" sits between Rocky IV and The Cult.
    let post_nav = between(&html, "<nav class=\"post-nav\"", "</nav>").unwrap();
    assert!(
        post_nav.contains("Back to the Future") && post_nav.contains("Unrelated"),
        "{post_nav}"
    );
}

async fn the_post_page_describes_itself_to_machines(backend: TestBackend) {
    let app = TestApp::spawn(backend).await;
    let series = fixtures::series(&app.store, &app.site, "Great Soundtracks of 1985").await;
    let cat = fixtures::category(&app.store, &app.site, "1985").await;
    let tag = fixtures::tag(&app.store, &app.site, "Soundtracks").await;
    let tracks =
        parse_listing("Survivor – Burning Heart (3:51)\nJames Brown – Living in America").unwrap();
    let at = Utc.with_ymd_and_hms(2026, 9, 19, 9, 30, 0).unwrap();
    PostBuilder::new(&app.site, &app.author, "Rocky IV </script>")
        .at(at)
        .in_series(series.id, 1)
        .category(cat.id)
        .tag(tag.id)
        .tracks(tracks)
        .publish(&app.app)
        .await;
    let html = app.page("/2026/09/19/rocky-iv-script").await;
    let canonical = format!("{}/2026/09/19/rocky-iv-script", app.base);
    assert!(
        html.contains(&format!("<link rel=\"canonical\" href=\"{canonical}\">")),
        "{html}"
    );
    assert!(html.contains("<meta property=\"og:type\" content=\"article\">"));
    assert!(html.contains("<meta property=\"og:title\" content=\"Rocky IV &lt;/script&gt;\">"));
    assert!(html.contains(&format!(
        "<meta property=\"og:url\" content=\"{canonical}\">"
    )));
    assert!(
        html.contains(
            "<meta property=\"article:published_time\" content=\"2026-09-19T09:30:00Z\">"
        )
    );

    let ld = json_ld(&html);
    assert_eq!(ld["@context"], "https://schema.org");
    assert_eq!(ld["@type"], "BlogPosting");
    assert_eq!(
        ld["headline"], "Rocky IV </script>",
        "the title survives escaping intact"
    );
    assert_eq!(ld["url"], canonical.as_str());
    assert_eq!(ld["datePublished"], "2026-09-19T09:30:00Z");
    assert_eq!(ld["author"]["name"], "MARTY");
    assert_eq!(ld["articleSection"], "1985");
    assert_eq!(ld["isPartOf"]["name"], "Great Soundtracks of 1985");
    let playlist = &ld["about"];
    assert_eq!(playlist["@type"], "MusicPlaylist");
    assert_eq!(playlist["numTracks"], 2);
    assert_eq!(playlist["track"][0]["@type"], "MusicRecording");
    assert_eq!(playlist["track"][0]["name"], "Burning Heart");
    assert_eq!(playlist["track"][0]["byArtist"]["name"], "Survivor");
    assert_eq!(playlist["track"][0]["duration"], "PT3M51S");
    assert_eq!(playlist["track"][1]["position"], 2);
    assert_eq!(playlist["track"][1]["byArtist"]["name"], "James Brown");

    // Every other page carries a canonical link and OpenGraph too.
    for path in [
        "/",
        "/category/1985",
        "/tag/soundtracks",
        "/series/great-soundtracks-of-1985",
        "/2026",
        "/author/marty",
    ] {
        let page = app.page(path).await;
        let expected = if path == "/" {
            format!("{}/", app.base)
        } else {
            format!("{}{path}", app.base)
        };
        assert!(
            page.contains(&format!("<link rel=\"canonical\" href=\"{expected}\">")),
            "{path}"
        );
        assert!(
            page.contains("<meta property=\"og:site_name\" content=\"Test Blog\">"),
            "{path}"
        );
    }
}

async fn drafts_and_scheduled_posts_are_nowhere_until_their_time(backend: TestBackend) {
    let app = TestApp::spawn(backend).await;
    let cat = fixtures::category(&app.store, &app.site, "1985").await;
    let tag = fixtures::tag(&app.store, &app.site, "hidden").await;
    PostBuilder::new(&app.site, &app.author, "Visible Post")
        .category(cat.id)
        .publish(&app.app)
        .await;
    PostBuilder::new(&app.site, &app.author, "Secret Draft")
        .draft()
        .category(cat.id)
        .tag(tag.id)
        .publish(&app.app)
        .await;
    // Scheduled an hour ahead of the server's clock, which stands still until the test moves it.
    let release = now() + Duration::hours(1);
    PostBuilder::new(&app.site, &app.author, "Scheduled Post")
        .at(release)
        .category(cat.id)
        .publish(&app.app)
        .await;
    let scheduled_path = format!("/{}/scheduled-post", release.format("%Y/%m/%d"));

    let year = release.format("%Y").to_string();
    for path in ["/", "/category/1985", &format!("/{year}"), "/author/marty"] {
        let html = app.page(path).await;
        assert!(html.contains("Visible Post"), "{path}");
        assert!(
            !html.contains("Secret Draft") && !html.contains("Scheduled Post"),
            "{path} leaks a hidden post"
        );
    }
    assert_eq!(
        app.get("/tag/hidden").await.status(),
        StatusCode::NOT_FOUND,
        "a tag with only drafts is empty"
    );
    assert_eq!(
        app.get(&scheduled_path).await.status(),
        StatusCode::NOT_FOUND
    );
    let draft_path = format!("/{}/secret-draft", now().format("%Y/%m/%d"));
    assert_eq!(app.get(&draft_path).await.status(), StatusCode::NOT_FOUND);

    app.clock.advance(std::time::Duration::from_secs(3599));
    assert_eq!(
        app.get(&scheduled_path).await.status(),
        StatusCode::NOT_FOUND,
        "a second before its time"
    );
    app.clock.advance(std::time::Duration::from_secs(1));
    for path in ["/", "/category/1985", &format!("/{year}"), "/author/marty"] {
        assert!(
            app.page(path).await.contains("Scheduled Post"),
            "the scheduled post appears on {path} at its second"
        );
    }
    assert_eq!(app.get(&scheduled_path).await.status(), StatusCode::OK);
    assert!(!app.page("/").await.contains("Secret Draft"));
}

async fn unknown_addresses_get_a_real_404_page(backend: TestBackend) {
    let app = TestApp::spawn(backend).await;
    PostBuilder::new(&app.site, &app.author, "Rocky IV")
        .publish(&app.app)
        .await;
    for path in [
        "/2026/01/01/no-such-post",
        "/no-such-page",
        "/category/none",
        "/tag/none",
        "/series/none",
        "/author/nobody",
        "/1984",
        "/2026/13",
        "/2026/99/99/rocky-iv",
        "/not/a/known/route/at/all",
        "/Bad%20Slug",
        "/download/999/x.txt",
        "/theme/nothing.css",
    ] {
        let response = app.get(path).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
        assert_eq!(
            response.headers()["content-type"],
            "text/html; charset=utf-8",
            "{path}"
        );
        let html = response.text().await.unwrap();
        assert!(html.contains("<h1>Page not found</h1>"), "{path}: {html}");
        assert!(
            html.contains("Test Blog"),
            "the 404 page is the site's own: {path}"
        );
    }
}

async fn old_and_trailing_slash_addresses_redirect_to_the_canonical_one(backend: TestBackend) {
    let app = TestApp::spawn(backend).await;
    let at = Utc.with_ymd_and_hms(2026, 9, 19, 9, 30, 0).unwrap();
    PostBuilder::new(&app.site, &app.author, "Rocky IV")
        .at(at)
        .publish(&app.app)
        .await;
    let moved = app.get("/2025/01/02/rocky-iv").await;
    assert_eq!(
        (moved.status(), location(&moved)),
        (
            StatusCode::PERMANENT_REDIRECT,
            "/2026/09/19/rocky-iv".to_owned()
        )
    );
    // Built on the site's own address, never on what the request said.
    let slashed = app.get("/2026/09/19/rocky-iv/").await;
    assert_eq!(
        location(&slashed),
        format!("{}/2026/09/19/rocky-iv", app.base)
    );
    let with_query = app.get("/2026/?utm=x").await;
    assert_eq!(location(&with_query), format!("{}/2026?utm=x", app.base));
    // Never an open redirect: `//evil.example/` stays on this site.
    let sneaky = app.get("//evil.example/").await;
    assert!(
        location(&sneaky).starts_with(&format!("{}/", app.base)),
        "{}",
        location(&sneaky)
    );
    // Non-canonical spellings of an address redirect to the one spelling.
    for (path, canonical) in [
        ("/2026/9", "/2026/09"),
        ("/2026/009", "/2026/09"),
        ("/page/01", "/"),
        ("/2026/9/19/rocky-iv", "/2026/09/19/rocky-iv"),
    ] {
        let response = app.get(path).await;
        assert_eq!(
            (response.status(), location(&response)),
            (StatusCode::PERMANENT_REDIRECT, canonical.to_owned()),
            "{path}"
        );
    }
    // Signs are not digits: no such address.
    assert_eq!(app.get("/2026/+9").await.status(), StatusCode::NOT_FOUND);
}

async fn pages_live_at_the_root_beside_year_archives(backend: TestBackend) {
    let app = TestApp::spawn(backend).await;
    PostBuilder::new(&app.site, &app.author, "About")
        .page()
        .publish(&app.app)
        .await;
    let at = Utc.with_ymd_and_hms(1985, 11, 27, 12, 0, 0).unwrap();
    PostBuilder::new(&app.site, &app.author, "Rocky IV")
        .at(at)
        .publish(&app.app)
        .await;
    let about = app.page("/about").await;
    assert!(about.contains("<h1 class=\"post-title\">About</h1>"));
    assert!(
        app.page("/").await.contains("<a href=\"/about\">About</a>"),
        "pages appear in the menu"
    );
    let year = app.page("/1985").await;
    assert!(year.contains("<h1>1985</h1>") && year.contains("Rocky IV"));
    let month = app.page("/1985/11").await;
    assert!(month.contains("<h1>November 1985</h1>") && month.contains("Rocky IV"));
    assert_eq!(app.get("/1985/10").await.status(), StatusCode::NOT_FOUND);
}

async fn embeds_make_no_third_party_request_until_clicked(backend: TestBackend) {
    let app = TestApp::spawn(backend).await;
    let mut post = PostBuilder::new(&app.site, &app.author, "Videos");
    post.0.body = "Watch this:\n\nhttps://www.youtube.com/watch?v=btPJPFnesV4\n\nAnd this one is just a link: https://example.org/page\n\n<iframe src=\"https://evil.example/\"></iframe>".into();
    post.publish(&app.app).await;
    let html = app
        .page(&format!(
            "/{}/videos",
            (now() - Duration::days(1)).format("%Y/%m/%d")
        ))
        .await;
    let body = between(&html, "<div class=\"post-body\">", "</div>").unwrap();
    assert!(
        body.contains("data-embed-src=\"https://www.youtube-nocookie.com/embed/btPJPFnesV4\""),
        "{body}"
    );
    assert!(
        body.contains(">Watch on YouTube</a>"),
        "works without JavaScript as a link"
    );
    assert!(
        !html.contains("<iframe"),
        "no frame, so no request to the provider before a click"
    );
    assert!(!html.contains("evil.example"));
    assert!(
        body.contains("https://example.org/page"),
        "other URLs stay plain text or links"
    );
}
