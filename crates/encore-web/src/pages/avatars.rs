//! Members' pictures: `GET /avatar/{id}` and the account page's form that chooses one.

use crate::{
    error::{Error, Result},
    extract::CurrentSite,
    pages::account::{Outcome, Shown, account_page, check_token, see_other},
    session::{FormSite, Viewer},
    state::AppState,
};
use axum::{
    extract::{Multipart, Path, State},
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
};
use encore_app::accounts::{AVATAR_MAX_BYTES, AvatarChoice};
use encore_core::{
    avatar::{Avatar, generated_svg, gravatar_url},
    ids::AccountId,
};

/// The address of a member's picture, with a version that changes with their choice.
pub(crate) async fn url_of(app: &AppState, account: AccountId) -> Result<String> {
    let source = app
        .store
        .accounts()
        .avatar(account)
        .await?
        .ok_or(Error::NotFound)?;
    let version = Avatar::parse(&source.avatar).version();
    Ok(format!("/avatar/{}?v={version}", account.0))
}

/// `GET /avatar/{id}`: the picture of a member of this site — the uploaded PNG, a redirect to
/// their Gravatar, or a drawing of their initials.
pub async fn show(
    State(app): State<AppState>,
    CurrentSite(site): CurrentSite,
    Path(id): Path<String>,
) -> Result<Response> {
    let id: i64 = id.parse().map_err(|_| Error::NotFound)?;
    let account = AccountId(id);
    // Only members of the site asked have a picture here.
    if app.store.accounts().role(site.id, account).await?.is_none() {
        return Err(Error::NotFound);
    }
    picture_of(&app, account).await
}

/// The picture `account` chose, as an answer (kept by browsers and caches for a day).
pub(crate) async fn picture_of(app: &AppState, account: AccountId) -> Result<Response> {
    let source = app
        .store
        .accounts()
        .avatar(account)
        .await?
        .ok_or(Error::NotFound)?;
    let cache = HeaderValue::from_static("public, max-age=86400");
    let mut response = match Avatar::parse(&source.avatar) {
        Avatar::Generated => (
            [(header::CONTENT_TYPE, "image/svg+xml")],
            generated_svg(&source.display_name, &source.username),
        )
            .into_response(),
        Avatar::Gravatar => {
            Redirect::to(&gravatar_url(&source.email, encore_core::avatar::SIDE)).into_response()
        }
        Avatar::Uploaded(key) => {
            let bytes = app.store.accounts().avatar_bytes(&key).await?;
            ([(header::CONTENT_TYPE, "image/png")], bytes).into_response()
        }
    };
    response.headers_mut().insert(header::CACHE_CONTROL, cache);
    Ok(response)
}

/// `POST /account/avatar` (multipart): uploads a picture, or chooses Gravatar or the drawing.
pub async fn choose(
    State(app): State<AppState>,
    FormSite(site): FormSite,
    Viewer(viewer): Viewer,
    form: std::result::Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Response> {
    let Some(viewer) = viewer else {
        return Ok(see_other(crate::pages::account::LOGIN_PATH));
    };
    // A body that is not a multipart form carries no token to check.
    let Ok(mut form) = form else {
        return Err(Error::Forbidden(
            "this form has expired; open the page again".into(),
        ));
    };
    let (mut csrf, mut choice, mut file) = (String::new(), String::new(), None);
    let too_large = || {
        Outcome::refused(encore_app::AppError::Validation(
            encore_core::ValidationError::new("avatar", "is larger than 2 MB"),
        ))
    };
    let mut outcome = None;
    loop {
        let field = match form.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                outcome = Some(too_large()?);
                break;
            }
            Err(e) => return Err(Error::BadRequest(e.body_text())),
        };
        let name = field.name().unwrap_or_default().to_owned();
        let bytes = match field.bytes().await {
            Ok(bytes) => bytes,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                outcome = Some(too_large()?);
                break;
            }
            Err(e) => return Err(Error::BadRequest(e.body_text())),
        };
        match name.as_str() {
            "csrf" => csrf = String::from_utf8_lossy(&bytes).into_owned(),
            "choice" => choice = String::from_utf8_lossy(&bytes).into_owned(),
            "avatar" if bytes.len() <= AVATAR_MAX_BYTES + 1 => file = Some(bytes),
            "avatar" => outcome = Some(too_large()?),
            _ => {}
        }
    }
    check_token(&viewer, &csrf)?;
    if outcome.is_none() {
        let picked = match choice.as_str() {
            "gravatar" => AvatarChoice::Gravatar,
            "generated" => AvatarChoice::Generated,
            "upload" => AvatarChoice::Upload(file.unwrap_or_default()),
            _ => {
                return Err(Error::BadRequest(
                    "choose upload, gravatar or generated".into(),
                ));
            }
        };
        match encore_app::accounts::set_avatar(&app.app, viewer.session.account_id, picked).await {
            Ok(()) => return Ok(see_other("/account")),
            Err(err) => outcome = Some(Outcome::refused(err)?),
        }
    }
    let outcome = outcome.unwrap_or_else(Outcome::ok);
    account_page(&app, &site, &viewer, outcome, Shown::default()).await
}
