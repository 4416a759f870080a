//! Moderation and the pipeline's upkeep on a real store: moderators' actions with the post's
//! count and history following, reports to the spam checker, a checker that is down and comes
//! back, and old spam purged.

use encore_app::{
    Actor, App, AppError,
    comments::{ClientFacts, Placed, RECHECK_JOB, submit_comment},
    jobs::run_one,
    moderation::{Moderation, REPORT_JOB, edit_comment, moderate, purge_spam, reply_at_desk},
};
use encore_core::{
    clock::Clock,
    comment::{CommentForm, CommentStatus},
    ids::{CommentId, PostId},
    roles::Role,
    site::Site,
};
use encore_spam::{
    client::{Client, ClientOptions, Endpoint},
    service::{Service, ServiceOptions},
};
use encore_store::testing::{TestBackend, TestStore, fixtures};

encore_store::backend_tests!(
    moderators_approve_spam_trash_and_restore,
    moderators_edit_and_answer_at_the_desk,
    a_checker_that_is_down_holds_comments_until_it_is_back,
    spam_is_purged_after_fifteen_days,
    a_removed_comment_with_answers_leaves_its_place,
);

struct World {
    t: TestStore,
    app: App,
    site: Site,
    post: PostId,
    editor: Actor,
    author: Actor,
}

