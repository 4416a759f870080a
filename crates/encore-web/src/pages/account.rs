//! Signing in and out, the account page (password, sessions), and password reset by mail.
//!
//! These pages are personal: never cached, and sent with `Cache-Control: no-store`. Every form
//! checks its token and that the browser sent it from this site; a failed form is shown again with
//! what was typed (never a password) and a message next to the field.

use crate::{
    error::{Error, Result},
    extract::{ClientIp, CurrentSite},
    meta,
    session::{FORM_COOKIE, FormSite, SignedIn, Viewer, cookie, same_token, set_cookie},
    state::AppState,
    views::{DateView, Layout},
};
use axum::{
    Form,
    extract::{Path, Query, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{Html, IntoResponse, Redirect, Response},
};
use encore_app::{AppError, sessions};
use encore_core::{ValidationError, account::Profile, site::Site};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Where the sign-in form lives.
pub const LOGIN_PATH: &str = "/account/login";
/// The account page.
pub const ACCOUNT_PATH: &str = "/account";
/// Where a password reset is asked for.
pub const RESET_PATH: &str = "/account/reset";

/// Where to go after signing in: a path on this site, or the account page. Anything that could
/// leave the site (`//host`, `/\host`, a scheme, control characters) is refused.
pub fn safe_next(next: &str) -> &str {
    let local = next.starts_with('/')
        && !next.starts_with("//")
        && !next.starts_with("/\\")
        && next.len() <= 512
        && !next.chars().any(|c| c.is_control() || c == '\\');
    if local { next } else { ACCOUNT_PATH }
}

/// `?next=` on the sign-in page.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct NextQuery {
    next: String,
}

/// Every account form's fields; each form sends the ones it has.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct AccountForm {
    pub(crate) csrf: String,
    login: String,
    password: String,
    pub(crate) next: String,
    current_password: String,
    new_password: String,
    display_name: String,
    website: String,
    bio: String,
    name: String,
    username: String,
    email: String,
}

/// How a form page is answered: its status, a message above the form, and problems by field.
#[derive(Debug, Serialize)]
pub(crate) struct Outcome {
    #[serde(skip)]
    pub(crate) status: StatusCode,
    message: Option<String>,
    errors: BTreeMap<&'static str, String>,
}

impl Outcome {
    pub(crate) fn ok() -> Outcome {
        Outcome::say(StatusCode::OK, None)
    }

    pub(crate) fn say(status: StatusCode, message: Option<String>) -> Outcome {
        Outcome {
            status,
            message,
            errors: BTreeMap::new(),
        }
    }

    /// Fields that did not pass, each shown next to its field (the first word about a field wins).
    pub(crate) fn invalid(problems: Vec<ValidationError>) -> Outcome {
        let mut errors = BTreeMap::new();
        for problem in problems {
            errors.entry(problem.field).or_insert(problem.problem);
        }
        Outcome {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            message: None,
            errors,
        }
    }

    /// Shows the problems of field `from` next to field `to` (a page with two forms whose
    /// fields share a name).
    pub(crate) fn rename(&mut self, from: &'static str, to: &'static str) {
        if let Some(problem) = self.errors.remove(from) {
            self.errors.insert(to, problem);
        }
    }

    /// A use case's refusal as the form shows it; other errors are not the form's to show.
    pub(crate) fn refused(err: AppError) -> std::result::Result<Outcome, Error> {
        match err {
            AppError::Validation(e) => Ok(Outcome::invalid(vec![e])),
            AppError::Invalid(problems) => Ok(Outcome::invalid(problems)),
            AppError::SignInRefused => Ok(Outcome::say(
                StatusCode::UNAUTHORIZED,
                Some(err.to_string()),
            )),
            AppError::Throttled { .. } => Ok(Outcome::say(
                StatusCode::TOO_MANY_REQUESTS,
                Some(err.to_string()),
            )),
            AppError::LinkSpent => Ok(Outcome::say(StatusCode::GONE, Some(err.to_string()))),
            AppError::LoginRefused(_) => {
                Ok(Outcome::say(StatusCode::BAD_REQUEST, Some(err.to_string())))
            }
            AppError::ProviderDown(_) => {
                Ok(Outcome::say(StatusCode::BAD_GATEWAY, Some(err.to_string())))
            }
            AppError::Conflict(field) => Ok(Outcome {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                message: None,
                errors: BTreeMap::from([(field, "is already taken".to_owned())]),
            }),
            AppError::Forbidden(_) => {
                Ok(Outcome::say(StatusCode::FORBIDDEN, Some(err.to_string())))
            }
            other => Err(other.into()),
        }
    }
}

