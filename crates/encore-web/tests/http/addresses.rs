//! Addresses in every language: a post is reachable from the link the home page gives, in one
//! request, whatever script its title is written in.

use crate::support::{PostBuilder, TestApp, all_between, between, json_ld, location};
use chrono::{Duration, TimeZone, Utc};
use encore_app::{
    Actor, AppError,
    posts::create_post,
    testing::{Publish, draft_of},
};
use encore_store::testing::{TestBackend, fixtures};
use reqwest::StatusCode;

encore_store::backend_tests!(
    titles_in_any_script_are_reachable_from_their_links,
    titles_that_differ_only_in_normalisation_share_one_slug,
    categories_and_tags_in_any_script_have_working_addresses,
);

const TITLES: [&str; 7] = [
    "Рок-музыка",
    "Μουσική της δεκαετίας του '80",
    "日本のシティポップ",
    "موسيقى الثمانينات",
    "Café del Mar",
    // The same words with a combining accent (e + U+0301) instead of é.
    "Cafe\u{301} Tacvba en vivo",
    "Riffs 🎸 & Solos",
];

async fn titles_in_any_script_are_reachable_from_their_links(backend: TestBackend) {
    let app = TestApp::spawn(backend).await;
    let at = Utc.with_ymd_and_hms(2026, 10, 10, 18, 0, 0).unwrap();
    for (i, title) in TITLES.iter().enumerate() {
        PostBuilder::new(&app.site, &app.author, title)
            .at(at + Duration::minutes(i as i64))
            .publish(&app.app)
            .await;
    }
    let home = app.page("/").await;
    for title in TITLES {
        let shown = encore_core::html::escape(&unicode_nfc(title));
        let href = all_between(&home, "<h2 class=\"card-title\"><a href=\"", "</a>")
            .into_iter()
            .find_map(|card| card.strip_suffix(&format!("\">{shown}")))
            .unwrap_or_else(|| panic!("{title:?} is linked from the home page: {home}"))
            .to_owned();
        assert!(href.is_ascii(), "links are percent-encoded: {href}");
        assert!(href.starts_with("/2026/10/10/"), "{href}");
        // One request, no redirect.
        let response = app.get(&href).await;
        assert_eq!(response.status(), StatusCode::OK, "{title:?} at {href}");
        let html = response.text().await.unwrap();
        let canonical = format!("{}{href}", app.base);
        assert_eq!(
            between(&html, "<link rel=\"canonical\" href=\"", "\""),
            Some(canonical.as_str()),
            "{title:?}"
        );
        assert!(
            html.contains(&format!(
                "<meta property=\"og:url\" content=\"{canonical}\">"
            )),
            "{title:?}"
        );
        assert_eq!(json_ld(&html)["url"], canonical.as_str(), "{title:?}");
        // Lower-case hex is the same address: no redirect, certainly no loop.
        let lower = lower_hex(&href);
        if lower != href {
            assert_eq!(app.get(&lower).await.status(), StatusCode::OK, "{lower}");
        }
        // A stale date redirects once, to the encoded address, which then answers.
        let stale = href.replacen("/2026/10/10/", "/2019/01/02/", 1);
        let moved = app.get(&stale).await;
        assert_eq!(moved.status(), StatusCode::PERMANENT_REDIRECT, "{stale}");
        assert_eq!(location(&moved), href);
        assert_eq!(app.get(&location(&moved)).await.status(), StatusCode::OK);
    }
}

async fn titles_that_differ_only_in_normalisation_share_one_slug(backend: TestBackend) {
    let app = TestApp::spawn(backend).await;
    for (composed, decomposed) in [
        ("Café del Mar", "Cafe\u{301} del Mar"),
        ("Άλμπουμ", "Α\u{301}λμπουμ"),
    ] {
        assert_ne!(composed, decomposed);
        PostBuilder::new(&app.site, &app.author, composed)
            .publish(&app.app)
            .await;
        let again = PostBuilder::new(&app.site, &app.author, decomposed).0;
        assert!(
            matches!(
                create_post(&app.app, Actor::Operator, app.site.id, draft_of(&again)).await,
                Err(AppError::Conflict("slug"))
            ),
            "{decomposed:?} takes the slug of {composed:?}"
        );
    }
    // A reader whose client sends the decomposed letters still arrives.
    let day = (fixtures::now() - Duration::days(1)).format("/%Y/%m/%d");
    let decomposed = format!("{day}/{}", encode("α\u{301}λμπουμ"));
    let response = app.get(&decomposed).await;
    assert_eq!(response.status(), StatusCode::PERMANENT_REDIRECT);
    assert_eq!(location(&response), format!("{day}/{}", encode("άλμπουμ")));
}

async fn categories_and_tags_in_any_script_have_working_addresses(backend: TestBackend) {
    let app = TestApp::spawn(backend).await;
    let category = fixtures::category(&app.store, &app.site, "Рок").await;
    let tag = fixtures::tag(&app.store, &app.site, "シティポップ").await;
    PostBuilder::new(&app.site, &app.author, "Mixtape")
        .category(category.id)
        .tag(tag.id)
        .publish(&app.app)
        .await;
    let home = app.page("/").await;
    for (name, expected) in [
        ("Рок", format!("/category/{}", encode("рок"))),
        ("シティポップ", format!("/tag/{}", encode("シティポップ"))),
    ] {
        let html = if name == "Рок" {
            home.clone()
        } else {
            app.page(&format!(
                "/{}/mixtape",
                (fixtures::now() - Duration::days(1)).format("%Y/%m/%d")
            ))
            .await
        };
        assert!(
            html.contains(&format!("<a href=\"{expected}\"")),
            "{name} links to {expected}"
        );
        let page = app.page(&expected).await;
        assert!(page.contains("Mixtape") && page.contains(&format!("<h1>{name}</h1>")));
        assert!(page.contains(&format!(
            "<link rel=\"canonical\" href=\"{}{expected}\">",
            app.base
        )));
    }
}

fn encode(segment: &str) -> String {
    encore_core::address::segment(segment).into_owned()
}

fn unicode_nfc(text: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    text.nfc().collect()
}

fn lower_hex(path: &str) -> String {
    let mut out = String::new();
    let mut rest = path;
    while let Some(i) = rest.find('%') {
        out.push_str(&rest[..i]);
        out.push_str(&rest[i..i + 3].to_ascii_lowercase());
        rest = &rest[i + 3..];
    }
    out.push_str(rest);
    out
}
