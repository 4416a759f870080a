//! `POST /likes`: a like (or unlike) of a post or a comment, from the Like buttons.
//!
//! Without JavaScript the button is a form: the answer sends the browser back to the same place
//! on the post (`?liked=1`, an address the shared cache does not answer, so the page says what
//! the reader likes). With JavaScript the script sends the same form asking for JSON and updates
//! the button and count in place; a refusal comes back as JSON problem details.
//!
//! Guests are known by a random cookie (`encore_liker`, `HttpOnly`) of which only a hash is kept.
//! Like the guest's comment form, the button sits on pages the shared cache serves, so it carries
//! no per-browser token: a request that a browser says came from another site is refused, and a
//! signed-in reader's form carries their session's token.

use crate::{
    error::{Error, Result},
    extract::ClientIp,
    pages::{
        account::{check_token, see_other},
        comments::likes_text,
    },
    session::{FormSite, Viewer, cookie, set_cookie},
    state::AppState,
    throttle::{self, Action},
};
use axum::{
    Form,
    extract::State,
    http::{HeaderMap, header},
    response::{IntoResponse, Response},
};
use encore_app::likes::{Liker, like};
use encore_core::ids::{CommentId, PostId};
use encore_store::likes::Liked;
use serde::Deserialize;

/// The guest's like cookie.
pub const LIKER_COOKIE: &str = "encore_liker";
/// How long a guest's browser keeps its like cookie: a year.
const LIKER_COOKIE_SECONDS: i64 = 365 * 24 * 3600;

/// What a Like button sends.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct LikeFields {
    /// The post liked, or the post of the comment liked.
    post: String,
    /// The comment liked, if a comment.
    comment: String,
    /// `like` or `unlike`.
    #[serde(rename = "do")]
    action: String,
    /// A signed-in reader's token.
    csrf: String,
}

fn wants_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"))
}

/// `POST /likes`.
pub async fn submit(
    State(app): State<AppState>,
    FormSite(site): FormSite,
    Viewer(viewer): Viewer,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Form(fields): Form<LikeFields>,
) -> Response {
    let json = wants_json(&headers);
    match act(&app, &site, viewer, ip, &headers, fields, json).await {
        Ok(response) => response,
        Err(e) if json => e.into_problem(),
        Err(e) => e.into_response(),
    }
}

async fn act(
    app: &AppState,
    site: &encore_core::site::Site,
    viewer: Option<crate::session::SignedIn>,
    ip: std::net::IpAddr,
    headers: &HeaderMap,
    fields: LikeFields,
    json: bool,
) -> Result<Response> {
    let mut new_cookie = None;
    let liker = match &viewer {
        Some(viewer) => {
            check_token(viewer, &fields.csrf)?;
            Liker::Account(viewer.session.account_id)
        }
        None => match cookie(headers, LIKER_COOKIE).filter(|c| crate::session::plain_token(c)) {
            Some(value) => Liker::browser(value),
            None => {
                let value = encore_app::sessions::random_token().map_err(Error::from)?;
                let liker = Liker::browser(&value);
                new_cookie = Some(value);
                liker
            }
        },
    };
    if !app.throttle.allow(Action::Like, ip) {
        return Err(Error::TooManyRequests(throttle::WINDOW.as_secs()));
    }
    let bad = || Error::BadRequest("say which post or comment to like".into());
    let what = match fields.comment.trim() {
        "" => Liked::Post(PostId(fields.post.trim().parse().map_err(|_| bad())?)),
        id => Liked::Comment(CommentId(id.parse().map_err(|_| bad())?)),
    };
    let on = match fields.action.as_str() {
        "" | "like" => true,
        "unlike" => false,
        _ => return Err(Error::BadRequest("`do` is `like` or `unlike`".into())),
    };
    let done = like(&app.app, site, &liker, what, on).await?;
    let mut response = if json {
        let text = match what {
            Liked::Post(_) => likes_text(done.count),
            Liked::Comment(_) => comment_likes_text(done.count),
        };
        let body = serde_json::json!({ "liked": done.liked, "count": done.count, "text": text });
        (
            [
                (header::CONTENT_TYPE, "application/json"),
                (header::CACHE_CONTROL, "no-store"),
            ],
            body.to_string(),
        )
            .into_response()
    } else {
        let anchor = match what {
            Liked::Post(_) => "likes".to_owned(),
            Liked::Comment(id) => format!("comment-{}", id.0),
        };
        see_other(&format!("{}?liked=1#{anchor}", done.post_path))
    };
    if let Some(value) = new_cookie {
        response.headers_mut().append(
            header::SET_COOKIE,
            set_cookie(site, LIKER_COOKIE, &value, LIKER_COOKIE_SECONDS, false),
        );
    }
    Ok(response)
}

/// What a comment's likes line says for `count` likes.
pub fn comment_likes_text(count: i64) -> String {
    match count {
        ..=0 => String::new(),
        1 => "Liked by 1 person".to_owned(),
        n => format!("Liked by {n} people"),
    }
}
