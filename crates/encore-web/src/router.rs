//! Every route of Encore's web face, in one list, and the layers around them.

use crate::{
    front::FrontDoor,
    pages::{
        account, admin, archives, assets, authors, avatars, comments, downloads, errors, likes,
        misc, pictures, posts, series, social, taxonomy,
    },
    state::AppState,
};
use axum::{
    Router,
    extract::{Request, State},
    http::{HeaderName, HeaderValue, StatusCode, header},
    middleware::{self, Next},
    response::{IntoResponse, Redirect, Response},
    routing::{MethodRouter, get, post},
};
use std::time::Duration;
use tower::ServiceBuilder;
use tower_http::{
    catch_panic::CatchPanicLayer, set_header::SetResponseHeaderLayer, timeout::TimeoutLayer,
    trace::TraceLayer,
};

/// The players an embed may frame (see `encore_core::embed::PLAYER_PREFIXES`).
pub(crate) const CSP: &str = "default-src 'self'; img-src 'self' https: data:; media-src 'self' https:; \
    style-src 'self'; style-src-attr 'unsafe-inline'; script-src 'self'; object-src 'none'; base-uri 'self'; \
    form-action 'self'; frame-ancestors 'self'; frame-src https://www.youtube-nocookie.com https://player.vimeo.com \
    https://w.soundcloud.com https://bandcamp.com https://open.spotify.com";

/// The largest request body most routes take (forms).
const BODY_LIMIT: usize = 64 * 1024;
/// The largest body of a picture upload: the file and the form around it.
const AVATAR_BODY_LIMIT: usize = encore_app::accounts::AVATAR_MAX_BYTES + 64 * 1024;
/// The largest body of an upload to the media library: the file and the form around it.
const UPLOAD_BODY_LIMIT: usize = encore_core::download::MAX_UPLOAD_BYTES + 64 * 1024;
/// The largest body the editor sends (a long post with its track listing, saved or autosaved).
const EDITOR_BODY_LIMIT: usize = encore_app::drafts::MAX_AUTOSAVE_BYTES + 64 * 1024;

/// Limits request bodies: a picture upload may be larger than a form. A declared length over the
/// limit is answered 413 at once; a body that grows past it fails the handler's read.
async fn limit_body(request: Request, next: Next) -> Response {
    let path = request.uri().path();
    let limit = if path == "/account/avatar" {
        AVATAR_BODY_LIMIT
    } else if path.starts_with("/admin/posts/") || path == "/admin/preview" {
        EDITOR_BODY_LIMIT
    } else if path == "/admin/media" {
        UPLOAD_BODY_LIMIT
    } else {
        BODY_LIMIT
    };
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return (
            StatusCode::PAYLOAD_TOO_LARGE,
            "the request body is too large",
        )
            .into_response();
    }
    let request =
        request.map(|body| axum::body::Body::new(http_body_util::Limited::new(body, limit)));
    next.run(request).await
}

