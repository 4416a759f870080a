//! Signing in through another service, and linking or unlinking such services.
//!
//! The protocol and its checks are the application's (`encore_app::social`); here are the
//! forms, the redirects and the cookie that binds a sign-in to the browser that began it.

use crate::{
    error::{Error, Result},
    extract::{ClientIp, CurrentSite},
    pages::account::{
        AccountForm, LOGIN_PATH, Outcome, Shown, account_page, check_form_token, check_token,
        login_page, safe_next, see_other, signed_in_to, user_agent,
    },
    session::{FormSite, Viewer, cookie, set_cookie},
    state::AppState,
};
use axum::{
    Form,
    extract::{Path, Query, State},
    http::{HeaderMap, header},
    response::Response,
};
use encore_app::social::{self, Callback, Finished};
use serde::Deserialize;

/// The cookie that binds a sign-in at a provider to this browser. `SameSite=Lax`, because the
/// browser comes back from the provider's site by a top-level redirect.
pub const LOGIN_COOKIE: &str = "encore_login";

/// `POST /account/login/{provider}`: sends the browser to the provider to sign in.
pub async fn start(
    State(app): State<AppState>,
    FormSite(site): FormSite,
    Path(provider): Path<String>,
    headers: HeaderMap,
    Form(form): Form<AccountForm>,
) -> Result<Response> {
    check_form_token(&headers, &form.csrf)?;
    let next = safe_next(&form.next).to_owned();
    match begin(&app, &site, &provider, &next, None).await? {
        Ok(response) => Ok(response),
        Err(outcome) => login_page(&app, &site, &form.csrf, "", &next, outcome).await,
    }
}

/// `POST /account/logins/{provider}/link`: sends a signed-in reader to the provider to link it.
pub async fn link(
    State(app): State<AppState>,
    FormSite(site): FormSite,
    Viewer(viewer): Viewer,
    Path(provider): Path<String>,
    Form(form): Form<AccountForm>,
) -> Result<Response> {
    let Some(viewer) = viewer else {
        return Err(Error::Forbidden("sign in first".into()));
    };
    check_token(&viewer, &form.csrf)?;
    let account = viewer.session.account_id;
    match begin(&app, &site, &provider, "/account", Some(account)).await? {
        Ok(response) => Ok(response),
        Err(outcome) => account_page(&app, &site, &viewer, outcome, Shown::default()).await,
    }
}

/// The redirect to the provider, or why the sign-in cannot begin (for the form to show).
async fn begin(
    app: &AppState,
    site: &encore_core::site::Site,
    provider: &str,
    next: &str,
    link: Option<encore_core::ids::AccountId>,
) -> Result<std::result::Result<Response, Outcome>> {
    match social::begin(&app.app, &app.settings.social, provider, site, next, link).await {
        Ok(begun) => {
            let mut response = see_other(&begun.redirect);
            let max_age = social::STATE_LIFETIME.num_seconds();
            response.headers_mut().append(
                header::SET_COOKIE,
                set_cookie(site, LOGIN_COOKIE, &begun.browser, max_age, false),
            );
            Ok(Ok(response))
        }
        Err(err) => Ok(Err(Outcome::refused(err)?)),
    }
}

/// What a provider sends back.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CallbackQuery {
    code: String,
    state: String,
    error: String,
}

/// `GET /account/login/{provider}/callback`: finishes the sign-in (or the linking) and goes on.
pub async fn callback(
    State(app): State<AppState>,
    CurrentSite(site): CurrentSite,
    ClientIp(client): ClientIp,
    Viewer(viewer): Viewer,
    Path(provider): Path<String>,
    Query(query): Query<CallbackQuery>,
    headers: HeaderMap,
) -> Result<Response> {
    let reply = Callback {
        provider: &provider,
        code: &query.code,
        state: &query.state,
        error: &query.error,
        browser: cookie(&headers, LOGIN_COOKIE).unwrap_or_default(),
        user_agent: user_agent(&headers),
        client,
    };
    let outcome = social::finish(&app.app, &app.settings.social, reply).await;
    let mut response = match outcome {
        Ok(Finished::SignedIn { started, return_to }) => {
            signed_in_to(&site, &started, safe_next(&return_to))
        }
        Ok(Finished::Linked { return_to }) => see_other(safe_next(&return_to)),
        Err(err) => {
            let outcome = Outcome::refused(err)?;
            match &viewer {
                Some(viewer) => {
                    account_page(&app, &site, viewer, outcome, Shown::default()).await?
                }
                None => {
                    let csrf = cookie(&headers, crate::session::FORM_COOKIE).unwrap_or_default();
                    login_page(&app, &site, csrf, "", "/account", outcome).await?
                }
            }
        }
    };
    // The binding has done its work, whatever the outcome.
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(&site, LOGIN_COOKIE, "", 0, false),
    );
    Ok(response)
}

/// `POST /account/logins/{id}/unlink`: unlinks a provider from the signed-in account.
pub async fn unlink(
    State(app): State<AppState>,
    FormSite(site): FormSite,
    Viewer(viewer): Viewer,
    Path(id): Path<i64>,
    Form(form): Form<AccountForm>,
) -> Result<Response> {
    let Some(viewer) = viewer else {
        return Ok(see_other(LOGIN_PATH));
    };
    check_token(&viewer, &form.csrf)?;
    match social::unlink(&app.app, viewer.session.account_id, id).await {
        Ok(()) => Ok(see_other("/account")),
        Err(err) => {
            let outcome = Outcome::refused(err)?;
            account_page(&app, &site, &viewer, outcome, Shown::default()).await
        }
    }
}
