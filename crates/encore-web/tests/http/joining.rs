//! Joining a site: open sign-up, and invitations mailed by the owner.

use crate::support::{Browser, PASSWORD, TestApp, csrf_of, location};
use encore_app::{Actor, signup, testing::SmtpServer};
use encore_core::roles::Role;
use encore_store::testing::TestBackend;
use reqwest::StatusCode;

encore_store::backend_tests!(
    sign_up_is_closed_until_the_owner_opens_it,
    an_invitation_makes_an_account_with_its_role_once,
    an_address_is_confirmed_by_a_button_behind_the_mailed_link,
);

async fn form(browser: &mut Browser<'_>, path: &str) -> (StatusCode, String) {
    let response = browser.get(path).await;
    let status = response.status();
    (status, response.text().await.unwrap())
}

async fn sign_up_is_closed_until_the_owner_opens_it(backend: TestBackend) {
    let t = TestApp::spawn(backend).await;
    let mut browser = t.browser("newcomer");
    let (status, page) = form(&mut browser, "/account/signup").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(page.contains("does not take sign-ups"), "{page}");
    assert!(!page.contains("name=\"password\""), "no form while closed");
    // A form sent anyway (with a good token from another page) is refused too.
    let (_, login) = form(&mut browser, "/account/login").await;
    let csrf = csrf_of(&login);
    let fields = [
        ("csrf", csrf.as_str()),
        ("username", "newcomer"),
        ("email", "newcomer@example.org"),
        ("password", PASSWORD),
    ];
    assert_eq!(
        browser.post("/account/signup", &fields).await.status(),
        StatusCode::FORBIDDEN
    );
    assert!(
        t.store
            .accounts()
            .by_username("newcomer")
            .await
            .unwrap()
            .is_none()
    );

    signup::set_signup(&t.app, Actor::Operator, t.site.id, true)
        .await
        .unwrap();
    let (status, page) = form(&mut browser, "/account/signup").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("name=\"password\""), "{page}");
    // A taken username is named next to its field, with what was typed kept.
    let taken = [
        ("csrf", csrf.as_str()),
        ("username", "marty"),
        ("display_name", "Another Marty"),
        ("email", "other@example.org"),
        ("password", PASSWORD),
    ];
    let response = browser.post("/account/signup", &taken).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = response.text().await.unwrap();
    assert!(
        page.contains("id=\"username-error\"") && page.contains("already taken"),
        "{page}"
    );
    assert!(
        page.contains("value=\"Another Marty\"") && page.contains("value=\"other@example.org\"")
    );

    let response = browser.post("/account/signup", &fields).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), "/account");
    assert_eq!(
        browser.get("/account").await.status(),
        StatusCode::OK,
        "signed in at once"
    );
    let account = t
        .store
        .accounts()
        .by_username("newcomer")
        .await
        .unwrap()
        .unwrap();
    let role = t
        .store
        .accounts()
        .role(t.site.id, account.id)
        .await
        .unwrap();
    assert_eq!(role, Some(Role::Subscriber));
}

