//! Password reset by email, through a real SMTP server on loopback.

use crate::support::{Browser, PASSWORD, TestApp, csrf_of};
use encore_app::testing::SmtpServer;
use encore_store::testing::{TestBackend, html::between};
use reqwest::{StatusCode, header};

encore_store::backend_tests!(
    a_forgotten_password_is_reset_through_a_mailed_link_once,
    mail_waits_while_the_smtp_server_is_down_and_goes_out_when_it_is_back,
);

async fn ask_for_a_link(browser: &mut Browser<'_>, login: &str) -> String {
    let form = browser.get("/account/reset").await.text().await.unwrap();
    let csrf = csrf_of(&form);
    let response = browser
        .post("/account/reset", &[("csrf", &csrf), ("login", login)])
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    response.text().await.unwrap()
}

/// The path of the reset link in a mail. The body is quoted-printable (its lines are longer than
/// mail likes), so soft line breaks are undone first, as a mail client does.
fn link_in(mail: &str, base: &str) -> String {
    let mail = mail.replace("=\r\n", "").replace("=\n", "");
    let start = format!("{base}/account/reset/");
    let token = between(&mail, &start, "\n").expect("a reset link").trim();
    format!("/account/reset/{token}")
}

async fn signs_in(t: &TestApp, password: &str) -> bool {
    t.browser("check")
        .sign_in("reader", password)
        .await
        .status()
        == StatusCode::SEE_OTHER
}

async fn a_forgotten_password_is_reset_through_a_mailed_link_once(backend: TestBackend) {
    let mut smtp = SmtpServer::new();
    smtp.start();
    let t = TestApp::spawn_with_mail(backend, &smtp).await;
    t.member("reader").await;
    let mut browser = t.browser("forgetful");

    // The sign-in page offers the way, and an unknown account is answered like a known one.
    assert!(
        browser
            .get("/account/login")
            .await
            .text()
            .await
            .unwrap()
            .contains("href=\"/account/reset\"")
    );
    let unknown = ask_for_a_link(&mut browser, "nobody@example.org").await;
    let known = ask_for_a_link(&mut browser, "Reader@Example.org").await;
    assert!(
        known.contains("a link to choose a new password is on its way"),
        "{known}"
    );
    assert_eq!(
        unknown.replace("nobody@example.org", "X"),
        known.replace("Reader@Example.org", "X"),
        "the answer tells nothing of which accounts exist"
    );

    let mail = smtp.mail(1).await;
    assert!(mail.contains("X-RcptTo: reader@example.org"), "{mail}");
    assert!(
        mail.contains("Subject: Reset your password on Test Blog"),
        "{mail}"
    );
    assert!(
        mail.contains("From: \"Test Blog\" <blog@example.org>"),
        "{mail}"
    );
    let link = link_in(&mail, &t.base);
    assert_eq!(
        smtp.mails().len(),
        1,
        "nothing was sent for the unknown account"
    );

    // A session signed in before the reset ends with it.
    let mut before = t.browser("before");
    before.sign_in("reader", PASSWORD).await;
    assert_eq!(before.get("/account").await.status(), StatusCode::OK);

    let response = browser.get(&link).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()[header::REFERRER_POLICY], "no-referrer");
    let page = response.text().await.unwrap();
    let csrf = csrf_of(&page);
    // Too short: said next to the field, and the link still works.
    let response = browser
        .post(&link, &[("csrf", &csrf), ("new_password", "short")])
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("id=\"new_password-error\"")
    );
    let response = browser
        .post(
            &link,
            &[("csrf", &csrf), ("new_password", "a fresh new secret")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("Your password is changed")
    );
    assert!(signs_in(&t, "a fresh new secret").await);
    assert!(!signs_in(&t, PASSWORD).await);
    assert_eq!(
        before.get("/account").await.status(),
        StatusCode::SEE_OTHER,
        "old sessions end"
    );

    // Used once, the link says so and changes nothing more.
    let response = browser.get(&link).await;
    assert_eq!(response.status(), StatusCode::GONE);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("expired or was already used")
    );
    let response = browser
        .post(
            &link,
            &[("csrf", &csrf), ("new_password", "a third new secret")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::GONE);
    assert!(signs_in(&t, "a fresh new secret").await);

    // A link is good for an hour only.
    ask_for_a_link(&mut browser, "reader").await;
    let late = link_in(&smtp.mail(2).await, &t.base);
    t.clock.advance(std::time::Duration::from_secs(61 * 60));
    let response = browser
        .post(
            &late,
            &[("csrf", &csrf), ("new_password", "a late new secret")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::GONE);
    assert!(signs_in(&t, "a fresh new secret").await);
    // A made-up link is the same as a spent one.
    let response = browser
        .get(&format!("/account/reset/{}", "ab".repeat(32)))
        .await;
    assert_eq!(response.status(), StatusCode::GONE);
}

async fn mail_waits_while_the_smtp_server_is_down_and_goes_out_when_it_is_back(
    backend: TestBackend,
) {
    let mut smtp = SmtpServer::new();
    let t = TestApp::spawn_with_mail(backend, &smtp).await;
    t.member("reader").await;
    let mut browser = t.browser("patient");
    // The server is down: the page still promises the mail, and the mail is kept.
    ask_for_a_link(&mut browser, "reader").await;
    let failed = async {
        for _ in 0..200 {
            let jobs = t.store.jobs().list(10).await.unwrap();
            if jobs
                .first()
                .is_some_and(|j| j.attempts >= 1 && !j.last_error.is_empty())
            {
                return jobs;
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
        panic!("the first attempt never failed");
    }
    .await;
    assert!(failed[0].done_at.is_none() && failed[0].failed_at.is_none());
    assert!(
        failed[0].last_error.contains("SMTP"),
        "{:?}",
        failed[0].last_error
    );

    smtp.start();
    // The next attempt is due 30 seconds later.
    t.clock.advance(std::time::Duration::from_secs(31));
    let mail = smtp.mail(1).await;
    assert!(mail.contains("X-RcptTo: reader@example.org"), "{mail}");
    let link = link_in(&mail, &t.base);
    assert_eq!(browser.get(&link).await.status(), StatusCode::OK);
    // The server has the mail; the worker records it done a moment later.
    let mut jobs = t.store.jobs().list(10).await.unwrap();
    for _ in 0..200 {
        if jobs[0].done_at.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        jobs = t.store.jobs().list(10).await.unwrap();
    }
    assert!(jobs[0].done_at.is_some(), "{jobs:?}");
    assert_eq!(smtp.mails().len(), 1, "sent once");
}
