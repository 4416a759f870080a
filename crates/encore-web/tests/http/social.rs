//! Signing in through another service, against a real OpenID Connect provider on loopback
//! (npm's `oidc-provider`; see `encore_app::testing::OidcProvider`).

use crate::support::{Browser, PASSWORD, TestApp, csrf_of, location};
use encore_app::{
    social::Social,
    testing::Publish as _,
    testing::{OidcAccount, OidcProvider},
};
use encore_store::testing::{TestBackend, execute};
use encore_web::Settings;
use reqwest::StatusCode;

encore_store::backend_tests!(
    a_first_sign_in_makes_a_subscriber_and_the_next_finds_it,
    a_foreign_late_or_tampered_sign_in_is_refused_and_writes_nothing,
    a_provider_that_is_down_gets_a_clear_answer,
    addresses_link_only_when_both_sides_confirmed_them,
    readers_link_and_unlink_providers_on_their_account_page,
    an_oauth2_service_signs_in_through_its_user_record,
    a_reader_signs_in_from_the_reply_form_and_comments_under_their_name,
);

const ID: &str = "testid";

fn ana() -> OidcAccount {
    OidcAccount {
        sub: "ana-0001".into(),
        email: "ana@example.org".into(),
        email_verified: true,
        name: "Ana María".into(),
    }
}

/// A server offering the provider, and the provider (not started yet).
async fn spawn(backend: TestBackend) -> (TestApp, OidcProvider) {
    let provider = OidcProvider::new();
    let mut settings = Settings::new(10);
    settings.social = Social::new(vec![provider.provider(ID)]);
    let t = TestApp::spawn_with_settings(backend, settings).await;
    (t, provider)
}

fn callback_of(t: &TestApp) -> Vec<String> {
    vec![format!("{}/account/login/{ID}/callback", t.base)]
}

/// Presses the provider's button on the sign-in page; the answer.
async fn press(browser: &mut Browser<'_>, next: &str) -> reqwest::Response {
    let page = browser.get("/account/login").await.text().await.unwrap();
    assert!(
        page.contains("Test ID"),
        "the sign-in page offers the provider: {page}"
    );
    let csrf = csrf_of(&page);
    browser
        .post(
            &format!("/account/login/{ID}"),
            &[("csrf", &csrf), ("next", next)],
        )
        .await
}

/// The callback address the provider sends the browser to, as a path on the site.
async fn at_provider(t: &TestApp, provider: &mut OidcProvider, sent: &reqwest::Response) -> String {
    assert_eq!(sent.status(), StatusCode::SEE_OTHER);
    let to = location(sent);
    assert!(to.starts_with(&provider.issuer()), "{to}");
    for part in [
        "code_challenge_method=S256",
        "nonce=",
        "state=",
        "code_challenge=",
    ] {
        assert!(to.contains(part), "{to} lacks {part}");
    }
    let back = provider.authorize(&to).await;
    assert!(back.starts_with(&t.base), "{back}");
    back[t.base.len()..].to_owned()
}

async fn accounts_with(t: &TestApp, email: &str) -> bool {
    t.store
        .logins()
        .account_with_email(email)
        .await
        .unwrap()
        .is_some()
}