#[derive(Serialize)]
struct LoginPage<'a> {
    layout: Layout,
    /// Sign-in providers to offer.
    providers: Vec<encore_app::social::Button>,
    csrf: &'a str,
    login: &'a str,
    next: &'a str,
    #[serde(flatten)]
    outcome: &'a Outcome,
}

#[derive(Serialize)]
struct SessionView {
    browser: String,
    network: String,
    since: DateView,
    current: bool,
}

#[derive(Serialize)]
struct AppPasswordView {
    id: i64,
    name: String,
    created: DateView,
    last_used: Option<DateView>,
}

#[derive(Serialize)]
struct AccountPage<'a> {
    layout: Layout,
    csrf: &'a str,
    username: &'a str,
    display_name: &'a str,
    email: String,
    /// Whether the address is confirmed.
    email_verified: bool,
    /// The profile form's values: as stored, or as typed when they were refused.
    profile: Profile,
    sessions: Vec<SessionView>,
    app_passwords: Vec<AppPasswordView>,
    /// A new application password, shown this once.
    new_app_password: Option<String>,
    /// Whether the account may write on this site (a link to the desk).
    writes: bool,
    /// The account's picture.
    avatar: String,
    /// Which picture is chosen: `generated`, `gravatar` or `upload`.
    avatar_choice: &'static str,
    /// Outside identities linked to the account.
    logins: Vec<LinkedView>,
    /// Providers the account has no identity of yet.
    providers: Vec<encore_app::social::Button>,
    #[serde(flatten)]
    outcome: &'a Outcome,
}

#[derive(Serialize)]
struct LinkedView {
    id: i64,
    label: String,
    email: String,
    since: DateView,
}

/// What the account page shows besides the stored state.
#[derive(Default)]
pub(crate) struct Shown {
    /// Profile fields as typed, when they were refused.
    typed: Option<Profile>,
    /// A new application password.
    new_app_password: Option<String>,
}

#[derive(Serialize)]
struct ResetPage<'a> {
    layout: Layout,
    /// `ask`, `sent`, `choose` or `spent`.
    stage: &'static str,
    csrf: &'a str,
    login: &'a str,
    /// The form's address (with the link's token for `choose`).
    action: &'a str,
    #[serde(flatten)]
    outcome: &'a Outcome,
}

/// The head of a personal page: its title, and nothing for search engines or link previews.
pub(crate) fn personal_head(site: &Site, path: &str, title: &str) -> crate::views::Head {
    let mut head = meta::page_head(site, Some(title), "", path);
    head.meta.clear();
    head
}

/// A personal page's response: never stored by the page cache, a proxy or the browser, and never
/// sending its address (which may hold a token) to another site.
pub(crate) fn personal(status: StatusCode, html: String) -> Response {
    let mut response = (status, Html(html)).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}

/// Renders a personal page in the site's frame: never stored by the page cache, a proxy or the
/// browser, and never sending its address (which may hold a reset token) to another site.
pub(crate) async fn render<T: Serialize>(
    app: &AppState,
    site: &Site,
    (path, title, template): (&str, &str, &str),
    status: StatusCode,
    page: impl FnOnce(Layout) -> T,
) -> Result<Response> {
    let head = personal_head(site, path, title);
    let layout = Layout::load(app, site, path, head, app.clock.now()).await?;
    let html = app.theme.render(template, &page(layout))?;
    let mut response = personal(status, html);
    let headers = response.headers_mut();
    // Sign-in buttons send the browser on to the providers: let the forms go there.
    let sources = app.settings.social.form_action_sources();
    if !sources.is_empty() {
        let csp = crate::router::CSP.replace(
            "form-action 'self'",
            &format!("form-action 'self' {}", sources.join(" ")),
        );
        if let Ok(value) = HeaderValue::from_str(&csp) {
            headers.insert(header::CONTENT_SECURITY_POLICY, value);
        }
    }
    if status == StatusCode::TOO_MANY_REQUESTS {
        let wait = sessions::FAILURE_WINDOW.num_seconds().unsigned_abs();
        headers.insert(header::RETRY_AFTER, HeaderValue::from(wait));
    }
    Ok(response)
}

