//! The desk's settings and people pages: administrators change the site and who works on it;
//! everyone else is refused.

use crate::support::{Browser, PostBuilder, TestApp, csrf_of, location};
use encore_app::testing::{Publish, SmtpServer};
use encore_core::roles::Role;
use encore_store::testing::TestBackend;
use reqwest::StatusCode;

encore_store::backend_tests!(
    settings_change_the_whole_site_at_once_and_bad_fields_are_all_named,
    administrators_invite_change_roles_and_turn_people_away,
);

/// The form at `page` sent with its token and `fields`; the answer.
async fn send(
    browser: &mut Browser<'_>,
    page: &str,
    action: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let form = browser.get(page).await.text().await.unwrap();
    let csrf = csrf_of(&form);
    let mut all = vec![("csrf", csrf.as_str())];
    all.extend_from_slice(fields);
    browser.post(action, &all).await
}

async fn settings_change_the_whole_site_at_once_and_bad_fields_are_all_named(backend: TestBackend) {
    let t = TestApp::spawn(backend).await;
    for (title, days) in [("Rocky IV", 2), ("Top Gun", 1)] {
        PostBuilder::new(&t.site, &t.author, title)
            .days_ago(days)
            .publish(&t.app)
            .await;
    }
    // Only administrators reach the settings.
    let mut anonymous = t.browser("anonymous");
    let answer = anonymous.get("/admin/settings").await;
    assert_eq!(location(&answer), "/account/login?next=/admin/settings");
    let mut editor = t.signed_in_as("ed", Role::Editor).await;
    assert_eq!(
        editor.get("/admin/settings").await.status(),
        StatusCode::FORBIDDEN
    );
    let dashboard = editor.get("/admin").await.text().await.unwrap();
    assert!(
        !dashboard.contains("/admin/settings"),
        "no link for editors"
    );
    let mut admin = t.signed_in_as("owner", Role::Administrator).await;
    let page = admin.get("/admin/settings").await.text().await.unwrap();
    assert!(
        page.contains(&format!("value=\"{}\"", t.site.title)),
        "{page}"
    );

    // The home page is cached with the old title and both posts.
    let home = t.page("/").await;
    assert!(home.contains("Rocky IV") && home.contains("Top Gun"));
    let base_url = t.site.base_url.clone();
    let fields = [
        ("title", "Soundtracks Weekly"),
        ("tagline", "Film music, one year at a time"),
        ("base_url", base_url.as_str()),
        ("posts_per_page", "1"),
        ("signup", "open"),
    ];
    let answer = send(&mut admin, "/admin/settings", "/admin/settings", &fields).await;
    assert_eq!(answer.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&answer), "/admin/settings?saved=1");
    let home = t.page("/").await;
    assert!(home.contains("Soundtracks Weekly"), "{home}");
    assert!(home.contains("Film music, one year at a time"));
    assert!(
        home.contains("Top Gun") && !home.contains("Rocky IV"),
        "one post a page"
    );
    assert!(t.page("/page/2").await.contains("Rocky IV"));
    let mut newcomer = t.browser("newcomer");
    assert_eq!(
        newcomer.get("/account/signup").await.status(),
        StatusCode::OK,
        "sign-up is open"
    );

    // Three bad fields are all named at once, what was typed is kept, and nothing changes.
    let fields = [
        ("title", "  "),
        ("tagline", "Kept as typed"),
        ("base_url", "blog.example.org"),
        ("posts_per_page", "500"),
        ("signup", "closed"),
    ];
    let answer = send(&mut admin, "/admin/settings", "/admin/settings", &fields).await;
    assert_eq!(answer.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = answer.text().await.unwrap();
    for id in ["title-error", "base_url-error", "posts_per_page-error"] {
        assert!(page.contains(&format!("id=\"{id}\"")), "{id} in {page}");
    }
    assert!(page.contains("value=\"Kept as typed\"") && page.contains("value=\"500\""));
    assert!(page.contains("value=\"blog.example.org\""));
    let site = t.store.sites().by_id(t.site.id).await.unwrap();
    assert_eq!(site.title, "Soundtracks Weekly");
    assert_eq!(site.posts_per_page, Some(1));
    assert!(t.store.sites().signup_open(t.site.id).await.unwrap());

    // An empty page length goes back to the configured one; a number that is no number is named.
    let fields = [
        ("title", "Soundtracks Weekly"),
        ("tagline", ""),
        ("base_url", base_url.as_str()),
        ("posts_per_page", "ten"),
        ("signup", "closed"),
    ];
    let answer = send(&mut admin, "/admin/settings", "/admin/settings", &fields).await;
    assert_eq!(answer.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let fields = [
        ("title", "Soundtracks Weekly"),
        ("tagline", ""),
        ("base_url", base_url.as_str()),
        ("posts_per_page", ""),
        ("signup", "closed"),
    ];
    let answer = send(&mut admin, "/admin/settings", "/admin/settings", &fields).await;
    assert_eq!(answer.status(), StatusCode::SEE_OTHER);
    let home = t.page("/").await;
    assert!(home.contains("Top Gun") && home.contains("Rocky IV"));
    assert_eq!(
        newcomer.get("/account/signup").await.status(),
        StatusCode::FORBIDDEN,
        "sign-up is closed again"
    );

    // An editor's form is refused even with their own good token.
    let answer = send(&mut editor, "/account", "/admin/settings", &fields).await;
    assert_eq!(answer.status(), StatusCode::FORBIDDEN);
}

async fn administrators_invite_change_roles_and_turn_people_away(backend: TestBackend) {
    let mut smtp = SmtpServer::new();
    smtp.start();
    let t = TestApp::spawn_with_mail(backend, &smtp).await;
    let mut admin = t.signed_in_as("owner", Role::Administrator).await;
    let mut editor = t.signed_in_as("ed", Role::Editor).await;
    let ed = t
        .store
        .accounts()
        .by_username("ed")
        .await
        .unwrap()
        .unwrap()
        .id;
    let owner = t
        .store
        .accounts()
        .by_username("owner")
        .await
        .unwrap()
        .unwrap()
        .id;
    assert_eq!(
        editor.get("/admin/people").await.status(),
        StatusCode::FORBIDDEN
    );
    let page = admin.get("/admin/people").await.text().await.unwrap();
    assert!(page.contains("ed@example.org") && page.contains("owner the reader (you)"));

    // An invitation with a bad address is named and kept; a good one is mailed.
    let bad = [("email", "not an address"), ("role", "author")];
    let answer = send(&mut admin, "/admin/people", "/admin/people/invite", &bad).await;
    assert_eq!(answer.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = answer.text().await.unwrap();
    assert!(page.contains("id=\"email-error\"") && page.contains("value=\"not an address\""));
    let good = [("email", "guest.writer@example.org"), ("role", "author")];
    let answer = send(&mut admin, "/admin/people", "/admin/people/invite", &good).await;
    assert_eq!(location(&answer), "/admin/people?done=invited");
    let mail = smtp.mail(1).await;
    assert!(mail.contains("guest.writer@example.org") && mail.contains("/account/invite/"));
    assert!(mail.contains("as an author"), "{mail}");

    // A role changes at once.
    let path = format!("/admin/people/{}", ed.0);
    let role = [("action", "role"), ("role", "author")];
    let answer = send(&mut admin, "/admin/people", &path, &role).await;
    assert_eq!(location(&answer), "/admin/people?done=changed");
    assert_eq!(
        t.store.accounts().role(t.site.id, ed).await.unwrap(),
        Some(Role::Author)
    );

    // Turned away, the member's next request to the desk is refused; let back, it works.
    let answer = send(&mut admin, "/admin/people", &path, &[("action", "disable")]).await;
    assert_eq!(answer.status(), StatusCode::SEE_OTHER);
    assert_eq!(editor.get("/admin").await.status(), StatusCode::FORBIDDEN);
    let page = admin.get("/admin/people").await.text().await.unwrap();
    assert!(page.contains("Turned away"), "{page}");
    let answer = send(&mut admin, "/admin/people", &path, &[("action", "enable")]).await;
    assert_eq!(answer.status(), StatusCode::SEE_OTHER);
    assert_eq!(editor.get("/admin").await.status(), StatusCode::OK);

    // Administrators never change themselves (the site keeps one), and nobody else's form works.
    let own = format!("/admin/people/{}", owner.0);
    let answer = send(&mut admin, "/admin/people", &own, &[("action", "disable")]).await;
    assert_eq!(answer.status(), StatusCode::FORBIDDEN);
    let answer = send(
        &mut admin,
        "/admin/people",
        &own,
        &[("action", "role"), ("role", "subscriber")],
    )
    .await;
    assert_eq!(answer.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        t.store.accounts().role(t.site.id, owner).await.unwrap(),
        Some(Role::Administrator)
    );
    let answer = send(&mut editor, "/account", &own, &[("action", "disable")]).await;
    assert_eq!(answer.status(), StatusCode::FORBIDDEN);
    // An account without a role on the site is not made a member by a role change.
    let answer = send(&mut admin, "/admin/people", "/admin/people/999999", &role).await;
    assert_eq!(answer.status(), StatusCode::NOT_FOUND);
}