/// Every route and its handler, in one list.
fn routes_table() -> Vec<(&'static str, MethodRouter<AppState>)> {
    vec![
        ("/", get(posts::home)),
        ("/page/{n}", get(posts::home_page)),
        ("/{first}", get(posts::section)),
        ("/{first}/page/{n}", get(archives::year_page)),
        ("/{first}/{second}", get(archives::month)),
        ("/{first}/{second}/page/{n}", get(archives::month_page)),
        ("/{first}/{second}/{day}/{slug}", get(posts::show)),
        ("/category/{slug}", get(taxonomy::category)),
        ("/category/{slug}/page/{n}", get(taxonomy::category_page)),
        ("/tag/{slug}", get(taxonomy::tag)),
        ("/tag/{slug}/page/{n}", get(taxonomy::tag_page)),
        ("/series/{slug}", get(series::show)),
        ("/subject/{year}", get(taxonomy::subject)),
        ("/subject/{year}/page/{n}", get(taxonomy::subject_page)),
        ("/author/{username}", get(authors::show)),
        ("/author/{username}/page/{n}", get(authors::show_page)),
        ("/download/{id}/{name}", get(downloads::get)),
        ("/media/{id}/{size}/{name}", get(pictures::show)),
        ("/theme/{*path}", get(assets::get)),
        ("/account", get(account::account)),
        (
            "/account/login",
            get(account::login_form).post(account::login),
        ),
        ("/admin", get(admin::dashboard)),
        ("/admin/posts", get(admin::list)),
        ("/admin/posts/new", get(admin::new_form).post(admin::create)),
        (
            "/admin/posts/{id}",
            get(admin::edit_form).post(admin::update),
        ),
        ("/admin/posts/{id}/delete", post(admin::delete)),
        ("/admin/posts/{id}/revisions/{rev}", get(admin::revision)),
        (
            "/admin/posts/{id}/revisions/{rev}/restore",
            post(admin::restore),
        ),
        (
            "/admin/posts/new/autosave",
            post(admin::drafts::autosave_new),
        ),
        (
            "/admin/posts/new/autosave/discard",
            post(admin::drafts::discard_new),
        ),
        ("/admin/posts/{id}/autosave", post(admin::drafts::autosave)),
        (
            "/admin/posts/{id}/autosave/discard",
            post(admin::drafts::discard_saved),
        ),
        ("/admin/posts/{id}/preview", post(admin::drafts::share)),
        (
            "/admin/posts/{id}/preview/stop",
            post(admin::drafts::unshare),
        ),
        ("/admin/preview", post(admin::drafts::live_preview)),
        (
            "/admin/media",
            get(admin::media::list)
                .post(admin::media::add)
                .layer(axum::extract::DefaultBodyLimit::max(UPLOAD_BODY_LIMIT)),
        ),
        ("/admin/media/{id}/delete", post(admin::media::delete)),
        ("/preview/{token}", get(posts::preview)),
        (
            "/admin/settings",
            get(admin::settings::show).post(admin::settings::save),
        ),
        ("/admin/people", get(admin::people::list)),
        ("/admin/people/invite", post(admin::people::invite_someone)),
        ("/admin/people/{id}", post(admin::people::change)),
        (
            "/admin/comments",
            get(admin::comments::queue).post(admin::comments::act),
        ),
        ("/admin/comments/{id}", get(admin::comments::show)),
        ("/admin/comments/{id}/edit", post(admin::comments::edit)),
        ("/admin/comments/{id}/reply", post(admin::comments::reply)),
        ("/admin/{kind}", get(admin::terms::list)),
        ("/admin/{kind}/new", post(admin::terms::create)),
        (
            "/admin/{kind}/{id}",
            get(admin::terms::edit).post(admin::terms::update),
        ),
        ("/admin/{kind}/{id}/merge", post(admin::terms::merge)),
        ("/admin/{kind}/{id}/delete", post(admin::terms::delete)),
        (
            "/account/avatar",
            post(avatars::choose).layer(axum::extract::DefaultBodyLimit::max(AVATAR_BODY_LIMIT)),
        ),
        ("/avatar/{id}", get(avatars::show)),
        ("/comments", post(comments::submit)),
        ("/likes", post(likes::submit)),
        ("/comments/stamp", get(comments::stamp)),
        ("/comments/{id}", get(comments::permalink)),
        ("/comments/{id}/avatar", get(comments::avatar)),
        (
            "/comments/{id}/edit",
            get(comments::own_form).post(comments::own_save),
        ),
        ("/account/login/{provider}", post(social::start)),
        ("/account/login/{provider}/callback", get(social::callback)),
        ("/account/logins/{provider}/link", post(social::link)),
        ("/account/logins/{id}/unlink", post(social::unlink)),
        ("/account/logout", post(account::logout)),
        ("/account/logout-others", post(account::logout_others)),
        ("/account/password", post(account::password)),
        ("/account/profile", post(account::profile)),
        ("/account/app-passwords", post(account::create_app_password)),
        (
            "/account/app-passwords/{id}/revoke",
            post(account::revoke_app_password),
        ),
        (
            "/account/reset",
            get(account::reset_form).post(account::reset_request),
        ),
        (
            "/account/reset/{token}",
            get(account::reset_link).post(account::reset_password),
        ),
        ("/account/confirm", post(account::resend_confirmation)),
        (
            "/account/confirm/{token}",
            get(account::confirm_form).post(account::confirm),
        ),
        (
            "/account/signup",
            get(account::signup_form).post(account::signup),
        ),
        (
            "/account/invite/{token}",
            get(account::invitation_form).post(account::accept_invitation),
        ),
        ("/robots.txt", get(misc::robots)),
        ("/healthz", get(misc::health)),
        ("/metrics", get(crate::metrics::show)),
    ]
}