/// The browser's `User-Agent`, as sessions remember it.
pub(crate) fn user_agent(headers: &HeaderMap) -> &str {
    headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

pub(crate) fn see_other(to: &str) -> Response {
    Redirect::to(to).into_response()
}

/// The token for a form shown to anyone: the browser's form cookie, or a new one (true).
pub(crate) fn form_token(headers: &HeaderMap) -> Result<(String, bool)> {
    match cookie(headers, FORM_COOKIE).filter(|t| t.len() == 64) {
        Some(token) => Ok((token.to_owned(), false)),
        None => Ok((sessions::random_token()?, true)),
    }
}

/// Sets the form cookie on a page that shows a new form token.
pub(crate) fn with_form_cookie(
    mut response: Response,
    site: &Site,
    token: &str,
    fresh: bool,
) -> Response {
    if fresh {
        response.headers_mut().append(
            header::SET_COOKIE,
            set_cookie(site, FORM_COOKIE, token, 3600 * 24, true),
        );
    }
    response
}

/// Refuses a form shown to anyone whose token is not the browser's form cookie.
pub(crate) fn check_form_token(headers: &HeaderMap, given: &str) -> Result<()> {
    check(same_token(
        cookie(headers, FORM_COOKIE).unwrap_or_default(),
        given,
    ))
}

/// Refuses a signed-in form whose token is not its session's.
pub(crate) fn check_token(viewer: &SignedIn, given: &str) -> Result<()> {
    check(same_token(&viewer.session.csrf, given))
}

fn check(same: bool) -> Result<()> {
    if same {
        Ok(())
    } else {
        Err(Error::Forbidden(
            "this form has expired; open the page again".into(),
        ))
    }
}

pub(crate) async fn login_page(
    app: &AppState,
    site: &Site,
    csrf: &str,
    login: &str,
    next: &str,
    outcome: Outcome,
) -> Result<Response> {
    let at = (LOGIN_PATH, "Sign in", "login.html");
    render(app, site, at, outcome.status, |layout| LoginPage {
        layout,
        providers: app.settings.social.buttons(),
        csrf,
        login,
        next,
        outcome: &outcome,
    })
    .await
}

/// `GET /account/login`: the sign-in form (or, when signed in already, where it leads).
pub async fn login_form(
    State(app): State<AppState>,
    CurrentSite(site): CurrentSite,
    Viewer(viewer): Viewer,
    Query(query): Query<NextQuery>,
    headers: HeaderMap,
) -> Result<Response> {
    let next = safe_next(&query.next);
    if viewer.is_some() {
        return Ok(see_other(next));
    }
    let (token, fresh) = form_token(&headers)?;
    let response = login_page(&app, &site, &token, "", next, Outcome::ok()).await?;
    Ok(with_form_cookie(response, &site, &token, fresh))
}

/// `POST /account/login`: signs in and goes on to `next`, or shows the form again with why not.
pub async fn login(
    State(app): State<AppState>,
    FormSite(site): FormSite,
    ClientIp(client): ClientIp,
    headers: HeaderMap,
    Form(form): Form<AccountForm>,
) -> Result<Response> {
    check_form_token(&headers, &form.csrf)?;
    let user_agent = user_agent(&headers);
    let next = safe_next(&form.next);
    let attempt = sessions::SignIn {
        login: &form.login,
        password: &form.password,
        user_agent,
        client,
    };
    match sessions::sign_in(&app.app, attempt).await {
        Ok(started) => {
            let mut response = see_other(next);
            response.headers_mut().append(
                header::SET_COOKIE,
                set_cookie(
                    &site,
                    crate::cache::SESSION_COOKIE,
                    &started.token,
                    sessions::SESSION_LIFETIME.num_seconds(),
                    false,
                ),
            );
            Ok(response)
        }
        Err(err) => {
            let outcome = Outcome::refused(err)?;
            login_page(&app, &site, &form.csrf, &form.login, next, outcome).await
        }
    }
}

/// Where a reader who is not signed in is sent: the sign-in form, which comes back here.
fn to_sign_in() -> Response {
    see_other(&format!("{LOGIN_PATH}?next={ACCOUNT_PATH}"))
}

pub(crate) async fn account_page(
    app: &AppState,
    site: &Site,
    viewer: &SignedIn,
    outcome: Outcome,
    shown: Shown,
) -> Result<Response> {
    let account = viewer.session.account_id;
    let (stored, email) = app
        .store
        .accounts()
        .profile(account)
        .await?
        .ok_or(Error::NotFound)?;
    let email_verified = app.store.accounts().email_verified(account).await?;
    let app_passwords = app
        .store
        .accounts()
        .app_passwords(account)
        .await?
        .into_iter()
        .map(|p| AppPasswordView {
            id: p.id,
            name: p.name,
            created: DateView::new(p.created_at),
            last_used: p.last_used_at.map(DateView::new),
        })
        .collect();
    let current = encore_store::sessions::token_hash(&viewer.token);
    let sessions = app
        .store
        .sessions()
        .of_account(viewer.session.account_id, app.clock.now())
        .await?
        .into_iter()
        .map(|s| SessionView {
            browser: if s.user_agent.is_empty() {
                "An unnamed browser".into()
            } else {
                s.user_agent
            },
            network: s.client,
            since: DateView::new(s.created_at),
            current: s.token_hash == current,
        })
        .collect();
    let linked = encore_app::social::linked(&app.app, &app.settings.social, account).await?;
    let providers = app
        .settings
        .social
        .buttons()
        .into_iter()
        .filter(|b| !linked.iter().any(|(l, _)| l.provider == b.id))
        .collect();
    let logins = linked
        .into_iter()
        .map(|(l, label)| LinkedView {
            id: l.id,
            label,
            email: l.email,
            since: DateView::new(l.created_at),
        })
        .collect();
    let avatar = crate::pages::avatars::url_of(app, account).await?;
    let writes = app
        .store
        .accounts()
        .role(site.id, account)
        .await?
        .is_some_and(|r| r.can(encore_core::roles::Capability::EditOwnDrafts));
    let avatar_choice = match app
        .store
        .accounts()
        .avatar(account)
        .await?
        .map(|a| encore_core::avatar::Avatar::parse(&a.avatar))
    {
        Some(encore_core::avatar::Avatar::Gravatar) => "gravatar",
        Some(encore_core::avatar::Avatar::Uploaded(_)) => "upload",
        _ => "generated",
    };
    let at = (ACCOUNT_PATH, "Your account", "account.html");
    render(app, site, at, outcome.status, |layout| AccountPage {
        layout,
        csrf: &viewer.session.csrf,
        username: &viewer.session.username,
        display_name: &viewer.session.display_name,
        email,
        email_verified,
        profile: shown.typed.unwrap_or(stored),
        sessions,
        app_passwords,
        new_app_password: shown.new_app_password,
        writes,
        avatar,
        avatar_choice,
        logins,
        providers,
        outcome: &outcome,
    })
    .await
}

/// `GET /account`: who is signed in, where, and the password form.
pub async fn account(
    State(app): State<AppState>,
    CurrentSite(site): CurrentSite,
    Viewer(viewer): Viewer,
) -> Result<Response> {
    let Some(viewer) = viewer else {
        return Ok(to_sign_in());
    };
    account_page(&app, &site, &viewer, Outcome::ok(), Shown::default()).await
}

/// `POST /account/logout`: ends this session.
pub async fn logout(
    State(app): State<AppState>,
    FormSite(site): FormSite,
    Viewer(viewer): Viewer,
    Form(form): Form<AccountForm>,
) -> Result<Response> {
    if let Some(viewer) = &viewer {
        check_token(viewer, &form.csrf)?;
        sessions::sign_out(&app.app, &viewer.token).await?;
    }
    let mut response = see_other("/");
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(&site, crate::cache::SESSION_COOKIE, "", 0, false),
    );
    Ok(response)
}

