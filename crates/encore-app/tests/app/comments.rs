//! The conversation pipeline on a real store, with the in-process spam engine: where a comment
//! goes (published, held, spam), its thread, the post's count, and what it announces.

use encore_app::{
    App, AppError,
    comments::{ClientFacts, Placed, submit_comment},
};
use encore_core::{
    change::{Change, Topic},
    clock::Clock,
    comment::{CommentForm, CommentStatus},
    ids::{CommentId, PostId},
    site::Site,
};
use encore_store::testing::{TestBackend, TestStore, fixtures};
use std::sync::{Arc, Mutex};

encore_store::backend_tests!(
    a_first_comment_waits_and_the_next_ones_publish,
    spam_goes_to_its_folder_and_unchecked_comments_wait,
    replies_nest_to_the_limit_and_threads_page,
    bad_comments_are_refused_with_every_problem,
    comments_written_at_once_stand_or_fall_alone,
);

struct World {
    t: TestStore,
    app: App,
    site: Site,
    post: PostId,
    changes: Arc<Mutex<Vec<Change>>>,
}

/// A site with one public post, an app that checks comments with the in-process engine (when
/// `checked`), and the changes it announces.
async fn world(backend: TestBackend, checked: bool) -> World {
    let t = TestStore::new(backend).await;
    let app = App::new(t.store.clone(), Clock::manual(fixtures::now()));
    let site = fixtures::site(&t.store, "music.example").await;
    let author = fixtures::author(&t.store, &site, "max").await;
    let post = fixtures::PostBuilder::new(&site, &author, "Rocky IV")
        .insert(&t.store)
        .await;
    if checked {
        encore_app::testing::check_comments_locally(&app, &site.base_url).await;
    }
    let changes = Arc::new(Mutex::new(Vec::new()));
    let seen = changes.clone();
    app.listen(Arc::new(move |c: &Change| {
        seen.lock().unwrap().push(c.clone())
    }));
    World {
        t,
        app,
        site,
        post,
        changes,
    }
}

fn form(post: PostId, name: &str, body: &str) -> CommentForm {
    CommentForm {
        post,
        parent: None,
        name: name.into(),
        email: format!("{}@example.org", name.to_lowercase()),
        website: String::new(),
        body: body.into(),
    }
}

fn reader() -> ClientFacts {
    ClientFacts {
        ip: Some("192.0.2.44".parse().unwrap()),
        user_agent: "Mozilla/5.0 (X11; Linux x86_64) Firefox/130.0".into(),
        referrer: "https://music.example/2026/09/19/rocky-iv".into(),
        seconds_to_submit: Some(95),
        ..ClientFacts::default()
    }
}

async fn submit(w: &World, form: CommentForm) -> Result<Placed, AppError> {
    submit_comment(&w.app, &w.site, None, form, reader())
        .await
        .map(|s| s.placed)
}

fn id(placed: Placed) -> CommentId {
    match placed {
        Placed::Published(id) | Placed::Held(id) | Placed::Spam(id) => id,
        Placed::Discarded => panic!("discarded"),
    }
}

async fn count(w: &World) -> i64 {
    let page =
        w.t.store
            .comments()
            .threads(w.site.id, w.post, None, 50, false)
            .await
            .unwrap();
    page.comments.len() as i64
}

async fn a_first_comment_waits_and_the_next_ones_publish(backend: TestBackend) {
    let w = world(backend, true).await;
    let words =
        "The training montage still gives me chills. Hearts on Fire is the best track here.";
    let first = submit(&w, form(w.post, "Mara", words)).await.unwrap();
    assert!(matches!(first, Placed::Held(_)), "{first:?}");
    assert_eq!(count(&w).await, 0, "a held comment is not shown");
    assert!(
        w.changes.lock().unwrap().is_empty(),
        "no page changed while it waits"
    );
    let history = w.t.store.comments().history(id(first)).await.unwrap();
    let what: Vec<_> = history.iter().map(|e| e.what.as_str()).collect();
    assert_eq!(what, ["checked: not spam", "held"]);

    // A moderator approves it; Mara's next comment publishes at once and the post page changes.
    let mut tx = w.t.store.begin().await.unwrap();
    tx.comments()
        .set_status(
            w.site.id,
            id(first),
            CommentStatus::Approved,
            fixtures::now(),
        )
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let second = submit(
        &w,
        form(
            w.post,
            "Mara",
            "And the drum machine on Training Montage, wow.",
        ),
    )
    .await
    .unwrap();
    assert!(matches!(second, Placed::Published(_)), "{second:?}");
    assert_eq!(count(&w).await, 2);
    assert_eq!(
        *w.changes.lock().unwrap(),
        [Change::on(w.site.id, [Topic::Post(w.post)])]
    );
    let post =
        w.t.store
            .posts()
            .public_by_slug(
                w.site.id,
                encore_core::post::PostKind::Post,
                "rocky-iv",
                fixtures::now(),
            )
            .await
            .unwrap()
            .unwrap();
    assert_eq!(post.comment_count, 2, "the post counts its responses");
}