/// The routes that change something when sent a form: each checks a token and where the form
/// came from (a test walks them all with a missing and a foreign token).
pub const FORM_ROUTES: &[&str] = &[
    "/account/login",
    "/comments",
    "/likes",
    "/comments/{id}/edit",
    "/account/avatar",
    "/admin/posts/new",
    "/admin/posts/{id}",
    "/admin/posts/{id}/delete",
    "/admin/posts/{id}/revisions/{rev}/restore",
    "/admin/posts/new/autosave",
    "/admin/posts/new/autosave/discard",
    "/admin/posts/{id}/autosave",
    "/admin/posts/{id}/autosave/discard",
    "/admin/posts/{id}/preview",
    "/admin/posts/{id}/preview/stop",
    "/admin/preview",
    "/admin/media",
    "/admin/media/{id}/delete",
    "/admin/settings",
    "/admin/people/invite",
    "/admin/people/{id}",
    "/admin/comments",
    "/admin/comments/{id}/edit",
    "/admin/comments/{id}/reply",
    "/admin/{kind}/new",
    "/admin/{kind}/{id}",
    "/admin/{kind}/{id}/merge",
    "/admin/{kind}/{id}/delete",
    "/account/login/{provider}",
    "/account/logins/{provider}/link",
    "/account/logins/{id}/unlink",
    "/account/logout",
    "/account/logout-others",
    "/account/password",
    "/account/profile",
    "/account/app-passwords",
    "/account/app-passwords/{id}/revoke",
    "/account/reset",
    "/account/reset/{token}",
    "/account/signup",
    "/account/invite/{token}",
    "/account/confirm",
    "/account/confirm/{token}",
];

/// The route patterns, as the router matches them (a test holds `encore_core::address`
/// against them; metrics label requests with them).
pub fn patterns() -> &'static [&'static str] {
    static PATTERNS: std::sync::LazyLock<Vec<&'static str>> = std::sync::LazyLock::new(|| {
        routes_table()
            .into_iter()
            .map(|(pattern, _)| pattern)
            .collect()
    });
    &PATTERNS
}