/// `POST /account/logout-others`: ends every other session of the account.
pub async fn logout_others(
    State(app): State<AppState>,
    FormSite(site): FormSite,
    Viewer(viewer): Viewer,
    Form(form): Form<AccountForm>,
) -> Result<Response> {
    let Some(viewer) = viewer else {
        return Ok(to_sign_in());
    };
    check_token(&viewer, &form.csrf)?;
    let account = viewer.session.account_id;
    let ended = sessions::sign_out_everywhere(&app.app, account, Some(&viewer.token)).await?;
    let notice = match ended {
        0 => "You were not signed in anywhere else.".to_owned(),
        1 => "Signed out of 1 other session.".to_owned(),
        n => format!("Signed out of {n} other sessions."),
    };
    let outcome = Outcome::say(StatusCode::OK, Some(notice));
    account_page(&app, &site, &viewer, outcome, Shown::default()).await
}

/// `POST /account/password`: changes the password and ends every other session.
pub async fn password(
    State(app): State<AppState>,
    FormSite(site): FormSite,
    Viewer(viewer): Viewer,
    Form(form): Form<AccountForm>,
) -> Result<Response> {
    let Some(viewer) = viewer else {
        return Ok(to_sign_in());
    };
    check_token(&viewer, &form.csrf)?;
    let changed = sessions::change_password(
        &app.app,
        viewer.session.account_id,
        &form.current_password,
        &form.new_password,
        Some(&viewer.token),
    )
    .await;
    let outcome = match changed {
        Ok(()) => Outcome::say(
            StatusCode::OK,
            Some("Your password is changed, and every other session is signed out.".into()),
        ),
        Err(err) => Outcome::refused(err)?,
    };
    account_page(&app, &site, &viewer, outcome, Shown::default()).await
}

