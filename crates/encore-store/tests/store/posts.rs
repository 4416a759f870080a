//! Posts: what the public sees, in which order, on which site.

use crate::fixtures::{self, PostBuilder, now};
use chrono::{Duration, TimeZone, Utc};
use encore_core::{
    paging::PageRequest,
    post::{PostKind, PostStatus},
    tracks::parse_listing,
};
use encore_store::{
    StoreError,
    posts::PostFilter,
    testing::{TestBackend, TestStore},
};

encore_store::backend_tests!(
    a_post_keeps_its_listing_categories_and_tags,
    drafts_and_scheduled_posts_stay_hidden_until_their_time,
    lists_are_newest_first_and_paginated,
    filters_select_by_category_tag_author_and_date,
    neighbours_skip_hidden_posts,
    one_sites_posts_never_show_on_another,
    taken_slugs_are_conflicts_and_pages_have_their_own,
    archive_years_count_public_posts,
);

async fn a_post_keeps_its_listing_categories_and_tags(backend: TestBackend) {
    let t = TestStore::new(backend).await;
    let site = fixtures::site(&t.store, "music.example").await;
    let author = fixtures::author(&t.store, &site, "max").await;
    let year = fixtures::category(&t.store, &site, "1985").await;
    let tag = fixtures::tag(&t.store, &site, "Soundtracks").await;
    let tracks =
        parse_listing("Survivor – Burning Heart\nJames Brown – Living in America (4:42)").unwrap();
    let id = PostBuilder::new(&site, &author, "Rocky IV")
        .category(year.id)
        .tag(tag.id)
        .tracks(tracks)
        .insert(&t.store)
        .await;
    let post = t
        .store
        .posts()
        .public_by_slug(site.id, PostKind::Post, "rocky-iv", now())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(post.summary.id, id);
    assert_eq!(post.summary.author.username, "max");
    assert_eq!(
        post.summary
            .categories
            .iter()
            .map(|c| c.name.as_str())
            .collect::<Vec<_>>(),
        ["1985"]
    );
    assert_eq!(
        post.tags
            .iter()
            .map(|c| c.slug.as_str())
            .collect::<Vec<_>>(),
        ["soundtracks"]
    );
    let listing: Vec<_> = post
        .tracks
        .iter()
        .map(|t| {
            (
                t.position,
                t.artist.as_str(),
                t.title.as_str(),
                t.duration_seconds,
            )
        })
        .collect();
    assert_eq!(
        listing,
        [
            (1, "Survivor", "Burning Heart", None),
            (2, "James Brown", "Living in America", Some(282))
        ]
    );
    assert_eq!(post.summary.excerpt, "All about Rocky IV.");
    // ensure_* returns the existing row the second time.
    assert_eq!(
        fixtures::category(&t.store, &site, "1985").await.id,
        year.id
    );
}