/// Builds the application: the front door (request checks, cached pages, metrics) before the
/// routes with their error pages, then security headers, limits and tracing around it all.
pub fn router(state: AppState) -> Router {
    let header = |name: HeaderName, value: &'static str| {
        SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
    };
    let mut routes = Router::new();
    for (pattern, handler) in routes_table() {
        routes = routes.route(pattern, handler);
    }
    // The spam API's routes sit with the others, inside the same limits, timeouts, tracing and
    // headers; they answer in the Akismet protocol's own words, errors included.
    if let Some(spam) = &state.settings.spam {
        routes = routes.nest_service(
            &spam.path,
            encore_spam::server::router(spam.service.clone()),
        );
    }
    // Inner to outer: panics become 500 responses; error responses become the theme's error
    // page; addresses with a trailing slash are redirected; request bodies are limited, slow
    // handlers cut off, requests traced.
    let routes = routes
        .fallback(errors::not_found)
        .layer(CatchPanicLayer::custom(errors::panic_response))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            errors::error_pages,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            trailing_slash,
        ))
        .layer(middleware::from_fn(limit_body))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(30),
        ))
        .layer(TraceLayer::new_for_http())
        .with_state(state.clone());
    // A page answered from memory meets only this: no timer, no span, no routing.
    let front = ServiceBuilder::new()
        .layer(header(header::CONTENT_SECURITY_POLICY, CSP))
        .layer(header(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(header(
            header::REFERRER_POLICY,
            "strict-origin-when-cross-origin",
        ))
        .layer(header(header::X_FRAME_OPTIONS, "SAMEORIGIN"))
        .service(FrontDoor {
            state,
            inner: routes,
        });
    Router::new().fallback_service(front)
}

/// Sends `/1985/` to `/1985`, so every page has one address (links from WordPress end in `/`).
/// The redirect is built on the site's own address, never on what the request said.
async fn trailing_slash(State(app): State<AppState>, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    if path.len() > 1 && path.ends_with('/') {
        let trimmed = path.trim_end_matches('/');
        let target = match request.uri().query() {
            Some(q) => format!("{trimmed}?{q}"),
            None => trimmed.to_owned(),
        };
        if target.is_empty() || target.starts_with('?') {
            return Redirect::permanent("/").into_response();
        }
        let site = app
            .sites
            .for_request(
                &app.store,
                app.cache.freshness(),
                request.headers(),
                request.uri(),
            )
            .await;
        if let Ok(Some(site)) = site {
            return Redirect::permanent(&site.url(&target)).into_response();
        }
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::{body::Body, extract::MatchedPath};
    use chrono::TimeZone;
    use encore_core::{address, ids::DownloadId};
    use tower::ServiceExt;

    /// Every address the address module makes is one the router routes, to the handler meant
    /// for it.
    #[tokio::test]
    async fn every_address_reaches_the_route_meant_for_it() {
        let mut probe: Router = Router::new();
        for pattern in patterns() {
            probe = probe.route(
                pattern,
                get(|matched: MatchedPath| async move { matched.as_str().to_owned() }),
            );
        }
        let at = chrono::Utc.with_ymd_and_hms(2026, 10, 10, 9, 0, 0).unwrap();
        let cases = [
            (address::home(), "/"),
            (address::page_n("/", 2), "/page/{n}"),
            (
                address::post("рок-музыка", Some(at)),
                "/{first}/{second}/{day}/{slug}",
            ),
            (address::page("about"), "/{first}"),
            (address::year(1985), "/{first}"),
            (
                address::page_n(&address::year(1985), 2),
                "/{first}/page/{n}",
            ),
            (address::month(1985, 11), "/{first}/{second}"),
            (
                address::page_n(&address::month(1985, 11), 3),
                "/{first}/{second}/page/{n}",
            ),
            (address::category("1985"), "/category/{slug}"),
            (
                address::page_n(&address::category("1985"), 2),
                "/category/{slug}/page/{n}",
            ),
            (address::tag("シティポップ"), "/tag/{slug}"),
            (
                address::page_n(&address::tag("x"), 2),
                "/tag/{slug}/page/{n}",
            ),
            (address::series("great-soundtracks"), "/series/{slug}"),
            (address::subject_year(1985), "/subject/{year}"),
            (
                address::page_n(&address::subject_year(1985), 2),
                "/subject/{year}/page/{n}",
            ),
            (address::author("marty"), "/author/{username}"),
            (
                address::page_n(&address::author("marty"), 2),
                "/author/{username}/page/{n}",
            ),
            (
                address::download(DownloadId(7), "rocky iv notes.txt"),
                "/download/{id}/{name}",
            ),
        ];
        for (path, expected) in cases {
            let response = probe
                .clone()
                .oneshot(
                    axum::http::Request::builder()
                        .uri(&path)
                        .body(Body::empty())
                        .unwrap(),
                )
                .await
                .unwrap();
            let body = axum::body::to_bytes(response.into_body(), 1024)
                .await
                .unwrap();
            assert_eq!(body, expected.as_bytes(), "{path}");
        }
    }
}