/// `POST /account/profile`: changes the shown name, website and biography.
pub async fn profile(
    State(app): State<AppState>,
    FormSite(site): FormSite,
    Viewer(viewer): Viewer,
    Form(form): Form<AccountForm>,
) -> Result<Response> {
    let Some(viewer) = viewer else {
        return Ok(to_sign_in());
    };
    check_token(&viewer, &form.csrf)?;
    let typed = Profile {
        display_name: form.display_name,
        website: form.website,
        bio: form.bio,
    };
    let account = viewer.session.account_id;
    let (outcome, shown) =
        match encore_app::accounts::update_profile(&app.app, account, typed.clone()).await {
            Ok(_) => (
                Outcome::say(StatusCode::OK, Some("Your profile is saved.".into())),
                Shown::default(),
            ),
            Err(err) => (
                Outcome::refused(err)?,
                Shown {
                    typed: Some(typed),
                    ..Shown::default()
                },
            ),
        };
    account_page(&app, &site, &viewer, outcome, shown).await
}

/// `POST /account/app-passwords`: makes an application password and shows it once.
pub async fn create_app_password(
    State(app): State<AppState>,
    FormSite(site): FormSite,
    Viewer(viewer): Viewer,
    Form(form): Form<AccountForm>,
) -> Result<Response> {
    let Some(viewer) = viewer else {
        return Ok(to_sign_in());
    };
    check_token(&viewer, &form.csrf)?;
    let account = viewer.session.account_id;
    let (outcome, shown) =
        match encore_app::accounts::create_app_password(&app.app, account, &form.name).await {
            Ok((_, token)) => (
                Outcome::ok(),
                Shown {
                    new_app_password: Some(token),
                    ..Shown::default()
                },
            ),
            Err(err) => (Outcome::refused(err)?, Shown::default()),
        };
    account_page(&app, &site, &viewer, outcome, shown).await
}

/// `POST /account/app-passwords/{id}/revoke`.
pub async fn revoke_app_password(
    State(app): State<AppState>,
    FormSite(site): FormSite,
    Viewer(viewer): Viewer,
    Path(id): Path<String>,
    Form(form): Form<AccountForm>,
) -> Result<Response> {
    let Some(viewer) = viewer else {
        return Ok(to_sign_in());
    };
    check_token(&viewer, &form.csrf)?;
    let id: i64 = id.parse().map_err(|_| Error::NotFound)?;
    encore_app::accounts::revoke_app_password(&app.app, viewer.session.account_id, id).await?;
    let outcome = Outcome::say(
        StatusCode::OK,
        Some("The application password is revoked.".into()),
    );
    account_page(&app, &site, &viewer, outcome, Shown::default()).await
}

