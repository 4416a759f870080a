//! Signing in and out, the account page, throttling, and the tokens every form carries.

use crate::support::{Browser, PASSWORD, TestApp, between, csrf_of, location};
use encore_app::testing::Publish;
use encore_store::testing::TestBackend;
use encore_web::router::{FORM_ROUTES, patterns};
use reqwest::{StatusCode, header};

encore_store::backend_tests!(
    a_reader_signs_in_sees_the_account_page_and_signs_out,
    failed_sign_ins_are_throttled_per_login_and_per_network,
    every_form_refuses_a_missing_or_foreign_token_and_changes_nothing,
    a_new_password_ends_every_other_session,
    signing_out_everywhere_else_keeps_this_browser,
    a_new_name_shows_on_cached_pages_and_a_bad_website_is_refused,
    application_passwords_are_shown_once_and_revoked,
);

/// The account page's form token, for a signed-in browser.
async fn account_token(browser: &mut Browser<'_>) -> String {
    let response = browser.get("/account").await;
    assert_eq!(response.status(), StatusCode::OK);
    csrf_of(&response.text().await.unwrap())
}

async fn is_signed_in(browser: &mut Browser<'_>) -> bool {
    browser.get("/account").await.status() == StatusCode::OK
}

async fn a_reader_signs_in_sees_the_account_page_and_signs_out(backend: TestBackend) {
    let t = TestApp::spawn(backend).await;
    t.member("reader").await;
    let mut browser = t.browser("Firefox on a test bench");

    let response = browser.get("/account").await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), "/account/login?next=/account");

    let response = browser.get("/account/login?next=/account").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()[header::CACHE_CONTROL], "no-store");
    let set = response.headers()[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Strict"),
        "{set}"
    );
    assert!(
        !set.contains("Secure"),
        "an http site cannot keep a Secure cookie: {set}"
    );
    let form = response.text().await.unwrap();
    let csrf = csrf_of(&form);
    assert_eq!(Some(csrf.as_str()), browser.cookie("encore_form"));
    assert!(form.contains("name=\"next\" value=\"/account\""), "{form}");

    // A wrong password and an account that does not exist get the same answer.
    let mut answers = Vec::new();
    for login in ["reader", "nobody-here"] {
        let response = browser
            .post(
                "/account/login",
                &[
                    ("csrf", &csrf),
                    ("login", login),
                    ("password", "not the password"),
                    ("next", "/account"),
                ],
            )
            .await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        let page = response.text().await.unwrap();
        assert!(page.contains("do not match"), "{page}");
        assert!(
            page.contains(&format!("value=\"{login}\"")),
            "what was typed is kept"
        );
        assert!(
            !page.contains("not the password"),
            "a password is never shown again"
        );
        answers.push(page.replace(login, "LOGIN"));
    }
    assert_eq!(
        answers[0], answers[1],
        "the answer tells nothing of which accounts exist"
    );

    // Empty fields are named.
    let response = browser
        .post(
            "/account/login",
            &[("csrf", &csrf), ("login", ""), ("password", "x")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = response.text().await.unwrap();
    assert!(page.contains("id=\"login-error\""), "{page}");

    // The email works as well as the username, in any case; a foreign `next` is not followed.
    let response = browser
        .post(
            "/account/login",
            &[
                ("csrf", &csrf),
                ("login", "READER@example.org"),
                ("password", PASSWORD),
                ("next", "//evil.example/"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), "/account");
    let set = response.headers()[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(set.starts_with("encore_session="), "{set}");
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Lax"),
        "{set}"
    );
    let token = browser.cookie("encore_session").unwrap().to_owned();
    assert_eq!(token.len(), 64);

    let page = browser.get("/account").await.text().await.unwrap();
    assert!(page.contains("reader the reader"), "{page}");
    assert!(page.contains("Firefox on a test bench"), "{page}");
    assert!(page.contains("this browser"), "{page}");
    // Signed in, the sign-in page leads on.
    let response = browser.get("/account/login?next=/2026").await;
    assert_eq!(location(&response), "/2026");

    // The database holds a hash of the cookie, never the cookie.
    assert!(
        t.store
            .sessions()
            .find(&token, encore_store::testing::fixtures::now())
            .await
            .unwrap()
            .is_none()
    );

    let csrf = account_token(&mut browser).await;
    let response = browser.post("/account/logout", &[("csrf", &csrf)]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), "/");
    assert!(
        browser.cookie("encore_session").is_none(),
        "the cookie is deleted"
    );
    // The session is over on the server too: the old cookie no longer signs in.
    browser.set_cookie("encore_session", &token);
    assert!(!is_signed_in(&mut browser).await);
}

async fn failed_sign_ins_are_throttled_per_login_and_per_network(backend: TestBackend) {
    let t = TestApp::spawn(backend).await;
    for name in ["reader", "second", "third"] {
        t.member(name).await;
    }
    let mut browser = t.browser("guesser");
    for _ in 0..encore_app::sessions::FAILURES_PER_LOGIN {
        let response = browser.sign_in("reader", "a wrong guess").await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    // Now even the right password is refused, for a while, and the page says how long.
    let response = browser.sign_in("reader", PASSWORD).await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(response.headers()[header::RETRY_AFTER], "900");
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("try again in 15 minutes")
    );
    // Another account from the same place is not locked by it.
    assert_eq!(
        browser.sign_in("second", PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );

    // Many accounts guessed from one network: the network is stopped, whatever it tries.
    let mut guesser = t.browser("guesser");
    for i in
        0..(encore_app::sessions::FAILURES_PER_CLIENT - encore_app::sessions::FAILURES_PER_LOGIN)
    {
        let response = guesser.sign_in(&format!("someone-{i}"), "guess").await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    let response = guesser.sign_in("third", PASSWORD).await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);

    // Fifteen minutes later all is forgiven.
    t.clock.advance(std::time::Duration::from_secs(16 * 60));
    assert_eq!(
        guesser.sign_in("third", PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );
    let mut again = t.browser("owner");
    assert_eq!(
        again.sign_in("reader", PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );
}

async fn every_form_refuses_a_missing_or_foreign_token_and_changes_nothing(backend: TestBackend) {
    let t = TestApp::spawn(backend).await;
    t.member("reader").await;
    t.member("other").await;
    let mut mine = t.browser("mine");
    assert_eq!(
        mine.sign_in("reader", PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );
    let mut elsewhere = t.browser("elsewhere");
    assert_eq!(
        elsewhere.sign_in("reader", PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );
    let mut theirs = t.browser("theirs");
    assert_eq!(
        theirs.sign_in("other", PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );
    let foreign = account_token(&mut theirs).await;
    let own = account_token(&mut mine).await;
    let anonymous = t
        .browser("anonymous")
        .get("/account/login")
        .await
        .text()
        .await
        .unwrap();
    let anonymous = csrf_of(&anonymous);

    // Something for the forms to change, if they wrongly let the request through.
    let account = t
        .store
        .accounts()
        .by_username("reader")
        .await
        .unwrap()
        .unwrap()
        .id;
    let (kept, _) = encore_app::accounts::create_app_password(&t.app, account, "kept")
        .await
        .unwrap();
    for route in FORM_ROUTES {
        let path = concrete(route, kept);
        let send = |csrf: &str| {
            [
                ("csrf", csrf.to_owned()),
                ("login", "reader".to_owned()),
                ("password", PASSWORD.to_owned()),
                ("current_password", PASSWORD.to_owned()),
                ("new_password", "a brand new secret".to_owned()),
                ("display_name", "Changed".to_owned()),
                ("name", "another".to_owned()),
                ("username", "someone-new".to_owned()),
                ("email", "someone-new@example.org".to_owned()),
            ]
        };
        for csrf in ["", "0000", foreign.as_str(), anonymous.as_str()] {
            if *route == "/account/login" && csrf == anonymous {
                continue; // the form token of another browser, tried below with a cookie
            }
            let fields = send(csrf);
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let response = mine.post(&path, &fields).await;
            assert_eq!(
                response.status(),
                StatusCode::FORBIDDEN,
                "{path} with {csrf:?}"
            );
        }
        // The right token sent from another site is refused as well.
        let fields = send(&own);
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let response = mine.post_from("https://evil.example", &path, &fields).await;
        assert_eq!(
            response.status(),
            StatusCode::FORBIDDEN,
            "{path} from another site"
        );
    }
    // The sign-in form with a token that is not this browser's cookie.
    let mut fresh = t.browser("fresh");
    fresh.get("/account/login").await;
    let response = fresh
        .post(
            "/account/login",
            &[
                ("csrf", anonymous.as_str()),
                ("login", "reader"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(fresh.cookie("encore_session").is_none());

    // Nothing changed: both sessions live, the password is the old one, the profile and the
    // application passwords are as they were.
    let (profile, _) = t.store.accounts().profile(account).await.unwrap().unwrap();
    assert_eq!(profile.display_name, "reader the reader");
    let kept_passwords = t.store.accounts().app_passwords(account).await.unwrap();
    assert_eq!(kept_passwords.len(), 1);
    assert_eq!(kept_passwords[0].id, kept);
    assert!(is_signed_in(&mut mine).await);
    assert!(is_signed_in(&mut elsewhere).await);
    let mut check = t.browser("check");
    assert_eq!(
        check.sign_in("reader", PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );

    // Every route that takes a POST is in FORM_ROUTES: any other answers 405 (or 404).
    for pattern in patterns() {
        if FORM_ROUTES.contains(pattern) {
            continue;
        }
        let path = concrete(pattern, 1);
        let status = mine.post(&path, &[("csrf", own.as_str())]).await.status();
        assert!(
            status == StatusCode::METHOD_NOT_ALLOWED || status == StatusCode::NOT_FOUND,
            "POST {path} answered {status}: a route that accepts forms must be in FORM_ROUTES"
        );
    }
}

async fn a_new_password_ends_every_other_session(backend: TestBackend) {
    let t = TestApp::spawn(backend).await;
    t.member("reader").await;
    let mut here = t.browser("here");
    let mut there = t.browser("there");
    here.sign_in("reader", PASSWORD).await;
    there.sign_in("reader", PASSWORD).await;
    let csrf = account_token(&mut here).await;

    let response = here
        .post(
            "/account/password",
            &[
                ("csrf", &csrf),
                ("current_password", "not it"),
                ("new_password", "a brand new secret"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = response.text().await.unwrap();
    assert!(page.contains("id=\"current_password-error\""), "{page}");
    assert!(!page.contains("a brand new secret"));

    let response = here
        .post(
            "/account/password",
            &[
                ("csrf", &csrf),
                ("current_password", PASSWORD),
                ("new_password", "short"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("id=\"new_password-error\"")
    );
    assert!(
        is_signed_in(&mut there).await,
        "a refused change ends nothing"
    );

    let response = here
        .post(
            "/account/password",
            &[
                ("csrf", &csrf),
                ("current_password", PASSWORD),
                ("new_password", "a brand new secret"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("password is changed")
    );
    assert!(
        is_signed_in(&mut here).await,
        "the browser that changed it stays signed in"
    );
    assert!(!is_signed_in(&mut there).await, "every other session ends");

    let mut later = t.browser("later");
    assert_eq!(
        later.sign_in("reader", PASSWORD).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        later.sign_in("reader", "a brand new secret").await.status(),
        StatusCode::SEE_OTHER
    );
}

async fn signing_out_everywhere_else_keeps_this_browser(backend: TestBackend) {
    let t = TestApp::spawn(backend).await;
    t.member("reader").await;
    let mut phone = t.browser("phone");
    let mut laptop = t.browser("laptop");
    let mut library = t.browser("library");
    for browser in [&mut phone, &mut laptop, &mut library] {
        browser.sign_in("reader", PASSWORD).await;
    }
    let page = laptop.get("/account").await.text().await.unwrap();
    for agent in ["phone", "laptop", "library"] {
        assert!(
            page.contains(&format!("<span class=\"session-browser\">{agent}</span>")),
            "{page}"
        );
    }
    let csrf = csrf_of(&page);
    let response = laptop
        .post("/account/logout-others", &[("csrf", &csrf)])
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("Signed out of 2 other sessions.")
    );
    assert!(is_signed_in(&mut laptop).await);
    assert!(!is_signed_in(&mut phone).await);
    assert!(!is_signed_in(&mut library).await);
}

/// A route pattern as an address: `{id}` is `id`, a `{token}` 64 hex digits, other
/// parameters `1`, and a theme file a real one.
fn concrete(pattern: &str, id: i64) -> String {
    pattern
        .split('/')
        .map(|segment| match segment {
            "{*path}" => "style.css".to_owned(),
            "{id}" => id.to_string(),
            "{kind}" => "categories".to_owned(),
            "{token}" => "0".repeat(64),
            s if s.starts_with('{') => "1".to_owned(),
            s => s.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("/")
}

async fn a_new_name_shows_on_cached_pages_and_a_bad_website_is_refused(backend: TestBackend) {
    let t = TestApp::spawn(backend).await;
    // The fixtures' author writes a post; their byline is on its (cached) page.
    let id = crate::support::PostBuilder::new(&t.site, &t.author, "A post with a byline")
        .days_ago(1)
        .publish(&t.app)
        .await;
    let post = t
        .store
        .posts()
        .by_id(t.site.id, id)
        .await
        .unwrap()
        .unwrap()
        .summary
        .path();
    let page = t.page(&post).await;
    assert!(page.contains("MARTY"), "{page}");
    let hash = encore_app::accounts::hash_password(PASSWORD).unwrap();
    let mut tx = t.store.begin().await.unwrap();
    tx.accounts()
        .set_password_hash(t.author.id, &hash)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut browser = t.browser("author");
    assert_eq!(
        browser.sign_in("marty", PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );
    let csrf = account_token(&mut browser).await;

    let response = browser
        .post(
            "/account/profile",
            &[
                ("csrf", &csrf),
                ("display_name", "Marty McFly"),
                ("website", "javascript:alert(1)"),
                ("bio", "Plays guitar."),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let form = response.text().await.unwrap();
    assert!(form.contains("id=\"website-error\""), "{form}");
    assert!(
        form.contains("value=\"Marty McFly\""),
        "what was typed is kept: {form}"
    );
    assert!(
        t.page(&post).await.contains("MARTY"),
        "a refused profile changes nothing"
    );

    let response = browser
        .post(
            "/account/profile",
            &[
                ("csrf", &csrf),
                ("display_name", "Marty McFly"),
                ("website", "mcfly.example.org"),
                ("bio", "Plays guitar."),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let form = response.text().await.unwrap();
    assert!(
        form.contains("value=\"https://mcfly.example.org\""),
        "{form}"
    );
    // The cached post page and the author page show the new name at once.
    let page = t.page(&post).await;
    assert!(
        page.contains("Marty McFly") && !page.contains("MARTY"),
        "{page}"
    );
    assert!(t.page("/author/marty").await.contains("Plays guitar."));
}

async fn application_passwords_are_shown_once_and_revoked(backend: TestBackend) {
    let t = TestApp::spawn(backend).await;
    t.member("reader").await;
    let mut browser = t.browser("reader");
    browser.sign_in("reader", PASSWORD).await;
    let csrf = account_token(&mut browser).await;

    let response = browser
        .post("/account/app-passwords", &[("csrf", &csrf), ("name", "  ")])
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);

    let page = browser
        .post(
            "/account/app-passwords",
            &[("csrf", &csrf), ("name", "Phone app")],
        )
        .await
        .text()
        .await
        .unwrap();
    let token = between(&page, "<code class=\"secret\">", "</code>")
        .expect("the new password")
        .to_owned();
    assert!(token.starts_with("encore_") && token.len() == 71, "{token}");
    let account = encore_app::accounts::app_password_account(&t.app, &token)
        .await
        .unwrap();
    assert!(account.is_some(), "the password opens the account");
    // Shown once: the account page lists it by name only.
    let page = browser.get("/account").await.text().await.unwrap();
    assert!(
        page.contains("Phone app") && !page.contains(&token),
        "{page}"
    );
    assert!(!page.contains("<code class=\"secret\">"));

    let id = between(&page, "action=\"/account/app-passwords/", "/revoke\"")
        .unwrap()
        .to_owned();
    let response = browser
        .post(
            &format!("/account/app-passwords/{id}/revoke"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        encore_app::accounts::app_password_account(&t.app, &token)
            .await
            .unwrap()
            .is_none()
    );
    // Another account's password cannot be revoked from here.
    t.member("other").await;
    let other = t
        .store
        .accounts()
        .by_username("other")
        .await
        .unwrap()
        .unwrap()
        .id;
    let (theirs, their_token) = encore_app::accounts::create_app_password(&t.app, other, "theirs")
        .await
        .unwrap();
    let response = browser
        .post(
            &format!("/account/app-passwords/{theirs}/revoke"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert!(
        encore_app::accounts::app_password_account(&t.app, &their_token)
            .await
            .unwrap()
            .is_some()
    );
}