async fn an_invitation_makes_an_account_with_its_role_once(backend: TestBackend) {
    let mut smtp = SmtpServer::new();
    smtp.start();
    let t = TestApp::spawn_with_mail(backend, &smtp).await;
    let link = signup::invite(
        &t.app,
        Actor::Operator,
        &t.site,
        "Writer@Example.org",
        Role::Author,
    )
    .await
    .unwrap();
    let mail = smtp.mail(1).await;
    assert!(mail.contains("X-RcptTo: writer@example.org"), "{mail}");
    assert!(mail.contains("Subject: Join Test Blog"), "{mail}");
    let unwrapped = mail.replace("=\n", "").replace("=\r\n", "");
    assert!(
        unwrapped.contains(&link),
        "the mail carries the link: {mail}"
    );
    let path = link.trim_start_matches(&t.base).to_owned();

    // Only the owner may invite.
    let stranger = Actor::Member {
        account: t.author.id,
        role: Role::Author,
    };
    assert!(
        signup::invite(&t.app, stranger, &t.site, "x@example.org", Role::Editor)
            .await
            .is_err()
    );

    let mut browser = t.browser("invited");
    let (status, page) = form(&mut browser, &path).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("writer@example.org") && page.contains("as author"),
        "{page}"
    );
    assert!(
        !page.contains("name=\"email\""),
        "the address is the invitation's"
    );
    let csrf = csrf_of(&page);
    let short = [
        ("csrf", csrf.as_str()),
        ("username", "writer"),
        ("password", "short"),
    ];
    let response = browser.post(&path, &short).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(response.text().await.unwrap().contains("value=\"writer\""));

    let fields = [
        ("csrf", csrf.as_str()),
        ("username", "writer"),
        ("display_name", "Wendy Writer"),
        ("password", PASSWORD),
    ];
    let response = browser.post(&path, &fields).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert!(
        browser
            .get("/account")
            .await
            .text()
            .await
            .unwrap()
            .contains("Wendy Writer")
    );
    let account = t
        .store
        .accounts()
        .by_username("writer")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        t.store
            .accounts()
            .role(t.site.id, account.id)
            .await
            .unwrap(),
        Some(Role::Author)
    );
    let (_, email) = t
        .store
        .accounts()
        .profile(account.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(email, "writer@example.org");

    // Once only.
    let mut again = t.browser("again");
    let (status, page) = form(&mut again, &path).await;
    assert_eq!(status, StatusCode::GONE);
    assert!(page.contains("expired or was already used"), "{page}");
    let (_, login) = form(&mut again, "/account/login").await;
    let csrf = csrf_of(&login);
    let second = [
        ("csrf", csrf.as_str()),
        ("username", "writer2"),
        ("password", PASSWORD),
    ];
    assert_eq!(again.post(&path, &second).await.status(), StatusCode::GONE);
    assert!(
        t.store
            .accounts()
            .by_username("writer2")
            .await
            .unwrap()
            .is_none()
    );
}

async fn an_address_is_confirmed_by_a_button_behind_the_mailed_link(backend: TestBackend) {
    let mut smtp = SmtpServer::new();
    smtp.start();
    let t = TestApp::spawn_with_mail(backend, &smtp).await;
    signup::set_signup(&t.app, Actor::Operator, t.site.id, true)
        .await
        .unwrap();
    let mut browser = t.browser("newcomer");
    let (_, page) = form(&mut browser, "/account/signup").await;
    let csrf = csrf_of(&page);
    let fields = [
        ("csrf", csrf.as_str()),
        ("username", "newcomer"),
        ("email", "newcomer@example.org"),
        ("password", PASSWORD),
    ];
    assert_eq!(
        browser.post("/account/signup", &fields).await.status(),
        StatusCode::SEE_OTHER
    );
    let (_, account) = form(&mut browser, "/account").await;
    assert!(account.contains("is not confirmed yet"), "{account}");

    let mail = smtp.mail(1).await.replace("=\r\n", "").replace("=\n", "");
    assert!(
        mail.contains("Subject: Confirm your address on Test Blog"),
        "{mail}"
    );
    let start = format!("{}/account/confirm/", t.base);
    let token = mail[mail.find(&start).unwrap() + start.len()..]
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned();
    let path = format!("/account/confirm/{token}");
    // Opening the link (as a mail scanner would) confirms nothing.
    let (status, page) = form(&mut browser, &path).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        form(&mut browser, "/account")
            .await
            .1
            .contains("is not confirmed yet")
    );
    let csrf = csrf_of(&page);
    let response = browser.post(&path, &[("csrf", csrf.as_str())]).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.text().await.unwrap().contains("is confirmed"));
    assert!(
        !form(&mut browser, "/account")
            .await
            .1
            .contains("is not confirmed yet")
    );
    // Once only.
    assert_eq!(
        browser
            .post(&path, &[("csrf", csrf.as_str())])
            .await
            .status(),
        StatusCode::GONE
    );

    // Asking again for a confirmed address sends nothing more.
    let csrf = csrf_of(&form(&mut browser, "/account").await.1);
    assert_eq!(
        browser
            .post("/account/confirm", &[("csrf", csrf.as_str())])
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        t.store.jobs().list(10).await.unwrap().len(),
        1,
        "no second mail was written"
    );
}