async fn reset_page(
    app: &AppState,
    site: &Site,
    (stage, action): (&'static str, &str),
    csrf: &str,
    login: &str,
    outcome: Outcome,
) -> Result<Response> {
    let at = (RESET_PATH, "Reset your password", "reset.html");
    render(app, site, at, outcome.status, |layout| ResetPage {
        layout,
        stage,
        csrf,
        login,
        action,
        outcome: &outcome,
    })
    .await
}

/// `GET /account/reset`: asks for the username or email to send a link to.
pub async fn reset_form(
    State(app): State<AppState>,
    CurrentSite(site): CurrentSite,
    headers: HeaderMap,
) -> Result<Response> {
    let (token, fresh) = form_token(&headers)?;
    let stage = ("ask", RESET_PATH);
    let response = reset_page(&app, &site, stage, &token, "", Outcome::ok()).await?;
    Ok(with_form_cookie(response, &site, &token, fresh))
}

/// `POST /account/reset`: mails a link, when there is an account; answers the same either way.
pub async fn reset_request(
    State(app): State<AppState>,
    FormSite(site): FormSite,
    ClientIp(client): ClientIp,
    headers: HeaderMap,
    Form(form): Form<AccountForm>,
) -> Result<Response> {
    check_form_token(&headers, &form.csrf)?;
    let (stage, outcome) =
        match sessions::request_password_reset(&app.app, &site, &form.login, client).await {
            Ok(()) => ("sent", Outcome::ok()),
            Err(err) => ("ask", Outcome::refused(err)?),
        };
    let stage = (stage, RESET_PATH);
    reset_page(&app, &site, stage, &form.csrf, &form.login, outcome).await
}

/// `GET /account/reset/{token}`: the new-password form, or why the link no longer works.
pub async fn reset_link(
    State(app): State<AppState>,
    CurrentSite(site): CurrentSite,
    Path(link): Path<String>,
    headers: HeaderMap,
) -> Result<Response> {
    let (token, fresh) = form_token(&headers)?;
    let action = format!("{RESET_PATH}/{link}");
    let (stage, outcome) = if sessions::reset_link_works(&app.app, &link).await? {
        ("choose", Outcome::ok())
    } else {
        ("spent", Outcome::refused(AppError::LinkSpent)?)
    };
    let response = reset_page(&app, &site, (stage, &action), &token, "", outcome).await?;
    Ok(with_form_cookie(response, &site, &token, fresh))
}

/// `POST /account/reset/{token}`: sets the new password, then shows the sign-in form.
pub async fn reset_password(
    State(app): State<AppState>,
    FormSite(site): FormSite,
    Path(link): Path<String>,
    headers: HeaderMap,
    Form(form): Form<AccountForm>,
) -> Result<Response> {
    check_form_token(&headers, &form.csrf)?;
    let action = format!("{RESET_PATH}/{link}");
    match sessions::reset_password(&app.app, &link, &form.new_password).await {
        Ok(_) => {
            let done = Some("Your password is changed. Sign in with it.".to_owned());
            let outcome = Outcome::say(StatusCode::OK, done);
            login_page(&app, &site, &form.csrf, "", ACCOUNT_PATH, outcome).await
        }
        Err(err) => {
            let stage = if matches!(err, AppError::LinkSpent) {
                "spent"
            } else {
                "choose"
            };
            let outcome = Outcome::refused(err)?;
            reset_page(&app, &site, (stage, &action), &form.csrf, "", outcome).await
        }
    }
}

/// Where anyone may make an account, when the site allows it.
pub const SIGNUP_PATH: &str = "/account/signup";

#[derive(Serialize)]
struct JoinPage<'a> {
    layout: Layout,
    /// `signup`, `closed`, `invite` or `spent`.
    stage: &'static str,
    csrf: &'a str,
    action: &'a str,
    username: &'a str,
    display_name: &'a str,
    email: &'a str,
    /// For an invitation: the site's name and the role offered.
    role: &'a str,
    #[serde(flatten)]
    outcome: &'a Outcome,
}

/// The join page's state besides the outcome.
struct Join<'a> {
    stage: &'static str,
    action: &'a str,
    email: &'a str,
    role: &'a str,
}

async fn join_page(
    app: &AppState,
    site: &Site,
    join: Join<'_>,
    csrf: &str,
    typed: &AccountForm,
    outcome: Outcome,
) -> Result<Response> {
    let at = (SIGNUP_PATH, "Join", "join.html");
    render(app, site, at, outcome.status, |layout| JoinPage {
        layout,
        stage: join.stage,
        csrf,
        action: join.action,
        username: &typed.username,
        display_name: &typed.display_name,
        email: join.email,
        role: join.role,
        outcome: &outcome,
    })
    .await
}

