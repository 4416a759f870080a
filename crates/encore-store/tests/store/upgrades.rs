//! Migrations applied to a database an older release filled: nothing is lost on the way.

use crate::fixtures::{self, PostBuilder, now};
use bytes::Bytes;
use encore_core::post::{PostKind, PostStatus};
use encore_store::testing::{TestBackend, TestStore};

encore_store::backend_tests!(new_post_statuses_keep_every_post_and_what_hangs_off_it);

/// 0003 rebuilds the posts table on SQLite (a CHECK constraint cannot change in place). Rows that
/// reference posts — categories, tags, tracks, downloads — must all survive, with their links.
async fn new_post_statuses_keep_every_post_and_what_hangs_off_it(backend: TestBackend) {
    let t = TestStore::at_migration(backend, 2).await;
    // The site as release 0.1 wrote it (today's store reads columns that schema lacks).
    encore_store::testing::execute(
        &t.store,
        "INSERT INTO sites (host, title, tagline, base_url, is_default, created_at) \
         VALUES ('music.example', 'Music', '', 'https://music.example', FALSE, '2026-11-01T00:00:00Z')",
    )
    .await;
    let site = encore_core::site::Site {
        id: encore_core::ids::SiteId(1),
        host: "music.example".into(),
        title: "Music".into(),
        tagline: String::new(),
        base_url: "https://music.example".into(),
        is_default: false,
        posts_per_page: None,
        discussion: Default::default(),
    };
    let author = fixtures::author(&t.store, &site, "max").await;
    let cat = fixtures::category(&t.store, &site, "1985").await;
    let tag = fixtures::tag(&t.store, &site, "Soundtracks").await;
    let series = fixtures::series(&t.store, &site, "Great Soundtracks of 1985").await;
    let file =
        fixtures::download(&t.store, &site, "notes.txt", Bytes::from_static(b"side A")).await;
    // Written as release 0.1 wrote it: the posts table of migration 0002, by hand.
    let id = old_release_post(&t, &site, &author, cat.id, tag.id, series.id, file.id).await;
    t.store.migrate().await.unwrap();

    let post = t.store.posts().by_id(site.id, id).await.unwrap().unwrap();
    assert_eq!(post.body, "The training montage.");
    assert_eq!(
        post.body_html, "",
        "rendered on first start, not by the migration"
    );
    let stale = t.store.posts().stale_renders(1, 10).await.unwrap();
    assert_eq!(stale.len(), 1);
    assert_eq!(stale[0].1.id, id);
    assert_eq!(post.summary.title, "Rocky IV");
    assert_eq!(post.summary.categories[0].name, "1985");
    assert_eq!(post.tags[0].name, "Soundtracks");
    assert_eq!(post.series, Some((series.id, 1)));
    assert_eq!(post.tracks[0].title, "Burning Heart");
    assert_eq!(post.downloads[0].file_name, "notes.txt");
    // The new statuses are accepted, and the database still refuses to mix sites.
    PostBuilder::new(&site, &author, "Only for us")
        .private()
        .insert(&t.store)
        .await;
    PostBuilder::new(&site, &author, "Waiting for review")
        .pending()
        .undated()
        .insert(&t.store)
        .await;
    let other = fixtures::site(&t.store, "other.example").await;
    let crossing = PostBuilder::new(&site, &author, "Crossing")
        .category(fixtures::category(&t.store, &other, "Elsewhere").await.id)
        .0
        .validate()
        .unwrap();
    assert!(
        fixtures::try_insert_post(&t.store, &crossing)
            .await
            .is_err()
    );
    // A private post needs its date, as a published one does.
    let undated_private = PostBuilder::new(&site, &author, "No date")
        .status(PostStatus::Private)
        .undated()
        .0
        .validate();
    assert!(undated_private.is_err());
    assert!(
        t.store
            .posts()
            .public_by_slug(site.id, PostKind::Post, "only-for-us", now())
            .await
            .unwrap()
            .is_none(),
        "private is not public"
    );
}

/// Inserts a post with its links the way the 0002 schema takes them.
async fn old_release_post(
    t: &TestStore,
    site: &encore_core::site::Site,
    author: &encore_core::account::Account,
    category: encore_core::ids::CategoryId,
    tag: encore_core::ids::TagId,
    series: encore_core::ids::SeriesId,
    file: encore_core::ids::DownloadId,
) -> encore_core::ids::PostId {
    use sqlx::Connection;
    let now = now();
    let statements: Vec<(&'static str, Vec<i64>)> = vec![
        (
            "INSERT INTO post_categories (site_id, post_id, category_id) VALUES ($1, $2, $3)",
            vec![category.0],
        ),
        (
            "INSERT INTO post_tags (site_id, post_id, tag_id) VALUES ($1, $2, $3)",
            vec![tag.0],
        ),
        (
            "INSERT INTO tracks (site_id, post_id, position, artist, title, duration_seconds) VALUES ($1, $2, $3, 'Survivor', 'Burning Heart', 231)",
            vec![1],
        ),
        (
            "INSERT INTO post_downloads (site_id, post_id, download_id, position) VALUES ($1, $2, $3, 1)",
            vec![file.0],
        ),
    ];
    const POST: &str = "INSERT INTO posts (site_id, author_id, kind, status, slug, title, excerpt, body, \
                        published_at, created_at, updated_at, series_id, series_position) \
                        VALUES ($1, $2, 'post', 'published', 'rocky-iv', 'Rocky IV', '', 'The training montage.', $3, $3, $3, $4, 1) RETURNING id";
    macro_rules! run {
        ($conn:expr) => {{
            let id: i64 = sqlx::query_scalar(POST)
                .bind(site.id.0)
                .bind(author.id.0)
                .bind(now - chrono::Duration::days(1))
                .bind(series.0)
                .fetch_one(&mut $conn)
                .await
                .unwrap();
            for (sql, extra) in &statements {
                sqlx::query(*sql)
                    .bind(site.id.0)
                    .bind(id)
                    .bind(extra[0])
                    .execute(&mut $conn)
                    .await
                    .unwrap();
            }
            id
        }};
    }
    let url = &t.options.database_url;
    let id = if url.starts_with("sqlite:") {
        let mut conn = sqlx::SqliteConnection::connect(url).await.unwrap();
        run!(conn)
    } else {
        let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
        run!(conn)
    };
    encore_core::ids::PostId(id)
}