async fn world(backend: TestBackend, checked: bool) -> World {
    let t = TestStore::new(backend).await;
    let app = App::new(t.store.clone(), Clock::manual(fixtures::now()));
    let site = fixtures::site(&t.store, "music.example").await;
    let writer = fixtures::author(&t.store, &site, "max").await;
    let post = fixtures::PostBuilder::new(&site, &writer, "Rocky IV")
        .insert(&t.store)
        .await;
    if checked {
        encore_app::testing::check_comments_locally(&app, &site.base_url).await;
    }
    World {
        t,
        app,
        site,
        post,
        editor: Actor::Member {
            account: writer.id,
            role: Role::Editor,
        },
        author: Actor::Member {
            account: writer.id,
            role: Role::Author,
        },
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

async fn submit(w: &World, form: CommentForm) -> CommentId {
    let client = ClientFacts {
        ip: Some("192.0.2.44".parse().unwrap()),
        user_agent: "Mozilla/5.0 (X11; Linux x86_64) Firefox/130.0".into(),
        seconds_to_submit: Some(80),
        ..ClientFacts::default()
    };
    match submit_comment(&w.app, &w.site, None, form, client)
        .await
        .unwrap()
        .placed
    {
        Placed::Published(id) | Placed::Held(id) | Placed::Spam(id) => id,
        Placed::Discarded => panic!("discarded"),
    }
}

async fn status(w: &World, id: CommentId) -> CommentStatus {
    w.t.store
        .comments()
        .get(w.site.id, id)
        .await
        .unwrap()
        .unwrap()
        .status
}

async fn shown(w: &World) -> i64 {
    w.t.store
        .posts()
        .by_id(w.site.id, w.post)
        .await
        .unwrap()
        .unwrap()
        .comment_count
}

async fn history(w: &World, id: CommentId) -> Vec<String> {
    w.t.store
        .comments()
        .history(id)
        .await
        .unwrap()
        .into_iter()
        .map(|e| match e.actor {
            Some(who) => format!("{} by {who}", e.what),
            None => e.what,
        })
        .collect()
}

/// Runs every job due now; how many ran.
async fn run_due(app: &App) -> usize {
    let mut ran = 0;
    while run_one(app, None).await.unwrap() {
        ran += 1;
        assert!(ran < 100, "jobs keep coming");
    }
    ran
}

async fn moderators_approve_spam_trash_and_restore(backend: TestBackend) {
    let w = world(backend, true).await;
    let mara = submit(&w, form(w.post, "Mara", "The montage is the best part.")).await;
    let theo = submit(&w, form(w.post, "Theo", "Hearts on Fire, every morning.")).await;
    assert_eq!(status(&w, mara).await, CommentStatus::Pending);

    // Authors write; they do not moderate.
    let refused = moderate(&w.app, w.author, w.site.id, &[mara], Moderation::Approve).await;
    assert!(
        matches!(refused, Err(AppError::Forbidden(_))),
        "{refused:?}"
    );
    assert_eq!(status(&w, mara).await, CommentStatus::Pending);

    // Both approved at once; approving again changes nothing.
    let both = [mara, theo];
    let changed = moderate(&w.app, w.editor, w.site.id, &both, Moderation::Approve)
        .await
        .unwrap();
    assert_eq!(changed, 2);
    assert_eq!(shown(&w).await, 2);
    let again = moderate(&w.app, w.editor, w.site.id, &both, Moderation::Approve)
        .await
        .unwrap();
    assert_eq!(again, 0);

    // Spam leaves the page and queues a report to the checker, which the worker sends.
    moderate(&w.app, w.editor, w.site.id, &[theo], Moderation::Spam)
        .await
        .unwrap();
    assert_eq!(shown(&w).await, 1);
    let jobs = w.t.store.jobs().list(10).await.unwrap();
    assert!(jobs.iter().any(|j| j.kind == REPORT_JOB), "{jobs:?}");
    assert_eq!(run_due(&w.app).await, 1);
    let lines = history(&w, theo).await;
    assert_eq!(
        lines,
        [
            "checked: not spam",
            "held",
            "approve by MAX",
            "spam by MAX",
            "reported as spam"
        ]
    );

    // "Not spam" only applies in the spam folder; it publishes and reports ham.
    let unchanged = moderate(&w.app, w.editor, w.site.id, &[mara], Moderation::NotSpam)
        .await
        .unwrap();
    assert_eq!(unchanged, 0);
    moderate(&w.app, w.editor, w.site.id, &[theo], Moderation::NotSpam)
        .await
        .unwrap();
    assert_eq!(status(&w, theo).await, CommentStatus::Approved);
    assert_eq!(run_due(&w.app).await, 1);
    assert_eq!(
        history(&w, theo).await.last().unwrap(),
        "reported as not spam"
    );

    // Trash and restore: restored comments wait in the queue again.
    moderate(&w.app, w.editor, w.site.id, &both, Moderation::Trash)
        .await
        .unwrap();
    assert_eq!(shown(&w).await, 0);
    moderate(&w.app, w.editor, w.site.id, &[mara], Moderation::Restore)
        .await
        .unwrap();
    assert_eq!(status(&w, mara).await, CommentStatus::Pending);
    let counts = w.t.store.comments().counts(w.site.id).await.unwrap();
    assert_eq!((counts.pending, counts.trash), (1, 1));

    // Nothing chosen, or too much at once, is refused with a reason.
    let none = moderate(&w.app, w.editor, w.site.id, &[], Moderation::Trash).await;
    assert!(matches!(none, Err(AppError::Validation(_))), "{none:?}");
    let many: Vec<CommentId> = (1..=201).map(CommentId).collect();
    let many = moderate(&w.app, w.editor, w.site.id, &many, Moderation::Trash).await;
    assert!(matches!(many, Err(AppError::Validation(_))), "{many:?}");
}

async fn moderators_edit_and_answer_at_the_desk(backend: TestBackend) {
    let w = world(backend, true).await;
    let mara = submit(&w, form(w.post, "Mara", "Teh montage is great.")).await;
    edit_comment(&w.app, w.editor, w.site.id, mara, "The *montage* is great.")
        .await
        .unwrap();
    let stored =
        w.t.store
            .comments()
            .get(w.site.id, mara)
            .await
            .unwrap()
            .unwrap();
    assert_eq!(
        stored.body_html.trim_end(),
        "<p>The <em>montage</em> is great.</p>"
    );
    let empty = edit_comment(&w.app, w.editor, w.site.id, mara, "   ").await;
    assert!(matches!(empty, Err(AppError::Invalid(_))), "{empty:?}");
    let by_author = edit_comment(&w.app, w.author, w.site.id, mara, "Mine now").await;
    assert!(matches!(by_author, Err(AppError::Forbidden(_))));

    // A reply from the desk publishes at once and approves the held comment it answers.
    let reply = reply_at_desk(&w.app, w.editor, w.site.id, mara, "Thank you, Mara!")
        .await
        .unwrap();
    assert_eq!(status(&w, mara).await, CommentStatus::Approved);
    assert_eq!(status(&w, reply).await, CommentStatus::Approved);
    assert_eq!(shown(&w).await, 2);
    let page =
        w.t.store
            .comments()
            .threads(w.site.id, w.post, None, 50, false)
            .await
            .unwrap();
    assert_eq!(page.comments[1].parent, Some(mara));
    assert_eq!(page.comments[1].author_name, "MAX");
    assert_eq!(
        history(&w, mara).await[2..],
        ["edited by MAX", "approve by MAX"]
    );
    let operator = reply_at_desk(&w.app, Actor::Operator, w.site.id, mara, "Hi").await;
    assert!(matches!(operator, Err(AppError::Forbidden(_))));
    let nobody = reply_at_desk(&w.app, w.editor, w.site.id, CommentId(999), "Hi").await;
    assert!(matches!(nobody, Err(AppError::NotFound(_))), "{nobody:?}");
}

async fn a_checker_that_is_down_holds_comments_until_it_is_back(backend: TestBackend) {
    let w = world(backend, false).await;
    // A known writer, so that a checked comment of hers publishes.
    let earlier = encore_app::comments::ImportedComment {
        form: form(w.post, "Mara", "First!"),
        status: CommentStatus::Approved,
        at: fixtures::now(),
    };
    encore_app::comments::import_comment(&w.app, Actor::Operator, w.site.id, earlier)
        .await
        .unwrap();
    // The checker is an Akismet-compatible server on a port where nothing listens yet.
    let port = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        probe.local_addr().unwrap().port()
    };
    let service = Service::new(
        w.t.store.clone(),
        ServiceOptions {
            clock: w.app.clock().clone(),
            ..ServiceOptions::default()
        },
    );
    let key = service
        .add_key(&w.site.base_url, None)
        .await
        .unwrap()
        .api_key;
    w.app.use_spam_checker(Client::new(
        Endpoint::Http {
            base_url: format!("http://127.0.0.1:{port}"),
            key,
        },
        ClientOptions {
            timeout: std::time::Duration::from_secs(2),
            retries: 0,
            clock: Clock::manual(fixtures::now()),
            ..ClientOptions::default()
        },
    ));
    let good = submit(
        &w,
        form(w.post, "Mara", "Second listen: the synths hold up."),
    )
    .await;
    let bad = submit(&w, form(w.post, "viagra-test-123", "cheap pills here")).await;
    assert_eq!(status(&w, good).await, CommentStatus::Pending);
    assert_eq!(status(&w, bad).await, CommentStatus::Pending);
    assert!(history(&w, good).await[0] == "not checked");
    let jobs = w.t.store.jobs().list(10).await.unwrap();
    assert_eq!(jobs.iter().filter(|j| j.kind == RECHECK_JOB).count(), 2);

    // Still down when the checks come due: they wait longer, nothing is published.
    assert_eq!(run_due(&w.app).await, 0, "not due for 30 s");
    w.app.clock().advance(std::time::Duration::from_secs(31));
    assert_eq!(run_due(&w.app).await, 2);
    assert_eq!(status(&w, good).await, CommentStatus::Pending);
    let jobs = w.t.store.jobs().list(10).await.unwrap();
    assert!(
        jobs.iter()
            .filter(|j| j.kind == RECHECK_JOB)
            .all(|j| j.done_at.is_none() && j.last_error.contains("could not be reached")),
        "{jobs:?}"
    );

    // Back: the next attempt files the spam and publishes the known writer's comment.
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(encore_spam::server::serve(listener, service, async {
        let _ = stopped.await;
    }));
    w.app.clock().advance(std::time::Duration::from_secs(61));
    assert_eq!(run_due(&w.app).await, 2);
    assert_eq!(status(&w, good).await, CommentStatus::Approved);
    assert_eq!(status(&w, bad).await, CommentStatus::Spam);
    assert_eq!(shown(&w).await, 2);
    assert_eq!(
        history(&w, good).await,
        ["not checked", "checked: not spam"]
    );
    let _ = stop.send(());
    server.await.unwrap().unwrap();
}

async fn spam_is_purged_after_fifteen_days(backend: TestBackend) {
    let w = world(backend, true).await;
    let spam = submit(&w, form(w.post, "viagra-test-123", "cheap pills here")).await;
    let held = submit(&w, form(w.post, "Mara", "Waiting is fine.")).await;
    assert_eq!(status(&w, spam).await, CommentStatus::Spam);
    w.app
        .clock()
        .advance(std::time::Duration::from_secs(14 * 86_400));
    assert_eq!(purge_spam(&w.app).await.unwrap(), 0);
    w.app
        .clock()
        .advance(std::time::Duration::from_secs(2 * 86_400));
    assert_eq!(purge_spam(&w.app).await.unwrap(), 1);
    assert!(
        w.t.store
            .comments()
            .get(w.site.id, spam)
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(
        status(&w, held).await,
        CommentStatus::Pending,
        "only spam goes"
    );
}

async fn a_removed_comment_with_answers_leaves_its_place(backend: TestBackend) {
    let w = world(backend, false).await;
    let import = |name: &str, parent: Option<CommentId>| {
        let mut form = form(w.post, name, &format!("Words by {name}."));
        form.parent = parent;
        encore_app::comments::ImportedComment {
            form,
            status: CommentStatus::Approved,
            at: fixtures::now(),
        }
    };
    let mut ids = Vec::new();
    for (name, parent) in [
        ("Ada", None),
        ("Ben", Some(0)),
        ("Cy", Some(1)),
        ("Dee", None),
    ] {
        let parent = parent.map(|i: usize| ids[i]);
        let id = encore_app::comments::import_comment(
            &w.app,
            Actor::Operator,
            w.site.id,
            import(name, parent),
        )
        .await
        .unwrap();
        ids.push(id);
    }
    let (ada, ben, cy, dee) = (ids[0], ids[1], ids[2], ids[3]);
    let page = |w: &World| {
        let store = w.t.store.clone();
        let (site, post) = (w.site.id, w.post);
        async move {
            store
                .comments()
                .threads(site, post, None, 50, false)
                .await
                .unwrap()
                .comments
                .into_iter()
                .map(|c| (c.id, c.status))
                .collect::<Vec<_>>()
        }
    };
    // Ada's thread opens with her comment; Ben answers, Cy answers Ben.
    moderate(&w.app, w.editor, w.site.id, &[ada, ben], Moderation::Trash)
        .await
        .unwrap();
    assert_eq!(
        page(&w).await,
        [
            (ada, CommentStatus::Trash),
            (ben, CommentStatus::Trash),
            (cy, CommentStatus::Approved),
            (dee, CommentStatus::Approved),
        ],
        "removed comments above an answer keep their place"
    );
    assert_eq!(shown(&w).await, 2);
    // With nothing approved left in it, the thread is not shown at all.
    moderate(&w.app, w.editor, w.site.id, &[cy], Moderation::Spam)
        .await
        .unwrap();
    assert_eq!(page(&w).await, [(dee, CommentStatus::Approved)]);
}