/// Signs a new account in: its cookie, and on to its account page.
fn signed_in_now(site: &Site, started: &sessions::Started) -> Response {
    signed_in_to(site, started, ACCOUNT_PATH)
}

/// Goes on to `to` with the cookie of a session just begun.
pub(crate) fn signed_in_to(site: &Site, started: &sessions::Started, to: &str) -> Response {
    let mut response = see_other(to);
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(
            site,
            crate::cache::SESSION_COOKIE,
            &started.token,
            sessions::SESSION_LIFETIME.num_seconds(),
            false,
        ),
    );
    response
}

fn joining<'a>(
    form: &'a AccountForm,
    email: &'a str,
    headers: &'a HeaderMap,
    client: std::net::IpAddr,
) -> encore_app::signup::Joining<'a> {
    encore_app::signup::Joining {
        username: &form.username,
        display_name: &form.display_name,
        email,
        password: &form.password,
        user_agent: user_agent(headers),
        client,
    }
}

/// `GET /account/signup`: the sign-up form, or word that sign-up is closed.
pub async fn signup_form(
    State(app): State<AppState>,
    CurrentSite(site): CurrentSite,
    Viewer(viewer): Viewer,
    headers: HeaderMap,
) -> Result<Response> {
    if viewer.is_some() {
        return Ok(see_other(ACCOUNT_PATH));
    }
    let (token, fresh) = form_token(&headers)?;
    let (stage, outcome) = if app.store.sites().signup_open(site.id).await? {
        ("signup", Outcome::ok())
    } else {
        let closed = "This blog does not take sign-ups. Ask its owner for an invitation.";
        (
            "closed",
            Outcome::say(StatusCode::FORBIDDEN, Some(closed.into())),
        )
    };
    let join = Join {
        stage,
        action: SIGNUP_PATH,
        email: "",
        role: "",
    };
    let response = join_page(&app, &site, join, &token, &AccountForm::default(), outcome).await?;
    Ok(with_form_cookie(response, &site, &token, fresh))
}

/// `POST /account/signup`: makes a subscriber account and signs it in.
pub async fn signup(
    State(app): State<AppState>,
    FormSite(site): FormSite,
    ClientIp(client): ClientIp,
    headers: HeaderMap,
    Form(form): Form<AccountForm>,
) -> Result<Response> {
    check_form_token(&headers, &form.csrf)?;
    let joined = encore_app::signup::sign_up(
        &app.app,
        &site,
        joining(&form, &form.email, &headers, client),
    )
    .await;
    match joined {
        Ok(started) => Ok(signed_in_now(&site, &started)),
        Err(err) => {
            let outcome = Outcome::refused(err)?;
            let stage = if outcome.status == StatusCode::FORBIDDEN {
                "closed"
            } else {
                "signup"
            };
            let join = Join {
                stage,
                action: SIGNUP_PATH,
                email: &form.email,
                role: "",
            };
            join_page(&app, &site, join, &form.csrf, &form, outcome).await
        }
    }
}

/// `GET /account/invite/{token}`: the form that accepts an invitation, or why it no longer works.
pub async fn invitation_form(
    State(app): State<AppState>,
    CurrentSite(site): CurrentSite,
    Path(link): Path<String>,
    headers: HeaderMap,
) -> Result<Response> {
    let (token, fresh) = form_token(&headers)?;
    let action = format!("/account/invite/{link}");
    let found = encore_app::signup::invitation(&app.app, &link).await?;
    let (stage, outcome) = match &found {
        Some(_) => ("invite", Outcome::ok()),
        None => ("spent", Outcome::refused(AppError::LinkSpent)?),
    };
    let (email, role) = found
        .as_ref()
        .map_or(("", ""), |f| (f.email.as_str(), f.role.as_str()));
    let join = Join {
        stage,
        action: &action,
        email,
        role,
    };
    let response = join_page(&app, &site, join, &token, &AccountForm::default(), outcome).await?;
    Ok(with_form_cookie(response, &site, &token, fresh))
}