async fn drafts_and_scheduled_posts_stay_hidden_until_their_time(backend: TestBackend) {
    let t = TestStore::new(backend).await;
    let site = fixtures::site(&t.store, "music.example").await;
    let author = fixtures::author(&t.store, &site, "max").await;
    let cat = fixtures::category(&t.store, &site, "1985").await;
    PostBuilder::new(&site, &author, "Visible")
        .category(cat.id)
        .insert(&t.store)
        .await;
    let draft = PostBuilder::new(&site, &author, "Secret Draft")
        .category(cat.id)
        .draft()
        .insert(&t.store)
        .await;
    let release = now() + Duration::hours(2);
    PostBuilder::new(&site, &author, "Scheduled")
        .category(cat.id)
        .at(release)
        .insert(&t.store)
        .await;

    let titles = |p: encore_core::paging::Paginated<encore_core::post::PostSummary>| {
        p.items.into_iter().map(|s| s.title).collect::<Vec<_>>()
    };
    let page = PageRequest::first(10);
    assert_eq!(
        titles(
            t.store
                .posts()
                .list(site.id, PostFilter::All, page, now())
                .await
                .unwrap()
        ),
        ["Visible"]
    );
    assert_eq!(
        titles(
            t.store
                .posts()
                .list(site.id, PostFilter::Category(cat.id), page, now())
                .await
                .unwrap()
        ),
        ["Visible"]
    );
    assert!(
        t.store
            .posts()
            .public_by_slug(site.id, PostKind::Post, "secret-draft", now())
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        t.store
            .posts()
            .public_by_slug(site.id, PostKind::Post, "scheduled", now())
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(
        t.store
            .taxonomy()
            .categories_in_use(site.id, now())
            .await
            .unwrap()[0]
            .posts,
        1
    );

    // Its time comes: the scheduled post appears by itself, the draft never does.
    let later = release + Duration::seconds(1);
    assert_eq!(
        titles(
            t.store
                .posts()
                .list(site.id, PostFilter::All, page, later)
                .await
                .unwrap()
        ),
        ["Scheduled", "Visible"]
    );
    assert!(
        t.store
            .posts()
            .public_by_slug(site.id, PostKind::Post, "scheduled", release)
            .await
            .unwrap()
            .is_some()
    );
    // Editors can still load the draft by id.
    let loaded = t
        .store
        .posts()
        .by_id(site.id, draft)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(loaded.status, PostStatus::Draft);
}

async fn lists_are_newest_first_and_paginated(backend: TestBackend) {
    let t = TestStore::new(backend).await;
    let site = fixtures::site(&t.store, "music.example").await;
    let author = fixtures::author(&t.store, &site, "max").await;
    for day in 1..=5 {
        PostBuilder::new(&site, &author, &format!("Day {day}"))
            .days_ago(day)
            .insert(&t.store)
            .await;
    }
    // Two posts at the very same second: the later insert (higher id) counts as newer.
    let same = now() - Duration::hours(1);
    PostBuilder::new(&site, &author, "Same A")
        .at(same)
        .insert(&t.store)
        .await;
    PostBuilder::new(&site, &author, "Same B")
        .at(same)
        .insert(&t.store)
        .await;

    let first = t
        .store
        .posts()
        .list(
            site.id,
            PostFilter::All,
            PageRequest::new(1, 3).unwrap(),
            now(),
        )
        .await
        .unwrap();
    assert_eq!(
        first
            .items
            .iter()
            .map(|p| p.title.as_str())
            .collect::<Vec<_>>(),
        ["Same B", "Same A", "Day 1"]
    );
    assert_eq!(
        (first.total_items, first.total_pages, first.next()),
        (7, 3, Some(2))
    );
    let last = t
        .store
        .posts()
        .list(
            site.id,
            PostFilter::All,
            PageRequest::new(3, 3).unwrap(),
            now(),
        )
        .await
        .unwrap();
    assert_eq!(
        last.items
            .iter()
            .map(|p| p.title.as_str())
            .collect::<Vec<_>>(),
        ["Day 5"]
    );
    let beyond = t
        .store
        .posts()
        .list(
            site.id,
            PostFilter::All,
            PageRequest::new(4, 3).unwrap(),
            now(),
        )
        .await
        .unwrap();
    assert!(beyond.items.is_empty() && beyond.is_past_end());
}

async fn filters_select_by_category_tag_author_and_date(backend: TestBackend) {
    let t = TestStore::new(backend).await;
    let site = fixtures::site(&t.store, "music.example").await;
    let max = fixtures::author(&t.store, &site, "max").await;
    let eva = fixtures::author(&t.store, &site, "eva").await;
    let y85 = fixtures::category(&t.store, &site, "1985").await;
    let synth = fixtures::tag(&t.store, &site, "synth").await;
    let in_1985 = Utc.with_ymd_and_hms(1985, 11, 27, 10, 0, 0).unwrap();
    PostBuilder::new(&site, &max, "Rocky IV")
        .at(in_1985)
        .category(y85.id)
        .tag(synth.id)
        .insert(&t.store)
        .await;
    PostBuilder::new(&site, &eva, "Top Gun")
        .days_ago(3)
        .tag(synth.id)
        .insert(&t.store)
        .await;
    PostBuilder::new(&site, &eva, "Other")
        .days_ago(4)
        .insert(&t.store)
        .await;

    let page = PageRequest::first(10);
    let titles = |filter| {
        let store = t.store.clone();
        async move {
            store
                .posts()
                .list(site.id, filter, page, now())
                .await
                .unwrap()
                .items
                .into_iter()
                .map(|p| p.title)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(titles(PostFilter::Category(y85.id)).await, ["Rocky IV"]);
    assert_eq!(
        titles(PostFilter::Tag(synth.id)).await,
        ["Top Gun", "Rocky IV"]
    );
    assert_eq!(
        titles(PostFilter::Author(eva.id)).await,
        ["Top Gun", "Other"]
    );
    let year = (
        Utc.with_ymd_and_hms(1985, 1, 1, 0, 0, 0).unwrap(),
        Utc.with_ymd_and_hms(1986, 1, 1, 0, 0, 0).unwrap(),
    );
    assert_eq!(
        titles(PostFilter::Between(year.0, year.1)).await,
        ["Rocky IV"]
    );
}

async fn neighbours_skip_hidden_posts(backend: TestBackend) {
    let t = TestStore::new(backend).await;
    let site = fixtures::site(&t.store, "music.example").await;
    let max = fixtures::author(&t.store, &site, "max").await;
    PostBuilder::new(&site, &max, "Oldest")
        .days_ago(5)
        .insert(&t.store)
        .await;
    PostBuilder::new(&site, &max, "Hidden Draft")
        .draft()
        .insert(&t.store)
        .await;
    PostBuilder::new(&site, &max, "Middle")
        .days_ago(3)
        .insert(&t.store)
        .await;
    PostBuilder::new(&site, &max, "Future")
        .at(now() + Duration::days(1))
        .insert(&t.store)
        .await;
    let middle = t
        .store
        .posts()
        .public_by_slug(site.id, PostKind::Post, "middle", now())
        .await
        .unwrap()
        .unwrap();
    let page = t
        .store
        .posts()
        .public_page(site.id, PostKind::Post, "middle", now())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(page.post.summary.id, middle.summary.id);
    assert_eq!(page.older.unwrap().title, "Oldest");
    assert!(
        page.newer.is_none(),
        "the scheduled post is not a neighbour yet"
    );
}

async fn one_sites_posts_never_show_on_another(backend: TestBackend) {
    let t = TestStore::new(backend).await;
    let a = fixtures::site(&t.store, "a.example").await;
    let b = fixtures::site(&t.store, "b.example").await;
    let max = fixtures::author(&t.store, &a, "max").await;
    PostBuilder::new(&a, &max, "Only On A")
        .insert(&t.store)
        .await;
    assert!(
        t.store
            .posts()
            .public_by_slug(b.id, PostKind::Post, "only-on-a", now())
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        t.store
            .posts()
            .list(b.id, PostFilter::All, PageRequest::first(10), now())
            .await
            .unwrap()
            .items
            .is_empty()
    );
    // The database refuses to file a post of site A under a category of site B.
    let b_cat = fixtures::category(&t.store, &b, "Elsewhere").await;
    let post = PostBuilder::new(&a, &max, "Crossing")
        .category(b_cat.id)
        .0
        .validate()
        .unwrap();
    let err = fixtures::try_insert_post(&t.store, &post)
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::MissingReference(_)), "{err:?}");
    // Nor under B's tag, in B's series, or offering B's download.
    let b_tag = fixtures::tag(&t.store, &b, "Elsewhere").await;
    let b_series = fixtures::series(&t.store, &b, "Elsewhere").await;
    let b_file = fixtures::download(&t.store, &b, "b.txt", bytes::Bytes::from_static(b"b")).await;
    for (what, crossing) in [
        ("tag", PostBuilder::new(&a, &max, "Crossing").tag(b_tag.id)),
        (
            "series",
            PostBuilder::new(&a, &max, "Crossing").in_series(b_series.id, 1),
        ),
        (
            "download",
            PostBuilder::new(&a, &max, "Crossing").download(b_file.id),
        ),
    ] {
        let post = crossing.0.validate().unwrap();
        let err = fixtures::try_insert_post(&t.store, &post)
            .await
            .unwrap_err();
        assert!(
            matches!(err, StoreError::MissingReference(_)),
            "{what}: {err:?}"
        );
    }
    assert!(
        t.store
            .posts()
            .public_by_slug(a.id, PostKind::Post, "crossing", now())
            .await
            .unwrap()
            .is_none(),
        "nothing half-written"
    );
    // Looked up through the other site, a site's tags, series and downloads do not exist.
    assert!(
        t.store
            .taxonomy()
            .tag_by_slug(a.id, "elsewhere")
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        t.store
            .series()
            .by_slug(a.id, "elsewhere")
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        t.store
            .downloads()
            .by_id(a.id, b_file.id)
            .await
            .unwrap()
            .is_none()
    );
}

async fn taken_slugs_are_conflicts_and_pages_have_their_own(backend: TestBackend) {
    let t = TestStore::new(backend).await;
    let site = fixtures::site(&t.store, "music.example").await;
    let max = fixtures::author(&t.store, &site, "max").await;
    PostBuilder::new(&site, &max, "About")
        .insert(&t.store)
        .await;
    let again = PostBuilder::new(&site, &max, "About").0.validate().unwrap();
    assert!(matches!(
        fixtures::try_insert_post(&t.store, &again)
            .await
            .unwrap_err(),
        StoreError::Conflict("slug")
    ));
    PostBuilder::new(&site, &max, "About")
        .page()
        .insert(&t.store)
        .await;
    let pages = t.store.posts().public_pages(site.id, now()).await.unwrap();
    assert_eq!(
        pages.iter().map(|p| p.path.as_str()).collect::<Vec<_>>(),
        ["/about"]
    );
}

async fn archive_years_count_public_posts(backend: TestBackend) {
    let t = TestStore::new(backend).await;
    let site = fixtures::site(&t.store, "music.example").await;
    let max = fixtures::author(&t.store, &site, "max").await;
    let at = |y, m, d| Utc.with_ymd_and_hms(y, m, d, 23, 30, 0).unwrap();
    PostBuilder::new(&site, &max, "A")
        .at(at(1985, 12, 31))
        .insert(&t.store)
        .await;
    PostBuilder::new(&site, &max, "B")
        .at(at(1985, 1, 1))
        .insert(&t.store)
        .await;
    PostBuilder::new(&site, &max, "C")
        .at(at(1986, 6, 1))
        .insert(&t.store)
        .await;
    PostBuilder::new(&site, &max, "D")
        .draft()
        .insert(&t.store)
        .await;
    let years: Vec<(i64, i64)> = t
        .store
        .posts()
        .archive_years(site.id, now())
        .await
        .unwrap()
        .into_iter()
        .map(|y| (y.year, y.posts))
        .collect();
    assert_eq!(years, [(1986, 1), (1985, 2)]);
}
