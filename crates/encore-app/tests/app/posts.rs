//! Writing posts: one transaction each, names resolved inside it, and the change each announces.

use encore_app::{
    Actor, App, AppError,
    posts::{PostDraft, Ref, create_post, delete_post, publish_post, update_post},
    renders::rerender_stale,
};
use encore_core::{
    change::{Change, Topic},
    clock::Clock,
    post::PostStatus,
};
use encore_store::testing::{TestBackend, TestStore, fixtures};
use std::sync::{Arc, Mutex};

encore_store::backend_tests!(
    a_post_and_its_names_are_written_together_or_not_at_all,
    edits_announce_the_post_and_moves_the_site,
    stale_renderings_are_made_again_once,
);

fn published(author: encore_core::ids::AccountId, title: &str) -> PostDraft {
    let mut draft = PostDraft::new(author, title, "The *training montage*.");
    draft.status = PostStatus::Published;
    draft.published_at = Some(fixtures::now() - chrono::Duration::days(1));
    draft
}

async fn a_post_and_its_names_are_written_together_or_not_at_all(backend: TestBackend) {
    let t = TestStore::new(backend).await;
    let app = App::new(t.store.clone(), Clock::manual(fixtures::now()));
    let site = fixtures::site(&t.store, "music.example").await;
    let other = fixtures::site(&t.store, "other.example").await;
    let author = fixtures::author(&t.store, &site, "max").await;
    let mut draft = published(author.id, "Rocky IV");
    draft.categories = vec![Ref::Name("1985".into())];
    draft.tags = vec![
        Ref::Name("Synthesizers".into()),
        Ref::Name("synthesizers".into()),
    ];
    draft.series = Some((Ref::Name("Great Soundtracks of 1985".into()), 2));
    let saved = create_post(&app, Actor::Operator, site.id, draft)
        .await
        .unwrap();
    let post = t
        .store
        .posts()
        .by_id(site.id, saved.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(post.summary.categories[0].name, "1985");
    assert_eq!(post.tags.len(), 1, "one tag for two spellings of one name");
    assert_eq!(
        post.body_html.trim(),
        "<p>The <em>training montage</em>.</p>",
        "rendered at save"
    );
    assert_eq!(post.summary.excerpt, "The training montage.");
    assert!(post.series.is_some());

    // A reference to another site's series fails the whole use case: the new category it
    // named is not left behind.
    let foreign = fixtures::series(&t.store, &other, "Elsewhere").await;
    let mut crossing = published(author.id, "Crossing");
    crossing.categories = vec![Ref::Name("Left Behind?".into())];
    crossing.series = Some((Ref::Id(foreign.id), 1));
    assert!(matches!(
        create_post(&app, Actor::Operator, site.id, crossing).await,
        Err(AppError::MissingReference(_))
    ));
    assert!(
        t.store
            .taxonomy()
            .category_by_slug(site.id, "left-behind")
            .await
            .unwrap()
            .is_none(),
        "one transaction: nothing half-written"
    );
    let mut untitled = published(author.id, "🎸🎸");
    untitled.slug.clear();
    assert!(matches!(
        create_post(&app, Actor::Operator, site.id, untitled).await,
        Err(AppError::Validation(e)) if e.field == "slug"
    ));
}

async fn edits_announce_the_post_and_moves_the_site(backend: TestBackend) {
    let t = TestStore::new(backend).await;
    let app = App::new(t.store.clone(), Clock::manual(fixtures::now()));
    let heard: Arc<Mutex<Vec<Change>>> = Arc::default();
    let sink = heard.clone();
    app.listen(Arc::new(move |change: &Change| {
        sink.lock().unwrap().push(change.clone())
    }));
    let last = || heard.lock().unwrap().last().cloned();
    let site = fixtures::site(&t.store, "music.example").await;
    let author = fixtures::author(&t.store, &site, "max").await;

    let mut draft = PostDraft::new(author.id, "Work in progress", "…");
    let saved = create_post(&app, Actor::Operator, site.id, draft.clone())
        .await
        .unwrap();
    assert!(
        heard.lock().unwrap().is_empty(),
        "a draft changes nothing readers see"
    );
    draft.body = "Still working.".into();
    update_post(&app, Actor::Operator, site.id, saved.id, draft.clone())
        .await
        .unwrap();
    assert!(heard.lock().unwrap().is_empty());

    publish_post(&app, Actor::Operator, site.id, saved.id, None)
        .await
        .unwrap();
    assert_eq!(
        last(),
        Some(Change::whole_site(site.id)),
        "published: lists and counts change"
    );
    let post = t
        .store
        .posts()
        .by_id(site.id, saved.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(post.summary.published_at, Some(fixtures::now()));

    let mut edit = encore_app::posts::draft_of(&post);
    edit.title = "Finished".into();
    edit.body = "Done.".into();
    update_post(&app, Actor::Operator, site.id, saved.id, edit.clone())
        .await
        .unwrap();
    assert_eq!(
        last(),
        Some(Change::on(site.id, [Topic::Post(saved.id)])),
        "an edit in place touches the pages that show the post"
    );
    edit.tags = vec![Ref::Name("New Tag".into())];
    update_post(&app, Actor::Operator, site.id, saved.id, edit.clone())
        .await
        .unwrap();
    assert_eq!(
        last(),
        Some(Change::whole_site(site.id)),
        "a new tag moves it"
    );
    heard.lock().unwrap().clear();
    delete_post(&app, Actor::Operator, site.id, saved.id)
        .await
        .unwrap();
    assert_eq!(last(), Some(Change::whole_site(site.id)));
    assert!(
        t.store
            .posts()
            .by_id(site.id, saved.id)
            .await
            .unwrap()
            .is_none()
    );
    assert!(matches!(
        delete_post(&app, Actor::Operator, site.id, saved.id).await,
        Err(AppError::NotFound(_))
    ));
}

async fn stale_renderings_are_made_again_once(backend: TestBackend) {
    let t = TestStore::new(backend).await;
    let app = App::new(t.store.clone(), Clock::manual(fixtures::now()));
    let site = fixtures::site(&t.store, "music.example").await;
    let author = fixtures::author(&t.store, &site, "max").await;
    let saved = create_post(
        &app,
        Actor::Operator,
        site.id,
        published(author.id, "Rocky IV"),
    )
    .await
    .unwrap();
    assert_eq!(
        rerender_stale(&app).await.unwrap(),
        0,
        "fresh posts are current"
    );
    // As a database from before stored renderings would have it.
    let mut tx = t.store.begin().await.unwrap();
    tx.posts()
        .set_rendered(
            site.id,
            saved.id,
            &encore_core::post::Rendered {
                body_html: String::new(),
                teaser: String::new(),
                version: 0,
            },
        )
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(rerender_stale(&app).await.unwrap(), 1);
    assert_eq!(rerender_stale(&app).await.unwrap(), 0, "once");
    let post = t
        .store
        .posts()
        .by_id(site.id, saved.id)
        .await
        .unwrap()
        .unwrap();
    assert!(post.body_html.contains("<em>training montage</em>"));
}