async fn spam_goes_to_its_folder_and_unchecked_comments_wait(backend: TestBackend) {
    let w = world(backend, true).await;
    // Akismet's test name: always spam.
    let spam = submit(
        &w,
        form(w.post, "viagra-test-123", "Nice post, visit my site"),
    )
    .await
    .unwrap();
    assert!(matches!(spam, Placed::Spam(_)), "{spam:?}");
    let stored =
        w.t.store
            .comments()
            .get(w.site.id, id(spam))
            .await
            .unwrap()
            .unwrap();
    assert_eq!(stored.status, CommentStatus::Spam);
    assert_eq!(count(&w).await, 0);

    // Without a checker nothing is published unchecked: the comment waits, and says why.
    let unchecked = world(backend, false).await;
    let held = submit(&unchecked, form(unchecked.post, "Mara", "Great pick."))
        .await
        .unwrap();
    assert!(matches!(held, Placed::Held(_)), "{held:?}");
    let history = unchecked
        .t
        .store
        .comments()
        .history(id(held))
        .await
        .unwrap();
    assert_eq!(history[0].what, "not checked");
    assert!(history[0].detail.contains("no spam checker"), "{history:?}");
}

async fn replies_nest_to_the_limit_and_threads_page(backend: TestBackend) {
    let w = world(backend, false).await;
    // Approved comments placed straight through the store: threads, not verdicts, are tested.
    let approve = |parent: Option<CommentId>, name: &'static str| {
        let w = &w;
        async move {
            let mut f = form(w.post, name, &format!("{name} says hello."));
            f.parent = parent;
            let (tx, id) = store_directly(w, f, 3, &[]).await;
            tx.commit().await.unwrap();
            id.unwrap()
        }
    };
    let a = approve(None, "a").await;
    let b = approve(None, "b").await;
    let a1 = approve(Some(a), "a1").await;
    let a11 = approve(Some(a1), "a11").await;
    // At depth 3 (0, 1, 2), a reply to a11 attaches beside it, under a1.
    let deep = approve(Some(a11), "deep").await;
    let c = approve(None, "c").await;
    let b1 = approve(Some(b), "b1").await;

    let first =
        w.t.store
            .comments()
            .threads(w.site.id, w.post, None, 2, false)
            .await
            .unwrap();
    let order: Vec<_> = first.comments.iter().map(|c| c.id).collect();
    assert_eq!(
        order,
        [a, a1, a11, deep, b, b1],
        "threads whole, in reading order"
    );
    let depths: Vec<_> = first.comments.iter().map(|c| c.depth).collect();
    assert_eq!(depths, [0, 1, 2, 2, 0, 1]);
    assert_eq!(
        first.comments[3].parent,
        Some(a1),
        "too deep: attached at the limit"
    );
    assert_eq!(first.next, Some(c));
    let second =
        w.t.store
            .comments()
            .threads(w.site.id, w.post, first.next, 2, false)
            .await
            .unwrap();
    assert_eq!(
        second.comments.iter().map(|c| c.id).collect::<Vec<_>>(),
        [c]
    );
    assert_eq!(second.next, None);

    // Newest first: the threads turn around, each still read top-down.
    let newest =
        w.t.store
            .comments()
            .threads(w.site.id, w.post, None, 2, true)
            .await
            .unwrap();
    assert_eq!(
        newest.comments.iter().map(|c| c.id).collect::<Vec<_>>(),
        [c, b, b1]
    );
    assert_eq!(newest.next, Some(a));
    let last =
        w.t.store
            .comments()
            .threads(w.site.id, w.post, newest.next, 2, true)
            .await
            .unwrap();
    assert_eq!(last.comments.first().map(|c| c.id), Some(a));
    assert_eq!((last.comments.len(), last.next), (4, None));

    // A reply to a comment that is not there (or not approved) is refused.
    let mut stray = form(w.post, "Zed", "Hello?");
    stray.parent = Some(CommentId(999_999));
    let err = submit(&w, stray).await.unwrap_err();
    assert!(matches!(err, AppError::MissingReference(_)), "{err:?}");
}