async fn a_first_sign_in_makes_a_subscriber_and_the_next_finds_it(backend: TestBackend) {
    let (t, mut provider) = spawn(backend).await;
    provider.start(&callback_of(&t), &ana());
    let mut browser = t.browser("ana's browser");
    let sent = press(&mut browser, "/about").await;
    assert!(
        browser.cookie("encore_login").is_some(),
        "the sign-in is bound to the browser"
    );
    let back = at_provider(&t, &mut provider, &sent).await;
    let done = browser.get(&back).await;
    assert_eq!(done.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&done), "/about", "back where the reader was going");
    assert!(browser.cookie("encore_session").is_some());
    let page = browser.get("/account").await.text().await.unwrap();
    assert!(
        page.contains("ana-mar-a"),
        "a username made from the name: {page}"
    );
    assert!(page.contains("Ana María"));
    assert!(
        page.contains("as ana@example.org"),
        "the linked provider is listed"
    );
    let account = anas_account(&t).await;
    assert_eq!(
        t.store
            .accounts()
            .role(t.site.id, account.id)
            .await
            .unwrap(),
        Some(encore_core::roles::Role::Subscriber)
    );
    assert!(
        t.store.accounts().email_verified(account.id).await.unwrap(),
        "the provider vouched"
    );

    // The same callback again (a replayed state): refused, no session.
    let mut other = t.browser("a replaying browser");
    let replay = other.get(&back).await;
    assert_eq!(replay.status(), StatusCode::BAD_REQUEST);
    assert!(replay.text().await.unwrap().contains("already used"));
    assert!(other.cookie("encore_session").is_none());

    // Signed out, the next sign-in finds the same account.
    let page = browser.get("/account").await.text().await.unwrap();
    browser
        .post("/account/logout", &[("csrf", &csrf_of(&page))])
        .await;
    let sent = press(&mut browser, "//evil.example/").await;
    let back = at_provider(&t, &mut provider, &sent).await;
    let done = browser.get(&back).await;
    assert_eq!(location(&done), "/account", "never to another site");
    let page = browser.get("/account").await.text().await.unwrap();
    assert!(page.contains("ana-mar-a"), "{page}");
    assert!(
        t.store
            .accounts()
            .by_username("ana-mar-a-2")
            .await
            .unwrap()
            .is_none()
    );
}