/// `POST /account/invite/{token}`: makes the invited account and signs it in.
pub async fn accept_invitation(
    State(app): State<AppState>,
    FormSite(site): FormSite,
    ClientIp(client): ClientIp,
    Path(link): Path<String>,
    headers: HeaderMap,
    Form(form): Form<AccountForm>,
) -> Result<Response> {
    check_form_token(&headers, &form.csrf)?;
    let accepted = encore_app::signup::accept_invitation(
        &app.app,
        &link,
        joining(&form, "", &headers, client),
    )
    .await;
    match accepted {
        Ok(started) => Ok(signed_in_now(&site, &started)),
        Err(err) => {
            let spent = matches!(err, AppError::LinkSpent);
            let outcome = Outcome::refused(err)?;
            let found = encore_app::signup::invitation(&app.app, &link).await?;
            let (email, role) = found
                .as_ref()
                .map_or(("", ""), |f| (f.email.as_str(), f.role.as_str()));
            let action = format!("/account/invite/{link}");
            let stage = if spent { "spent" } else { "invite" };
            let join = Join {
                stage,
                action: &action,
                email,
                role,
            };
            join_page(&app, &site, join, &form.csrf, &form, outcome).await
        }
    }
}

#[derive(Serialize)]
struct ConfirmPage<'a> {
    layout: Layout,
    /// `confirm`, `done` or `spent`.
    stage: &'static str,
    csrf: &'a str,
    action: &'a str,
    #[serde(flatten)]
    outcome: &'a Outcome,
}

async fn confirm_page(
    app: &AppState,
    site: &Site,
    (stage, action): (&'static str, &str),
    csrf: &str,
    outcome: Outcome,
) -> Result<Response> {
    let at = ("/account/confirm", "Confirm your address", "confirm.html");
    render(app, site, at, outcome.status, |layout| ConfirmPage {
        layout,
        stage,
        csrf,
        action,
        outcome: &outcome,
    })
    .await
}

/// `GET /account/confirm/{token}`: a button that confirms the address. Following the link
/// changes nothing by itself, so a mail scanner that opens it confirms nothing.
pub async fn confirm_form(
    State(app): State<AppState>,
    CurrentSite(site): CurrentSite,
    Path(link): Path<String>,
    headers: HeaderMap,
) -> Result<Response> {
    let (token, fresh) = form_token(&headers)?;
    let action = format!("/account/confirm/{link}");
    let response = confirm_page(&app, &site, ("confirm", &action), &token, Outcome::ok()).await?;
    Ok(with_form_cookie(response, &site, &token, fresh))
}

/// `POST /account/confirm/{token}`: confirms the address.
pub async fn confirm(
    State(app): State<AppState>,
    FormSite(site): FormSite,
    Path(link): Path<String>,
    headers: HeaderMap,
    Form(form): Form<AccountForm>,
) -> Result<Response> {
    check_form_token(&headers, &form.csrf)?;
    let action = format!("/account/confirm/{link}");
    match encore_app::signup::confirm_email(&app.app, &link).await {
        Ok(_) => {
            let done = Some("Your email address is confirmed. Thank you.".to_owned());
            confirm_page(
                &app,
                &site,
                ("done", &action),
                &form.csrf,
                Outcome::say(StatusCode::OK, done),
            )
            .await
        }
        Err(err) => {
            let outcome = Outcome::refused(err)?;
            confirm_page(&app, &site, ("spent", &action), &form.csrf, outcome).await
        }
    }
}

/// `POST /account/confirm`: mails the signed-in account a new confirmation link.
pub async fn resend_confirmation(
    State(app): State<AppState>,
    FormSite(site): FormSite,
    Viewer(viewer): Viewer,
    Form(form): Form<AccountForm>,
) -> Result<Response> {
    let Some(viewer) = viewer else {
        return Ok(to_sign_in());
    };
    check_token(&viewer, &form.csrf)?;
    let outcome =
        match encore_app::signup::resend_confirmation(&app.app, &site, viewer.session.account_id)
            .await
        {
            Ok(()) => Outcome::say(
                StatusCode::OK,
                Some("A new confirmation link is on its way to your address.".into()),
            ),
            Err(err) => Outcome::refused(err)?,
        };
    account_page(&app, &site, &viewer, outcome, Shown::default()).await
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_local_paths_are_followed_after_signing_in() {
        assert_eq!(safe_next("/2026/09/19/rocky-iv"), "/2026/09/19/rocky-iv");
        for hostile in [
            "//evil.example/",
            "/\\evil.example",
            "https://evil.example/",
            "javascript:alert(1)",
            "",
            "/ok\r\nSet-Cookie: x=1",
        ] {
            assert_eq!(safe_next(hostile), "/account", "{hostile:?}");
        }
    }
}