async fn bad_comments_are_refused_with_every_problem(backend: TestBackend) {
    let w = world(backend, true).await;
    let mut bad = form(w.post, "", "");
    bad.email = "not-an-address".into();
    let Err(AppError::Invalid(problems)) = submit(&w, bad).await else {
        panic!("accepted");
    };
    let fields: Vec<_> = problems.iter().map(|p| p.field).collect();
    assert_eq!(fields, ["body", "name", "email"]);
    let missing = submit(&w, form(PostId(424_242), "Mara", "Hello")).await;
    assert!(
        matches!(missing, Err(AppError::NotFound("post"))),
        "{missing:?}"
    );
    assert_eq!(count(&w).await, 0);
}

/// Comments stored by many writers at once (on SQLite they share a batch and a sync; a comment's
/// statements go as one script): each is kept, with its history, exactly when its commit said so,
/// whatever its neighbours did — gave up before committing, or failed part way.
async fn comments_written_at_once_stand_or_fall_alone(backend: TestBackend) {
    let w = Arc::new(world(backend, false).await);
    let mut tasks = Vec::new();
    for i in 0..30 {
        let w = w.clone();
        tasks.push(tokio::spawn(async move {
            let name = format!("Writer{i}");
            let mut f = form(
                w.post,
                &name,
                &format!("{name} has a thought on the score."),
            );
            if i % 7 == 3 {
                f.post = PostId(999_999); // gone: the insert fails
            }
            let history = [
                encore_store::comments::Entry {
                    actor: None,
                    what: "checked: not spam",
                    detail: "",
                },
                encore_store::comments::Entry {
                    actor: None,
                    what: "approved",
                    detail: "by the test",
                },
            ];
            let (tx, written) = store_directly(&w, f, 5, &history).await;
            match written {
                Ok(_) if i % 5 == 0 => None, // gives up: dropped, not committed
                Ok(id) => tx.commit().await.is_ok().then_some(id),
                Err(_) => None,
            }
        }));
    }
    let mut kept = Vec::new();
    for task in tasks {
        kept.extend(task.await.unwrap());
    }
    assert!(kept.len() >= 5, "{kept:?}");
    for id in &kept {
        let comment = w.t.store.comments().get(w.site.id, *id).await.unwrap();
        assert!(comment.is_some(), "comment {id:?} was said to be kept");
        let history = w.t.store.comments().history(*id).await.unwrap();
        let what: Vec<_> = history.iter().map(|e| e.what.as_str()).collect();
        assert_eq!(what, ["checked: not spam", "approved"], "{id:?}");
    }
    let counts = w.t.store.comments().counts(w.site.id).await.unwrap();
    assert_eq!(
        counts.approved,
        kept.len() as i64,
        "nothing else was stored"
    );
    // The post counts exactly those.
    let page =
        w.t.store
            .comments()
            .threads(w.site.id, w.post, None, 100, false)
            .await
            .unwrap();
    assert_eq!(page.comments.len(), kept.len());
}

/// Stores an approved comment straight through the store (no verdict, no announcement), with
/// `history`; the transaction is left to the caller to commit or drop.
async fn store_directly(
    w: &World,
    form: CommentForm,
    max_depth: u32,
    history: &[encore_store::comments::Entry<'_>],
) -> (
    encore_store::Tx,
    Result<CommentId, encore_store::StoreError>,
) {
    let comment = form
        .validate(None, encore_core::comment::Images::Linked)
        .unwrap();
    let encore_core::comment::Commenter::Guest { name, email, .. } = &comment.author else {
        panic!("a guest's comment");
    };
    let byline = encore_store::comments::Byline {
        name: name.clone(),
        email: email.clone(),
        ..encore_store::comments::Byline::default()
    };
    let mut tx = w.t.store.begin().await.unwrap();
    let id = tx
        .comments()
        .insert(
            w.site.id,
            &comment,
            &byline,
            &encore_store::comments::Filing {
                status: CommentStatus::Approved,
                max_depth,
                at: fixtures::now(),
                history,
            },
        )
        .await;
    (tx, id)
}