async fn a_foreign_late_or_tampered_sign_in_is_refused_and_writes_nothing(backend: TestBackend) {
    let (t, mut provider) = spawn(backend).await;
    provider.start(&callback_of(&t), &ana());
    let mut browser = t.browser("ana's browser");

    // A state that never began here.
    let made_up = format!(
        "/account/login/{ID}/callback?code=abc&state={}",
        "0".repeat(64)
    );
    let answer = browser.get(&made_up).await;
    assert_eq!(answer.status(), StatusCode::BAD_REQUEST);
    assert!(answer.text().await.unwrap().contains("never began here"));

    // A sign-in begun in one browser and finished in another (login CSRF).
    let sent = press(&mut browser, "/").await;
    let back = at_provider(&t, &mut provider, &sent).await;
    let mut victim = t.browser("someone else's browser");
    let answer = victim.get(&back).await;
    assert_eq!(answer.status(), StatusCode::BAD_REQUEST);
    assert!(answer.text().await.unwrap().contains("another browser"));
    assert!(victim.cookie("encore_session").is_none());

    // The provider's code used a second time, with a fresh state: the provider refuses it.
    let old_code = back
        .split("code=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .to_owned();
    let sent = press(&mut browser, "/").await;
    let first = at_provider(&t, &mut provider, &sent).await;
    assert_eq!(browser.get(&first).await.status(), StatusCode::SEE_OTHER);
    let used_code = first
        .split("code=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .to_owned();
    assert_ne!(old_code, used_code);
    let page = browser.get("/account").await.text().await.unwrap();
    browser
        .post("/account/logout", &[("csrf", &csrf_of(&page))])
        .await;
    let sent = press(&mut browser, "/").await;
    let fresh = at_provider(&t, &mut provider, &sent).await;
    let replayed = fresh.replace(
        &fresh
            .split("code=")
            .nth(1)
            .unwrap()
            .split('&')
            .next()
            .unwrap()
            .to_owned(),
        &used_code,
    );
    let answer = browser.get(&replayed).await;
    assert_eq!(answer.status(), StatusCode::BAD_REQUEST);
    assert!(answer.text().await.unwrap().contains("refused the sign-in"));
    assert!(browser.cookie("encore_session").is_none());

    // An ID token whose nonce is not the one sent.
    let sent = press(&mut browser, "/").await;
    execute(
        &t.store,
        "UPDATE login_states SET nonce = 'not-what-was-sent'",
    )
    .await;
    let back = at_provider(&t, &mut provider, &sent).await;
    let answer = browser.get(&back).await;
    assert_eq!(answer.status(), StatusCode::BAD_REQUEST);
    assert!(answer.text().await.unwrap().contains("nonce"));
    assert!(browser.cookie("encore_session").is_none());

    // Too late: ten minutes pass at the provider.
    let sent = press(&mut browser, "/").await;
    let back = at_provider(&t, &mut provider, &sent).await;
    t.clock.advance(std::time::Duration::from_secs(11 * 60));
    let answer = browser.get(&back).await;
    assert_eq!(answer.status(), StatusCode::BAD_REQUEST);
    assert!(answer.text().await.unwrap().contains("too long"));
    assert_eq!(
        t.store
            .logins()
            .of_account(anas_account(&t).await.id)
            .await
            .unwrap()
            .len(),
        1,
        "one identity, linked by the one sign-in that succeeded"
    );
}

async fn a_provider_that_is_down_gets_a_clear_answer(backend: TestBackend) {
    let (t, mut provider) = spawn(backend).await;
    let mut browser = t.browser("ana's browser");
    // Never started: discovery fails.
    let answer = press(&mut browser, "/").await;
    assert_eq!(answer.status(), StatusCode::BAD_GATEWAY);
    let page = answer.text().await.unwrap();
    assert!(page.contains("Test ID cannot be reached"), "{page}");
    assert!(
        page.contains("name=\"password\""),
        "the password form is still there"
    );

    // Down between the redirect and the return: the code cannot be exchanged.
    provider.start(&callback_of(&t), &ana());
    let sent = press(&mut browser, "/").await;
    let back = at_provider(&t, &mut provider, &sent).await;
    provider.stop();
    let answer = browser.get(&back).await;
    assert_eq!(answer.status(), StatusCode::BAD_GATEWAY);
    assert!(browser.cookie("encore_session").is_none());
    assert!(
        !accounts_with(&t, "ana@example.org").await,
        "nothing half-made"
    );
}

async fn addresses_link_only_when_both_sides_confirmed_them(backend: TestBackend) {
    let (t, mut provider) = spawn(backend).await;
    t.member("ana").await; // ana@example.org, not confirmed
    provider.start(
        &callback_of(&t),
        &OidcAccount {
            name: String::new(),
            ..ana()
        },
    );
    let mut browser = t.browser("ana's browser");
    let sent = press(&mut browser, "/").await;
    let back = at_provider(&t, &mut provider, &sent).await;
    let answer = browser.get(&back).await;
    assert_eq!(answer.status(), StatusCode::BAD_REQUEST);
    let page = answer.text().await.unwrap();
    assert!(page.contains("already uses ana@example.org"), "{page}");
    assert!(browser.cookie("encore_session").is_none());

    // Once the account confirmed its address, the provider's confirmed address links to it.
    let ana = t
        .store
        .accounts()
        .by_username("ana")
        .await
        .unwrap()
        .unwrap();
    let mut tx = t.store.begin().await.unwrap();
    tx.accounts()
        .mark_email_verified(ana.id, t.clock.now())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let sent = press(&mut browser, "/").await;
    let back = at_provider(&t, &mut provider, &sent).await;
    assert_eq!(browser.get(&back).await.status(), StatusCode::SEE_OTHER);
    let page = browser.get("/account").await.text().await.unwrap();
    assert!(
        page.contains("ana the reader"),
        "signed in as the existing account: {page}"
    );
    assert_eq!(t.store.logins().of_account(ana.id).await.unwrap().len(), 1);
}

async fn readers_link_and_unlink_providers_on_their_account_page(backend: TestBackend) {
    let (t, mut provider) = spawn(backend).await;
    t.member("lou").await;
    provider.start(
        &callback_of(&t),
        &OidcAccount {
            sub: "lou-at-test-id".into(),
            email: "lou.elsewhere@example.org".into(),
            email_verified: false,
            name: "Lou".into(),
        },
    );
    let mut browser = t.browser("lou's browser");
    assert_eq!(
        browser.sign_in("lou", PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );
    let page = browser.get("/account").await.text().await.unwrap();
    assert!(page.contains("Link Test ID"), "{page}");
    let csrf = csrf_of(&page);
    // Without the session's token: refused.
    let forged = browser
        .post(&format!("/account/logins/{ID}/link"), &[("csrf", "forged")])
        .await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let sent = browser
        .post(&format!("/account/logins/{ID}/link"), &[("csrf", &csrf)])
        .await;
    let back = at_provider(&t, &mut provider, &sent).await;
    let done = browser.get(&back).await;
    assert_eq!(location(&done), "/account");
    let page = browser.get("/account").await.text().await.unwrap();
    assert!(page.contains("as lou.elsewhere@example.org"), "{page}");
    assert!(!page.contains("Link Test ID"));

    // Signed out, the provider signs lou in.
    browser.post("/account/logout", &[("csrf", &csrf)]).await;
    let sent = press(&mut browser, "/").await;
    let back = at_provider(&t, &mut provider, &sent).await;
    assert_eq!(browser.get(&back).await.status(), StatusCode::SEE_OTHER);
    let page = browser.get("/account").await.text().await.unwrap();
    assert!(page.contains("lou the reader"), "{page}");

    // Unlinked, it no longer does (it makes an account of its own instead).
    let lou = t
        .store
        .accounts()
        .by_username("lou")
        .await
        .unwrap()
        .unwrap();
    let linked = t.store.logins().of_account(lou.id).await.unwrap();
    let csrf = csrf_of(&page);
    let unlink = format!("/account/logins/{}/unlink", linked[0].id);
    assert_eq!(
        browser.post(&unlink, &[("csrf", "forged")]).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        location(&browser.post(&unlink, &[("csrf", &csrf)]).await),
        "/account"
    );
    assert!(
        t.store
            .logins()
            .of_account(lou.id)
            .await
            .unwrap()
            .is_empty()
    );
    browser.post("/account/logout", &[("csrf", &csrf)]).await;
    let sent = press(&mut browser, "/").await;
    let back = at_provider(&t, &mut provider, &sent).await;
    assert_eq!(browser.get(&back).await.status(), StatusCode::SEE_OTHER);
    let page = browser.get("/account").await.text().await.unwrap();
    assert!(page.contains("Lou"), "{page}");
    assert!(!page.contains("lou the reader"));

    // That account has no password: its one provider cannot be unlinked.
    let own = t
        .store
        .accounts()
        .by_username("lou-2")
        .await
        .unwrap()
        .unwrap();
    let linked = t.store.logins().of_account(own.id).await.unwrap();
    let answer = browser
        .post(
            &format!("/account/logins/{}/unlink", linked[0].id),
            &[("csrf", &csrf_of(&page))],
        )
        .await;
    assert_eq!(answer.status(), StatusCode::FORBIDDEN);
    assert!(answer.text().await.unwrap().contains("only way to sign in"));
    assert_eq!(t.store.logins().of_account(own.id).await.unwrap().len(), 1);
}

async fn an_oauth2_service_signs_in_through_its_user_record(backend: TestBackend) {
    use encore_app::social::{OAuth2Endpoints, Protocol, Provider};
    // The same real provider, used the OAuth2 way: authorize, token, then the user record, with
    // no discovery, no ID token and no nonce.
    let mut provider = OidcProvider::new();
    let issuer = provider.issuer();
    let plain = Provider {
        id: "plain".into(),
        label: "Plain OAuth".into(),
        protocol: Protocol::OAuth2(OAuth2Endpoints {
            authorize_url: format!("{issuer}/auth"),
            token_url: format!("{issuer}/token"),
            userinfo_url: format!("{issuer}/me"),
            subject_field: "sub".into(),
            email_field: "email".into(),
            name_field: "name".into(),
            username_field: "preferred_username".into(),
            email_trusted: false,
        }),
        ..provider.provider("plain")
    };
    let mut settings = Settings::new(10);
    settings.social = Social::new(vec![plain]);
    let t = TestApp::spawn_with_settings(backend, settings).await;
    provider.start(
        &[format!("{}/account/login/plain/callback", t.base)],
        &OidcAccount {
            sub: "octo-42".into(),
            email: "octo@example.org".into(),
            email_verified: false,
            name: "Octo Cat".into(),
        },
    );
    let mut browser = t.browser("octo's browser");
    let page = browser.get("/account/login").await.text().await.unwrap();
    let sent = browser
        .post(
            "/account/login/plain",
            &[("csrf", &csrf_of(&page)), ("next", "/")],
        )
        .await;
    let to = location(&sent);
    assert!(
        to.starts_with(&format!("{issuer}/auth?")) && !to.contains("nonce="),
        "{to}"
    );
    let back = provider.authorize(&to).await;
    let done = browser.get(&back[t.base.len()..]).await;
    assert_eq!(done.status(), StatusCode::SEE_OTHER);
    let page = browser.get("/account").await.text().await.unwrap();
    assert!(
        page.contains("octo-cat") && page.contains("Plain OAuth"),
        "{page}"
    );
    let octo = t
        .store
        .accounts()
        .by_username("octo-cat")
        .await
        .unwrap()
        .unwrap();
    assert!(
        !t.store.accounts().email_verified(octo.id).await.unwrap(),
        "an address the service does not vouch for stays unconfirmed"
    );
}

async fn a_reader_signs_in_from_the_reply_form_and_comments_under_their_name(backend: TestBackend) {
    let (t, mut provider) = spawn(backend).await;
    encore_app::testing::check_comments_locally(&t.app, &t.site.base_url).await;
    crate::support::PostBuilder::new(&t.site, &t.author, "Rocky IV")
        .publish(&t.app)
        .await;
    let home = t.page("/").await;
    let path = crate::support::between(&home, "<h2 class=\"card-title\"><a href=\"", "\"")
        .unwrap()
        .to_owned();
    provider.start(&callback_of(&t), &ana());

    // The reply form offers the provider to a guest, and the sign-in comes back to the form.
    let mut browser = t.browser("ana's browser");
    let page = browser.get(&path).await.text().await.unwrap();
    assert!(
        page.contains("Have an account here or with Test ID?"),
        "{page}"
    );
    let sign_in = format!("/account/login?next={path}%23respond");
    assert!(page.contains(&format!("href=\"{sign_in}\"")), "{page}");
    let sent = press(&mut browser, &format!("{path}#respond")).await;
    let back = at_provider(&t, &mut provider, &sent).await;
    let done = browser.get(&back).await;
    assert_eq!(location(&done), format!("{path}#respond"));

    // Signed in, the form asks only for words, and the comment carries the provider's name.
    let page = browser.get(&path).await.text().await.unwrap();
    assert!(page.contains("Commenting as Ana María."), "{page}");
    assert!(!page.contains("id=\"field-email\""), "{page}");
    let post = crate::support::between(&page, "name=\"post\" value=\"", "\"")
        .unwrap()
        .to_owned();
    let csrf = crate::support::between(&page, "name=\"csrf\" value=\"", "\"")
        .unwrap()
        .to_owned();
    let answer = browser
        .post(
            "/comments",
            &[
                ("post", post.as_str()),
                ("csrf", csrf.as_str()),
                (
                    "comment",
                    "I signed in with my Test ID to say: what a soundtrack.",
                ),
            ],
        )
        .await;
    assert_eq!(answer.status(), StatusCode::SEE_OTHER);
    // Her first comment waits for a moderator, like anyone's; approved, it is hers by name.
    assert_eq!(location(&answer), format!("{path}?held=1#respond"));
    let account = anas_account(&t).await;
    let mut admin = t
        .signed_in_as("boss", encore_core::roles::Role::Administrator)
        .await;
    let queue = admin.get("/admin/comments").await.text().await.unwrap();
    assert!(queue.contains("Ana María"), "{queue}");
    let desk_csrf = csrf_of(&queue);
    let done = admin
        .post(
            "/admin/comments",
            &[("csrf", desk_csrf.as_str()), ("only", "1:approve")],
        )
        .await;
    assert_eq!(done.status(), StatusCode::SEE_OTHER);
    let page = t.page(&path).await;
    assert!(page.contains("1 Response to “Rocky IV”"), "{page}");
    assert!(page.contains("Ana María"), "{page}");
    assert!(page.contains("what a soundtrack"), "{page}");
    let stored = t
        .store
        .comments()
        .ownership(t.site.id, encore_core::ids::CommentId(1))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.account, Some(account.id));
}

/// The account Ana María's first social sign-in made.
async fn anas_account(t: &TestApp) -> encore_core::account::Account {
    t.store
        .accounts()
        .by_username("ana-mar-a")
        .await
        .unwrap()
        .unwrap()
}
